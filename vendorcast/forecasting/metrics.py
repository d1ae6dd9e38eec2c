"""Forecast accuracy metrics, as Amazon Forecast defines them: weighted quantile loss (wQL) per quantile and its
mean, WAPE, MASE, bias and [P10, P90] coverage. Every metric is a ratio of sums, so `AccuracySums` keeps the sums
and pools exactly across series, shards and windows (a mean of per-shard ratios would not)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

# Amazon Forecast's default quantiles, whose wQL the headline `wql_mean` averages.
HEADLINE_QUANTILES = (0.1, 0.5, 0.9)
COVERAGE_BAND = (0.1, 0.9)


def quantile_name(level: float) -> str:
    """The column name of a quantile level: 0.1 -> p10, 0.975 -> p97.5."""
    percent = round(level * 100, 6)
    return f"p{percent:g}"


def pinball_loss(actual: np.ndarray, forecast: np.ndarray, level: float) -> np.ndarray:
    """Pinball (quantile) loss per point: level * (y - q) when under-forecast, (1 - level) * (q - y) when over."""
    diff = np.asarray(actual, dtype=float) - np.asarray(forecast, dtype=float)
    return np.maximum(level * diff, (level - 1.0) * diff)


def weighted_quantile_loss(actual: np.ndarray, forecast: np.ndarray, level: float) -> float:
    """wQL at one level: 2 * sum of pinball losses / sum of |actual| (nan when the actuals sum to 0)."""
    denominator = float(np.sum(np.abs(actual)))
    if denominator == 0:
        return float("nan")
    return 2.0 * float(np.sum(pinball_loss(actual, forecast, level))) / denominator


def wape(actual: np.ndarray, mean: np.ndarray) -> float:
    """Weighted absolute percentage error of the mean forecast: sum |y - mean| / sum |y|."""
    denominator = float(np.sum(np.abs(actual)))
    return float(np.sum(np.abs(np.asarray(actual) - np.asarray(mean)))) / denominator if denominator else float("nan")


def bias(actual: np.ndarray, mean: np.ndarray) -> float:
    """sum (mean - y) / sum y: positive when the forecast is too high."""
    denominator = float(np.sum(actual))
    return float(np.sum(np.asarray(mean) - np.asarray(actual))) / denominator if denominator else float("nan")


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside [lower, upper] (0.8 for a calibrated [P10, P90])."""
    actual = np.asarray(actual)
    if actual.size == 0:
        return float("nan")
    return float(np.mean((actual >= lower) & (actual <= upper)))


def seasonal_naive_scale(history: np.ndarray, season: int = 52) -> float:
    """MASE's denominator: the in-sample mean absolute error of the seasonal naive forecast (y_t - y_{t-season}),
    over the pairs where both weeks are known; falls back to the one-step naive error for short histories (nan when
    neither exists)."""
    values = np.asarray(history, dtype=float)
    for lag in (season, 1):
        if values.size > lag:
            errors = np.abs(values[lag:] - values[:-lag])
            errors = errors[~np.isnan(errors)]
            if errors.size:
                return float(np.mean(errors))
    return float("nan")


@dataclass
class AccuracySums:
    """The sums behind every metric, over any set of series-weeks; add two to pool them."""

    levels: tuple[float, ...]
    pinball: dict[float, float] = field(default_factory=dict)
    absolute_actual: float = 0.0
    actual: float = 0.0
    absolute_error: float = 0.0
    error: float = 0.0  # sum of (mean - actual)
    scaled_absolute_error: float = 0.0  # sum of |y - mean| / MASE scale, over weeks whose series has a scale
    scaled_weeks: int = 0
    covered: int = 0
    weeks: int = 0
    items: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, actual: np.ndarray, quantiles: Mapping[float, np.ndarray], mean: np.ndarray,
           mase_scale: np.ndarray | None = None, item_ids: Iterable[str] = ()) -> AccuracySums:
        """Sums for aligned arrays: `quantiles` maps each level to its forecast array, `mase_scale` gives each
        point's series scale (nan: not scored by MASE)."""
        actual = np.asarray(actual, dtype=float)
        mean = np.asarray(mean, dtype=float)
        sums = cls(levels=tuple(sorted(quantiles)))
        sums.pinball = {level: float(np.sum(pinball_loss(actual, q, level))) for level, q in quantiles.items()}
        sums.absolute_actual = float(np.sum(np.abs(actual)))
        sums.actual = float(np.sum(actual))
        sums.absolute_error = float(np.sum(np.abs(actual - mean)))
        sums.error = float(np.sum(mean - actual))
        if mase_scale is not None:
            scale = np.asarray(mase_scale, dtype=float)
            usable = np.isfinite(scale) & (scale > 0)
            sums.scaled_absolute_error = float(np.sum(np.abs(actual - mean)[usable] / scale[usable]))
            sums.scaled_weeks = int(np.sum(usable))
        low, high = COVERAGE_BAND
        if low in quantiles and high in quantiles:
            sums.covered = int(np.sum((actual >= quantiles[low]) & (actual <= quantiles[high])))
        sums.weeks = int(actual.size)
        sums.items = set(item_ids)
        return sums

    def __add__(self, other: AccuracySums) -> AccuracySums:
        levels = tuple(sorted(set(self.levels) & set(other.levels)))
        return AccuracySums(
            levels=levels,
            pinball={level: self.pinball[level] + other.pinball[level] for level in levels},
            absolute_actual=self.absolute_actual + other.absolute_actual,
            actual=self.actual + other.actual,
            absolute_error=self.absolute_error + other.absolute_error,
            error=self.error + other.error,
            scaled_absolute_error=self.scaled_absolute_error + other.scaled_absolute_error,
            scaled_weeks=self.scaled_weeks + other.scaled_weeks,
            covered=self.covered + other.covered,
            weeks=self.weeks + other.weeks,
            items=self.items | other.items,
        )

    def wql(self, level: float) -> float:
        if level not in self.pinball or not self.absolute_actual:
            return float("nan")
        return 2.0 * self.pinball[level] / self.absolute_actual

    def metrics(self) -> dict[str, float]:
        """Every metric these sums support, named as forecast_accuracy.metric names them."""
        result = {f"wql_{quantile_name(level)}": self.wql(level) for level in self.levels}
        if all(level in self.pinball for level in HEADLINE_QUANTILES):
            result["wql_mean"] = float(np.mean([self.wql(level) for level in HEADLINE_QUANTILES]))
        result["wape"] = ratio(self.absolute_error, self.absolute_actual)
        result["mase"] = ratio(self.scaled_absolute_error, self.scaled_weeks)
        result["bias"] = ratio(self.error, self.actual)
        if all(level in self.pinball for level in COVERAGE_BAND):
            result["coverage_p10_p90"] = ratio(self.covered, self.weeks)
        return result


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def pool(sums: Sequence[AccuracySums]) -> AccuracySums:
    """Pool several sets of sums (raises on an empty list: there is nothing to score)."""
    if not sums:
        raise ValueError("no forecasts to score")
    total = sums[0]
    for more in sums[1:]:
        total = total + more
    return total


# The scalar sums as columns: a shard writes them, the publish step adds them up across shards.
SUM_COLUMNS = tuple(f.name for f in fields(AccuracySums) if f.name not in ("levels", "pinball", "items"))
# What a row of accuracy sums is about (None / NA: pooled over it).
ACCURACY_KEYS = ("model", "segment", "item_id", "backtest_window", "horizon")


def sums_columns(sums: AccuracySums, levels: Sequence[float]) -> dict[str, Any]:
    """The sums as one row: the scalar sums, a pinball_<pNN> column per level, and the count of items."""
    columns: dict[str, Any] = {name: getattr(sums, name) for name in SUM_COLUMNS}
    columns.update({f"pinball_{quantile_name(level)}": sums.pinball.get(level) for level in levels})
    columns["items"] = len(sums.items)
    return columns


def _sums_from_columns(row: Mapping[str, Any], levels: Sequence[float]) -> AccuracySums:
    present = tuple(level for level in levels if pd.notna(row.get(f"pinball_{quantile_name(level)}")))
    sums = AccuracySums(levels=present, pinball={level: float(row[f"pinball_{quantile_name(level)}"])
                                                 for level in present})
    for name in SUM_COLUMNS:
        setattr(sums, name, type(getattr(sums, name))(row[name]))
    return sums


def pool_accuracy(sums: pd.DataFrame, levels: Sequence[float]) -> list[dict[str, Any]]:
    """Rows of sums (ACCURACY_KEYS, sums_columns) pooled per key, then per key over all windows: one record per
    pooled key with its `metrics`, `items`, `weeks` and `absolute_actual`."""
    keys = list(ACCURACY_KEYS)
    numeric = [c for c in sums.columns if c not in keys]
    sums = sums.astype({"backtest_window": "Int64", "horizon": "Int64"})
    per_window = sums.groupby(keys, dropna=False)[numeric].sum(min_count=1).reset_index()
    over_windows = sums.groupby([k for k in keys if k != "backtest_window"], dropna=False)[numeric]
    pooled = over_windows.sum(min_count=1).reset_index().assign(backtest_window=pd.NA)
    records = []
    for frame in (per_window, pooled):
        for row in frame.to_dict("records"):
            records.append({
                "model": row["model"], "segment": row["segment"],
                "item_id": row["item_id"] if isinstance(row["item_id"], str) else None,
                "backtest_window": None if pd.isna(row["backtest_window"]) else int(row["backtest_window"]),
                "horizon": None if pd.isna(row["horizon"]) else int(row["horizon"]),
                "metrics": _sums_from_columns(row, levels).metrics(),
                "items": int(row["items"]), "weeks": int(row["weeks"]),
                "absolute_actual": float(row["absolute_actual"]),
            })
    return records
