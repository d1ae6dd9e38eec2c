"""The ensemble: weights go to the model whose backtest quantiles were best, per demand segment, and the
calibration shifts make each quantile hit its level on the backtest weeks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vendorcast.forecasting.backtest import WindowForecasts
from vendorcast.forecasting.ensemble import (
    ENSEMBLE,
    NEW,
    REFINE_STEP,
    SMOOTH,
    WEIGHT_STEP,
    combine,
    demand_segments,
    learn_plan,
    weight_grid,
)
from vendorcast.forecasting.models import ModelForecast
from vendorcast.forecasting.panel import check_history, to_dense

LEVELS = (0.1, 0.5, 0.9)


def _panel(units: np.ndarray):
    items, weeks = units.shape
    frame = pd.DataFrame({"item_id": np.repeat([f"i{k:02d}" for k in range(items)], weeks),
                          "week_start": np.tile(pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(weeks) * 7,
                                                                                                unit="D"), items),
                          "units": units.ravel()})
    return to_dense(check_history(frame.dropna(subset=["units"])))


def _forecast(name: str, origin: int, centre: np.ndarray, spread: np.ndarray) -> ModelForecast:
    quantiles = {0.1: centre - spread, 0.5: centre, 0.9: centre + spread}
    return ModelForecast(name, np.arange(len(centre)), origin, centre.copy(), quantiles)


def test_the_weight_grid_holds_every_convex_combination() -> None:
    grid = weight_grid(["a", "b", "c"], step=0.25)
    assert len(grid) == 15  # compositions of 4 quarters into 3 parts
    assert all(sum(w.values()) == pytest.approx(1.0) for w in grid)
    combined = combine({"a": _forecast("a", 0, np.full((1, 2), 10.0), np.ones((1, 2))),
                        "b": _forecast("b", 0, np.full((1, 2), 20.0), np.ones((1, 2)))}, {"a": 0.75, "b": 0.25})
    assert combined.mean.tolist() == [[12.5, 12.5]] and combined.quantiles[0.9].tolist() == [[13.5, 13.5]]


def test_the_plan_weights_the_better_model_and_calibrates_its_quantiles() -> None:
    rng = np.random.default_rng(1)
    units = rng.normal(100, 10, (40, 60)).round()
    panel = _panel(units)
    windows = []
    for k, origin in enumerate((36, 48), start=1):
        actual = units[:, origin:origin + 6]
        good = _forecast("good", origin, np.full(actual.shape, 100.0), np.full(actual.shape, 2.0))  # too narrow
        bad = _forecast("bad", origin, np.full(actual.shape, 60.0), np.full(actual.shape, 2.0))
        windows.append(WindowForecasts(k, origin, {"good": good, "bad": bad}))
    plan = learn_plan(panel, windows, ["good", "bad"])
    assert plan.weights["all"] == {"good": 1.0}
    assert plan.shifts[0.1] < 0 < plan.shifts[0.9]  # the narrow band is widened on both sides
    segments = demand_segments(panel, 60)
    ensemble = plan.apply(panel, windows[-1].forecasts, segments)
    actual = units[:, 48:54]
    covered = np.mean((actual >= ensemble.quantiles[0.1]) & (actual <= ensemble.quantiles[0.9]))
    assert ensemble.model == ENSEMBLE and 0.7 <= covered <= 0.9


def test_segments_name_new_and_smooth_items() -> None:
    units = np.full((2, 30), 20.0)
    units[1, :25] = np.nan  # launched 5 weeks before the origin
    segments = demand_segments(_panel(units), 30)
    assert segments.tolist() == [SMOOTH, NEW]


def test_the_weights_are_refined_to_the_best_of_the_finer_grid() -> None:
    """Three models whose best blend lies between the coarse grid's points: the refined weights are the best of
    every combination on the grid of REFINE_STEP (searched here in full)."""
    rng = np.random.default_rng(7)
    units = rng.normal(100, 10, (60, 40)).round()
    panel = _panel(units)
    origin = 30
    actual = units[:, origin:origin + 6]
    spread = np.full(actual.shape, 8.0)
    forecasts = {name: _forecast(name, origin, actual + offset + rng.normal(0, 6, actual.shape), spread)
                 for name, offset in (("low", -9.0), ("high", 12.0), ("noisy", 0.0))}
    windows = [WindowForecasts(1, origin, forecasts)]
    plan = learn_plan(panel, windows, list(forecasts), calibrate=False)

    def loss(weights: dict[str, float]) -> float:
        combined = combine(forecasts, weights)
        return sum(float(np.sum(np.maximum(level * (actual - q), (level - 1) * (actual - q))))
                   for level, q in combined.quantiles.items())

    finest = min(weight_grid(list(forecasts), step=REFINE_STEP), key=loss)
    assert loss(plan.weights["all"]) == pytest.approx(loss(finest))
    assert any(w % WEIGHT_STEP for w in plan.weights["all"].values())  # off the coarse grid
