"""The year-over-year model: last year's aligned week (and two years back) grown by the year's level ratio, with the
series' own empirical error quantiles; checked against the same forecast written out week by week, on
constructed series (growth, holidays, two years), and in the default engine, whose ensemble leans on it where its
backtest earns it."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vendorcast.forecasting.forecaster import forecast_panel, prepare_panel
from vendorcast.forecasting.models import DEFAULT_MODELS, YearOverYear, regular_history
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.forecasting.year_over_year import (
    ERROR_ORIGINS,
    ERROR_SCALE_FLOOR,
    ERROR_STRIDE,
    GROWTH_BOUNDS,
    GROWTH_WEEKS,
    row_quantiles,
    year_over_year_point,
    year_over_year_quantiles,
)

_PATH = Path(__file__).resolve().parents[3] / "bench" / "forecast_harness.py"
_spec = importlib.util.spec_from_file_location("forecast_harness", _PATH)
harness = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = harness  # its dataclasses look their module up while they are made
_spec.loader.exec_module(harness)

LEVELS = (0.1, 0.5, 0.9)


def _plain_calendar(weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Every week's last year 52 weeks back, every week an event (so no week is smoothed)."""
    return np.full(weeks, 52), np.ones(weeks, dtype=bool)


def _mean(y: np.ndarray, first: int, end: int) -> float:
    return float(np.mean(y[max(first, 0):end]))


def _by_hand(y: np.ndarray, origin: int, horizon: int) -> np.ndarray:
    """Seasonal naive times the growth of the last GROWTH_WEEKS against the same weeks a year before."""
    growth = _mean(y, origin - GROWTH_WEEKS, origin) / _mean(y, origin - 52 - GROWTH_WEEKS, origin - 52)
    growth = min(max(growth, GROWTH_BOUNDS[0]), GROWTH_BOUNDS[1])
    return np.array([y[t - 52] * growth for t in range(origin, origin + horizon)])


def test_it_is_seasonal_naive_grown_with_the_empirical_quantiles_of_its_own_past_errors() -> None:
    rng = np.random.default_rng(4)
    y = rng.uniform(50, 150, (1, 90))  # one series, 90 weeks: last year is known, two years back is not
    origin, horizon = 90, 3
    lags, events = _plain_calendar(origin + horizon)
    quantiles = year_over_year_quantiles(y, lags, events, horizon, LEVELS)
    point = _by_hand(y[0], origin, horizon)
    # Its errors at the earlier origins (full windows, every ERROR_STRIDE weeks, within ERROR_ORIGINS weeks and
    # after the first year), each relative to the forecast it missed (at least a share of the level then).
    errors = []
    for earlier in range(origin - horizon, max(52, origin - ERROR_ORIGINS), -ERROR_STRIDE):
        past = _by_hand(y[0], earlier, horizon)
        floor = ERROR_SCALE_FLOOR * _mean(y[0], earlier - GROWTH_WEEKS, earlier)
        errors += list((y[0, earlier:earlier + horizon] - past) / np.maximum(past, floor))
    scale = np.maximum(point, ERROR_SCALE_FLOOR * _mean(y[0], origin - GROWTH_WEEKS, origin))
    for level in LEVELS:
        assert quantiles[level][0] == pytest.approx(point + np.quantile(errors, level) * scale)


def test_last_years_week_is_grown_by_the_years_level_ratio_and_a_straight_season_is_not_bent() -> None:
    weeks = 70
    pattern = 100.0 + 3.0 * np.arange(weeks)  # a straight climb (within the weeks read here)
    y = np.where(np.arange(weeks) >= 52, 1.5 * (100.0 + 3.0 * (np.arange(weeks) - 52)), pattern)[None, :]
    lags = np.full(weeks + 4, 52)
    quiet = np.zeros(weeks + 4, dtype=bool)  # no events: every week is smoothed with its neighbours
    point = year_over_year_point(y, lags, quiet, weeks, 4)
    assert point[0] == pytest.approx(1.5 * pattern[18:22])


def test_a_holiday_is_read_where_it_fell_last_year_and_lends_nothing_to_its_neighbours() -> None:
    weeks = 60
    y = np.full((1, weeks), 100.0)
    y[0, [5, 7, 9]] = (400.0, 120.0, 300.0)
    lags = np.full(weeks + 8, 52)
    events = np.zeros(weeks + 8, dtype=bool)
    events[[5, 57]] = True  # a holiday in the same week of the year both years
    events[[9, 62]] = True  # one that moved a week later: week 62's last year is 53 weeks back
    lags[62] = 53
    point = year_over_year_point(y, lags, events, 56, 8)[0]  # weeks 56 to 63
    assert point[57 - 56] == pytest.approx(400.0)  # the holiday week read whole
    assert point[58 - 56] == pytest.approx((100.0 + 120.0) / 2)  # next to it: smoothed with week 7 only
    assert point[62 - 56] == pytest.approx(300.0)


def test_two_years_back_is_averaged_in() -> None:
    weeks, origin = 126, 118
    y = np.tile(50.0 + 10 * np.sin(2 * np.pi * np.arange(52) / 52), 3)[None, :weeks].copy()
    target = origin + 5
    y[0, target - 52] += 10.0  # last year's week up, two years back down: the average is the season's
    y[0, target - 104] -= 10.0
    lags, events = _plain_calendar(weeks + 8)
    point = year_over_year_point(y, lags, events, origin, 8)[0]
    assert point[5] == pytest.approx(50.0 + 10 * np.sin(2 * np.pi * (target % 52) / 52))


def test_its_p10_to_p90_holds_about_80_percent_of_the_weeks_to_come() -> None:
    rng = np.random.default_rng(8)
    season = 100 + 30 * np.sin(2 * np.pi * np.arange(52) / 52)
    y = np.tile(season, 3)[None, :104] * rng.uniform(0.5, 2, (400, 1)) * rng.lognormal(0, 0.15, (400, 104))
    origin, horizon = 100, 4
    lags, events = _plain_calendar(origin + horizon)
    quantiles = year_over_year_quantiles(y[:, :origin], lags, events, horizon, LEVELS)
    actual = y[:, origin:]
    covered = np.mean((actual >= quantiles[0.1]) & (actual <= quantiles[0.9]))
    assert 0.72 <= covered <= 0.88
    assert 0.4 <= np.mean(actual <= quantiles[0.5]) <= 0.6


def test_row_quantiles_are_numpys() -> None:
    rng = np.random.default_rng(2)
    values = rng.normal(size=(30, 25))
    values[rng.random(values.shape) < 0.3] = np.nan
    values[4] = np.nan
    ours = row_quantiles(values, LEVELS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for level in LEVELS:
            np.testing.assert_allclose(ours[level], np.nanquantile(values, level, axis=1))


def test_a_series_younger_than_a_year_gets_the_naive_forecast() -> None:
    history = harness.store_departments(stores=1, departments=3, weeks=60, seed=2)
    first = history[history["item_id"] == history["item_id"].iloc[0]]
    young = first[first["week_start"] >= first["week_start"].min() + pd.Timedelta(weeks=20)].assign(
        item_id="young")
    panel = prepare_panel(pd.concat([history, young]), 0)
    origin = panel.n_weeks
    forecast = YearOverYear().fit(panel, origin).predict(4, LEVELS)
    row = list(panel.items).index("young")
    position = list(forecast.items).index(row)
    last = regular_history(panel.demand(), np.array([row]), origin)[0, -1]
    assert forecast.quantiles[0.5][position] == pytest.approx(np.full(4, last))


def test_the_default_ensemble_leans_on_it_on_store_department_sales() -> None:
    assert "year_over_year" in DEFAULT_MODELS
    history = harness.store_departments(stores=3, departments=6, seed=5)
    panel = prepare_panel(history, harness.HORIZON)
    settings = ForecastSettings(horizon=harness.HORIZON, levels=LEVELS, lightgbm_rounds=10, threads=1)
    result = forecast_panel(panel, settings)
    assert result.plan.weights["all"].get("year_over_year", 0) >= 0.25
