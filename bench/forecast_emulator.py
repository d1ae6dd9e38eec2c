"""Forecasting the simulated vendor (the SP-API emulator's demand model), where the truth is known:

1. Against Amazon: our P70/P80/P90 next to Amazon's own forecast (the latest snapshot generated before each origin;
   the emulator's Amazon knows its deals and prices ahead and calibrates its quantiles on its own errors, see
   vendorcast/sandbox/amazon_forecast.py) on the same ASIN-weeks, scored against ordered units of weeks without
   stockouts (what the workflow scores).
2. Censoring: the global model with stockout weeks masked (vendorcast's choice) and without masking, scored against
   the true, unconstrained demand of every week.
3. Amazon's snapshots as a feature: the global model with and without them on the ASIN-weeks of 1, and the share
   of its split gain that goes to the snapshot features.
4. The vendor's promotion plan (the file the emulator exports, read as `vendorcast forecast-file --promotions` reads
   it) as covariates known ahead, or not: every model and the ensemble next to seasonal naive, on all weeks and on
   the weeks with a promotion (uncensored ordered units).

    .venv/bin/python bench/forecast_emulator.py [--asins 300 --weeks 156 --horizon 12 --windows 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from vendorcast.forecasting.backtest import reference_forecast
from vendorcast.forecasting.ensemble import ENSEMBLE
from vendorcast.forecasting.files import with_promotions
from vendorcast.forecasting.forecaster import honest_backtest
from vendorcast.forecasting.metrics import AccuracySums, pool
from vendorcast.forecasting.models import LightGBMGlobal, ModelForecast, model_factories
from vendorcast.forecasting.panel import DensePanel, attach_snapshots, check_history, to_dense
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.lake.promotions import PROMOTION_COVARIATES, PROMOTION_DAYS
from vendorcast.lake.tables import CENSORED_OUT_OF_STOCK_RATE
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.truth import daily_table, forecasts_table
from vendorcast.synthetic_lake import promotion_plan


def simulate(asins: int, weeks: int, seed: int) -> VendorSimulator:
    start = date(2023, 1, 1)  # a Sunday: the simulator's weeks and Amazon's snapshots start on Sundays
    return VendorSimulator(seed, asins, start, start + timedelta(weeks=weeks) - timedelta(days=1))


def weekly_truth(sim: VendorSimulator) -> tuple[pd.DataFrame, pd.DataFrame]:
    daily = daily_table(sim).to_pandas()
    daily["week_start"] = pd.to_datetime(daily["date"]) - pd.to_timedelta(
        (pd.to_datetime(daily["date"]).dt.dayofweek + 1) % 7, unit="D")
    weekly = daily.groupby(["asin", "week_start"]).agg(
        units=("ordered_units", "sum"), demand=("demand", "sum"), oos=("out_of_stock_fraction", "mean"),
        days=("date", "size")).reset_index()
    weekly = weekly[weekly["days"] == 7]
    weekly["censored"] = weekly["oos"] >= CENSORED_OUT_OF_STOCK_RATE
    return weekly.rename(columns={"asin": "item_id"}), forecasts_table(sim).to_pandas()


def score_on(panel: DensePanel, forecast: ModelForecast, where: np.ndarray, truth: np.ndarray | None = None
             ) -> AccuracySums:
    """Sums over the points `where` is true, against `truth` (default: the panel's uncensored units)."""
    units = panel.units if truth is None else truth
    weeks = forecast.origin + np.arange(forecast.horizon)
    actual = units[np.ix_(forecast.items, weeks)]
    if truth is None:
        actual = np.where(panel.censored[np.ix_(forecast.items, weeks)], np.nan, actual)
    keep = where & ~np.isnan(actual)
    return AccuracySums.of(actual[keep], {lv: q[keep] for lv, q in forecast.quantiles.items()}, forecast.mean[keep])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asins", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--models", default="", help="models, comma-separated (default: the engine's default "
                        "models; add the opt-in candidates, e.g. "
                        "seasonal_naive,ets,year_over_year,lightgbm_global,sarima,mq_cnn)")
    args = parser.parse_args()
    started = time.perf_counter()
    sim = simulate(args.asins, args.weeks, args.seed)
    weekly, amazon = weekly_truth(sim)
    panel = to_dense(check_history(weekly[["item_id", "week_start", "units", "censored"]]))
    # Amazon's forecasts, as the workflow reads them: scored next to ours, and a covariate of the global model
    # (each origin reads only earlier snapshots).
    snapshots = pd.DataFrame({"item_id": amazon["asin"], "generated_on": amazon["forecast_generation_date"],
                              "week_start": amazon["start_date"], "mean": amazon["mean_forecast_units"],
                              "p70": amazon["p70_forecast_units"], "p80": amazon["p80_forecast_units"],
                              "p90": amazon["p90_forecast_units"]})
    attach_snapshots(panel, snapshots)
    truth = to_dense(check_history(weekly[["item_id", "week_start", "demand"]].rename(columns={"demand": "units"})),
                     start=panel.start).units
    settings = ForecastSettings(horizon=args.horizon, backtest_windows=args.windows,
                                models=tuple(args.models.split(",")) if args.models else None)
    windows = honest_backtest(panel, settings)
    ours: dict[str, list[AccuracySums]] = {}
    amazon_weeks = []
    for window in windows:
        like = window.forecasts[ENSEMBLE]
        reference = reference_forecast(snapshots, panel, like, "amazon")
        has_amazon = ~np.isnan(reference.mean)
        amazon_weeks.append((like.items, has_amazon))
        for name, forecast in window.forecasts.items():
            if np.array_equal(forecast.items, like.items):
                ours.setdefault(name, []).append(score_on(panel, forecast, has_amazon))
        amazon_view = ModelForecast("amazon", reference.items, reference.origin, np.nan_to_num(reference.mean),
                                    {lv: np.nan_to_num(q) for lv, q in reference.quantiles.items()})
        ours.setdefault("amazon", []).append(score_on(panel, amazon_view, has_amazon))
    print(f"Simulated vendor: {args.asins} ASINs x {args.weeks} weeks, horizon {args.horizon}, "
          f"{args.windows} rolling origins (seed {args.seed})")
    print("1. On the ASIN-weeks Amazon forecast (uncensored ordered units):")
    print(f"{'model':>16} {'wQL P70':>8} {'wQL P80':>8} {'wQL P90':>8} {'P70-P90':>8} {'WAPE':>6} {'weeks':>7}")
    for name, parts in ours.items():
        m = pool(parts).metrics()
        mean_p70_p90 = np.mean([m["wql_p70"], m["wql_p80"], m["wql_p90"]])
        print(f"{name:>16} {m['wql_p70']:8.3f} {m['wql_p80']:8.3f} {m['wql_p90']:8.3f} {mean_p70_p90:8.3f} "
              f"{m['wape']:6.3f} {pool(parts).weeks:7d}")
    print("2. Stockout weeks masked or not, against true demand (all weeks):")
    print(f"{'lightgbm_global':>22} {'wQL mean':>9} {'WAPE':>6} {'bias':>6} {'cov':>5}")
    for label, mask in (("masked (vendorcast)", True), ("censored as observed", False)):
        sums = []
        masking = ForecastSettings(horizon=args.horizon, mask_censored=mask, models=("lightgbm_global",))
        for window in windows:
            forecast = model_factories(masking)["lightgbm_global"]().fit(panel, window.origin).predict(
                args.horizon, masking.levels)
            sums.append(score_on(panel, forecast, np.ones(forecast.mean.shape, dtype=bool), truth))
        m = pool(sums).metrics()
        print(f"{label:>22} {m['wql_mean']:9.3f} {m['wape']:6.3f} {m['bias']:6.3f} {m['coverage_p10_p90']:5.3f}")
    print("3. Amazon's snapshots as a feature of lightgbm_global (the ASIN-weeks of 1):")
    print(f"{'':>22} {'P70-P90':>8} {'WAPE':>6} {'snapshot gain share':>20}")
    without = dataclasses.replace(panel, snapshots=None)
    for label, data in (("with snapshots", panel), ("without snapshots", without)):
        sums, shares = [], []
        for window, (items, has_amazon) in zip(windows, amazon_weeks, strict=True):
            model = model_factories(settings)["lightgbm_global"]().fit(data, window.origin)
            assert isinstance(model, LightGBMGlobal)
            forecast = model.predict(args.horizon, settings.levels)
            assert np.array_equal(forecast.items, items)
            sums.append(score_on(data, forecast, has_amazon))
            shares.append(sum(share for name, share in model.gain_shares().items() if name.startswith("snapshot")))
        m = pool(sums).metrics()
        print(f"{label:>22} {np.mean([m['wql_p70'], m['wql_p80'], m['wql_p90']]):8.3f} {m['wape']:6.3f} "
              f"{np.mean(shares):20.3f}")
    promotions(sim, weekly, snapshots, panel, windows, settings)
    print(f"({time.perf_counter() - started:.0f} s)")


def promotions(sim: VendorSimulator, weekly: pd.DataFrame, snapshots: pd.DataFrame, panel: DensePanel,
               without: list, settings: ForecastSettings) -> None:
    """Section 3: the backtest again with the vendor's promotion plan as known covariates, next to `without`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "promotions.csv"
        plan = promotion_plan(sim, "bench", sim.end).rename(columns={"asin": "item_id"})
        # The ASINs with a full week of sales (the panel's items).
        plan = plan[plan["item_id"].isin(set(weekly["item_id"]))]
        plan.drop(columns=["account", "marketplace_id"]).to_csv(path, index=False)
        problems: list[str] = []
        history, _ = with_promotions(weekly[["item_id", "week_start", "units", "censored"]], None, path, 0,
                                     problems.append)
    assert not problems, problems
    promoted = to_dense(check_history(history), known_covariates=PROMOTION_COVARIATES, start=panel.start)
    attach_snapshots(promoted, snapshots)
    with_plan = honest_backtest(promoted, settings)
    days = promoted.covariates[PROMOTION_DAYS]
    print(f"4. The promotion plan ({len(plan)} promotions) as known covariates, against uncensored ordered units "
          f"(wQL mean P10/P50/P90; coverage P10-P90):")
    print(f"{'model':>16} {'inputs':>10} {'all weeks':>10} {'vs naive':>9} {'cov':>5} {'promo weeks':>12} "
          f"{'vs naive':>9} {'cov':>5} {'weeks':>6}")
    for label, windows in (("none", without), ("promotions", with_plan)):
        sums: dict[str, dict[str, list[AccuracySums]]] = {}
        for window in windows:
            promo = days[:, window.origin:window.origin + settings.horizon] > 0
            for name, forecast in window.forecasts.items():
                where = {"all": np.ones(forecast.mean.shape, dtype=bool), "promo": promo[forecast.items]}
                for part, mask in where.items():
                    sums.setdefault(name, {}).setdefault(part, []).append(score_on(panel, forecast, mask))
        naive = {part: pool(parts).metrics() for part, parts in sums["seasonal_naive"].items()}
        for name, parts in sums.items():
            m = {part: pool(p).metrics() for part, p in parts.items()}
            print(f"{name:>16} {label:>10} {m['all']['wql_mean']:10.3f} "
                  f"{m['all']['wql_mean'] / naive['all']['wql_mean']:9.3f} {m['all']['coverage_p10_p90']:5.3f} "
                  f"{m['promo']['wql_mean']:12.3f} {m['promo']['wql_mean'] / naive['promo']['wql_mean']:9.3f} "
                  f"{m['promo']['coverage_p10_p90']:5.3f} {pool(parts['promo']).weeks:6d}")
    print(f"   ({int((days > 0).sum())} ASIN-weeks with a promotion in the panel)")


if __name__ == "__main__":
    main()
