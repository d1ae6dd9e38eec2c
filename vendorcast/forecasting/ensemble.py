"""What the backtest teaches the final forecast: per demand segment, the weights that combine the models'
quantiles (quantile averaging) with the lowest backtest wQL (on a grid of 1/4, then refined in steps of 1/8), then
per quantile level the shift that makes the
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
# The best weights of the grid are then refined by moving this much weight from one model to another while the
# backtest loss falls: the loss is convex in the weights, so this finds the best weights of the finer grid at a
# fraction of its combinations (4 models: 165 at 1/8). Finer steps than 1/8 chased the windows' noise on the
# accuracy harness (docs/forecasting.md).
REFINE_STEP = 0.125
# A move is taken only if it lowers the backtest loss by this share at least: smaller gains are the noise of a few
# windows (on Dominick's OJ, with weights learned on 2 windows, moves gaining 0.1-0.2% cost 0.0008 of wQL ratio out
# of sample; docs/forecasting.md).
REFINE_MIN_GAIN = 0.002
# A segment's weights are learned from at most this many backtest points per quantile level (an even sample of
# them): a handful of weights needs no more, and 10,000 series x 12 weeks x 3 windows would cost seconds.
MAX_WEIGHT_POINTS = 50_000
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


@dataclass
class _Backtest:
    """One segment's backtest points, every window together: each model's quantiles (models x levels x points) and
    the actuals, so a weighting's pinball loss is one weighted sum and one pass."""

    quantiles: np.ndarray
    actual: np.ndarray
    levels: np.ndarray

    def loss(self, weights: np.ndarray) -> float:
        combined = sum(w * q for w, q in zip(weights, self.quantiles, strict=True) if w)
        diff = self.actual[None, :] - combined
        levels = self.levels[:, None]
        return float(np.sum(np.maximum(levels * diff, (levels - 1) * diff)))


def best_weights(backtest: _Backtest, models: Sequence[str]) -> dict[str, float]:
    """The grid's weights with the lowest loss (grid of WEIGHT_STEP), then refined by moves of REFINE_STEP from one
    model to another while the best move lowers the loss by REFINE_MIN_GAIN at least."""
    candidates = [np.array([combo.get(m, 0.0) for m in models]) for combo in weight_grid(list(models))]
    losses = [backtest.loss(w) for w in candidates]
    best, lowest = candidates[int(np.argmin(losses))], min(losses)
    while True:
        moves = []
        for giver, taker in itertools.permutations(range(len(models)), 2):
            if best[giver] >= REFINE_STEP - 1e-9:
                moved = best.copy()
                moved[giver] -= REFINE_STEP
                moved[taker] += REFINE_STEP
                moves.append(moved)
        losses = [backtest.loss(w) for w in moves]
        if not moves or min(losses) >= lowest * (1 - REFINE_MIN_GAIN):
            return {m: float(w) for m, w in zip(models, best, strict=True) if w > 1e-9}
        best, lowest = moves[int(np.argmin(losses))], min(losses)


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
    """Weights per segment that minimise the backtest's pooled pinball loss over all levels (best_weights), then the
    calibration shifts of the weighted forecasts."""
    per_window = []
    for window in windows:
        aligned = align({m: window.forecasts[m] for m in models})
        first = next(iter(aligned.values()))
        per_window.append((aligned, actuals(panel, first), demand_segments(panel, window.origin)[first.items]))
    levels = sorted(next(iter(per_window[0][0].values())).quantiles) if per_window else []
    weights: dict[str, dict[str, float]] = {}
    for segment in ("all", *SEGMENTS):
        quantiles, actual_points = [], []
        for aligned, actual, segments in per_window:
            rows = np.arange(len(segments)) if segment == "all" else np.flatnonzero(segments == segment)
            known = ~np.isnan(actual[rows])
            quantiles.append(np.stack([np.stack([aligned[m].quantiles[level][rows][known] for level in levels])
                                       for m in models]))
            actual_points.append(actual[rows][known])
        backtest = _Backtest(np.concatenate(quantiles, axis=2), np.concatenate(actual_points), np.array(levels))
        points = len(backtest.actual)
        if points > MAX_WEIGHT_POINTS:
            sample = np.linspace(0, points - 1, MAX_WEIGHT_POINTS).round().astype(int)
            backtest = _Backtest(backtest.quantiles[:, :, sample], backtest.actual[sample], backtest.levels)
        if segment == "all" or points >= MIN_SEGMENT_POINTS:
            weights[segment] = best_weights(backtest, models)
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
