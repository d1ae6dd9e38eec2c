"""The candidate models beside the default ones: SARIMA (the airline model, fitted for all series at once) against
statsforecast's ARIMA with the same order, the model contract on awkward series, the candidates being opt-in, and
the ensemble giving no weight to a model that loses its backtest."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from vendorcast.forecasting.arima import SEASON, _fit, airline_differences, airline_forecast, css_residuals
from vendorcast.forecasting.backtest import WindowForecasts
from vendorcast.forecasting.ensemble import SEGMENTS, demand_segments, learn_plan
from vendorcast.forecasting.models import (
    DEFAULT_MODELS,
    MODELS,
    ModelForecast,
    SeasonalArima,
    SeasonalNaive,
    model_factories,
)
from vendorcast.forecasting.panel import check_history, to_dense
from vendorcast.forecasting.settings import DEFAULT_LEVELS, ForecastSettings

FIRST = pd.Timestamp("2022-01-02")


def _airline_series(n: int, weeks: int, seed: int = 5) -> np.ndarray:
    """Weekly series with a yearly pattern, a drifting level and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    pattern = rng.normal(0, 8, (n, 1)) * np.sin(2 * np.pi * t / SEASON) + rng.normal(0, 5, (n, 1)) * np.cos(
        4 * np.pi * t / SEASON)
    level = 60 + np.cumsum(rng.normal(0, 1.0, (n, weeks)), axis=1)
    return level + pattern + rng.normal(0, 3, (n, weeks))


def _frame(units: np.ndarray, start_weeks: np.ndarray | None = None) -> pd.DataFrame:
    n, weeks = units.shape
    rows = []
    for i in range(n):
        for w in range(0 if start_weeks is None else start_weeks[i], weeks):
            rows.append({"item_id": f"i{i:02d}", "week_start": FIRST + pd.Timedelta(weeks=w), "units": units[i, w]})
    return pd.DataFrame(rows)


def test_airline_residuals_variance_and_forecasts_are_statsforecasts() -> None:
    """With the same coefficients, the CSS residuals and variance are statsforecast's ARIMA(0,1,1)(0,1,1)52 fitted
    by CSS; the forecast is close to its exact-likelihood forecast (CSS takes the errors before the data as zero,
    the exact likelihood's filter estimates them: on five years, within a quarter of a standard deviation), and
    the intervals widen as its do, past a year ahead too (psi weights; within 1%, the filter adding the
    uncertainty of the errors it estimated)."""
    from statsforecast.models import ARIMA

    values = _airline_series(4, 260)
    theta, seasonal_theta = np.array([-0.4, -0.7, 0.2, -0.5]), np.array([-0.6, -0.3, -0.5, -0.4])
    horizon = 60
    mean, spread, sigma2 = airline_forecast(values, theta, seasonal_theta, horizon)
    residuals = css_residuals(airline_differences(values), theta[:, None], seasonal_theta[:, None])[:, :, 0].T
    for row in range(len(values)):
        fixed = {"ma1": theta[row], "sma1": seasonal_theta[row]}
        kwargs = {"order": (0, 1, 1), "seasonal_order": (0, 1, 1), "season_length": SEASON, "fixed": fixed}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            css = ARIMA(**kwargs, method="CSS").fit(values[row]).model_
            exact = ARIMA(**kwargs, method="ML").forecast(values[row], horizon, level=[80])
        np.testing.assert_allclose(residuals[row], css["residuals"], atol=1e-9)
        assert sigma2[row] == pytest.approx(css["sigma2"])
        assert np.max(np.abs(mean[row] - exact["mean"])) < 0.25 * np.sqrt(sigma2[row])
        width = np.asarray(exact["hi-80"]) - np.asarray(exact["lo-80"])
        np.testing.assert_allclose(spread[row] / spread[row, 0], width / width[0], rtol=0.01)


def test_the_airline_grid_reaches_the_css_optimum() -> None:
    """The grid's coefficients leave no more than 1% more squared residuals than statsforecast's CSS optimiser."""
    from statsforecast.models import ARIMA

    values = _airline_series(6, 156, seed=8)
    w = airline_differences(values)
    theta, seasonal_theta = _fit(w)
    for row in range(len(values)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            coef = ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=SEASON,
                         method="CSS").fit(values[row]).model_["coef"]
        theirs = np.clip([coef["ma1"], coef["sma1"]], -0.98, 0.98)
        sse = [float(np.sum(css_residuals(w[row:row + 1], np.array([[a]]), np.array([[b]])) ** 2))
               for a, b in ((theta[row], seasonal_theta[row]), theirs)]
        assert sse[0] <= 1.01 * sse[1]


def test_sarima_follows_a_drifting_level_that_seasonal_naive_misses() -> None:
    """A yearly pattern on a level that has risen since last year: SARIMA's median tracks the new level."""
    weeks, horizon = 140, 8
    t = np.arange(weeks + horizon)
    truth = 100 + 0.8 * t + 25 * np.sin(2 * np.pi * t / SEASON)
    rng = np.random.default_rng(2)
    units = np.round(truth[None, :] + rng.normal(0, 2, (6, weeks + horizon)), 1)
    panel = to_dense(check_history(_frame(units)))
    errors = {}
    for model in (SeasonalArima(), SeasonalNaive()):
        forecast = model.fit(panel, weeks).predict(horizon, (0.1, 0.5, 0.9))
        errors[model.name] = np.mean(np.abs(forecast.quantiles[0.5] - truth[weeks:]))
    assert errors["sarima"] < 0.25 * errors["seasonal_naive"]


def test_sarima_answers_the_contract_on_short_zero_and_negative_series() -> None:
    """Every item with history gets a forecast of the horizon's shape, non-negative, quantiles never crossing: a
    series too young for the airline model (the naive forecast), one of zeros only, one with negative weeks
    (returns), and a normal one."""
    weeks = 120
    units = _airline_series(4, weeks, seed=4)
    units[1] = 0.0
    units[2, ::5] = -3.0
    start = np.array([0, 0, 0, weeks - 10])
    panel = to_dense(check_history(_frame(units, start)))
    forecast = SeasonalArima().fit(panel, weeks).predict(12, DEFAULT_LEVELS)
    stacked = np.stack([forecast.quantiles[level] for level in sorted(DEFAULT_LEVELS)])
    assert sorted(forecast.items.tolist()) == [0, 1, 2, 3]
    assert stacked.shape == (len(DEFAULT_LEVELS), 4, 12) and forecast.mean.shape == (4, 12)
    assert np.isfinite(stacked).all() and (stacked >= 0).all() and (np.diff(stacked, axis=0) >= 0).all()
    assert (forecast.quantiles[0.9][1] == 0).all()  # nothing sold, nothing forecast
    young = list(forecast.items).index(3)
    last = panel.units[3, weeks - 1]
    assert forecast.quantiles[0.5][young] == pytest.approx(np.full(12, last))  # the naive fall-back


def test_the_candidates_are_in_the_one_list_and_opt_in() -> None:
    assert {"sarima", "mq_cnn"} <= set(MODELS)
    assert "sarima" not in model_factories(ForecastSettings())
    assert list(model_factories(ForecastSettings())) == list(DEFAULT_MODELS)
    chosen = model_factories(ForecastSettings(models=("seasonal_naive", "sarima")))
    assert isinstance(chosen["sarima"](), SeasonalArima)


def test_a_model_that_loses_its_backtest_gets_no_weight_in_any_segment() -> None:
    """Three models on smooth and intermittent items over three windows: one close to the actuals, one biased, one
    far off. The ensemble's weights, for all items and for every segment it learns, leave the far-off model out."""
    rng = np.random.default_rng(9)
    weeks, horizon = 80, 8
    smooth = rng.normal(50, 5, (30, weeks)).round()
    intermittent = np.where(rng.random((30, weeks)) < 0.3, rng.poisson(6, (30, weeks)), 0).astype(float)
    units = np.vstack([smooth, intermittent])
    panel = to_dense(check_history(_frame(units)))
    windows = []
    for k, origin in enumerate((56, 64, 72), start=1):
        actual = units[:, origin:origin + horizon]
        centre = actual + rng.normal(0, 2, actual.shape)
        forecasts = {}
        for name, offset in (("close", 0.0), ("biased", 6.0), ("far_off", 40.0)):
            middle = np.clip(centre + offset, 0, None)
            quantiles = {0.1: middle * 0.8, 0.5: middle, 0.9: middle * 1.2 + 1}
            forecasts[name] = ModelForecast(name, np.arange(len(units)), origin, middle, quantiles)
        windows.append(WindowForecasts(k, origin, forecasts))
    plan = learn_plan(panel, windows, ["close", "biased", "far_off"])
    learned = set(plan.weights) - {"all"}
    assert learned and learned <= set(SEGMENTS)
    assert set(demand_segments(panel, 72)) >= {"smooth"}
    for segment, weights in plan.weights.items():
        assert "far_off" not in weights, segment
        assert weights.get("close", 0) >= 0.5, segment


def test_forecast_file_runs_the_models_asked_for(tmp_path) -> None:
    """`--models` picks models of the one list (a candidate included); an unknown name is one clear error."""
    from click.testing import CliRunner

    from vendorcast.cli import cli

    history = tmp_path / "history.parquet"
    _frame(np.clip(_airline_series(5, 120, seed=6), 0, None)).to_parquet(history)
    output = tmp_path / "forecast.parquet"
    args = ["forecast-file", "--history", str(history), "--output", str(output), "--horizon", "6"]
    result = CliRunner().invoke(cli, [*args, "--models", "seasonal_naive,sarima"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(output)) == 5 * 6
    unknown = CliRunner().invoke(cli, [*args, "--models", "seasonal_naive,prophet"])
    assert unknown.exit_code != 0 and "unknown model(s) prophet" in unknown.output
