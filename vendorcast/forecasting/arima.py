"""The airline model, SARIMA(0,1,1)(0,1,1)52, for every series at once: its two MA coefficients estimated by
conditional sum of squares (CSS) on a grid, refined around each series' best, and its forecasts with Normal
intervals from the model's psi weights. Pure numpy; a statsforecast ARIMA takes 0.07 to 0.9 s a series."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

SEASON = 52
# Differencing (1 - B)(1 - B^52) consumes 53 weeks; fewer CSS residuals than this and the series gets NaN.
MIN_RESIDUALS = 26
# Both MA coefficients stay inside (-1, 1) (invertible). Retail series sit mostly at theta, Theta < 0.
_THETAS = np.linspace(-0.9, 0.6, 11)
_SEASONAL_THETAS = np.linspace(-0.9, 0.3, 7)
_COARSE = np.array([(a, b) for a in _THETAS for b in _SEASONAL_THETAS])
_REFINE_STEPS = np.array([(a, b) for a in (-0.5, -0.25, 0, 0.25, 0.5) for b in (-0.5, -0.25, 0, 0.25, 0.5)])
_BOUND = 0.98
# Items per block: the residuals of a block are (weeks, items, grid) floats.
_BLOCK = 1000


def airline_differences(values: np.ndarray) -> np.ndarray:
    """w(t) = (1 - B)(1 - B^52) y(t), NaN for the first 53 weeks and wherever a term is unknown."""
    w = np.full(values.shape, np.nan)
    w[:, SEASON + 1:] = values[:, SEASON + 1:] - values[:, SEASON:-1] - values[:, 1:-SEASON] + values[:, :-SEASON - 1]
    return w


def css_residuals(w: np.ndarray, theta: np.ndarray, seasonal_theta: np.ndarray) -> np.ndarray:
    """The CSS residuals e(t) = w(t) - theta e(t-1) - Theta e(t-52) - theta Theta e(t-53), zero where w is unknown
    (before each series' first usable week), as (weeks, items, candidates). theta and Theta: (items or 1,
    candidates)."""
    weeks = w.shape[1]
    shape = (weeks, w.shape[0], theta.shape[1])
    e = np.zeros(shape)
    both = theta * seasonal_theta
    known = ~np.isnan(w)
    start = int(np.argmax(known.any(axis=0))) if known.any() else weeks
    for t in range(start, weeks):
        expected = theta * e[t - 1] + seasonal_theta * e[t - SEASON] + both * e[t - SEASON - 1]
        e[t] = np.where(known[:, t, None], w[:, t, None] - expected, 0.0)
    return e


def _fit(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each series' (theta, Theta) with the least sum of squared CSS residuals: a coarse grid, then a finer one
    around its best."""
    coarse = css_residuals(w, _COARSE[None, :, 0], _COARSE[None, :, 1])
    best = _COARSE[np.argmin(np.sum(coarse * coarse, axis=0), axis=1)]
    step = np.array([_THETAS[1] - _THETAS[0], _SEASONAL_THETAS[1] - _SEASONAL_THETAS[0]])
    fine = np.clip(best[:, None, :] + _REFINE_STEPS[None, :, :] * step, -_BOUND, _BOUND)
    residuals = css_residuals(w, fine[:, :, 0], fine[:, :, 1])
    pick = np.argmin(np.sum(residuals * residuals, axis=0), axis=1)
    rows = np.arange(len(w))
    return fine[rows, pick, 0], fine[rows, pick, 1]


def psi_weights(theta: np.ndarray, seasonal_theta: np.ndarray, horizon: int) -> np.ndarray:
    """The MA(infinity) weights psi_0 .. psi_{h-1} of (1 + theta B)(1 + Theta B^52) / ((1 - B)(1 - B^52)), per
    series: psi_j = ma_j + psi_{j-1} + psi_{j-52} - psi_{j-53}."""
    n = len(theta)
    ma = np.zeros((n, horizon))
    ma[:, 0] = 1.0
    if horizon > 1:
        ma[:, 1] = theta
    if horizon > SEASON:
        ma[:, SEASON] = seasonal_theta
    if horizon > SEASON + 1:
        ma[:, SEASON + 1] = theta * seasonal_theta
    psi = np.zeros((n, horizon))
    for j in range(horizon):
        psi[:, j] = ma[:, j] + (psi[:, j - 1] if j >= 1 else 0) + (psi[:, j - SEASON] if j >= SEASON else 0) \
            - (psi[:, j - SEASON - 1] if j >= SEASON + 1 else 0)
    return psi


def airline_forecast(values: np.ndarray, theta: np.ndarray, seasonal_theta: np.ndarray, horizon: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, standard deviation (both (items, horizon)) and CSS variance of the airline model with the given
    coefficients. `values` may be NaN before each series' first week, not in its last 53."""
    n, weeks = values.shape
    w = airline_differences(values)
    e = css_residuals(w, theta[:, None], seasonal_theta[:, None])[:, :, 0].T
    used = np.sum(~np.isnan(w), axis=1)
    sigma2 = np.sum(e * e, axis=1) / np.maximum(used, 1)
    y = np.concatenate([values, np.zeros((n, horizon))], axis=1)
    e = np.concatenate([e, np.zeros((n, horizon))], axis=1)
    for t in range(weeks, weeks + horizon):
        y[:, t] = (y[:, t - 1] + y[:, t - SEASON] - y[:, t - SEASON - 1] + theta * e[:, t - 1]
                   + seasonal_theta * e[:, t - SEASON] + theta * seasonal_theta * e[:, t - SEASON - 1])
    spread = np.sqrt(sigma2[:, None] * np.cumsum(psi_weights(theta, seasonal_theta, horizon) ** 2, axis=1))
    return y[:, weeks:], spread, sigma2


def airline_quantiles(values: np.ndarray, horizon: int, levels: Sequence[float]) -> dict[float, np.ndarray]:
    """The airline model fitted by CSS to every series, its Normal quantiles; NaN for series with fewer than
    MIN_RESIDUALS usable weeks after differencing. `values` as models.regular_history returns them (NaN before
    each item's first known week)."""
    n, weeks = values.shape
    quantiles = {level: np.full((n, horizon), np.nan) for level in levels}
    if weeks <= SEASON + MIN_RESIDUALS:
        return quantiles
    w = airline_differences(values)
    usable = np.flatnonzero(np.sum(~np.isnan(w), axis=1) >= MIN_RESIDUALS)
    for block in np.array_split(usable, max(1, -(-len(usable) // _BLOCK))):
        if not len(block):
            continue
        theta, seasonal_theta = _fit(w[block])
        # The forecast reads only the last 53 weeks, known for every usable series.
        mean, spread, _ = airline_forecast(values[block], theta, seasonal_theta, horizon)
        for level in levels:
            quantiles[level][block] = mean + NormalDist().inv_cdf(level) * spread
    return quantiles
