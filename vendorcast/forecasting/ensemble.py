"""What the backtest teaches the final forecast: per demand segment, the weights that combine the models'
quantiles (quantile averaging) with the lowest backtest wQL, then per quantile level the shift that makes the
combined quantile hit its level on the backtest weeks (conformal calibration, in the log space of each item's
scale), so that P10-P90 holds about 80% of actual weeks."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from vendorcast.forecasting.backtest import WindowForecasts, actuals
from vendorcast.forecasting.features import FeatureBuilder
from vendorcast.forecasting.models import ModelForecast, finalize
from vendorcast.forecasting.panel import DensePanel

ENSEMBLE = "ensemble"
WEIGHT_STEP = 0.25
# A segment with fewer backtest points than this uses the weights learned on all series.
MIN_SEGMENT_POINTS = 200

# Demand segments (Syntetos-Boylan: average demand interval and squared CV of non-zero demand) and new items.
SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NEW = "smooth", "erratic", "intermittent", "lumpy", "new"
SEGMENTS = (SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NEW)
ADI_CUTOFF, CV2_CUTOFF = 1.32, 0.49
NEW_ITEM_WEEKS = 13


def demand_segments(panel: DensePanel, origin: int) -> np.ndarray:
    """Each item's demand segment from its known weeks before the origin."""
    history = panel.demand()[:, :origin]
    known = ~np.isnan(history)
    weeks = known.sum(axis=1)
    positive = known & (np.nan_to_num(history) > 0)
    n_positive = positive.sum(axis=1)
    adi = np.where(n_positive > 0, weeks / np.maximum(n_positive, 1), np.inf)
    values = np.where(positive, history, np.nan)
    # Items without a positive week have an empty slice: numpy warns, the segment rules below handle it.
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(values, axis=1) if values.size else np.zeros(len(weeks))
        cv2 = np.nanvar(values, axis=1) / (mean * mean)
    cv2 = np.nan_to_num(cv2, nan=0.0)
    segments = np.where(adi < ADI_CUTOFF, np.where(cv2 < CV2_CUTOFF, SMOOTH, ERRATIC),
                        np.where(cv2 < CV2_CUTOFF, INTERMITTENT, LUMPY))
    return np.where(weeks < NEW_ITEM_WEEKS, NEW, segments).astype(object)


def weight_grid(models: Sequence[str], step: float = WEIGHT_STEP) -> list[dict[str, float]]:
    """Every convex combination of the models on a grid of `step`."""
    units = round(1 / step)
    grid = []
    for combo in itertools.product(range(units + 1), repeat=len(models)):
        if sum(combo) == units:
            grid.append({m: c / units for m, c in zip(models, combo, strict=True) if c})
    return grid


def combine(forecasts: Mapping[str, ModelForecast], weights: Mapping[str, float], name: str = ENSEMBLE
            ) -> ModelForecast:
    """Quantile averaging of aligned forecasts (same items, origin, horizon)."""
    first = next(iter(forecasts.values()))
    mean = sum(w * forecasts[m].mean for m, w in weights.items())
    quantiles = {level: sum(w * forecasts[m].quantiles[level] for m, w in weights.items())
                 for level in first.quantiles}
    return ModelForecast(name, first.items, first.origin, np.asarray(mean), quantiles)


def align(forecasts: Mapping[str, ModelForecast]) -> dict[str, ModelForecast]:
    """The forecasts restricted to the items every model forecast, in the same order."""
    common = None
    for forecast in forecasts.values():
        common = set(forecast.items) if common is None else common & set(forecast.items)
    order = np.array(sorted(common or ()), dtype=int)
    aligned = {}
    for name, forecast in forecasts.items():
        position = {item: i for i, item in enumerate(forecast.items)}
        aligned[name] = forecast.select(np.array([position[i] for i in order], dtype=int))
    return aligned


def _mean_pinball(actual: np.ndarray, forecast: ModelForecast) -> float:
    known = ~np.isnan(actual)
    total = 0.0
    for level, q in forecast.quantiles.items():
        diff = actual[known] - q[known]
        total += float(np.sum(np.maximum(level * diff, (level - 1) * diff)))
    return total


@dataclass
class EnsemblePlan:
    """Weights per segment (SEGMENTS plus "all" as the fall-back) and calibration shifts per quantile level."""

    weights: dict[str, dict[str, float]]
    shifts: dict[float, float] = field(default_factory=dict)

    def weights_for(self, segment: str) -> dict[str, float]:
        return self.weights.get(segment, self.weights["all"])

    def apply(self, panel: DensePanel, forecasts: Mapping[str, ModelForecast], segments: np.ndarray,
              calibrate: bool = True) -> ModelForecast:
        """The ensemble forecast for every item all models forecast: its segment's weights, then calibrated."""
        aligned = align(forecasts)
        first = next(iter(aligned.values()))
        mean = np.zeros_like(first.mean)
        quantiles = {level: np.zeros_like(q) for level, q in first.quantiles.items()}
        item_segments = segments[first.items]
        for segment in np.unique(item_segments):
            rows = np.flatnonzero(item_segments == segment)
            part = combine({m: f.select(rows) for m, f in aligned.items() if m in self.weights_for(segment)},
                           self.weights_for(segment))
            mean[rows] = part.mean
            for level in quantiles:
                quantiles[level][rows] = part.quantiles[level]
        combined = ModelForecast(ENSEMBLE, first.items, first.origin, mean, quantiles)
        if calibrate and self.shifts:
            combined = shift_quantiles(panel, combined, self.shifts)
        mean, quantiles = finalize(combined.mean, combined.quantiles)
        return ModelForecast(ENSEMBLE, combined.items, combined.origin, mean, quantiles)


def _item_scale(panel: DensePanel, forecast: ModelForecast) -> np.ndarray:
    """The scale the global model divides by, so the calibration shifts are relative to each item's level."""
    return FeatureBuilder(panel).scale(forecast.items, np.full(len(forecast.items), forecast.origin))


def shift_quantiles(panel: DensePanel, forecast: ModelForecast, shifts: Mapping[float, float]) -> ModelForecast:
    """Each quantile moved by its level's shift in log1p(units / item scale) space."""
    scale = _item_scale(panel, forecast)[:, None]
    quantiles = {level: scale * np.expm1(np.log1p(q / scale) + shifts.get(level, 0.0))
                 for level, q in forecast.quantiles.items()}
    return ModelForecast(forecast.model, forecast.items, forecast.origin, forecast.mean, quantiles)


def learn_plan(panel: DensePanel, windows: Sequence[WindowForecasts], models: Sequence[str],
               calibrate: bool = True) -> EnsemblePlan:
    """Weights per segment that minimise the backtest's pooled pinball loss over all levels, then the calibration
    shifts of the weighted forecasts."""
    grid = weight_grid(list(models))
    per_window = []
    for window in windows:
        aligned = align({m: window.forecasts[m] for m in models})
        first = next(iter(aligned.values()))
        per_window.append((aligned, actuals(panel, first), demand_segments(panel, window.origin)[first.items]))
    weights: dict[str, dict[str, float]] = {}
    for segment in ("all", *SEGMENTS):
        losses = np.zeros(len(grid))
        points = 0
        for aligned, actual, segments in per_window:
            rows = np.arange(len(segments)) if segment == "all" else np.flatnonzero(segments == segment)
            if not len(rows):
                continue
            points += int(np.sum(~np.isnan(actual[rows])))
            parts = {m: f.select(rows) for m, f in aligned.items()}
            for g, combo in enumerate(grid):
                losses[g] += _mean_pinball(actual[rows], combine({m: parts[m] for m in combo}, combo))
        if segment == "all" or points >= MIN_SEGMENT_POINTS:
            weights[segment] = grid[int(np.argmin(losses))]
    plan = EnsemblePlan(weights)
    if calibrate:
        plan.shifts = learn_shifts(panel, [plan.apply(panel, {m: w.forecasts[m] for m in models},
                                                      demand_segments(panel, w.origin), calibrate=False)
                                           for w in windows])
    return plan


def learn_shifts(panel: DensePanel, forecasts: Sequence[ModelForecast]) -> dict[float, float]:
    """Per level, the shift in log1p(units / scale) space after which that share of backtest actuals falls at or
    below the quantile (the level-quantile of the conformity scores)."""
    scores: dict[float, list[np.ndarray]] = {}
    for forecast in forecasts:
        actual = actuals(panel, forecast)
        scale = _item_scale(panel, forecast)[:, None]
        known = ~np.isnan(actual)
        for level, q in forecast.quantiles.items():
            # A net-negative week (returns) scores as no demand, so log1p stays finite.
            score = np.log1p(np.clip(actual, 0, None) / scale) - np.log1p(np.clip(q, 0, None) / scale)
            scores.setdefault(level, []).append(score[known])
    return {level: float(np.quantile(np.concatenate(parts), level)) if sum(map(len, parts)) else 0.0
            for level, parts in scores.items()}
