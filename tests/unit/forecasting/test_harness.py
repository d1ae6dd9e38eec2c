"""The accuracy harness's own parts (bench/forecast_harness.py): its Walmart-like generator makes the weeks it
promises (negative ones among them, holidays that move), its baseline is seasonal naive with the series' own
empirical quantiles, and one run of the engine on a few generated series scores every model against it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vendorcast.forecasting.settings import ForecastSettings

_PATH = Path(__file__).resolve().parents[3] / "bench" / "forecast_harness.py"
_spec = importlib.util.spec_from_file_location("forecast_harness", _PATH)
harness = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = harness  # its dataclasses look their module up while they are made
_spec.loader.exec_module(harness)


def test_the_store_department_generator_makes_walmart_like_weeks() -> None:
    frame = harness.store_departments(stores=4, departments=10, seed=1)
    weeks = pd.DatetimeIndex(sorted(frame["week_start"].unique()))
    assert len(weeks) == 143 and (weeks.dayofweek == 4).all()  # Fridays from 2010-02-05, as Walmart's
    assert frame["item_id"].nunique() == 40
    assert (frame["units"] < 0).any()  # returns
    # The Christmas run-up: the whole data's best week is a December week in every year it covers.
    totals = frame.groupby("week_start")["units"].sum()
    for year in (2010, 2011):
        assert totals[totals.index.year == year].idxmax().month in (11, 12)


def test_the_baseline_is_last_year_plus_the_series_own_year_over_year_quantiles() -> None:
    rng = np.random.default_rng(2)
    values = np.vstack([rng.normal(100, 10, 80), np.r_[np.full(60, np.nan), np.arange(20.0)]])
    quantiles = harness.seasonal_naive_empirical(values, 4, (0.1, 0.5, 0.9))
    yoy = values[0, 52:] - values[0, :-52]
    assert quantiles[0.5][0] == pytest.approx(values[0, 28:32] + np.quantile(yoy, 0.5))
    assert quantiles[0.9][0] == pytest.approx(values[0, 28:32] + np.quantile(yoy, 0.9))
    # Younger than a year: the last week plus its week-over-week differences (all 1 here), widening as sqrt(h).
    assert quantiles[0.1][1] == pytest.approx(19 + np.sqrt(np.arange(1, 5)))


def test_one_run_scores_every_model_next_to_the_baseline() -> None:
    history = harness.store_departments(stores=1, departments=5, seed=5)
    settings = ForecastSettings(horizon=harness.HORIZON, levels=harness.LEVELS, lightgbm_rounds=5, threads=1)
    sums, series, _ = harness.run_dataset(harness.Dataset("tiny", history), settings)
    assert series == history["item_id"].nunique()
    assert set(sums) == {harness.BASELINE, "seasonal_naive", "ets", "year_over_year", "lightgbm_global", "ensemble"}
    # 3 origins x 8 weeks of every series that is open then (a late-opening department may miss some).
    assert sums["ensemble"].weeks == sums[harness.BASELINE].weeks <= series * 24
    assert np.isfinite(sums["ensemble"].metrics()["wql_mean"])
