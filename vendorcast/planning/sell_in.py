"""Amazon's orders to the vendor (sell-in), forecast per ASIN and week as sampled paths and their quantiles; pure,
no I/O.

- structural: Amazon's order-up-to behaviour replayed on paths of our sell-through forecast. Each Monday Amazon
  orders, in whole case packs, up to `cover_weeks` of its expected demand minus its inventory position (sellable on
  hand plus open purchase-order units); what it ordered arrives after the lead time learned from receipts, and
  shoppers' demand draws its stock down.
- direct: the ASIN's own weekly PO units of the recent weeks, as an empirical distribution (the plain baseline
  that needs no model of Amazon).
- structural+direct: half the paths of each (the default where both are possible).

Signatures:
- `replay_amazon_orders(paths, expected_demand, position) -> ndarray[samples, weeks]` of ordered units.
- `direct_paths(po_units_history, weeks, samples, rng) -> ndarray[samples, weeks]`.
- `summarize(paths) -> (mean[weeks], quantiles[weeks, levels])` (non-crossing, >= 0).
- `learn_cover_weeks(orders, positions, snapshots) -> frame` of each ASIN's cover, learned from its PO history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vendorcast.planning.decisions import LEVELS

METHOD_STRUCTURAL = "structural"
METHOD_DIRECT = "direct"
# Half the paths of each: the structural replay knows Amazon's rule and position, the direct draw the noise of its
# real orders (splits across fulfilment centers, rejections ordered again, forecast updates); measured in
# docs/benchmarks.md ("Amazon's orders forecast").
METHOD_BLEND = "structural+direct"
METHODS = (METHOD_STRUCTURAL, METHOD_DIRECT, METHOD_BLEND)
# Weeks of PO history the direct method draws from.
DIRECT_WEEKS = 8
# Amazon's cover beyond its lead time when nothing better was learned: the week until its next order.
AMAZON_REVIEW_WEEKS = 1
# An ASIN's own cover is learned from at least this many of its orders; else the median over all ASINs.
MIN_COVER_OBSERVATIONS = 4
MAX_COVER_WEEKS = 26
SERIES = ["account", "marketplace_id", "asin"]


@dataclass(frozen=True)
class AmazonPosition:
    """What Amazon holds and expects of one ASIN at the origin: sellable units on hand, open PO units by the plan
    week they are due in (index 0 = week 1; beyond the array: none), the lead time from order to receipt in whole
    weeks, the case pack it orders in, and the weeks of expected demand it orders up to."""

    on_hand: float
    lead_time_weeks: int
    case_pack: int = 1
    cover_weeks: float | None = None
    open_po_by_week: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def cover(self) -> float:
        return self.cover_weeks if self.cover_weeks is not None else self.lead_time_weeks + AMAZON_REVIEW_WEEKS


def replay_amazon_orders(paths: np.ndarray, expected_demand: np.ndarray, position: AmazonPosition) -> np.ndarray:
    """Amazon's weekly orders along each demand path (samples x weeks): at the start of week w it orders up to
    `cover` weeks of `expected_demand` from week w (its forecast, the same on every path), less what it has on hand
    and on order, in whole case packs; the order arrives `lead_time_weeks` later; the week's demand then draws the
    stock down (never below zero: demand beyond stock is lost to Amazon, as shoppers' unfilled orders are)."""
    samples, weeks = paths.shape
    lead = max(int(position.lead_time_weeks), 0)
    case = max(int(position.case_pack), 1)
    # Amazon's forecast reaches past the plan's weeks as its last week's level.
    reach = weeks + math.ceil(position.cover) + 1
    expected = np.concatenate([expected_demand, np.full(max(reach - len(expected_demand), 0),
                                                        expected_demand[-1] if len(expected_demand) else 0.0)])
    cumulative = np.concatenate([[0.0], np.cumsum(expected)])
    whole, part = divmod(position.cover, 1.0)
    due = np.zeros(weeks + lead + 1)
    known = position.open_po_by_week[: weeks + lead + 1]
    due[: len(known)] = known
    incoming = np.broadcast_to(due, (samples, len(due))).copy()
    on_hand = np.full(samples, float(position.on_hand))
    orders = np.zeros((samples, weeks))
    for week in range(weeks):
        target = (cumulative[week + int(whole)] - cumulative[week]) + part * expected[week + int(whole)]
        on_order = incoming[:, week:].sum(axis=1)
        need = target - (on_hand + on_order)
        ordered = np.where(need > 0, np.ceil(need / case - 1e-9) * case, 0.0)
        orders[:, week] = ordered
        if week + lead < incoming.shape[1]:
            incoming[:, week + lead] += ordered
        on_hand = np.maximum(on_hand + incoming[:, week] - paths[:, week], 0.0)
    return orders


def direct_paths(po_units_history: np.ndarray, weeks: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Paths of Amazon's orders drawn from the ASIN's last DIRECT_WEEKS weeks of PO units (weeks without a PO are
    0): each week independently one of them. No history: no orders."""
    recent = np.asarray(po_units_history, dtype=float)[-DIRECT_WEEKS:]
    if len(recent) == 0:
        return np.zeros((samples, weeks))
    return rng.choice(recent, size=(samples, weeks), replace=True)


def _cover_of(target: float, means: np.ndarray) -> float:
    """Weeks of `means` (the weekly forecast from the order week on) that add up to `target`, fractional."""
    cumulative = np.concatenate([[0.0], np.cumsum(means)])
    if len(means) == 0 or cumulative[-1] <= 0:
        return math.nan
    if target >= cumulative[-1]:
        return len(means) + (target - cumulative[-1]) / max(means[-1], 1e-9)
    return float(np.interp(target, cumulative, np.arange(len(cumulative))))


def learn_cover_weeks(orders: pd.DataFrame, positions: pd.DataFrame, snapshots: pd.DataFrame) -> pd.DataFrame:
    """How many weeks of its own forecast Amazon orders up to, per ASIN, from its past orders: in a week it ordered,
    the order plus its inventory position before it (sellable on hand and open PO units at the end of the previous
    week) is its target, read as weeks of the forecast snapshot it had then.

    orders: SERIES, week_start (Sunday), ordered_units (per week, weeks with orders only);
    positions: SERIES, week_start, on_hand, open_po_units (as of the week's end);
    snapshots: SERIES, generated_on, week_start, mean (Amazon's weekly forecasts).
    Returns SERIES, cover_weeks (the ASIN's median, or the median over all ASINs' orders when it has fewer than
    MIN_COVER_OBSERVATIONS), observations."""
    columns = [*SERIES, "cover_weeks", "observations"]
    if orders.empty or positions.empty or snapshots.empty:
        return pd.DataFrame(columns=columns)
    before = positions.assign(week_start=pd.to_datetime(positions["week_start"]) + pd.Timedelta(weeks=1))
    frame = orders.assign(week_start=pd.to_datetime(orders["week_start"])).merge(before, on=[*SERIES, "week_start"])
    frame = frame[frame["ordered_units"] > 0]
    snapshots = snapshots.assign(generated_on=pd.to_datetime(snapshots["generated_on"]),
                                 week_start=pd.to_datetime(snapshots["week_start"]))
    by_series = dict(tuple(snapshots.groupby(SERIES)))
    covers = []
    for row in frame.itertuples(index=False):
        known = by_series.get((row.account, row.marketplace_id, row.asin))
        if known is None:
            covers.append(math.nan)
            continue
        # The snapshot Amazon had on the order's Monday: generated on or before it.
        usable = known[known["generated_on"] <= row.week_start + pd.Timedelta(days=1)]
        if usable.empty:
            covers.append(math.nan)
            continue
        latest = usable[usable["generated_on"] == usable["generated_on"].max()]
        means = latest[latest["week_start"] >= row.week_start].sort_values("week_start")["mean"].to_numpy(float)
        covers.append(_cover_of(row.ordered_units + row.on_hand + row.open_po_units, means))
    frame = frame.assign(cover_weeks=covers).dropna(subset=["cover_weeks"])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    learned = frame.groupby(SERIES)["cover_weeks"].agg(["median", "size"]).reset_index()
    pooled = float(frame["cover_weeks"].median())
    learned["cover_weeks"] = np.where(learned["size"] >= MIN_COVER_OBSERVATIONS, learned["median"], pooled)
    learned["cover_weeks"] = learned["cover_weeks"].clip(1, MAX_COVER_WEEKS)
    return learned.rename(columns={"size": "observations"})[columns]


def summarize(paths: np.ndarray, levels: tuple[float, ...] = LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """The mean and the quantiles (weeks x levels) of paths (samples x weeks): non-crossing and >= 0."""
    quantiles = np.quantile(np.maximum(paths, 0), levels, axis=0).T
    return np.maximum(paths, 0).mean(axis=0), np.maximum.accumulate(quantiles, axis=1)


__all__ = [
    "AMAZON_REVIEW_WEEKS",
    "DIRECT_WEEKS",
    "METHODS",
    "METHOD_BLEND",
    "METHOD_DIRECT",
    "METHOD_STRUCTURAL",
    "AmazonPosition",
    "direct_paths",
    "learn_cover_weeks",
    "replay_amazon_orders",
    "summarize",
]
