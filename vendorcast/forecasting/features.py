"""Features of the global model, built for (item, origin, horizon) rows from the dense panel with prefix sums, so
one pass serves thousands of series. Everything about the target comes from weeks before the origin; only known
covariates (price, promotions, the event calendar) and Amazon forecasts generated before the origin describe the
forecast week, so no row can see its own future."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vendorcast.forecasting.calendar import DEFAULT_MARKETPLACE_ID, calendar_features
from vendorcast.forecasting.panel import DensePanel

SEASON = 52
# Last year's week for a week with a holiday: 52 weeks back, or one week either side where that week held more of
# the same events (Easter, Thanksgiving or Christmas fall in another week of a 52-week grid from year to year).
ALIGN_SHIFTS = (0, -1, 1)
LAGS = (1, 2, 3, 4)
MEAN_WINDOWS = (4, 8, 13, 26, 52)
SCALE_WINDOW = 26
# Relative covariates compare the forecast week's value with the item's mean over this many weeks before the origin.
COVARIATE_BASE_WINDOW = 13


@dataclass
class Rows:
    """Row coordinates: item row, origin week index (first forecast week) and horizon (1 = origin week)."""

    item: np.ndarray
    origin: np.ndarray
    horizon: np.ndarray

    @property
    def target_week(self) -> np.ndarray:
        return self.origin + self.horizon - 1

    def __len__(self) -> int:
        return len(self.item)


class _Prefix:
    """Prefix sums of a matrix with NaN as unknown: sum, count and sum of squares over any [a, b) week window."""

    def __init__(self, values: np.ndarray) -> None:
        known = ~np.isnan(values)
        filled = np.where(known, values, 0.0)
        pad = np.zeros((values.shape[0], 1))
        self.sum = np.hstack([pad, np.cumsum(filled, axis=1)])
        self.squares = np.hstack([pad, np.cumsum(filled * filled, axis=1)])
        self.count = np.hstack([pad, np.cumsum(known, axis=1)])
        self.zeros = np.hstack([pad, np.cumsum(known & (filled == 0), axis=1)])

    def window(self, item: np.ndarray, end: np.ndarray, width: int | None) -> tuple[np.ndarray, ...]:
        """Sums over the weeks [end - width, end) (all weeks before `end` when width is None)."""
        end = np.clip(end, 0, self.sum.shape[1] - 1)
        begin = np.zeros_like(end) if width is None else np.clip(end - width, 0, None)
        return tuple(m[item, end] - m[item, begin] for m in (self.sum, self.count, self.squares, self.zeros))


def _mean(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _at(matrix: np.ndarray, item: np.ndarray, week: np.ndarray, before: np.ndarray | None = None) -> np.ndarray:
    """matrix[item, week], NaN outside the grid (or at weeks not before `before`)."""
    valid = (week >= 0) & (week < matrix.shape[1])
    if before is not None:
        valid &= week < before
    values = np.full(len(item), np.nan)
    values[valid] = matrix[item[valid], week[valid]]
    return values


class FeatureBuilder:
    """Builds the feature matrix for any rows of one dense panel."""

    def __init__(self, panel: DensePanel, mask_censored: bool = True) -> None:
        self.panel = panel
        # Censored weeks sold less than demand: as inputs they would teach the model that demand was low.
        self.history = panel.demand(mask_censored)
        self.prefix = _Prefix(self.history)
        self.covariate_prefix = {name: _Prefix(m) for name, m in panel.covariates.items()}
        weeks = pd.DatetimeIndex(panel.week_start(np.arange(panel.n_weeks)))
        # Each marketplace's calendar (rows) and each item's row in it.
        markets = panel.marketplaces if panel.marketplaces is not None else np.full(panel.units.shape[0],
                                                                                   DEFAULT_MARKETPLACE_ID)
        names, self.calendar_row = np.unique(markets, return_inverse=True)
        by_market = [calendar_features(weeks, name) for name in names]
        self.calendar = {feature: np.vstack([c[feature] for c in by_market]) for feature in by_market[0]}
        self._last_observed = _last_observed_index(self.history)
        self._year_lag = year_ago_lags(pd.DatetimeIndex(weeks))

    def scale(self, item: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Each row's demand level before its origin: the mean of the last 26 known weeks, else of all known weeks,
        else 1 (an item with no known demand yet)."""
        recent = _mean(*self.prefix.window(item, origin, SCALE_WINDOW)[:2])
        overall = _mean(*self.prefix.window(item, origin, None)[:2])
        scale = np.where(np.isfinite(recent) & (recent > 0), recent, overall)
        return np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)

    def build(self, rows: Rows) -> tuple[pd.DataFrame, np.ndarray]:
        """(features, scale) for the rows; targets divided by the scale are what the model learns."""
        item, origin, horizon, target = rows.item, rows.origin, rows.horizon, rows.target_week
        scale = self.scale(item, origin)
        features: dict[str, np.ndarray] = {"horizon": horizon.astype(float)}
        for lag in LAGS:
            features[f"lag_{lag}"] = _at(self.history, item, origin - lag) / scale
        for width in MEAN_WINDOWS:
            total, count, squares, zeros = self.prefix.window(item, origin, width)
            features[f"mean_{width}"] = _mean(total, count) / scale
            if width == 13:
                mean = _mean(total, count)
                variance = _mean(squares, count) - mean * mean
                features["std_13"] = np.sqrt(np.clip(variance, 0, None)) / scale
            if width == 26:
                features["zero_share_26"] = _mean(zeros, count)
                features["known_share_26"] = count / width
        _, known_weeks, _, _ = self.prefix.window(item, origin, None)
        features["known_weeks"] = known_weeks
        features["log_scale"] = np.log1p(scale)
        last = self._last_observed[item, np.clip(origin - 1, 0, None)]
        features["weeks_since_known"] = np.where(last >= 0, origin - last, np.nan)
        first = self.panel.first_week[item]
        features["age_weeks"] = np.where(first < self.panel.n_weeks, target - first, np.nan)
        # Last year: the same week, its neighbours, and the level then, so the model can read a seasonal lift.
        features["year_ago"] = _at(self.history, item, target - SEASON, before=origin) / scale
        near = np.vstack([_at(self.history, item, target - SEASON + d, before=origin) for d in (-1, 0, 1)])
        features["year_ago_3w"] = _mean(np.nansum(near, axis=0), np.sum(~np.isnan(near), axis=0)) / scale
        features["year_ago_level"] = _mean(*self.prefix.window(item, origin - SEASON, 13)[:2]) / scale
        # Robust year over year: last year's week aligned on its holidays, times the growth since (the last 13
        # weeks against the same 13 weeks a year before, bounded so one odd quarter cannot explode it), and the
        # week two years back, aligned the same way twice.
        lag = self._year_lag[np.clip(target, 0, len(self._year_lag) - 1)]
        aligned = _at(self.history, item, target - lag, before=origin)
        features["year_ago_aligned"] = aligned / scale
        with np.errstate(invalid="ignore", divide="ignore"):
            growth = features["mean_13"] * scale / _mean(*self.prefix.window(item, origin - SEASON, 13)[:2])
        growth = np.where(np.isfinite(growth), np.clip(growth, 0.25, 4.0), np.nan)
        features["year_growth"] = growth
        features["year_ago_grown"] = features["year_ago_aligned"] * growth
        earlier = target - lag
        two_years = earlier - self._year_lag[np.clip(earlier, 0, len(self._year_lag) - 1)]
        features["two_years_ago"] = _at(self.history, item, two_years, before=origin) / scale
        for name, matrix in self.panel.covariates.items():
            base = _mean(*self.covariate_prefix[name].window(item, origin, COVARIATE_BASE_WINDOW)[:2])
            last = _at(matrix, item, origin - 1)
            # A covariate known ahead describes the forecast week; any other only the weeks before the origin.
            value = _at(matrix, item, target) if name in self.panel.known_covariates else last
            features[name] = value
            with np.errstate(invalid="ignore", divide="ignore"):
                features[f"{name}_relative"] = np.where(base != 0, value / base, np.nan)
            features[f"{name}_last"] = last
        for name, values in self.calendar.items():
            features[name] = values[self.calendar_row[item], np.clip(target, 0, values.shape[1] - 1)]
        if self.panel.snapshots is not None:
            features.update(self._snapshot_features(rows, scale))
        return pd.DataFrame(features), scale

    def _snapshot_features(self, rows: Rows, scale: np.ndarray) -> dict[str, np.ndarray]:
        """The latest snapshot each row's origin may read for its target week, relative to the item's level."""
        keys = pd.DataFrame({"position": np.arange(len(rows)), "item": rows.item.astype(np.int64),
                             "target": rows.target_week.astype(np.int64), "origin": rows.origin.astype(np.int64)})
        merged = pd.merge_asof(keys.sort_values("origin", kind="stable"), self.panel.snapshots, left_on="origin",
                               right_on="available_from", by=["item", "target"], direction="backward")
        merged = merged.sort_values("position")
        return {
            "snapshot_mean": merged["mean"].to_numpy() / scale,
            "snapshot_p90": merged["p90"].to_numpy() / scale,
            "snapshot_age": (merged["origin"] - merged["available_from"]).to_numpy(dtype=float),
        }

    def target(self, rows: Rows) -> np.ndarray:
        """Observed demand of each row's target week; NaN where unknown or (masked) censored."""
        return _at(self.history, rows.item, rows.target_week)


def year_ago_lags(week_starts: pd.DatetimeIndex) -> np.ndarray:
    """For each week, how many weeks back the same week last year is: 52, or 51 or 53 where that week's calendar
    events (the shares of each event's days) match this week's better (ties keep 52)."""
    weeks = len(week_starts)
    span = SEASON + max(ALIGN_SHIFTS)
    extended = pd.DatetimeIndex(week_starts[0] - pd.to_timedelta(np.arange(span, 0, -1) * 7, unit="D")).append(
        pd.DatetimeIndex(week_starts))
    calendar = calendar_features(extended)
    events = np.vstack([values for name, values in calendar.items() if name.startswith("event_")])
    now = events[:, span:]
    distance = np.vstack([np.abs(now - events[:, span - SEASON - shift: span - SEASON - shift + weeks]).sum(axis=0)
                          for shift in ALIGN_SHIFTS])
    # Only where this week holds an event: elsewhere the plain 52 weeks (a shift would only follow noise).
    best = np.where(now.sum(axis=0) > 0, np.argmin(distance, axis=0), 0)
    return SEASON + np.asarray(ALIGN_SHIFTS)[best]


def _last_observed_index(values: np.ndarray) -> np.ndarray:
    """For each item and week, the latest week at or before it with a known value (-1: none yet)."""
    index = np.where(~np.isnan(values), np.arange(values.shape[1])[None, :], -1)
    return np.maximum.accumulate(index, axis=1)
