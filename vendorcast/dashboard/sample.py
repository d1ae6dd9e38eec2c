"""A sample lake for the dashboard's browser test and its README screenshot: the synthetic vendor's raw zone
(vendorcast.synthetic_lake, purchase orders included) published into curated tables by the real publishing SQL,
plus forecast tables written to their contract by two plain stand-in forecasters (seasonal naive, an 8-week
moving average, and their mean as the selected "ensemble"), each run scored by a rolling-origin backtest next to
Amazon's snapshots, and the latest run's plan made by the real planner (vendorcast.planning, on the config's
defaults). The stand-ins only give the page realistic shapes; the forecast workflow writes the real forecasts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from vendorcast.lake.forecast_rows import planning_rows
from vendorcast.lake.forecast_tables import (
    AMAZON_MODEL,
    FORECAST,
    FORECAST_ACCURACY,
    FORECAST_QUANTILES,
    FORECAST_RUNS,
    PO_ADVICE,
    PO_FORECAST,
    RUN_STATUS_FAILED,
    RUN_STATUS_SUCCEEDED,
    RUN_TRIGGER_SCHEDULED,
    SEGMENT_ALL,
    SUPPLY_PLAN,
    ForecastTable,
)
from vendorcast.lake.planning_inputs import read_planning_inputs
from vendorcast.lake.publish import publish_lake_local
from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import DEMAND_SELLING_PROGRAM, arrow_schema
from vendorcast.planning.plan import plan_supply
from vendorcast.planning.settings import PlanningSettings
from vendorcast.synthetic_lake import WEEKLY_STREAMS, SyntheticLake, write_synthetic_lake

SEASONAL_NAIVE, MOVING_AVERAGE, ENSEMBLE = "seasonal_naive", "moving_average", "ensemble"
MODELS = (SEASONAL_NAIVE, MOVING_AVERAGE, ENSEMBLE)
MOVING_AVERAGE_WEEKS = 8
SEASON_DAYS = 364
# Spread of the quantiles: a negative binomial's variance m + m^2 / DISPERSION, widening with the horizon.
DISPERSION = 10.0
_Z = {name: NormalDist().inv_cdf(level) for name, level in FORECAST_QUANTILES.items()}


@dataclass(frozen=True)
class SampleLake:
    """`weeks` of sales from `first_week` for `n_asins` ASINs, then `runs` weekly forecast runs ending with one
    from the week after the last sales week (the run at `failed_run` from the end fails, None: none does), each
    scored over `backtest_windows` earlier origins."""

    n_asins: int = 30
    first_week: date = date(2024, 1, 7)
    weeks: int = 104
    horizon: int = 13
    runs: int = 6
    backtest_windows: int = 4
    failed_run: int | None = 2
    seed: int = 11


def build_sample_lake(directory: Path, spec: SampleLake | None = None) -> Path:
    """Write the sample lake into `directory` (raw, curated and forecast zones); returns it."""
    spec = spec or SampleLake()
    storage = LakeStorage.local(directory)
    write_synthetic_lake(storage, SyntheticLake(
        n_asins=spec.n_asins, first_week=spec.first_week, weeks=spec.weeks, weeks_per_document=13,
        restatements=1, streams=WEEKLY_STREAMS, catalog=True, purchase_orders=True, seed=spec.seed))
    result = publish_lake_local(directory)
    if not result.ok:
        raise RuntimeError(f"the sample lake did not publish: {result.failures}")
    with LocalLake.open(storage) as lake:
        demand = lake.query("SELECT account, marketplace_id, asin, week_start, units, units_source FROM demand_weekly "
                            "WHERE units IS NOT NULL").to_pandas()
        amazon = lake.query(
            "SELECT account, marketplace_id, asin, forecast_generation_date, target_week_start, mean_forecast_units, "
            f"p70_forecast_units, p80_forecast_units, p90_forecast_units FROM amazon_forecast "
            f"WHERE selling_program = '{DEMAND_SELLING_PROGRAM}'").to_pandas()
    write_sample_forecasts(storage, demand, amazon, spec)
    write_sample_plan(storage)
    return directory


def write_sample_plan(storage: LakeStorage) -> list[str]:
    """The plan of the latest SUCCEEDED run, as the workflow's Plan step writes it; returns the keys."""
    settings = PlanningSettings()
    inputs = read_planning_inputs(storage, settings)
    result = plan_supply(inputs, settings)
    run_id, started = str(inputs.run_id), datetime.combine(inputs.origin, time(7), tzinfo=UTC)
    keys = []
    for table, frame in ((PO_FORECAST, result.po_forecast), (PO_ADVICE, result.po_advice),
                         (SUPPLY_PLAN, result.supply_plan)):
        key = f"{table.prefix}/forecast_origin={inputs.origin}/{run_id}.parquet"
        storage.write_parquet(key, planning_rows(table, frame, run_id, started), "zstd")
        keys.append(key)
    return keys


def _forecasts(demand: pd.DataFrame, origin: date, horizon: int) -> list[dict[str, Any]]:
    """Every model's forecast of every series with history before `origin`."""
    rows = []
    for (account, marketplace_id, asin), series in demand.groupby(["account", "marketplace_id", "asin"], sort=True):
        history = series[series["week_start"] < origin].set_index("week_start")["units"].astype(float)
        # Nothing to forecast for an ASIN not yet sold, or no longer sold (discontinued).
        if history.empty or history.index.max() < origin - timedelta(weeks=MOVING_AVERAGE_WEEKS):
            continue
        level = float(history.tail(MOVING_AVERAGE_WEEKS).mean())
        for h in range(1, horizon + 1):
            week = origin + timedelta(weeks=h - 1)
            seasonal = float(history.get(week - timedelta(days=SEASON_DAYS), history.iloc[-1]))
            means = {SEASONAL_NAIVE: seasonal, MOVING_AVERAGE: level, ENSEMBLE: (seasonal + level) / 2}
            for model, mean in means.items():
                sd = np.sqrt(mean + mean * mean / DISPERSION) * np.sqrt(1 + 0.05 * (h - 1))
                rows.append({
                    "account": account, "marketplace_id": marketplace_id, "asin": asin, "week_start": week,
                    "week_end": week + timedelta(days=6), "horizon": h, "model": model,
                    "selected": model == ENSEMBLE, "mean": mean,
                    **{q: max(0.0, mean + z * sd) if q != "p50" else mean for q, z in _Z.items()},
                    "units_source": series["units_source"].iloc[-1],
                    "cold_start": len(history) < MOVING_AVERAGE_WEEKS,
                })
    return rows


def _amazon_at(amazon: pd.DataFrame, origin: date, horizon: int) -> pd.DataFrame:
    """Amazon's forecast as known at `origin`: its latest snapshot on or before it, for the horizon's weeks."""
    known = amazon[amazon["forecast_generation_date"] <= origin]
    latest = known.groupby(["account", "marketplace_id", "asin"])["forecast_generation_date"].transform("max")
    snapshot = known[known["forecast_generation_date"] == latest]
    end = origin + timedelta(weeks=horizon)
    snapshot = snapshot[(snapshot["target_week_start"] >= origin) & (snapshot["target_week_start"] < end)]
    return snapshot.rename(columns={"target_week_start": "week_start", "mean_forecast_units": "mean",
                                    "p70_forecast_units": "p70", "p80_forecast_units": "p80",
                                    "p90_forecast_units": "p90"})


def _scores(scored: pd.DataFrame, quantiles: tuple[str, ...]) -> dict[str, float]:
    """The contract's metrics over forecast rows joined with `actual`."""
    actual, total = scored["actual"], scored["actual"].abs().sum()
    scores: dict[str, float] = {}
    for q in quantiles:
        level, forecast = FORECAST_QUANTILES[q], scored[q]
        pinball = np.where(actual >= forecast, level * (actual - forecast), (1 - level) * (forecast - actual))
        scores[f"wql_{q}"] = 2 * float(pinball.sum()) / total
    if {"p10", "p50", "p90"} <= set(quantiles):
        scores["wql_mean"] = (scores["wql_p10"] + scores["wql_p50"] + scores["wql_p90"]) / 3
        scores["coverage_p10_p90"] = float(((actual >= scored["p10"]) & (actual <= scored["p90"])).mean())
    scores["wape"] = float((actual - scored["mean"]).abs().sum()) / total
    scores["bias"] = float((scored["mean"] - actual).sum()) / float(actual.sum())
    return scores


def write_sample_forecasts(storage: LakeStorage, demand: pd.DataFrame, amazon: pd.DataFrame,
                           spec: SampleLake) -> list[str]:
    """The forecast, forecast_accuracy and forecast_runs tables of `spec.runs` weekly runs; returns the keys."""
    demand = demand.assign(week_start=pd.to_datetime(demand["week_start"]).dt.date)
    amazon = amazon.assign(**{c: pd.to_datetime(amazon[c]).dt.date
                              for c in ("forecast_generation_date", "target_week_start")})
    latest_origin = max(demand["week_start"]) + timedelta(weeks=1)
    origins = [latest_origin - timedelta(weeks=k) for k in range(spec.runs + spec.backtest_windows - 1, -1, -1)]
    forecasts = {o: pd.DataFrame(_forecasts(demand, o, spec.horizon)) for o in origins}
    actuals = demand.rename(columns={"units": "actual"})[["account", "marketplace_id", "asin", "week_start", "actual"]]
    keys = []
    for index, origin in enumerate(origins[spec.backtest_windows:], start=spec.backtest_windows):
        run_id = f"{origin}-weekly"
        started = datetime.combine(origin, time(7), tzinfo=UTC)
        failed = spec.failed_run is not None and index == len(origins) - 1 - spec.failed_run
        run: dict[str, Any] = {
            "run_id": run_id, "run_trigger": RUN_TRIGGER_SCHEDULED, "started_at": started,
            "finished_at": started + timedelta(minutes=6), "horizon": spec.horizon,
            "quantiles": ",".join(str(level) for level in FORECAST_QUANTILES.values()), "models": ",".join(MODELS),
            "backtest_windows": spec.backtest_windows, "shards": 1, "forecast_origin": origin,
        }
        if failed:
            keys.append(_write(storage, FORECAST_RUNS, origin, run_id, [{
                **run, "status": RUN_STATUS_FAILED, "failed_state": "ForecastShards",
                "error": "States.TaskFailed: shard 1 of 1 timed out after 900 seconds"}]))
            continue
        window_rows, amazon_rows = [], []
        for window, window_origin in enumerate(origins[index - spec.backtest_windows:index], start=1):
            realized = forecasts[window_origin][forecasts[window_origin]["week_start"] < origin]
            window_rows.append(realized.assign(backtest_window=window))
            known = _amazon_at(amazon, window_origin, spec.horizon)
            amazon_rows.append(known[known["week_start"] < origin])
        backtest = pd.concat(window_rows).merge(actuals, on=["account", "marketplace_id", "asin", "week_start"])
        amazon_scored = pd.concat(amazon_rows).merge(actuals, on=["account", "marketplace_id", "asin", "week_start"])
        accuracy = []
        for model in MODELS:
            scored = backtest[backtest["model"] == model]
            accuracy += _accuracy_rows(run_id, started, origin, model, scored, tuple(FORECAST_QUANTILES))
        accuracy += _accuracy_rows(run_id, started, origin, AMAZON_MODEL, amazon_scored, ("p70", "p80", "p90"))
        selected = {r["metric"]: r["value"] for r in accuracy if r["model"] == ENSEMBLE}
        naive = {r["metric"]: r["value"] for r in accuracy if r["model"] == SEASONAL_NAIVE}
        # Ours on the weeks Amazon also forecast, for the like-for-like P70 to P90 comparison.
        on_amazon_weeks = backtest[backtest["model"] == ENSEMBLE].merge(
            amazon_scored[["account", "marketplace_id", "asin", "week_start"]].drop_duplicates())
        ours_p70_p90 = _scores(on_amazon_weeks, ("p70", "p80", "p90"))
        theirs_p70_p90 = _scores(amazon_scored, ("p70", "p80", "p90"))
        published = forecasts[origin].assign(run_id=run_id, generated_at=started)
        run |= {
            "status": RUN_STATUS_SUCCEEDED, "series_count": published["asin"].nunique(),
            "items_forecast": published["asin"].nunique(),
            "items_cold_start": int(published[published["cold_start"]]["asin"].nunique()),
            "wql_mean": selected["wql_mean"], "seasonal_naive_wql_mean": naive["wql_mean"],
            "coverage_p10_p90": selected["coverage_p10_p90"],
            "wql_p70_p90": float(np.mean([ours_p70_p90[f"wql_{q}"] for q in ("p70", "p80", "p90")])),
            "amazon_wql_p70_p90": float(np.mean([theirs_p70_p90[f"wql_{q}"] for q in ("p70", "p80", "p90")])),
        }
        keys += [_write(storage, FORECAST, origin, run_id, published.to_dict("records")),
                 _write(storage, FORECAST_ACCURACY, origin, run_id, accuracy),
                 _write(storage, FORECAST_RUNS, origin, run_id, [run])]
    return keys


def _accuracy_rows(run_id: str, generated_at: datetime, origin: date, model: str, scored: pd.DataFrame,
                   quantiles: tuple[str, ...]) -> list[dict[str, Any]]:
    """Pooled rows (every account, marketplace, ASIN, window and horizon together), one per metric."""
    return [{"run_id": run_id, "generated_at": generated_at, "model": model, "segment": SEGMENT_ALL,
             "metric": metric, "value": value, "items": int(scored["asin"].nunique()), "weeks": len(scored),
             "actual_units": float(scored["actual"].abs().sum()), "forecast_origin": origin}
            for metric, value in _scores(scored, quantiles).items()]


def _write(storage: LakeStorage, table: ForecastTable, origin: date, run_id: str, rows: list[dict[str, Any]]) -> str:
    """Rows as the table's Parquet under forecast/<table>/forecast_origin=<origin>/ (the partition in the key)."""
    schema = arrow_schema(table)
    key = f"{table.prefix}/forecast_origin={origin}/{run_id}.parquet"
    storage.write_parquet(key, pa.Table.from_pylist([{n: row.get(n) for n in schema.names} for row in rows],
                                                    schema=schema), "zstd")
    return key


__all__ = ["SampleLake", "build_sample_lake", "write_sample_forecasts", "write_sample_plan"]
