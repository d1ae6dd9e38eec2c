"""Forecasting speed and memory of the path users run: the default `vendorcast forecast-file` (horizon 12, quantiles
0.1,0.5,0.9, 3 backtest windows, every model and the ensemble) on N synthetic weekly series of W weeks, timed as a
whole process (wall clock and peak resident memory), next to statsforecast AutoETS(season_length=52) on a sample
of the same series in the same run; then the forecast workflow's Train and ForecastShard steps per 1,000 series
(and Train at larger panels, to extrapolate to docs/scale.md's catalogue). Every contender runs in a fresh process.

    .venv/bin/python bench/forecast_speed.py [--series 10000 --weeks 156 --ets-sample 200 --runs 3]

Targets (issue #14): forecast-file on 10,000 x 156 in at most 60 s on a 2-core machine, at least 20x faster per
series than AutoETS(52), peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HORIZON = 12
# demand_weekly's past-only covariates, which the workflow's panel carries (vendorcast.lake.forecast_inputs).
LAKE_COVARIATES = ("average_selling_price", "glance_views", "out_of_stock_rate")


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


def _workflow_history(series: int, weeks: int) -> pd.DataFrame:
    """The synthetic history shaped like the workflow's panel: series keys and demand_weekly's covariates."""
    history = synthetic_history(series, weeks).drop(columns="promotion")
    rng = np.random.default_rng(3)
    history["average_selling_price"] = rng.uniform(5, 50, len(history)).round(2)
    history["glance_views"] = (history["units"] * rng.uniform(8, 12, len(history))).round()
    history["out_of_stock_rate"] = np.where(rng.random(len(history)) < 0.05, rng.random(len(history)), 0.0)
    return history


# ---------------------------------------------------------------------------------------------- child processes
def _ets_child(history_path: Path, sample: int) -> dict[str, float]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    history = pd.read_parquet(history_path)
    chosen = history[history["item_id"].isin(sorted(history["item_id"].unique())[:sample])]
    frame = chosen.rename(columns={"item_id": "unique_id", "week_start": "ds", "units": "y"})[["unique_id", "ds", "y"]]
    started, cpu = time.perf_counter(), _cpu_seconds()
    StatsForecast(models=[AutoETS(season_length=52)], freq="7D", n_jobs=-1).forecast(df=frame, h=HORIZON,
                                                                                      level=[80])
    return {"inner_seconds": time.perf_counter() - started, "inner_cpu_seconds": _cpu_seconds() - cpu,
            "series": sample}


def _cpu_seconds() -> float:
    """User + system seconds of this process and its finished children (statsforecast's worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _step_child(step: str, series: int, weeks: int) -> dict[str, float]:
    """A workflow step's engine call on `series` series, as the step makes it (vendorcast.forecasting.workflow):
    the panel on the run's grid, the run's settings; timed inside the process (inner)."""
    from vendorcast.forecasting.forecaster import forecast_panel, train_pooled_models
    from vendorcast.forecasting.panel import check_history, to_dense
    from vendorcast.forecasting.settings import ForecastSettings

    history = _workflow_history(series, weeks)
    settings = ForecastSettings(horizon=HORIZON)
    started = time.perf_counter()
    panel = to_dense(check_history(history), horizon=HORIZON, end=history["week_start"].max(), known_covariates=())
    trained = train_pooled_models(panel, settings)
    trained_at = time.perf_counter()
    if step == "shard":
        forecast_panel(panel, settings, trained=trained)
        return {"inner_seconds": time.perf_counter() - trained_at, "series": series}
    return {"inner_seconds": trained_at - started, "series": series}


def _run(command: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds (user + system, its finished children included) and peak resident MiB of a
    command run to its end: the OS's accounting of that one child."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {os.waitstatus_to_exitcode(status)})")
    lines = [line for line in output.strip().splitlines() if line.startswith("{")]
    return {"wall_seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
            **(json.loads(lines[-1]) if lines else {})}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--ets-sample", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="runs of each contender (medians are printed)")
    parser.add_argument("--train-series", default="1000,5000,10000",
                        help="panel sizes the Train step is timed at, comma-separated")
    parser.add_argument("--child", choices=["ets", "train", "shard"])
    parser.add_argument("--history", type=Path)
    args = parser.parse_args()
    if args.child == "ets":
        print(json.dumps(_ets_child(args.history, args.ets_sample)))
        return
    if args.child:
        print(json.dumps(_step_child(args.child, args.series, args.weeks)))
        return

    vendorcast = str(Path(sys.executable).with_name("vendorcast"))
    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "history.parquet"
        synthetic_history(args.series, args.weeks).to_parquet(history, index=False)
        ours, ets = [], []
        for _ in range(args.runs):  # in turn, so both see the same machine
            ours.append(_run([vendorcast, "forecast-file", "--history", str(history), "--output",
                              str(Path(folder) / "forecast.parquet")]))
            ets.append(_run([sys.executable, __file__, "--child", "ets", "--history", str(history),
                             "--ets-sample", str(args.ets_sample)]))
    per_ours = _median(ours, "wall_seconds") / args.series
    per_ets = _median(ets, "inner_seconds") / args.ets_sample
    cpu_ours = _median(ours, "cpu_seconds") / args.series
    cpu_ets = _median(ets, "inner_cpu_seconds") / args.ets_sample
    print(f"{args.series} series x {args.weeks} weeks, horizon {HORIZON}, quantiles 0.1,0.5,0.9; medians of "
          f"{args.runs} runs, each in a fresh process")
    print(f"{'contender':>44} {'series':>7} {'wall s':>7} {'ms/series':>10} {'CPU s':>7} {'CPU ms/s.':>9} "
          f"{'peak MiB':>9}")
    print(f"{'vendorcast forecast-file (whole process)':>44} {args.series:7d} {_median(ours, 'wall_seconds'):7.1f} "
          f"{1000 * per_ours:10.2f} {_median(ours, 'cpu_seconds'):7.1f} {1000 * cpu_ours:9.2f} "
          f"{_median(ours, 'peak_mib'):9.0f}")
    print(f"{'AutoETS(season_length=52), inner, 2 jobs':>44} {args.ets_sample:7d} {_median(ets, 'inner_seconds'):7.1f} "
          f"{1000 * per_ets:10.2f} {_median(ets, 'inner_cpu_seconds'):7.1f} {1000 * cpu_ets:9.2f} "
          f"{_median(ets, 'peak_mib'):9.0f}")
    print(f"per-series speed-up: {per_ets / per_ours:.1f}x wall, {cpu_ets / cpu_ours:.1f}x CPU (AutoETS extrapolated "
          f"to {args.series} series: {per_ets * args.series:.0f} s)")

    print("\nforecast workflow steps, engine calls timed inside the process (inner), whole-process peak memory:")
    print(f"{'step':>28} {'series':>7} {'inner s':>8} {'s/1,000 series':>15} {'peak MiB':>9}")
    sizes = [int(s) for s in args.train_series.split(",") if s.strip()]
    for step, counts in (("train", sizes), ("shard", [1000])):
        for count in counts:
            runs = [_run([sys.executable, __file__, "--child", step, "--series", str(count), "--weeks",
                          str(args.weeks)]) for _ in range(args.runs)]
            inner = _median(runs, "inner_seconds")
            label = "Train (pooled models, inner)" if step == "train" else "ForecastShard (inner)"
            print(f"{label:>28} {count:7d} {inner:8.1f} {1000 * inner / count:15.2f} {_median(runs, 'peak_mib'):9.0f}")


if __name__ == "__main__":
    main()
