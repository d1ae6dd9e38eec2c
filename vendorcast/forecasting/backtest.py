"""Rolling-origin backtests: refit every model at each origin on the weeks before it, forecast the next weeks, and
keep the forecasts with the actuals they are scored against (censored and missing weeks are not scored: their
units are not the week's demand)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from vendorcast.forecasting.metrics import AccuracySums, seasonal_naive_scale
from vendorcast.forecasting.models import DEFAULT_LEVELS, ForecastModel, ModelForecast
from vendorcast.forecasting.panel import DensePanel

ModelFactory = Callable[[], ForecastModel]


def rolling_origins(n_weeks: int, horizon: int, windows: int, step: int | None = None) -> list[int]:
    """Origins (first forecast week index) of `windows` windows, the last ending at the last week, `step` weeks
    apart (default: the horizon, so the windows do not overlap)."""
    step = step or horizon
    last = n_weeks - horizon
    origins = [last - step * (windows - 1 - k) for k in range(windows)]
    if origins[0] < 2:
        raise ValueError(f"{windows} backtest windows of {horizon} weeks need more than {n_weeks} weeks of history")
    return origins


@dataclass
class WindowForecasts:
    window: int  # 1 = earliest
    origin: int
    forecasts: dict[str, ModelForecast]


def run_backtest(panel: DensePanel, models: Mapping[str, ModelFactory], horizon: int, windows: int,
                 levels: Sequence[float] = DEFAULT_LEVELS, step: int | None = None) -> list[WindowForecasts]:
    """Every model's forecasts at every rolling origin (each refit on the weeks before its origin only)."""
    results = []
    for window, origin in enumerate(rolling_origins(panel.history_weeks, horizon, windows, step), start=1):
        forecasts = {name: factory().fit(panel, origin).predict(horizon, levels) for name, factory in models.items()}
        results.append(WindowForecasts(window, origin, forecasts))
    return results


def actuals(panel: DensePanel, forecast: ModelForecast, mask_censored: bool = True) -> np.ndarray:
    """The observed units for each forecast point; NaN where missing, censored or beyond the panel."""
    weeks = forecast.origin + np.arange(forecast.horizon)
    inside = weeks < panel.n_weeks
    values = np.full(forecast.mean.shape, np.nan)
    values[:, inside] = panel.units[forecast.items][:, weeks[inside]]
    if mask_censored:
        censored = np.zeros(forecast.mean.shape, dtype=bool)
        censored[:, inside] = panel.censored[forecast.items][:, weeks[inside]]
        values[censored] = np.nan
    return values


def mase_scales(panel: DensePanel, items: np.ndarray, origin: int) -> np.ndarray:
    return np.array([seasonal_naive_scale(panel.units[item, :origin]) for item in items])


def score(panel: DensePanel, forecast: ModelForecast, positions: np.ndarray | None = None,
          horizon_index: int | None = None) -> AccuracySums:
    """The accuracy sums of a forecast (or of some of its items / one horizon) against the panel's actuals; points
    the forecast leaves NaN (Amazon's forecast misses some ASIN-weeks) are not scored."""
    selected = forecast if positions is None else forecast.select(positions)
    actual = np.where(np.isnan(selected.mean), np.nan, actuals(panel, selected))
    scale = np.repeat(mase_scales(panel, selected.items, selected.origin)[:, None], selected.horizon, axis=1)
    columns = slice(None) if horizon_index is None else slice(horizon_index, horizon_index + 1)
    actual = actual[:, columns]
    known = ~np.isnan(actual)
    item_ids = panel.items[np.repeat(selected.items[:, None], actual.shape[1], axis=1)[known]]
    return AccuracySums.of(
        actual[known],
        {level: q[:, columns][known] for level, q in selected.quantiles.items()},
        selected.mean[:, columns][known],
        mase_scale=scale[:, columns][known],
        item_ids=item_ids,
    )
