"""The year-over-year model: last year's week aligned on its holidays (and the week two years back), each grown by
the series' year-over-year level ratio, with quantiles from the series' own errors of the same forecast at earlier
origins (empirical, not Normal). Seasonal naive with empirical quantiles, made robust to level shifts and moving
holidays; for every series at once in numpy."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from vendorcast.forecasting.calendar import calendar_features

SEASON = 52
# Weeks whose mean, against the same weeks a year (two years) before, gives the growth since.
GROWTH_WEEKS = 13
# A growth ratio outside this range says more about an odd quarter than about the coming weeks.
GROWTH_BOUNDS = (0.25, 4.0)
# The quantiles come from the errors of the same forecast made at earlier origins: within the last ERROR_ORIGINS
# weeks (a year and a quarter), every ERROR_STRIDE weeks (neighbouring origins repeat each other's errors, and a
# stride of 4 scored as well as 1 on the harness at a quarter of the cost).
ERROR_ORIGINS = 65
ERROR_STRIDE = 4
# Fewer errors than this per series: its quantiles come from the pooled errors of every series (scaled).
MIN_ERRORS = 20
# An error is relative to the forecast it missed, but never to less than this share of the series' level.
ERROR_SCALE_FLOOR = 0.5


def _nanmean(values: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=1) if values.shape[1] else np.full(len(values), np.nan)


def _level(values: np.ndarray, end: int) -> np.ndarray:
    """Each series' mean over the known weeks [end - GROWTH_WEEKS, end); NaN where none is known."""
    return _nanmean(values[:, max(end - GROWTH_WEEKS, 0):max(end, 0)])


def _growth(now: np.ndarray, then: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        ratio = now / then
    return np.where(np.isfinite(ratio) & (then > 0), np.clip(ratio, *GROWTH_BOUNDS), 1.0)


def event_weeks(week_starts: pd.DatetimeIndex) -> np.ndarray:
    """Whether each week holds a day of any event of the US retail calendar (the calendar features.year_ago_lags
    aligns last year's weeks on)."""
    calendar = calendar_features(week_starts)
    return np.vstack([v for name, v in calendar.items() if name.startswith("event_")]).sum(axis=0) > 0


def _weeks(values: np.ndarray, weeks: np.ndarray, origin: int) -> np.ndarray:
    """values[:, weeks] where a week is known before the origin, NaN elsewhere."""
    usable = (weeks >= 0) & (weeks < origin)
    picked = np.full((len(values), len(weeks)), np.nan)
    picked[:, usable] = values[:, weeks[usable]]
    return picked


def _smoothed(values: np.ndarray, weeks: np.ndarray, origin: int, events: np.ndarray) -> np.ndarray:
    """values at `weeks`, each week without an event smoothed with its neighbours (1/4, 1/2, 1/4) where they hold
    no event either (a holiday week keeps its own value and lends it to no neighbour)."""
    centre = _weeks(values, weeks, origin)
    sides = []
    for shift in (-1, 1):
        neighbour = weeks + shift
        quiet = ~events[np.clip(neighbour, 0, len(events) - 1)] & ~events[np.clip(weeks, 0, len(events) - 1)]
        sides.append(np.where(quiet[None, :], _weeks(values, neighbour, origin), np.nan))
    side = np.stack(sides)
    known = np.sum(~np.isnan(side), axis=0)
    side_mean = np.where(known > 0, np.nansum(side, axis=0) / np.maximum(known, 1), np.nan)
    return np.where(np.isnan(side_mean), centre, (centre + side_mean) / 2)


def year_over_year_point(values: np.ndarray, lags: np.ndarray, events: np.ndarray, origin: int, horizon: int
                         ) -> np.ndarray:
    """The forecast of weeks origin .. origin + horizon - 1 from the weeks before `origin` of `values` (items x
    weeks, NaN unknown): last year's aligned week (smoothed, see _smoothed) times the growth since, averaged with
    the same from two years back where that is known. Per week index: `lags`, how many weeks back its same week
    last year is (51 to 53, features.year_ago_lags); `events`, whether it holds an event (event_weeks)."""
    targets = origin + np.arange(horizon)
    one = targets - lags[targets]
    two = one - lags[np.clip(one, 0, None)]
    now = _level(values, origin)
    last_year, two_years = (_smoothed(values, back, origin, events)
                            * _growth(now, _level(values, origin - span))[:, None]
                            for back, span in ((one, SEASON), (two, 2 * SEASON)))
    return np.where(np.isnan(two_years), last_year, np.where(np.isnan(last_year), two_years,
                                                              (last_year + two_years) / 2))


def year_over_year_quantiles(values: np.ndarray, lags: np.ndarray, events: np.ndarray, horizon: int,
                             levels: Sequence[float]) -> dict[float, np.ndarray]:
    """Quantiles of the year-over-year forecast from `values` (items x weeks before the origin, as regular_history
    gives them): the point forecast plus the level-quantile of the series' own errors of that forecast at earlier
    origins (every ERROR_STRIDE weeks in the last ERROR_ORIGINS, full windows), each relative to the forecast it
    missed (_error_scale) and applied relative to this one; the errors of all series pooled for a series with
    fewer than MIN_ERRORS. NaN for series without last year's week."""
    origin = values.shape[1]
    point = year_over_year_point(values, lags, events, origin, horizon)
    errors = []
    for earlier in range(origin - horizon, max(SEASON, origin - ERROR_ORIGINS), -ERROR_STRIDE):
        steps = min(horizon, origin - earlier)
        past = year_over_year_point(values[:, :earlier], lags, events, earlier, steps)
        scale = _error_scale(past, _level(values, earlier))
        with np.errstate(all="ignore"):
            errors.append((values[:, earlier:earlier + steps] - past) / scale)
    scale_now = _error_scale(point, _level(values, origin))
    if not errors:
        return {level: point.copy() for level in levels}
    stacked = np.concatenate(errors, axis=1)
    known = stacked[~np.isnan(stacked)]
    pooled = np.quantile(known, list(levels)) if len(known) else np.zeros(len(levels))
    own = row_quantiles(stacked, levels)
    enough = (np.sum(~np.isnan(stacked), axis=1) >= MIN_ERRORS)[:, None]
    return {level: point + np.nan_to_num(np.where(enough, own[level][:, None], pooled[k]) * scale_now, nan=0.0)
            for k, level in enumerate(levels)}


def _error_scale(point: np.ndarray, level: np.ndarray) -> np.ndarray:
    """What an error is relative to: the forecast itself (retail noise grows with the week's volume, so a peak
    week's band is wider than a quiet week's), at least ERROR_SCALE_FLOOR of the series' level (a forecast near
    zero would make any error huge)."""
    scale = np.maximum(point, ERROR_SCALE_FLOOR * level[:, None])
    return np.where(scale > 0, scale, np.nan)


def row_quantiles(values: np.ndarray, levels: Sequence[float]) -> dict[float, np.ndarray]:
    """Each row's quantiles over its known values (linear interpolation, numpy's default), NaN for a row with none:
    one sort for all rows and levels (np.nanquantile along an axis runs a Python loop per row)."""
    ordered = np.sort(values, axis=1)  # NaN sort last
    counts = np.sum(~np.isnan(values), axis=1)
    rows = np.arange(len(values))
    quantiles = {}
    for level in levels:
        position = level * np.maximum(counts - 1, 0)
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, np.maximum(counts - 1, 0))
        low_values, high_values = ordered[rows, low], ordered[rows, high]
        with np.errstate(invalid="ignore"):
            quantiles[level] = np.where(counts > 0, low_values + (position - low) * (high_values - low_values), np.nan)
    return quantiles
