"""Forecasting speed and memory: the global LightGBM quantile model (train + predict P10/P50/P70/P80/P90 and the
mean) on N synthetic weekly series of W weeks, horizon 12, next to statsforecast AutoETS(season_length=52) on a
sample of the same series, in the same run; per-series time ratio and peak memory of each, each in a fresh process.

    .venv/bin/python bench/forecast_speed.py [--series 10000 --weeks 156 --ets-sample 300]

Targets (issue #5): 10,000 x 156, horizon 12 in at most 60 s on a 2-core machine, at least 20x faster per series
than AutoETS(52), peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

HORIZON = 12


def synthetic_history(series: int, weeks: int, seed: int = 11) -> pd.DataFrame:
    """Seasonal, trending, promotional weekly demand with a spread of volumes (including slow movers)."""
    rng = np.random.default_rng(seed)
    level = np.exp(rng.normal(2.5, 1.2, series))[:, None]
    week = np.arange(weeks)[None, :]
    season = 1 + rng.uniform(0, 0.6, (series, 1)) * np.sin(2 * np.pi * (week + rng.integers(0, 52, (series, 1))) / 52)
    trend = 1 + rng.normal(0, 0.003, (series, 1)) * week
    promo = rng.random((series, weeks)) < 0.1
    units = rng.poisson(np.clip(level * season * trend * np.where(promo, 1.8, 1.0), 0, None))
    start = pd.Timestamp("2023-01-01")
    return pd.DataFrame({
        "item_id": np.repeat([f"s{i:05d}" for i in range(series)], weeks),
        "week_start": np.tile(pd.date_range(start, periods=weeks, freq="7D").values, series),
        "units": units.ravel().astype(float),
        "promotion": promo.ravel().astype(float),
    })


def run_global(series: int, weeks: int) -> dict[str, float]:
    from vendorcast.forecasting.models import DEFAULT_LEVELS, LightGBMGlobal
    from vendorcast.forecasting.panel import check_history, to_dense

    history = synthetic_history(series, weeks)
    started = time.perf_counter()
    panel = to_dense(check_history(history), known_covariates=["promotion"])
    model = LightGBMGlobal(max_horizon=HORIZON).fit(panel, panel.n_weeks)
    forecast = model.predict(HORIZON, DEFAULT_LEVELS)
    elapsed = time.perf_counter() - started
    assert forecast.mean.shape == (series, HORIZON)
    return {"seconds": elapsed, "series": series}


def run_ets(series: int, weeks: int, sample: int) -> dict[str, float]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    history = synthetic_history(series, weeks)
    chosen = history[history["item_id"].isin(sorted(history["item_id"].unique())[:sample])]
    frame = chosen.rename(columns={"item_id": "unique_id", "week_start": "ds", "units": "y"})[["unique_id", "ds", "y"]]
    started = time.perf_counter()
    StatsForecast(models=[AutoETS(season_length=52)], freq="7D", n_jobs=-1).forecast(df=frame, h=HORIZON,
                                                                                      level=[20, 40, 60, 80])
    return {"seconds": time.perf_counter() - started, "series": sample}


def child(kind: str, series: int, weeks: int, sample: int) -> None:
    result = run_global(series, weeks) if kind == "global" else run_ets(series, weeks, sample)
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(kind: str, args: argparse.Namespace) -> dict[str, float]:
    output = subprocess.run([sys.executable, __file__, "--child", kind, "--series", str(args.series), "--weeks",
                             str(args.weeks), "--ets-sample", str(args.ets_sample)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--ets-sample", type=int, default=300)
    parser.add_argument("--child", choices=["global", "ets"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.series, args.weeks, args.ets_sample)
        return
    ours, ets = measure("global", args), measure("ets", args)
    per_ours, per_ets = ours["seconds"] / ours["series"], ets["seconds"] / ets["series"]
    print(f"{args.series} series x {args.weeks} weeks, horizon {HORIZON}")
    print(f"{'contender':>26} {'series':>7} {'seconds':>8} {'ms/series':>10} {'peak MiB':>9}")
    print(f"{'lightgbm_global (ours)':>26} {ours['series']:7d} {ours['seconds']:8.1f} {1000 * per_ours:10.2f} "
          f"{ours['peak_mib']:9.0f}")
    print(f"{'AutoETS(season_length=52)':>26} {ets['series']:7d} {ets['seconds']:8.1f} {1000 * per_ets:10.2f} "
          f"{ets['peak_mib']:9.0f}")
    print(f"per-series speed-up: {per_ets / per_ours:.1f}x")


if __name__ == "__main__":
    main()
