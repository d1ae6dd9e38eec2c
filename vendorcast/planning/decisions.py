"""The decision rules on plain numbers and arrays, no I/O: demand distributions from quantiles, the newsvendor /
base-stock quantity at the critical ratio, lot sizes, minimums and capacity, and how much of each open purchase
order line to confirm. plan.py and the supply simulation call these.

Signatures (all quantities in units, weeks as integer counts):
- `critical_ratio(shortage_cost, unit_cost, holding_cost_rate) -> float`: shortage / (shortage + holding per week).
- `quantile_at(levels, values, level) -> float`: a quantile between or beyond the known ones (normal-shaped tails).
- `sample_paths(levels, quantiles[weeks, levels], samples, rng, correlation) -> ndarray[samples, weeks]`.
- `quantile_of_sum(paths, first, weeks, level) -> float`: a quantile of the demand summed over weeks.
- `order_up_to(paths, lead_time_weeks, review_weeks, ratio, first=0) -> float`: the base-stock level.
- `start_quantity(need, lot_size, min_order_units, capacity_units) -> float`: a need as a feasible start.
- `project_supply(paths, on_hand, arrivals[weeks]) -> SupplyProjection`: expected on hand, shipped and fill per week.
- `allocate_confirmations(needed, due_week, case_size, supply_by_week) -> (confirm, allocated)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from vendorcast.planning.settings import WEEKS_PER_YEAR

# The quantile levels the planning tables publish (as the forecast table's p10 ... p90).
LEVELS: tuple[float, ...] = (0.1, 0.5, 0.7, 0.8, 0.9)
# Equicorrelation of one ASIN's weekly demand draws (Gaussian copula). Weekly forecast errors of one item share a
# level error (the forecast's mean is too high or too low for several weeks at once), so a sum over weeks is wider
# than independent weeks would make it; docs/planning.md says how this was chosen.
DEFAULT_CORRELATION = 0.5
DEFAULT_SAMPLES = 1000


class PlanningError(ValueError):
    """A plan that cannot be made as asked; the message says what to change."""


def holding_cost_per_week(unit_cost: float, holding_cost_rate: float) -> float:
    return unit_cost * holding_cost_rate / WEEKS_PER_YEAR


def critical_ratio(shortage_cost: float, unit_cost: float, holding_cost_rate: float) -> float:
    """The newsvendor's service level: shortage / (shortage + holding a unit one week), the week being the review
    period a unit left over waits for the next chance to ship."""
    holding = holding_cost_per_week(unit_cost, holding_cost_rate)
    return shortage_cost / (shortage_cost + holding)


def _z_levels(levels: tuple[float, ...] | np.ndarray) -> np.ndarray:
    return ndtri(np.asarray(levels, dtype=float))


def quantile_at(levels: tuple[float, ...] | np.ndarray, values: np.ndarray, level: float | np.ndarray
                ) -> np.ndarray:
    """The quantile at `level` (a number, or an array broadcasting against values' leading axes) of distributions
    known by their quantiles `values` (last axis) at `levels`. Interpolated linearly in the normal score of the
    level, so a normal distribution is reproduced exactly and the tails beyond the outer levels extend with the
    outer segments' slope (a normal-shaped tail, never a hard cap at P90). Never below 0."""
    z = _z_levels(levels)
    values = np.maximum.accumulate(np.asarray(values, dtype=float), axis=-1)  # non-crossing
    target = np.broadcast_to(ndtri(np.asarray(level, dtype=float)), values.shape[:-1])
    index = np.clip(np.searchsorted(z, target) - 1, 0, len(z) - 2)
    v_left = np.take_along_axis(values, index[..., None], axis=-1)[..., 0]
    v_right = np.take_along_axis(values, index[..., None] + 1, axis=-1)[..., 0]
    slope = (v_right - v_left) / (z[index + 1] - z[index])
    return np.maximum(v_left + slope * (target - z[index]), 0.0)


def sample_paths(levels: tuple[float, ...] | np.ndarray, quantiles: np.ndarray, samples: int,
                 rng: np.random.Generator, correlation: float = DEFAULT_CORRELATION) -> np.ndarray:
    """Weekly demand paths (samples x weeks) drawn from per-week quantiles (weeks x levels): each week's marginal
    is the distribution `quantile_at` describes, and the weeks are tied by a Gaussian copula with equicorrelation
    `correlation` (0: independent weeks, 1: every week at the same quantile)."""
    if not 0 <= correlation <= 1:
        raise PlanningError(f"correlation must be 0 to 1, not {correlation}")
    weeks = quantiles.shape[0]
    common = rng.standard_normal((samples, 1))
    own = rng.standard_normal((samples, weeks))
    z = math.sqrt(correlation) * common + math.sqrt(1 - correlation) * own
    return quantile_at(levels, np.broadcast_to(quantiles, (samples, *quantiles.shape)), ndtr(z))


def quantile_of_sum(paths: np.ndarray, first: int, weeks: int, level: float) -> float:
    """The `level` quantile of the demand summed over `weeks` weeks from week index `first` of the paths."""
    return float(np.quantile(paths[:, first:first + weeks].sum(axis=1), level))


def order_up_to(paths: np.ndarray, lead_time_weeks: int, review_weeks: int, ratio: float, first: int = 0) -> float:
    """The base-stock level of a start made in week `first`: the `ratio` quantile of demand over the lead time plus
    the review period (what must be on hand or on the way to cover every week until the next start arrives).
    PlanningError when the paths do not reach that far."""
    weeks = lead_time_weeks + review_weeks
    if first + weeks > paths.shape[1]:
        raise PlanningError(f"lead time {lead_time_weeks} + review {review_weeks} weeks from plan week {first + 1} "
                            f"reach past the {paths.shape[1]} weeks of Amazon's orders forecast: forecast a longer "
                            "horizon or shorten the lead time")
    return quantile_of_sum(paths, first, weeks, ratio)


def start_quantity(need: float, lot_size: float = 1, min_order_units: float = 0,
                   capacity_units: float | None = None) -> float:
    """A need (order-up-to level minus inventory position) as units to start: nothing for no need, else whole lots
    (rounded up: a lot short of the need leaves the shortage the level was set to avoid), at least the minimum
    (itself rounded up to whole lots), at most the week's capacity (rounded down to whole lots). When the
    capacity cannot hold the minimum, nothing can be started: 0."""
    if lot_size <= 0:
        raise PlanningError(f"lot size must be positive, not {lot_size}")
    if need <= 0:
        return 0.0
    units = math.ceil(need / lot_size - 1e-9) * lot_size
    units = max(units, math.ceil(min_order_units / lot_size - 1e-9) * lot_size)
    if capacity_units is not None:
        most = math.floor(capacity_units / lot_size + 1e-9) * lot_size
        if most < min_order_units:
            return 0.0
        units = min(units, most)
    return float(units)


@dataclass(frozen=True)
class SupplyProjection:
    """Per plan week (arrays of length weeks), expected over the demand paths: on hand at the week's end, units
    shipped, and the fill rate (expected shipped / expected demand; 1 for a week without demand)."""

    on_hand: np.ndarray
    shipped: np.ndarray
    fill_rate: np.ndarray


def project_supply(paths: np.ndarray, on_hand: float, arrivals: np.ndarray) -> SupplyProjection:
    """The vendor's stock week by week along each demand path: it starts with `on_hand`, receives `arrivals[w]` at
    the start of week w (production finished, in units), and ships what it has of each week's orders; what it
    cannot ship is lost (Amazon cancels the short units and orders again later)."""
    samples, weeks = paths.shape
    stock = np.full(samples, float(on_hand))
    end = np.empty((samples, weeks))
    shipped = np.empty((samples, weeks))
    for week in range(weeks):
        stock = stock + arrivals[week]
        shipped[:, week] = np.minimum(paths[:, week], np.maximum(stock, 0))
        stock = stock - shipped[:, week]
        end[:, week] = stock
    demand = paths.mean(axis=0)
    shipped_mean = shipped.mean(axis=0)
    fill = np.divide(shipped_mean, demand, out=np.ones(weeks), where=demand > 0)
    return SupplyProjection(end.mean(axis=0), shipped_mean, np.clip(fill, 0, 1))


def allocate_confirmations(needed: np.ndarray, due_week: np.ndarray, case_size: np.ndarray,
                           supply_by_week: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Units to confirm per open line so every confirmed unit can ship in full within its window. Lines are served
    in order of their due week (ties in the given order) from the stock available by then: `supply_by_week[w]` is
    the cumulative stock (on hand plus production finished) by plan week w; a line due in week w gets what is left
    of it, in whole cases. Returns (confirm, allocated) per line in the given order: allocated is the stock left for the
    line (at most its need), confirm that in whole cases."""
    needed = np.asarray(needed, dtype=float)
    confirm = np.zeros(len(needed))
    allocated = np.zeros(len(needed))
    used = 0.0
    last = len(supply_by_week) - 1
    for line in np.argsort(due_week, kind="stable"):
        available = max(float(supply_by_week[min(max(int(due_week[line]), 0), last)]) - used, 0.0)
        allocated[line] = min(needed[line], available)
        case = max(float(case_size[line]), 1.0)
        confirm[line] = math.floor(allocated[line] / case + 1e-9) * case
        used += confirm[line]
    return confirm, allocated


__all__ = [
    "DEFAULT_CORRELATION",
    "DEFAULT_SAMPLES",
    "LEVELS",
    "PlanningError",
    "SupplyProjection",
    "allocate_confirmations",
    "critical_ratio",
    "holding_cost_per_week",
    "order_up_to",
    "project_supply",
    "quantile_at",
    "quantile_of_sum",
    "sample_paths",
    "start_quantity",
]
