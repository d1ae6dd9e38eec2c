"""Amazon's orders (sell-in) forecast on an emulator lake, where Amazon's real orders are known: at several origins
the forecast workflow's engine forecasts sell-through from the curated lake (written as a SUCCEEDED run), the
planning path reads the lake (read_planning_inputs) and forecasts Amazon's PO units per ASIN and week with each
method, and every method is scored against the PO units Amazon then ordered, next to plain baselines on the PO
history: the last 4 weeks' mean, seasonal naive (the PO units 52 weeks earlier) and Amazon's own forecast turned
into orders (its order-up-to replayed on its forecast mean as if demand were exactly that). The point baselines
give the same number at every quantile.

    .venv/bin/python bench/po_forecast.py [--asins 30 --weeks 70 --origins 3 --step 4 --horizon 8 --seed 7]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from vendorcast.forecasting.forecaster import forecast_panel, prepare_panel
from vendorcast.forecasting.metrics import coverage, weighted_quantile_loss
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.lake.forecast_inputs import read_forecast_inputs
from vendorcast.lake.forecast_rows import forecast_rows, run_row
from vendorcast.lake.forecast_tables import FORECAST, FORECAST_RUNS, RUN_STATUS_SUCCEEDED
from vendorcast.lake.planning_inputs import read_planning_inputs
from vendorcast.lake.publish import publish_lake_local
from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage
from vendorcast.planning.decisions import LEVELS
from vendorcast.planning.plan import forecast_sell_in, plan_supply
from vendorcast.planning.sell_in import METHODS, AmazonPosition, replay_amazon_orders
from vendorcast.planning.settings import PlanningSettings
from vendorcast.synthetic_lake import WEEKLY_STREAMS, SyntheticLake, write_synthetic_lake

FIRST_WEEK = date(2024, 1, 7)
SERIES = ["account", "marketplace_id", "asin"]
SCORED_LEVELS = (0.1, 0.5, 0.9)
# The coverage of sums over this many weeks checks how the weeks' quantiles are combined (docs/planning.md).
SUM_WEEKS = 4


def build_lake(root: Path, asins: int, weeks: int, seed: int) -> LakeStorage:
    storage = LakeStorage.local(root)
    write_synthetic_lake(storage, SyntheticLake(n_asins=asins, first_week=FIRST_WEEK, weeks=weeks,
                                                weeks_per_document=8, restatements=0, streams=WEEKLY_STREAMS,
                                                catalog=False, purchase_orders=True, seed=seed))
    result = publish_lake_local(root)
    assert result.ok, result.failures
    return storage


def write_forecast_run(storage: LakeStorage, origin: date, horizon: int) -> None:
    """The engine's forecast from `origin` with the workflow's default settings (every model, the ensemble
    selected), as the workflow's publish step writes it."""
    inputs = read_forecast_inputs(storage, origin)
    settings = ForecastSettings(horizon=horizon)
    panel = prepare_panel(inputs.demand[["item_id", "week_start", "units", "censored"]], horizon)
    forecast = forecast_panel(panel, settings)
    run_id = f"bench-{origin}"
    started = datetime.combine(origin, datetime.min.time(), tzinfo=UTC) + timedelta(days=3)
    partition = f"forecast_origin={origin}/{run_id}.parquet"
    storage.write_parquet(f"{FORECAST.prefix}/{partition}",
                          forecast_rows(forecast.to_frame(), inputs.series, run_id, started), "zstd")
    storage.write_parquet(f"{FORECAST_RUNS.prefix}/{partition}",
                          run_row(run_id=run_id, status=RUN_STATUS_SUCCEEDED, started_at=started, horizon=horizon),
                          "zstd")


def weekly_po_units(storage: LakeStorage) -> pd.DataFrame:
    """Amazon's PO units per ASIN and order week (Sunday on or before the order date), every week of the lake."""
    with LocalLake.open(storage) as lake:
        return lake.connection.execute(
            "SELECT account, marketplace_id, asin, order_week AS week_start, sum(ordered_units)::DOUBLE AS units "
            "FROM purchase_order_items GROUP BY ALL").df().assign(
                week_start=lambda frame: pd.to_datetime(frame["week_start"]).dt.date)


def baselines(po: pd.DataFrame, inputs_origin: date, keys: list[tuple], horizon: int,
              amazon_paths: dict[tuple, np.ndarray]) -> dict[str, dict[tuple, np.ndarray]]:
    """Point forecasts (horizon weeks) per series: moving_average, seasonal_naive and amazon_orders."""
    origin = pd.Timestamp(inputs_origin)
    out: dict[str, dict[tuple, np.ndarray]] = {"moving_average": {}, "seasonal_naive": {}, "amazon_orders": {}}
    indexed = po.set_index([*SERIES, "week_start"])["units"]
    for key in keys:
        def units(week: pd.Timestamp, key: tuple = key) -> float:
            return float(indexed.get((*key, week.date()), 0.0))
        last4 = np.mean([units(origin - pd.Timedelta(weeks=k)) for k in range(1, 5)])
        out["moving_average"][key] = np.full(horizon, last4)
        out["seasonal_naive"][key] = np.array([units(origin + pd.Timedelta(weeks=h - 52)) for h in range(horizon)])
        out["amazon_orders"][key] = amazon_paths[key]
    return out


def amazon_orders(inputs, keys: list[tuple], horizon: int) -> dict[tuple, np.ndarray]:
    """Amazon's own forecast turned into orders: its order-up-to replayed on its forecast mean as the demand."""
    forecasts = dict(tuple(inputs.amazon_forecast.groupby(SERIES))) if len(inputs.amazon_forecast) else {}
    positions = {tuple(r[k] for k in SERIES): r for _, r in inputs.amazon_position.iterrows()}
    out = {}
    for key in keys:
        found = forecasts.get(key)
        row = positions.get(key)
        if found is None or row is None:
            out[key] = np.zeros(horizon)
            continue
        mean = found.sort_values("week_start")["mean"].to_numpy(float)
        mean = np.concatenate([mean, np.repeat(mean[-1:], max(horizon + 30 - len(mean), 0))])
        position = AmazonPosition(on_hand=float(row["amazon_on_hand_units"]),
                                  lead_time_weeks=int(row["amazon_lead_time_weeks"]), case_pack=int(row["case_pack"]),
                                  cover_weeks=None if pd.isna(row["amazon_cover_weeks"])
                                  else float(row["amazon_cover_weeks"]),
                                  open_po_by_week=np.array([row["amazon_open_po_units"]]))
        out[key] = replay_amazon_orders(mean[None, :horizon], mean, position)[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asins", type=int, default=30)
    parser.add_argument("--weeks", type=int, default=70)
    parser.add_argument("--origins", type=int, default=3)
    parser.add_argument("--step", type=int, default=4, help="weeks between origins")
    parser.add_argument("--horizon", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    settings = PlanningSettings(horizon_weeks=args.horizon, lead_time_weeks=1)
    with tempfile.TemporaryDirectory() as folder:
        storage = build_lake(Path(folder) / "lake", args.asins, args.weeks, args.seed)
        po = weekly_po_units(storage)
        last_origin = FIRST_WEEK + timedelta(weeks=args.weeks - args.horizon)
        origins = [last_origin - timedelta(weeks=args.step * k) for k in reversed(range(args.origins))]
        actual_of = po.set_index([*SERIES, "week_start"])["units"]
        # method -> (actual, quantiles at LEVELS, mean) per origin and ASIN; and (actual, P10, P90) of 4-week sums
        scored: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        sums: dict[str, list[tuple[float, float, float]]] = {}
        plan_seconds: list[float] = []
        for origin in origins:
            write_forecast_run(storage, origin, 12)
            planning = time.perf_counter()
            inputs = read_planning_inputs(storage, settings, origin)
            plan_supply(inputs, settings)
            plan_seconds.append(time.perf_counter() - planning)
            keys = sorted(tuple(r) for r in inputs.vendor[SERIES].itertuples(index=False))
            actual = {key: np.array([actual_of.get((*key, origin + timedelta(weeks=h)), 0.0)
                                     for h in range(args.horizon)]) for key in keys}
            methods = {"vendorcast": forecast_sell_in(inputs, args.horizon + 30),
                       **{name: forecast_sell_in(inputs, args.horizon + 30, name) for name in METHODS}}
            for name, sell_in in methods.items():
                for key in keys:
                    paths = sell_in[key][0][:, :args.horizon]
                    quantiles = np.quantile(paths, LEVELS, axis=0)
                    scored.setdefault(name, []).append((actual[key], quantiles, paths.mean(axis=0)))
                    low, high = np.quantile(paths[:, :SUM_WEEKS].sum(axis=1), (0.1, 0.9))
                    sums.setdefault(name, []).append((actual[key][:SUM_WEEKS].sum(), low, high))
            for name, points in baselines(po, origin, keys, args.horizon,
                                          amazon_orders(inputs, keys, args.horizon)).items():
                for key in keys:
                    scored.setdefault(name, []).append((actual[key], np.tile(points[key], (len(LEVELS), 1)),
                                                        points[key]))
        print(f"Amazon's orders forecast, simulated vendor: {args.asins} ASINs x {args.weeks} weeks (seed {args.seed}),"
              f" {args.origins} origins {args.step} weeks apart ({origins[0]} to {origins[-1]}), {args.horizon} weeks"
              " ahead, scored against the PO units Amazon ordered")
        print(f"{'method':>18} {'wQL mean':>9} {'wQL P50':>8} {'wQL P90':>8} {'P10-P90':>8} {'4wk sum':>8} "
              f"{'bias':>7} {'weeks':>6}")
        reference = None
        rows = []
        for name, parts in scored.items():
            actual = np.concatenate([p[0] for p in parts])
            quantiles = np.concatenate([p[1] for p in parts], axis=1)
            mean = np.concatenate([p[2] for p in parts])
            by_level = {level: quantiles[LEVELS.index(level)] for level in LEVELS}
            wql = {level: weighted_quantile_loss(actual, by_level[level], level) for level in SCORED_LEVELS}
            wql_mean = float(np.mean(list(wql.values())))
            cover = coverage(actual, by_level[0.1], by_level[0.9])
            bias = float((mean - actual).sum() / actual.sum())
            rows.append((name, wql_mean))
            if name == "moving_average":
                reference = wql_mean
            if name in sums:
                total = np.array(sums[name])
                sum_cover = f"{coverage(total[:, 0], total[:, 1], total[:, 2]):8.3f}"
            else:
                sum_cover = f"{'point':>8}"
            print(f"{name:>18} {wql_mean:9.3f} {wql[0.5]:8.3f} {wql[0.9]:8.3f} {cover:8.3f} {sum_cover} {bias:7.3f} "
                  f"{len(actual):6d}")
        best_baseline = min(w for n, w in rows if n in ("moving_average", "seasonal_naive", "amazon_orders"))
        ours = dict(rows)["vendorcast"]
        print(f"vendorcast wQL mean / best baseline's: {ours / best_baseline:.3f}; / last 4 weeks' mean: "
              f"{ours / reference:.3f}")
        print(f"inner part: read_planning_inputs + plan_supply of {len(keys)} ASINs: "
              f"{np.median(plan_seconds):.1f} s (median of {len(plan_seconds)} origins)")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
