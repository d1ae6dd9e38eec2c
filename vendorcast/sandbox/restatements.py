"""Amazon restates recent figures: what the emulator serves for a period depends on the document's
lastUpdatedDate. This module is the one definition of that rule, used by the documents and the truth."""

from __future__ import annotations

from datetime import date

import numpy as np

# A period's figures are final once the document was refreshed this many days after the period closed.
FINAL_AFTER_DAYS = 10
# Preliminary figures are off by at most a few percent.
PRELIMINARY_LOW = 0.95
PRELIMINARY_HIGH = 1.03

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-spread integer hash (uint64 arithmetic wraps on purpose)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def hash_uniform(*keys: np.ndarray | int) -> np.ndarray:
    """Deterministic uniform numbers in [0, 1) from integer keys (broadcast together)."""
    arrays = np.broadcast_arrays(*[np.asarray(k, dtype=np.int64) for k in keys])
    h = np.full(arrays[0].shape, _GOLDEN, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for key in arrays:
            h = _mix(h ^ (key.astype(np.uint64) + _GOLDEN))
    return (h >> np.uint64(11)).astype(np.float64) / float(2**53)


def restatement_factor(
    seed: int,
    asin_index: np.ndarray | int,
    period_start: np.ndarray | int,
    period_end: np.ndarray | int,
    last_updated: date,
) -> np.ndarray:
    """Multiplier applied to the flows (units, money, glance views) of one period as served on
    `last_updated`: 1.0 once final, else a preliminary factor fixed by seed, ASIN, period and date.

    `asin_index` is the ASIN's position in the catalogue (-1 for an aggregate row); `period_start` and
    `period_end` are date ordinals.
    """
    end = np.asarray(period_end, dtype=np.int64)
    updated = last_updated.toordinal()
    u = hash_uniform(seed, np.asarray(asin_index) + 2, period_start, end, updated)
    preliminary = PRELIMINARY_LOW + (PRELIMINARY_HIGH - PRELIMINARY_LOW) * u
    return np.where(updated - end >= FINAL_AFTER_DAYS, 1.0, preliminary)


def restate_units(units: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Integers stay integers: preliminary counts are rounded."""
    return np.floor(units * factor + 0.5).astype(np.int64)


def restate_money(amount: np.ndarray, factor: np.ndarray) -> np.ndarray:
    return np.round(amount * factor, 2) + 0.0


def restate_margin(margin: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """A margin is a ratio of flows, so scaling would cancel out: preliminary margins shift instead."""
    return np.round(margin + 0.5 * (factor - 1.0), 4) + 0.0
