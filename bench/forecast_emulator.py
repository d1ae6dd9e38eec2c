"""Forecasting the simulated vendor (the SP-API emulator's demand model), where the truth is known:

1. Against Amazon: our P70/P80/P90 next to Amazon's own forecast (the latest snapshot generated before each origin,
   imperfect the way real ones are: base prices only, no knowledge of promotions or discontinuations) on the same
   ASIN-weeks, scored against ordered units of weeks without stockouts (what the workflow scores).
2. Censoring: the global model with stockout weeks masked (vendorcast's choice) and without masking, scored against
   the true, unconstrained demand of every week.

    .venv/bin/python bench/forecast_emulator.py [--asins 300 --weeks 156 --horizon 12 --windows 3]
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from vendorcast.forecasting.backtest import reference_forecast
from vendorcast.forecasting.ensemble import ENSEMBLE
from vendorcast.forecasting.forecaster import honest_backtest
from vendorcast.forecasting.metrics import AccuracySums, pool
from vendorcast.forecasting.models import ModelForecast, model_factories
from vendorcast.forecasting.panel import DensePanel, attach_snapshots, check_history, to_dense
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.lake.tables import CENSORED_OUT_OF_STOCK_RATE
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.truth import daily_table, forecasts_table


def weekly_truth(asins: int, weeks: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    start = date(2023, 1, 1)  # a Sunday: the simulator's weeks and Amazon's snapshots start on Sundays
    sim = VendorSimulator(seed, asins, start, start + timedelta(weeks=weeks) - timedelta(days=1))
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
                        "models; add the opt-in candidates, e.g. seasonal_naive,ets,lightgbm_global,sarima,mq_cnn)")
    args = parser.parse_args()
    started = time.perf_counter()
    weekly, amazon = weekly_truth(args.asins, args.weeks, args.seed)
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
    for window in windows:
        like = window.forecasts[ENSEMBLE]
        reference = reference_forecast(snapshots, panel, like, "amazon")
        has_amazon = ~np.isnan(reference.mean)
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
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
