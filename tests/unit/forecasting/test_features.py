"""The global model's features: every feature of a row is built from weeks before its origin (or from covariates
known ahead), relative to the item's level, so no row can see its own future."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vendorcast.forecasting.calendar import calendar_features
from vendorcast.forecasting.features import FeatureBuilder, Rows, year_ago_lags
from vendorcast.forecasting.panel import check_history, to_dense

FIRST = pd.Timestamp("2023-01-01")


def _panel(units: np.ndarray, price: np.ndarray | None = None, known: tuple[str, ...] = ()):
    items, weeks = units.shape
    frame = pd.DataFrame({"item_id": np.repeat([f"i{k}" for k in range(items)], weeks),
                          "week_start": np.tile(FIRST + pd.to_timedelta(np.arange(weeks) * 7, unit="D"), items),
                          "units": units.ravel()})
    if price is not None:
        frame["price"] = price.ravel()
    return to_dense(check_history(frame.dropna(subset=["units"])), known_covariates=known)


def test_the_level_lags_and_last_year_are_read_before_the_origin() -> None:
    units = np.arange(1.0, 81.0)[None, :]
    panel = _panel(units)
    rows = Rows(np.array([0, 0]), np.array([60, 60]), np.array([1, 4]))
    features, scale = FeatureBuilder(panel).build(rows)
    assert scale[0] == pytest.approx(np.mean(units[0, 34:60]))  # the last 26 weeks before the origin
    assert features["lag_1"].iloc[0] == pytest.approx(units[0, 59] / scale[0])
    assert features["year_ago"].tolist() == pytest.approx([units[0, 8] / scale[0], units[0, 11] / scale[0]])
    assert features["horizon"].tolist() == [1.0, 4.0]


def test_no_feature_changes_when_the_weeks_from_the_origin_on_change() -> None:
    rng = np.random.default_rng(5)
    units = rng.poisson(20, (3, 90)).astype(float)
    price = np.full((3, 90), 10.0)
    origin = 70
    rows = Rows(np.repeat(np.arange(3), 6), np.full(18, origin), np.tile(np.arange(1, 7), 3))
    before, _ = FeatureBuilder(_panel(units, price)).build(rows)
    changed_units, changed_price = units.copy(), price.copy()
    changed_units[:, origin:] *= 50
    changed_price[:, origin:] = 1.0  # a past-only covariate: its forecast-week values must not be read
    after, _ = FeatureBuilder(_panel(changed_units, changed_price)).build(rows)
    pd.testing.assert_frame_equal(before, after)
    # Known ahead, the planned price of the forecast week is what the row reads.
    known, _ = FeatureBuilder(_panel(changed_units, changed_price, known=("price",))).build(rows)
    assert (known["price"] == 1.0).all() and (before["price"] == 10.0).all()


def test_an_item_without_known_demand_has_scale_one_and_censored_weeks_are_unknown() -> None:
    units = np.full((2, 30), 8.0)
    units[1, :] = np.nan
    units[1, 29] = 3.0  # launched in the last week: nothing known before week 20
    panel = _panel(units)
    panel.censored[0, 15:20] = True
    builder = FeatureBuilder(panel)
    assert builder.scale(np.array([0, 1]), np.array([20, 20])).tolist() == [8.0, 1.0]
    assert np.isnan(builder.history[0, 15:20]).all()  # a stockout week says nothing about demand
    assert np.isnan(builder.target(Rows(np.array([0]), np.array([16]), np.array([1]))))[0]


def test_last_year_is_aligned_on_the_holiday_and_grown_by_the_years_trend() -> None:
    # Easter fell in the week of 2023-04-02 and in the week of 2024-03-24, 51 weeks later: last year's sales of the
    # Easter week are read from the week that held Easter, not from 52 weeks back.
    weeks = pd.date_range(FIRST, periods=80, freq="7D")
    units = np.full((1, 80), 10.0)
    units[0, weeks.get_loc(pd.Timestamp("2023-04-02"))] = 100.0
    units[0, 51:] = 20.0  # the item sells twice what it sold a year ago
    origin = weeks.get_loc(pd.Timestamp("2024-03-24"))  # the first forecast week
    features, scale = FeatureBuilder(_panel(units)).build(Rows(np.array([0, 0]), np.array([origin, origin]),
                                                                np.array([1, 2])))
    assert features["year_ago_aligned"].tolist() == pytest.approx([100.0 / scale[0], 10.0 / scale[0]])
    assert features["year_ago"].iloc[0] == pytest.approx(10.0 / scale[0])  # the plain 52 weeks miss it
    assert features["year_growth"].iloc[0] == pytest.approx(2.0)
    assert features["year_ago_grown"].iloc[0] == pytest.approx(200.0 / scale[0])


def test_weeks_without_a_holiday_look_back_52_weeks() -> None:
    weeks = pd.date_range("2021-01-03", periods=260, freq="7D")
    lags = year_ago_lags(weeks)
    assert set(lags) <= {51, 52, 53}
    calendar = calendar_features(weeks)
    no_event = sum(v for k, v in calendar.items() if k.startswith("event_")) == 0
    assert (lags[no_event] == 52).all() and (lags != 52).any()
