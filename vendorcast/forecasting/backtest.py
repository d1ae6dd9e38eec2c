"""Rolling-origin backtests: where the windows start, the forecasts of each window, and scoring them against the
actuals (censored and missing weeks are not scored: their units are not the week's demand), including another
forecaster's (Amazon's) on the same weeks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vendorcast.forecasting.metrics import AccuracySums, seasonal_naive_scale
from vendorcast.forecasting.models import ModelForecast
from vendorcast.forecasting.panel import ITEM, WEEK, DensePanel

# Another forecaster's forecasts to score next to ours: the day each was generated, the week it forecasts, its mean
# and quantile columns named as the forecast table names them (p70, p80, p90 for Amazon's).
REFERENCE_COLUMNS = (ITEM, "generated_on", WEEK, "mean")


@dataclass
class WindowForecasts:
    window: int  # 1 = earliest
    origin: int
    forecasts: dict[str, ModelForecast]


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


def reference_forecast(reference: pd.DataFrame, panel: DensePanel, like: ModelForecast, name: str
                       ) -> ModelForecast | None:
    """Another forecaster's forecast aligned with `like` (same items, origin, horizon): for each item and week its
    latest forecast generated before the origin, NaN where it has none (scoring skips those points); None when
    it has nothing before the origin."""
    origin_day = panel.week_start(like.origin)
    known = reference[pd.to_datetime(reference["generated_on"]) < origin_day]
    if known.empty:
        return None
    latest = known.sort_values("generated_on").drop_duplicates([ITEM, WEEK], keep="last")
    row_of = {item: i for i, item in enumerate(panel.items[like.items])}
    weeks = ((pd.to_datetime(latest[WEEK]) - origin_day).dt.days // 7).to_numpy()
    rows = latest[ITEM].map(row_of).to_numpy()
    inside = ~pd.isna(rows) & (weeks >= 0) & (weeks < like.horizon)
    rows, weeks = rows[inside].astype(int), weeks[inside]
    levels = {float(c[1:]) / 100: c for c in latest.columns if c.startswith("p") and c[1:].replace(".", "").isdigit()}
    values = {}
    for key, column in (("mean", "mean"), *levels.items()):
        values[key] = np.full(like.mean.shape, np.nan)
        values[key][rows, weeks] = latest[column].to_numpy(dtype=float)[inside]
    mean = values.pop("mean")
    if np.isnan(mean).all():
        return None
    return ModelForecast(name, like.items, like.origin, mean, values)
