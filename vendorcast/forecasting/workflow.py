"""The forecast workflow's steps (stepfunctions/forecast.asl.json), each `(event: dict) -> dict` behind a thin
Lambda handler: prepare the panel from the curated lake and shard it, train the global model once per origin,
forecast each shard (backtest, predict, ensemble, score), publish the forecast tables, or record a failed run.

Working files live under forecast/_runs/<run_id>/ in the lake bucket (outside every table's location); a step
re-run with the same input rewrites the same objects, so Step Functions retries are safe."""

from __future__ import annotations

import io
import logging
import os
import pickle
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import boto3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vendorcast import resources as r
from vendorcast.forecasting.backtest import WindowForecasts, rolling_origins, score
from vendorcast.forecasting.ensemble import ENSEMBLE, NEW, demand_segments, learn_plan
from vendorcast.forecasting.metrics import AccuracySums, quantile_name
from vendorcast.forecasting.models import DEFAULT_LEVELS, Ets, LightGBMGlobal, ModelForecast, SeasonalNaive
from vendorcast.forecasting.panel import (
    CENSORED,
    ITEM,
    SNAPSHOT_COLUMNS,
    TARGET,
    WEEK,
    DensePanel,
    attach_snapshots,
    check_history,
    to_dense,
)
from vendorcast.lake.forecast_tables import (
    AMAZON_MODEL,
    FORECAST,
    FORECAST_ACCURACY,
    FORECAST_RUNS,
    RUN_STATUS_FAILED,
    RUN_STATUS_SUCCEEDED,
    SEGMENT_ALL,
    SEGMENT_ASIN,
    SEGMENT_VS_AMAZON,
    ForecastTable,
)
from vendorcast.lake.glue_catalog import GlueCatalog
from vendorcast.lake.query import LocalLake, lake_storage
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import UNITS_SOURCE_ORDERED

log = logging.getLogger(__name__)

RUNS_PREFIX = f"{r.FORECAST_PREFIX}/_runs"
MODELS = ("seasonal_naive", "ets", "lightgbm_global")
DEFAULT_HORIZON = 12
DEFAULT_BACKTEST_WINDOWS = 3
DEFAULT_SHARD_SIZE = 1000
# Above this many shards the Map runs in distributed mode (inline Map state runs at most 40 iterations at once).
DISTRIBUTED_MAP_SHARDS = 40
# Past-only covariates of demand_weekly (none of them is known ahead for Amazon's retail side).
LAKE_COVARIATES = ("average_selling_price", "glance_views", "out_of_stock_rate")
AMAZON_LEVELS = (0.7, 0.8, 0.9)
_ITEM_SEPARATOR = "|"


class ForecastInputError(ValueError):
    """The workflow's input or the lake cannot make a forecast run; the message says what to fix."""


class RunRequest(BaseModel):
    """The execution input (scheduled or manual) with the execution's name and start time."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(min_length=1, max_length=80)
    started_at: datetime
    trigger: Literal["scheduled", "manual"] = "manual"
    origin: date | None = None
    horizon: int = Field(DEFAULT_HORIZON, ge=1, le=52)
    backtest_windows: int = Field(DEFAULT_BACKTEST_WINDOWS, ge=1, le=8)
    shard_size: int = Field(DEFAULT_SHARD_SIZE, ge=10, le=20_000)

    @field_validator("origin")
    @classmethod
    def _sunday(cls, value: date | None) -> date | None:
        if value is not None and value.weekday() != 6:
            raise ValueError(f"{value} is a {value:%A}; a forecast origin is the Sunday a retail week starts on")
        return value


class Run(BaseModel):
    """What Prepare hands to every later step ($.run)."""

    run_id: str
    started_at: datetime
    trigger: str
    origin: date
    horizon: int
    backtest_windows: int
    prefix: str
    series_count: int
    first_week: date  # week 0 of every shard's grid
    shards: list[dict[str, int]]
    distributed: bool

    def shard_key(self, shard: int, name: str) -> str:
        return f"{self.prefix}/shards/{shard:05d}/{name}"


def _validated(model: type[BaseModel], event: Any, step: str) -> Any:
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors())
        raise ForecastInputError(f"{step}: invalid input: {problems}") from None


def _storage() -> LakeStorage:
    bucket = os.environ.get(r.ENV_LAKE_BUCKET)
    if not bucket:
        raise ForecastInputError(f"environment variable {r.ENV_LAKE_BUCKET} (the lake bucket) is not set")
    return lake_storage(f"s3://{bucket}")


def _write_frame(storage: LakeStorage, key: str, frame: pd.DataFrame | pa.Table) -> None:
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    storage.write_parquet(key, table, "zstd")


def _read_frame(storage: LakeStorage, key: str) -> pd.DataFrame:
    content = storage.read_bytes(key)
    if content is None:
        raise ForecastInputError(f"s3 object {key} is missing: the step that writes it did not finish")
    return pq.read_table(io.BytesIO(content)).to_pandas()


# ------------------------------------------------------------------------------------------------- prepare
def prepare_run(event: dict[str, Any]) -> dict[str, Any]:
    """Build the demand panel from curated demand_weekly (weeks before the origin) and Amazon's forecast
    snapshots, split it into shards, and write them under the run's prefix."""
    request = _validated(RunRequest, event, "Prepare")
    storage = _storage()
    with LocalLake.open(storage) as lake:
        if "demand_weekly" not in lake.tables:
            raise ForecastInputError("the lake has no demand_weekly table yet: run the publish_lake job first")
        demand = lake.query(
            "SELECT account, marketplace_id, asin, week_start, units, units_source, censored, "
            f"{', '.join(LAKE_COVARIATES)} FROM demand_weekly", dialect="duckdb").to_pandas()
        amazon = (lake.query(
            "SELECT account, marketplace_id, asin, forecast_generation_date, target_week_start, mean_forecast_units, "
            "p70_forecast_units, p80_forecast_units, p90_forecast_units FROM amazon_forecast "
            "WHERE selling_program = 'RETAIL'", dialect="duckdb").to_pandas()
            if "amazon_forecast" in lake.tables else pd.DataFrame())
    if demand.empty:
        raise ForecastInputError("demand_weekly is empty: no weekly sales have been published yet")
    demand[WEEK] = pd.to_datetime(demand[WEEK])
    origin = request.origin or (demand[WEEK].max() + timedelta(days=7)).date()
    demand = demand[demand[WEEK] < pd.Timestamp(origin)]
    weeks = demand[WEEK].nunique()
    needed = request.horizon * request.backtest_windows + 2
    if weeks < needed:
        raise ForecastInputError(f"demand_weekly holds {weeks} week(s) before {origin}; a run with "
                                 f"{request.backtest_windows} backtest window(s) of {request.horizon} weeks needs "
                                 f"at least {needed}: backfill more history or lower horizon/backtest_windows")
    demand[ITEM] = demand["account"] + _ITEM_SEPARATOR + demand["marketplace_id"] + _ITEM_SEPARATOR + demand["asin"]
    demand[TARGET] = demand["units"].astype(float)
    demand[CENSORED] = demand[CENSORED].fillna(False).astype(bool)
    panel = demand[[ITEM, WEEK, TARGET, CENSORED, *LAKE_COVARIATES]]
    # What each item's units measure (ordered, or shipped where only the SOURCING view exists): its latest week's.
    sources = (demand.dropna(subset=["units_source"]).sort_values(WEEK).drop_duplicates(ITEM, keep="last")
               [[ITEM, "units_source"]])
    if not amazon.empty:
        amazon[ITEM] = (amazon["account"] + _ITEM_SEPARATOR + amazon["marketplace_id"] + _ITEM_SEPARATOR
                        + amazon["asin"])
        amazon = amazon[pd.to_datetime(amazon["forecast_generation_date"]) < pd.Timestamp(origin)]
    items = np.array(sorted(panel[ITEM].unique()))
    prefix = f"{RUNS_PREFIX}/{request.run_id}"
    shards = []
    for shard, start in enumerate(range(0, len(items), request.shard_size)):
        chosen = set(items[start:start + request.shard_size])
        run_shard_key = f"{prefix}/shards/{shard:05d}"
        _write_frame(storage, f"{run_shard_key}/panel.parquet", panel[panel[ITEM].isin(chosen)])
        _write_frame(storage, f"{run_shard_key}/units_source.parquet", sources[sources[ITEM].isin(chosen)])
        if not amazon.empty:
            _write_frame(storage, f"{run_shard_key}/amazon.parquet", amazon[amazon[ITEM].isin(chosen)])
        shards.append({"shard": shard, "items": len(chosen)})
    run = Run(run_id=request.run_id, started_at=request.started_at, trigger=request.trigger, origin=origin,
              horizon=request.horizon, backtest_windows=request.backtest_windows, prefix=prefix,
              series_count=len(items), first_week=demand[WEEK].min().date(), shards=shards,
              distributed=len(shards) > DISTRIBUTED_MAP_SHARDS)
    log.info("prepared run %s: %d series in %d shard(s), origin %s", run.run_id, len(items), len(shards), origin)
    return run.model_dump(mode="json")


# ------------------------------------------------------------------------------------------------- train
def _dense(panel: pd.DataFrame, run: Run, amazon: pd.DataFrame) -> DensePanel:
    """The shard's (or all shards') dense panel on the run's grid, with Amazon's snapshots as a covariate."""
    end = pd.Timestamp(run.origin) - timedelta(days=7)
    dense = to_dense(check_history(panel, "panel"), horizon=run.horizon, end=end, known_covariates=(),
                     start=pd.Timestamp(run.first_week))
    snapshots = pd.DataFrame(columns=list(SNAPSHOT_COLUMNS)) if amazon.empty else pd.DataFrame({
        ITEM: amazon[ITEM], "generated_on": amazon["forecast_generation_date"],
        WEEK: amazon["target_week_start"], "mean": amazon["mean_forecast_units"],
        "p90": amazon["p90_forecast_units"]})
    attach_snapshots(dense, snapshots)
    return dense


def _read_amazon(storage: LakeStorage, run: Run, shard: int) -> pd.DataFrame:
    content = storage.read_bytes(run.shard_key(shard, "amazon.parquet"))
    return pq.read_table(io.BytesIO(content)).to_pandas() if content else pd.DataFrame()


def backtest_origins(run: Run) -> list[date]:
    """The backtest windows' origins (as rolling_origins places them, `horizon` weeks apart, the last window
    ending the week before the run's origin), then the run's origin."""
    weeks = (run.origin - run.first_week).days // 7
    indices = [*rolling_origins(weeks, run.horizon, run.backtest_windows), weeks]
    return [run.first_week + timedelta(weeks=i) for i in indices]


def train_models(event: dict[str, Any]) -> dict[str, Any]:
    """Fit the global LightGBM model at every backtest origin and at the run's origin, on all series at once."""
    run = _validated(Run, event.get("run"), "Train")
    storage = _storage()
    panel = pd.concat([_read_frame(storage, run.shard_key(s["shard"], "panel.parquet")) for s in run.shards],
                      ignore_index=True)
    amazon = pd.concat([_read_amazon(storage, run, s["shard"]) for s in run.shards], ignore_index=True)
    dense = _dense(panel, run, amazon)
    models = {}
    for origin in backtest_origins(run):
        models[origin.isoformat()] = LightGBMGlobal(max_horizon=run.horizon).fit(dense, dense.week_index(origin))
    key = f"{run.prefix}/models/lightgbm_global.pkl"
    storage.write_bytes(key, pickle.dumps(models))
    return {"models_key": key, "origins": list(models)}


# ------------------------------------------------------------------------------------------------- forecast
def _amazon_forecast(amazon: pd.DataFrame, panel: DensePanel, forecast: ModelForecast) -> ModelForecast | None:
    """Amazon's latest snapshot generated before the forecast's origin, aligned with it (NaN where it has none)."""
    if amazon.empty:
        return None
    origin_day = panel.week_start(forecast.origin)
    known = amazon[pd.to_datetime(amazon["forecast_generation_date"]) < origin_day]
    if known.empty:
        return None
    latest = known.sort_values("forecast_generation_date").drop_duplicates([ITEM, "target_week_start"], keep="last")
    row_of = {item: i for i, item in enumerate(panel.items[forecast.items])}
    shape = forecast.mean.shape
    values = {name: np.full(shape, np.nan) for name in ("mean", 0.7, 0.8, 0.9)}
    weeks = ((pd.to_datetime(latest["target_week_start"]) - origin_day).dt.days // 7).to_numpy()
    rows = latest[ITEM].map(row_of).to_numpy()
    inside = ~pd.isna(rows) & (weeks >= 0) & (weeks < shape[1])
    rows, weeks = rows[inside].astype(int), weeks[inside]
    for name, column in (("mean", "mean_forecast_units"), (0.7, "p70_forecast_units"), (0.8, "p80_forecast_units"),
                         (0.9, "p90_forecast_units")):
        values[name][rows, weeks] = latest[column].to_numpy()[inside]
    return ModelForecast(AMAZON_MODEL, forecast.items, forecast.origin, values.pop("mean"), values)


def _restrict(forecast: ModelForecast, weeks: np.ndarray, levels: tuple[float, ...]) -> ModelForecast:
    """The forecast with points outside `weeks` (a boolean mask) set to NaN, so scoring skips them."""
    mean = np.where(weeks, forecast.mean, np.nan)
    return ModelForecast(forecast.model, forecast.items, forecast.origin, mean,
                         {level: np.where(weeks, forecast.quantiles[level], np.nan) for level in levels})


def _sums_records(panel: DensePanel, model: str, forecast: ModelForecast, window: int, segments: np.ndarray,
                  segment_override: str | None = None) -> list[dict[str, Any]]:
    """Accuracy sums of one model's forecast in one window: all series, per horizon, per segment, per ASIN."""
    records = []

    def add(sums: AccuracySums, segment: str, item: str | None = None, horizon: int | None = None) -> None:
        if sums.weeks:
            records.append({"model": model, "segment": segment, "item_id": item, "backtest_window": window,
                            "horizon": horizon, **_sums_columns(sums)})

    overall = segment_override or SEGMENT_ALL
    add(score(panel, forecast), overall)
    if segment_override:
        return records
    for h in range(forecast.horizon):
        add(score(panel, forecast, horizon_index=h), SEGMENT_ALL, horizon=h + 1)
    item_segments = segments[forecast.items]
    for segment in np.unique(item_segments):
        add(score(panel, forecast, np.flatnonzero(item_segments == segment)), str(segment))
    for position, item in enumerate(forecast.items):
        add(score(panel, forecast, np.array([position])), SEGMENT_ASIN, item=str(panel.items[item]))
    return records


_SUM_FIELDS = ("absolute_actual", "actual", "absolute_error", "error", "scaled_absolute_error", "scaled_weeks",
               "covered", "weeks")


def _sums_columns(sums: AccuracySums) -> dict[str, Any]:
    columns = {name: getattr(sums, name) for name in _SUM_FIELDS}
    columns.update({f"pinball_{quantile_name(level)}": sums.pinball.get(level) for level in DEFAULT_LEVELS})
    columns["items"] = len(sums.items)
    return columns


def _sums_from_row(row: pd.Series) -> AccuracySums:
    levels = tuple(level for level in DEFAULT_LEVELS if pd.notna(row.get(f"pinball_{quantile_name(level)}")))
    sums = AccuracySums(levels=levels, pinball={level: float(row[f"pinball_{quantile_name(level)}"])
                                                for level in levels})
    for name in _SUM_FIELDS:
        setattr(sums, name, type(getattr(sums, name))(row[name]))
    return sums


def forecast_shard(event: dict[str, Any]) -> dict[str, Any]:
    """Backtest, forecast and ensemble one shard; writes its forecast rows and accuracy sums."""
    run = _validated(Run, event.get("run"), "ForecastShard")
    shard = (event.get("shard") or {}).get("shard", -1)
    models_key = (event.get("train") or {}).get("models_key")
    if not isinstance(shard, int) or shard < 0 or not models_key:
        raise ForecastInputError("ForecastShard: the input needs shard.shard and train.models_key")
    storage = _storage()
    amazon = _read_amazon(storage, run, shard)
    panel = _dense(_read_frame(storage, run.shard_key(shard, "panel.parquet")), run, amazon)
    global_models: dict[str, LightGBMGlobal] = pickle.loads(storage.read_bytes(models_key) or b"")
    origins = backtest_origins(run)

    def forecast_at(origin: date) -> dict[str, ModelForecast]:
        index = panel.week_index(pd.Timestamp(origin))
        return {
            "seasonal_naive": SeasonalNaive().fit(panel, index).predict(run.horizon, DEFAULT_LEVELS),
            "ets": Ets().fit(panel, index).predict(run.horizon, DEFAULT_LEVELS),
            "lightgbm_global": global_models[origin.isoformat()].on(panel, index).predict(run.horizon,
                                                                                          DEFAULT_LEVELS),
        }

    windows = [WindowForecasts(k, panel.week_index(pd.Timestamp(o)), forecast_at(o))
               for k, o in enumerate(origins[:-1], start=1)]
    plan = learn_plan(panel, windows, list(MODELS))
    sums: list[dict[str, Any]] = []
    for window in windows:
        segments = demand_segments(panel, window.origin)
        scored = {**window.forecasts, ENSEMBLE: plan.apply(panel, window.forecasts, segments)}
        for name, forecast in scored.items():
            sums += _sums_records(panel, name, forecast, window.window, segments)
        amazon_window = _amazon_forecast(amazon, panel, scored[ENSEMBLE])
        if amazon_window is not None and not np.isnan(amazon_window.mean).all():
            has_amazon = ~np.isnan(amazon_window.mean)
            sums += _sums_records(panel, AMAZON_MODEL, amazon_window, window.window, segments, SEGMENT_VS_AMAZON)
            for name, forecast in scored.items():
                sums += _sums_records(panel, name, _restrict(forecast, has_amazon, tuple(forecast.quantiles)),
                                      window.window, segments, SEGMENT_VS_AMAZON)
    final = forecast_at(origins[-1])
    final_origin = panel.week_index(pd.Timestamp(origins[-1]))
    segments = demand_segments(panel, final_origin)
    final[ENSEMBLE] = plan.apply(panel, final, segments)
    sources = _read_frame(storage, run.shard_key(shard, "units_source.parquet"))
    rows = _forecast_rows(panel, run, final, segments, dict(zip(sources[ITEM], sources["units_source"], strict=True)))
    _write_frame(storage, run.shard_key(shard, "forecast.parquet"), rows)
    _write_frame(storage, run.shard_key(shard, "accuracy_sums.parquet"), pd.DataFrame(sums))
    return {"shard": shard, "items": len(final[ENSEMBLE].items),
            "cold_start": int(np.sum(segments[final[ENSEMBLE].items] == NEW)),
            "weights": plan.weights.get("all", {})}


def _forecast_rows(panel: DensePanel, run: Run, forecasts: dict[str, ModelForecast], segments: np.ndarray,
                   units_source: dict[str, str]) -> pa.Table:
    frames = []
    for name, forecast in forecasts.items():
        n, h = forecast.mean.shape
        weeks = panel.week_start(forecast.origin + np.arange(h))
        ids = pd.Series(np.repeat(panel.items[forecast.items], h)).str.split(_ITEM_SEPARATOR, expand=True)
        frame = pd.DataFrame({
            "run_id": run.run_id,
            "generated_at": pd.Timestamp(run.started_at).tz_convert(UTC) if pd.Timestamp(run.started_at).tzinfo
            else pd.Timestamp(run.started_at, tz=UTC),
            "account": ids[0].to_numpy() if n else [],
            "marketplace_id": ids[1].to_numpy() if n else [],
            "asin": ids[2].to_numpy() if n else [],
            "week_start": np.tile(weeks.date, n),
            "week_end": np.tile((weeks + pd.Timedelta(days=6)).date, n),
            "horizon": np.tile(np.arange(1, h + 1), n),
            "model": name,
            "selected": name == ENSEMBLE,
            "mean": forecast.mean.ravel(),
            **{quantile_name(level): forecast.quantiles[level].ravel() for level in DEFAULT_LEVELS},
            "units_source": [units_source.get(item, UNITS_SOURCE_ORDERED)
                             for item in np.repeat(panel.items[forecast.items], h)],
            "cold_start": np.repeat(segments[forecast.items] == NEW, h),
        })
        frames.append(frame)
    return pa.Table.from_pandas(pd.concat(frames, ignore_index=True), schema=_data_schema(FORECAST),
                                preserve_index=False)


def _data_schema(table: ForecastTable) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.arrow_type) for c in table.columns])


# ------------------------------------------------------------------------------------------------- publish
def _partition_key(table: ForecastTable, origin: date, run_id: str) -> tuple[str, str]:
    pid = f"forecast_origin={origin.isoformat()}"
    return pid, f"{table.prefix}/{pid}/{run_id}.parquet"


def _catalog(storage: LakeStorage) -> GlueCatalog:
    catalog = GlueCatalog(boto3.client("glue"), os.environ.get(r.ENV_GLUE_DATABASE, r.GLUE_DATABASE), storage)
    return catalog


def _write_table(storage: LakeStorage, catalog: GlueCatalog | None, table: ForecastTable, origin: date,
                 run_id: str, rows: pa.Table) -> None:
    pid, key = _partition_key(table, origin, run_id)
    storage.write_parquet(key, rows, "zstd")
    if catalog is not None:
        catalog.ensure_table(table)
        catalog.add_partitions(table, [pid])


def _accuracy_rows(run: Run, sums: pd.DataFrame, origins: list[date]) -> tuple[pa.Table, dict[tuple, dict]]:
    """Pool the shards' sums per (model, segment, item, window, horizon) and pooled over windows, then one row
    per metric."""
    keys = ["model", "segment", "item_id", "backtest_window", "horizon"]
    numeric = [c for c in sums.columns if c not in keys]
    sums = sums.astype({"backtest_window": "Int64", "horizon": "Int64"})
    per_window = sums.groupby(keys, dropna=False)[numeric].sum(min_count=1).reset_index()
    pooled = sums.groupby([k for k in keys if k != "backtest_window"], dropna=False)[numeric].sum(min_count=1)
    pooled = pooled.reset_index().assign(backtest_window=pd.NA)
    rows = []
    headline: dict[tuple, dict] = {}
    for frame in (per_window, pooled):
        for record in frame.to_dict("records"):
            metrics = _sums_from_row(pd.Series(record)).metrics()
            window = record["backtest_window"]
            item = record["item_id"] if isinstance(record["item_id"], str) else None
            horizon = None if pd.isna(record["horizon"]) else int(record["horizon"])
            window_value = None if pd.isna(window) else int(window)
            if window_value is None and horizon is None and item is None:
                headline[(record["model"], record["segment"])] = metrics
            account = marketplace = asin = None
            if item:
                account, marketplace, asin = item.split(_ITEM_SEPARATOR)
            for metric, value in metrics.items():
                if value is None or not np.isfinite(value):
                    continue
                rows.append({
                    "run_id": run.run_id, "generated_at": pd.Timestamp(run.started_at),
                    "account": account, "marketplace_id": marketplace, "model": record["model"],
                    "segment": record["segment"], "asin": asin, "backtest_window": window_value,
                    "backtest_origin": origins[window_value - 1] if window_value else None,
                    "horizon": horizon, "metric": metric, "value": float(value),
                    "items": int(record["items"]), "weeks": int(record["weeks"]),
                    "actual_units": float(record["absolute_actual"]),
                })
    return pa.Table.from_pylist(rows, schema=_data_schema(FORECAST_ACCURACY)), headline


def publish_run(event: dict[str, Any]) -> dict[str, Any]:
    """Write forecast, forecast_accuracy and forecast_runs for the run's origin, register them in the Glue
    catalog, and return the summary the workflow e-mails."""
    run = _validated(Run, event.get("run"), "Publish")
    shard_results = event.get("shards") or []
    storage = _storage()
    forecast = pa.concat_tables([pq.read_table(io.BytesIO(storage.read_bytes(run.shard_key(s["shard"],
                                                                                          "forecast.parquet"))))
                                 for s in run.shards])
    sums = pd.concat([_read_frame(storage, run.shard_key(s["shard"], "accuracy_sums.parquet")) for s in run.shards],
                     ignore_index=True)
    accuracy, headline = _accuracy_rows(run, sums, backtest_origins(run)[:-1])
    catalog = _catalog(storage)
    _write_table(storage, catalog, FORECAST, run.origin, run.run_id, forecast)
    _write_table(storage, catalog, FORECAST_ACCURACY, run.origin, run.run_id, accuracy)
    ours = headline.get((ENSEMBLE, SEGMENT_ALL), {})
    naive = headline.get(("seasonal_naive", SEGMENT_ALL), {})
    ours_vs = headline.get((ENSEMBLE, SEGMENT_VS_AMAZON), {})
    amazon = headline.get((AMAZON_MODEL, SEGMENT_VS_AMAZON), {})
    items = int(sum(int(s.get("items", 0)) for s in shard_results)) or run.series_count
    cold = int(sum(int(s.get("cold_start", 0)) for s in shard_results))
    summary = {
        "run_id": run.run_id, "status": RUN_STATUS_SUCCEEDED, "origin": run.origin.isoformat(),
        "items_forecast": items, "items_cold_start": cold,
        "wql_mean": ours.get("wql_mean"), "seasonal_naive_wql_mean": naive.get("wql_mean"),
        "coverage_p10_p90": ours.get("coverage_p10_p90"),
        "wql_p70_p90": _wql_p70_p90(ours_vs), "amazon_wql_p70_p90": _wql_p70_p90(amazon),
    }
    _write_table(storage, catalog, FORECAST_RUNS, run.origin, run.run_id, pa.Table.from_pylist([{
        "run_id": run.run_id, "run_trigger": run.trigger, "started_at": run.started_at,
        "finished_at": datetime.now(UTC), "status": RUN_STATUS_SUCCEEDED, "failed_state": None, "error": None,
        "horizon": run.horizon, "quantiles": ",".join(f"{q:g}" for q in DEFAULT_LEVELS),
        "models": ",".join([*MODELS, ENSEMBLE]), "backtest_windows": run.backtest_windows,
        "series_count": run.series_count, "items_forecast": items, "items_cold_start": cold,
        "shards": len(run.shards), "wql_mean": summary["wql_mean"],
        "seasonal_naive_wql_mean": summary["seasonal_naive_wql_mean"],
        "coverage_p10_p90": summary["coverage_p10_p90"], "wql_p70_p90": summary["wql_p70_p90"],
        "amazon_wql_p70_p90": summary["amazon_wql_p70_p90"],
    }], schema=_data_schema(FORECAST_RUNS)))
    summary["subject"], summary["message"] = _success_message(run, summary)
    return summary


def _wql_p70_p90(metrics: dict[str, float]) -> float | None:
    values = [metrics.get(f"wql_p{p}") for p in (70, 80, 90)]
    return float(np.mean(values)) if metrics and all(v is not None for v in values) else None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _success_message(run: Run, summary: dict[str, Any]) -> tuple[str, str]:
    subject = (f"vendorcast forecast {run.origin}: {summary['items_forecast']} ASINs, wQL {_fmt(summary['wql_mean'])}"
               f" (seasonal naive {_fmt(summary['seasonal_naive_wql_mean'])})")
    lines = [
        f"The vendorcast forecast run {run.run_id} ({run.trigger}) finished.",
        "",
        f"Forecast origin: {run.origin} (week 1), horizon {run.horizon} weeks.",
        f"ASINs forecast: {summary['items_forecast']} ({summary['items_cold_start']} new, forecast from similar "
        "items).",
        "",
        f"Backtest over {run.backtest_windows} rolling origins (weighted quantile loss, lower is better):",
        f"  vendorcast ensemble, mean wQL P10/P50/P90: {_fmt(summary['wql_mean'])}",
        f"  seasonal naive, same weeks:                {_fmt(summary['seasonal_naive_wql_mean'])}",
        f"  share of actual weeks inside P10-P90:      {_fmt(summary['coverage_p10_p90'])} (0.8 when calibrated)",
    ]
    if summary.get("amazon_wql_p70_p90") is not None:
        lines += [
            "On the weeks Amazon's own forecast covered, mean wQL at P70/P80/P90:",
            f"  vendorcast: {_fmt(summary['wql_p70_p90'])}   Amazon: {_fmt(summary['amazon_wql_p70_p90'])}",
        ]
    lines += ["", "Query: SELECT * FROM v_forecast_latest (Athena workgroup of this deployment)."]
    return subject[:99], "\n".join(lines)


# ------------------------------------------------------------------------------------------------- failure
def record_failed_run(event: dict[str, Any]) -> dict[str, Any]:
    """Write the failed run's forecast_runs row and return the failure notice (subject and message)."""
    failed_state = str(event.get("failed_state") or "unknown state")
    failure = event.get("failure") or {}
    error, cause = str(failure.get("Error", "unknown error")), str(failure.get("Cause", ""))
    run_id = str(event.get("run_id") or "unknown-run")
    started_at = pd.Timestamp(event.get("started_at") or datetime.now(UTC))
    started_at = started_at.tz_localize(UTC) if started_at.tzinfo is None else started_at.tz_convert(UTC)
    run_input = event.get("input") if isinstance(event.get("input"), dict) else {}
    origin = _failed_run_origin(run_input.get("origin"), started_at.date())
    storage = _storage()
    catalog = _catalog(storage)
    _write_table(storage, catalog, FORECAST_RUNS, origin, run_id, pa.Table.from_pylist([{
        "run_id": run_id, "run_trigger": str(run_input.get("trigger", "manual")), "started_at": started_at,
        "finished_at": datetime.now(UTC), "status": RUN_STATUS_FAILED, "failed_state": failed_state,
        "error": f"{error}: {cause}"[:2000], "horizon": run_input.get("horizon") if isinstance(
            run_input.get("horizon"), int) else None,
        "quantiles": ",".join(f"{q:g}" for q in DEFAULT_LEVELS), "models": ",".join([*MODELS, ENSEMBLE]),
    }], schema=_data_schema(FORECAST_RUNS)))
    subject = f"vendorcast forecast run FAILED in {failed_state}: {error}"[:99]
    message = "\n".join([
        f"The vendorcast forecast run {run_id} failed in the {failed_state} step.",
        "",
        f"Error: {error}",
        f"Cause: {cause}",
        "",
        "The run is recorded in forecast_runs with status FAILED; the previous successful forecast stays the one "
        "v_forecast_latest shows. Runbook: docs/operations.md, 'A forecast run failed'.",
    ])
    return {"run_id": run_id, "status": RUN_STATUS_FAILED, "failed_state": failed_state, "subject": subject,
            "message": message}


def _failed_run_origin(text: Any, started: date) -> date:
    """The origin a failed run was for: its input's, else the Sunday starting the week it started in."""
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return started - timedelta(days=(started.weekday() + 1) % 7)
