"""The forecast workflow's steps (stepfunctions/forecast.asl.json), each `(event: dict) -> dict` behind a thin
Lambda handler, each one read, call, write over the engine (vendorcast.forecasting.forecaster): Prepare reads the
curated lake and writes the shards, Train fits the pooled models on all shards once, ForecastShard runs the engine
on one shard, Publish writes the forecast tables, RecordFailure records a failed run. Working files live in the
run's folder of the lake bucket (vendorcast.lake.run_files)."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from vendorcast import resources as r
from vendorcast.alerts.forecast_run import RunSummary, render_run_failed, render_run_succeeded
from vendorcast.forecasting.calendar import calendar_warning, last_forecast_day
from vendorcast.forecasting.ensemble import ENSEMBLE, NEW
from vendorcast.forecasting.forecaster import forecast_panel, train_pooled_models
from vendorcast.forecasting.metrics import pool_accuracy
from vendorcast.forecasting.models import BASELINE, model_factories
from vendorcast.forecasting.panel import ITEM, WEEK, DensePanel, PanelError, attach_snapshots, check_history, to_dense
from vendorcast.forecasting.run import (
    DISTRIBUTED_MAP_SHARDS,
    ForecastInputError,
    Run,
    RunRequest,
    validated,
)
from vendorcast.forecasting.settings import DEFAULT_LEVELS, POOLED_MAX_SERIES, ForecastSettings
from vendorcast.lake.forecast_inputs import read_forecast_inputs
from vendorcast.lake.forecast_rows import accuracy_rows, forecast_rows, run_row, utc
from vendorcast.lake.forecast_tables import (
    AMAZON_MODEL,
    FORECAST,
    FORECAST_ACCURACY,
    FORECAST_RUNS,
    RUN_STATUS_FAILED,
    RUN_STATUS_SUCCEEDED,
    SEGMENT_ALL,
    SEGMENT_VS_AMAZON,
    write_run_partition,
)
from vendorcast.lake.glue_catalog import GlueCatalog
from vendorcast.lake.promotions import PROMOTION_COVARIATES
from vendorcast.lake.query import lake_storage
from vendorcast.lake.run_files import RunFiles
from vendorcast.lake.storage import LakeStorage

log = logging.getLogger(__name__)


class ShardInput(BaseModel):
    """ForecastShard's input: the run, Train's result and one item of $.run.shards."""

    model_config = ConfigDict(extra="ignore")

    run: Run
    shard: dict[str, int] = Field(description="{'shard': index, 'items': count}")


def workflow_storage() -> LakeStorage:
    """The lake bucket the stacks name (ENV_LAKE_BUCKET), as every step reads and writes it."""
    bucket = os.environ.get(r.ENV_LAKE_BUCKET)
    if not bucket:
        raise ForecastInputError(f"environment variable {r.ENV_LAKE_BUCKET} (the lake bucket) is not set")
    return lake_storage(f"s3://{bucket}")


def _panel(run: Run, demand: pd.DataFrame, amazon: pd.DataFrame, promotions: pd.DataFrame,
           series: pd.DataFrame) -> DensePanel:
    """The dense panel of some shards on the run's weekly grid (so shards share week indices), with Amazon's
    snapshots as a covariate, the vendor's promotion plan as covariates known ahead (in the weeks it covers) and
    each series' marketplace (whose event calendar it reads)."""
    future, known = None, ()
    if run.promotions:
        future = promotions.astype({WEEK: "datetime64[ns]"})
        demand = demand.astype({WEEK: "datetime64[ns]"}).merge(future, on=[ITEM, WEEK], how="left")
        known = PROMOTION_COVARIATES
    panel = to_dense(check_history(demand, "demand_weekly"), future, horizon=run.horizon,
                     end=pd.Timestamp(run.origin) - timedelta(days=7), known_covariates=known,
                     start=pd.Timestamp(run.first_week))
    attach_snapshots(panel, amazon)
    panel.marketplaces = series.set_index(ITEM)["marketplace_id"].loc[panel.items].to_numpy()
    return panel


def calendar_warnings(run: Run, marketplace_ids: list[str]) -> list[str]:
    """One warning per marketplace whose known events end before the run's last forecast day (also logged)."""
    last_day = last_forecast_day(run.origin, run.horizon)
    warnings = [w for m in sorted(set(marketplace_ids)) if (w := calendar_warning(m, last_day))]
    for warning in warnings:
        log.warning("forecast run %s: %s", run.run_id, warning)
    return warnings


def prepare_run(event: dict[str, Any]) -> dict[str, Any]:
    """Read the weeks before the origin from the curated lake, split the series into shards, write them."""
    request = validated(RunRequest, event, "Prepare")
    storage = workflow_storage()
    inputs = read_forecast_inputs(storage, request.origin, request.horizon)
    try:
        request.settings().check_history_length(inputs.demand[WEEK].nunique(),
                                                 f"demand_weekly before {inputs.origin}")
    except PanelError as exc:
        raise ForecastInputError(str(exc)) from None
    files = RunFiles(storage, request.run_id)
    items = inputs.series[ITEM].to_numpy()
    shards = []
    for shard, start in enumerate(range(0, len(items), request.shard_size)):
        chosen = items[start:start + request.shard_size]
        for name, frame in (("demand", inputs.demand), ("series", inputs.series), ("amazon", inputs.amazon),
                            ("promotions", inputs.promotions.covariates)):
            files.write_shard(shard, name, frame[frame[ITEM].isin(chosen)])
        shards.append({"shard": shard, "items": len(chosen)})
    run = Run(run_id=request.run_id, started_at=request.started_at, trigger=request.trigger, origin=inputs.origin,
              horizon=request.horizon, backtest_windows=request.backtest_windows, series_count=len(items),
              first_week=inputs.demand[WEEK].min().date(), shards=shards,
              distributed=len(shards) > DISTRIBUTED_MAP_SHARDS, promotions=not inputs.promotions.covariates.empty,
              input_notes=inputs.promotions.summary())
    log.info("prepared run %s: %d series in %d shard(s), origin %s", run.run_id, len(items), len(shards), run.origin)
    return run.model_dump(mode="json")


def _training_sample(frame: pd.DataFrame, chosen: set[str]) -> pd.DataFrame:
    return frame[frame[ITEM].isin(chosen)]


def train_models(event: dict[str, Any]) -> dict[str, Any]:
    """Fit the pooled models at every backtest origin and at the run's origin, on every series of every shard (a
    random sample of POOLED_MAX_SERIES of them in a larger catalogue, chosen while reading, so memory stays
    bounded)."""
    run = validated(Run, event.get("run"), "Train")
    files = RunFiles(workflow_storage(), run.run_id)
    share = min(1.0, POOLED_MAX_SERIES / max(run.series_count, 1))
    rng = np.random.default_rng(0)
    parts: dict[str, list[pd.DataFrame]] = {"demand": [], "amazon": [], "promotions": [], "series": []}
    for shard in (s["shard"] for s in run.shards):
        series = files.read_shard(shard, "series").column(ITEM).to_pylist()
        chosen = {item for item, draw in zip(series, rng.random(len(series)), strict=True) if draw < share}
        for name, frames in parts.items():
            frames.append(_training_sample(files.read_shard(shard, name).to_pandas(), chosen))
    panel = _panel(run, *(pd.concat(parts[name], ignore_index=True)
                          for name in ("demand", "amazon", "promotions", "series")))
    trained = train_pooled_models(panel, run.settings())
    return {"models_key": files.write_models(trained), "origins": list(trained)}


def forecast_shard(event: dict[str, Any]) -> dict[str, Any]:
    """Run the engine on one shard with the trained pooled models; write its forecast rows and accuracy sums."""
    step = validated(ShardInput, event, "ForecastShard")
    run, shard = step.run, step.shard.get("shard", -1)
    files = RunFiles(workflow_storage(), run.run_id)
    amazon = files.read_shard(shard, "amazon").to_pandas()
    series = files.read_shard(shard, "series").to_pandas()
    panel = _panel(run, files.read_shard(shard, "demand").to_pandas(), amazon,
                   files.read_shard(shard, "promotions").to_pandas(), series)
    result = forecast_panel(panel, run.settings(), trained=files.read_models(), reference=amazon,
                            reference_name=AMAZON_MODEL)
    files.write_shard(shard, "forecast", forecast_rows(result.to_frame(), series, run.run_id, run.started_at))
    files.write_shard(shard, "accuracy_sums", result.accuracy_sums())
    final = result.forecasts[ENSEMBLE]
    return {"shard": shard, "items": len(final.items), "cold_start": int(np.sum(result.segments[final.items] == NEW)),
            "weights": result.plan.weights.get("all", {})}


def _wql_p70_p90(metrics: dict[str, float]) -> float | None:
    values = [metrics.get(f"wql_p{p}") for p in (70, 80, 90)]
    return float(np.mean(values)) if metrics and all(v is not None for v in values) else None


def _models(settings: ForecastSettings) -> str:
    return ",".join([*model_factories(settings), ENSEMBLE])


def publish_run(event: dict[str, Any]) -> dict[str, Any]:
    """Write forecast, forecast_accuracy and forecast_runs for the run's origin (registered in the Glue catalog),
    and return the summary the workflow e-mails."""
    run = validated(Run, event.get("run"), "Publish")
    shard_results = event.get("shards") or []
    storage = workflow_storage()
    files = RunFiles(storage, run.run_id)
    shards = [s["shard"] for s in run.shards]
    series = files.read_shards(shards, "series").to_pandas()
    pooled = pool_accuracy(files.read_shards(shards, "accuracy_sums").to_pandas(), DEFAULT_LEVELS)
    headline = {(p["model"], p["segment"]): p["metrics"] for p in pooled
                if p["backtest_window"] is None and p["horizon"] is None and p["item_id"] is None}
    catalog = GlueCatalog.from_environment(storage)
    write_run_partition(storage, catalog, FORECAST, run.origin, run.run_id, files.read_shards(shards, "forecast"))
    write_run_partition(storage, catalog, FORECAST_ACCURACY, run.origin, run.run_id,
                        accuracy_rows(pooled, series, run.run_id, run.started_at, run.window_origins()))
    ours = headline.get((ENSEMBLE, SEGMENT_ALL), {})
    warnings = calendar_warnings(run, series["marketplace_id"].tolist())
    summary = RunSummary(
        run_id=run.run_id, trigger=run.trigger, origin=run.origin, horizon=run.horizon,
        backtest_windows=run.backtest_windows,
        items_forecast=int(sum(int(s.get("items", 0)) for s in shard_results)) or run.series_count,
        items_cold_start=int(sum(int(s.get("cold_start", 0)) for s in shard_results)),
        wql_mean=ours.get("wql_mean"),
        seasonal_naive_wql_mean=headline.get((BASELINE, SEGMENT_ALL), {}).get("wql_mean"),
        coverage_p10_p90=ours.get("coverage_p10_p90"),
        wql_p70_p90=_wql_p70_p90(headline.get((ENSEMBLE, SEGMENT_VS_AMAZON), {})),
        amazon_wql_p70_p90=_wql_p70_p90(headline.get((AMAZON_MODEL, SEGMENT_VS_AMAZON), {})),
        input_notes=tuple(run.input_notes), warnings=tuple(warnings))
    write_run_partition(storage, catalog, FORECAST_RUNS, run.origin, run.run_id, run_row(
        run_id=run.run_id, run_trigger=run.trigger, started_at=utc(run.started_at), finished_at=datetime.now(UTC),
        status=RUN_STATUS_SUCCEEDED, forecast_published=True, horizon=run.horizon,
        quantiles=",".join(f"{q:g}" for q in DEFAULT_LEVELS),
        models=_models(run.settings()), backtest_windows=run.backtest_windows, series_count=run.series_count,
        items_forecast=summary.items_forecast, items_cold_start=summary.items_cold_start, shards=len(run.shards),
        wql_mean=summary.wql_mean, seasonal_naive_wql_mean=summary.seasonal_naive_wql_mean,
        coverage_p10_p90=summary.coverage_p10_p90, wql_p70_p90=summary.wql_p70_p90,
        amazon_wql_p70_p90=summary.amazon_wql_p70_p90, warnings="\n".join(warnings) or None))
    subject, message = render_run_succeeded(summary)
    return {**asdict(summary), "origin": run.origin.isoformat(), "status": RUN_STATUS_SUCCEEDED, "subject": subject,
            "message": message}


def record_failed_run(event: dict[str, Any]) -> dict[str, Any]:
    """Write the failed run's forecast_runs row and return the failure notice (subject and message). A run that
    failed after Publish (in Plan) already has its SUCCEEDED row: the FAILED row replaces it in place, keeping its
    forecast figures and `forecast_published`, so its forecast stays the one the views show."""
    failed_state = str(event.get("failed_state") or "unknown state")
    failure = event.get("failure") or {}
    error, cause = str(failure.get("Error", "unknown error")), str(failure.get("Cause", ""))
    run_id = str(event.get("run_id") or "unknown-run")
    started_at = utc(event.get("started_at") or datetime.now(UTC))
    run_input = event.get("input") if isinstance(event.get("input"), dict) else {}
    storage = workflow_storage()
    published = _published_run_row(storage, run_id)
    failed = {"status": RUN_STATUS_FAILED, "failed_state": failed_state, "error": f"{error}: {cause}"[:2000],
              "finished_at": datetime.now(UTC)}
    if published is not None:
        origin, row = published
        row = run_row(**{**row, **failed})
    else:
        horizon = run_input.get("horizon")
        origin = _failed_run_origin(run_input.get("origin"), started_at.date())
        row = run_row(run_id=run_id, run_trigger=str(run_input.get("trigger", "manual")), started_at=started_at,
                      forecast_published=False, horizon=horizon if isinstance(horizon, int) else None,
                      quantiles=",".join(f"{q:g}" for q in DEFAULT_LEVELS), models=_models(ForecastSettings()),
                      **failed)
    write_run_partition(storage, GlueCatalog.from_environment(storage), FORECAST_RUNS, origin, run_id, row)
    subject, message = render_run_failed(run_id, failed_state, error, cause,
                                         forecast_published=published is not None)
    return {"run_id": run_id, "status": RUN_STATUS_FAILED, "failed_state": failed_state, "subject": subject,
            "message": message}


def _published_run_row(storage: LakeStorage, run_id: str) -> tuple[date, dict[str, Any]] | None:
    """The origin and forecast_runs row Publish wrote for `run_id` (its forecast was published), or None."""
    for stored in storage.list(FORECAST_RUNS.prefix, suffix=f"/{run_id}.parquet"):
        rows = (storage.read_parquet(stored.key) or pa.table({})).to_pylist()
        if rows and (rows[0].get("forecast_published") or rows[0].get("status") == RUN_STATUS_SUCCEEDED):
            partition = stored.key.removeprefix(f"{FORECAST_RUNS.prefix}/").split("/", 1)[0]
            return date.fromisoformat(partition.removeprefix("forecast_origin=")), rows[0]
    return None


def _failed_run_origin(text: Any, started: date) -> date:
    """The origin a failed run was for: its input's, else the Sunday starting the week it started in."""
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return started - timedelta(days=(started.weekday() + 1) % 7)
