"""Amazon's orders to the vendor (sell-in), forecast per ASIN and week as sampled paths and their quantiles; pure,
no I/O.

- structural: Amazon's order-up-to behaviour replayed on paths of our sell-through forecast. Each Monday Amazon
  orders, in whole case packs, up to `cover_weeks` of its expected demand minus its inventory position (sellable on
  hand plus open purchase-order units); what it ordered arrives after the lead time learned from receipts,
  shoppers' demand draws its stock down, and its forecast is revised after each week by that week's surprise.
- direct: the ASIN's own weekly PO units of the recent weeks, as an empirical distribution (the plain baseline
  that needs no model of Amazon).
- structural+direct: half the paths of each (on request; the default is the structural replay wherever there is
  a sell-through forecast, else the direct draw).

Signatures:
- `replay_amazon_orders(paths, expected_demand, position) -> ndarray[samples, weeks]` of ordered units.
- `direct_paths(po_units_history, weeks, samples, rng) -> ndarray[samples, weeks]`.
- `summarize(paths) -> (mean[weeks], quantiles[weeks, levels])` (non-crossing, >= 0).
- `learn_cover_weeks(orders, positions, snapshots) -> frame` of each ASIN's cover, learned from its PO history.
- `revise_forecast(forecast, week, surprise, elasticity) -> forecast` after a week's surprise.
- `learn_revision_elasticity(snapshots, sales) -> (elasticity, observations)`, from Amazon's snapshots and sales.
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
# real orders (splits across fulfilment centers, rejections ordered again). A slightly better wQL on some lakes, but
# twice the stock at the same fill in the supply simulation, so not the default (docs/planning.md).
METHOD_BLEND = "structural+direct"
METHODS = (METHOD_STRUCTURAL, METHOD_DIRECT, METHOD_BLEND)
# Weeks of PO history the direct method draws from.
DIRECT_WEEKS = 8
# Amazon's cover beyond its lead time when nothing better was learned: the week until its next order.
AMAZON_REVIEW_WEEKS = 1
# An ASIN's own cover is learned from at least this many of its orders; else the median over all ASINs.
MIN_COVER_OBSERVATIONS = 4
MAX_COVER_WEEKS = 26
# Amazon's forecast revisions are read over this many weeks after each snapshot (about its lead time plus cover),
# from at least this many snapshot pairs (ASIN-weeks); fewer: no revision.
REVISION_WEEKS = 8
MIN_REVISION_OBSERVATIONS = 20
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
    # How Amazon's forecast moves with a surprise: after a week whose demand differs from its forecast by a share
    # s of it, every later week's forecast is revised by revision_elasticity x s (learn_revision_elasticity).
    revision_elasticity: float = 0.0

    @property
    def cover(self) -> float:
        return self.cover_weeks if self.cover_weeks is not None else self.lead_time_weeks + AMAZON_REVIEW_WEEKS


def replay_amazon_orders(paths: np.ndarray, expected_demand: np.ndarray, position: AmazonPosition) -> np.ndarray:
    """Amazon's weekly orders along each demand path (samples x weeks): at the start of week w it orders up to
    `cover` weeks of its forecast from week w, less what it has on hand and on order, in whole case packs; the
    order arrives `lead_time_weeks` later; the week's demand then draws the stock down (never below zero: demand
    beyond stock is lost to Amazon, as shoppers' unfilled orders are). Its forecast starts as `expected_demand` on
    every path and, after each week, is revised (`revise_forecast`, position.revision_elasticity) by the path's
    surprise: its demand less the paths' mean that week. The surprise is taken from the paths' spread and not
    against Amazon's forecast, so a gap between our forecast's mean and Amazon's is not read as a revision to come
    (docs/planning.md: reading it made the orders forecast and the decisions worse)."""
    samples, weeks = paths.shape
    lead = max(int(position.lead_time_weeks), 0)
    case = max(int(position.case_pack), 1)
    # Amazon's forecast reaches past the plan's weeks as its last week's level.
    reach = weeks + math.ceil(position.cover) + 1
    expected = np.concatenate([expected_demand, np.full(max(reach - len(expected_demand), 0),
                                                        expected_demand[-1] if len(expected_demand) else 0.0)])
    forecast = np.broadcast_to(expected, (samples, len(expected)))
    surprises = paths - paths.mean(axis=0)
    whole, part = divmod(position.cover, 1.0)
    due = np.zeros(weeks + lead + 1)
    known = position.open_po_by_week[: weeks + lead + 1]
    due[: len(known)] = known
    incoming = np.broadcast_to(due, (samples, len(due))).copy()
    on_hand = np.full(samples, float(position.on_hand))
    orders = np.zeros((samples, weeks))
    for week in range(weeks):
        ahead = week + int(whole)
        target = forecast[:, week:ahead].sum(axis=1) + part * forecast[:, ahead]
        on_order = incoming[:, week:].sum(axis=1)
        need = target - (on_hand + on_order)
        ordered = np.where(need > 0, np.ceil(need / case - 1e-9) * case, 0.0)
        orders[:, week] = ordered
        if week + lead < incoming.shape[1]:
            incoming[:, week + lead] += ordered
        on_hand = np.maximum(on_hand + incoming[:, week] - paths[:, week], 0.0)
        if position.revision_elasticity:
            forecast = revise_forecast(forecast, week, surprises[:, week], position.revision_elasticity)
    return orders


def revise_forecast(forecast: np.ndarray, week: int, surprise: np.ndarray, elasticity: float) -> np.ndarray:
    """Amazon's forecast (samples x weeks) after week `week`'s demand surprised it by `surprise` units (per
    sample): every later week scaled by 1 + elasticity x the surprise as a share of the week's forecast (at least
    one unit, so a near-zero forecast does not turn a unit's surprise into a multiple of the level), never below
    zero. The rule learn_revision_elasticity reads from Amazon's snapshots."""
    share = surprise / np.maximum(forecast[:, week], 1.0)
    factor = np.maximum(1.0 + elasticity * share, 0.0)
    return np.concatenate([forecast[:, : week + 1], forecast[:, week + 1 :] * factor[:, None]], axis=1)


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
    """How many weeks of its own forecast Amazon orders up to, per ASIN, from its past orders, read as weeks of the
    forecast snapshot it had when it ordered. Amazon orders whole case packs, rounded up, so an order only brackets
    its target: above the inventory position before it (sellable on hand and open PO units at the end of the
    previous week; it ordered, so that was short of the target) and above what the order lifted the position to
    less one case pack, at most that lifted position, and at most the position a week earlier when Amazon did not
    order then (that position was not short of the target). The target is read as the middle of the bracket:
    taking the lifted position alone would read an ASIN whose case pack is weeks of its demand as covering weeks
    more than it does.

    orders: SERIES, week_start (Sunday), ordered_units (per week, weeks with orders only), optionally case_pack
    (units per order unit; missing: 1);
    positions: SERIES, week_start, on_hand, open_po_units (as of the week's end);
    snapshots: SERIES, generated_on, week_start, mean (Amazon's weekly forecasts).
    Returns SERIES, cover_weeks (the ASIN's median, or the median over all ASINs' orders when it has fewer than
    MIN_COVER_OBSERVATIONS), observations."""
    columns = [*SERIES, "cover_weeks", "observations"]
    if orders.empty or positions.empty or snapshots.empty:
        return pd.DataFrame(columns=columns)
    week = pd.to_datetime(positions["week_start"])
    held = positions.assign(position=positions["on_hand"] + positions["open_po_units"])[[*SERIES, "position"]]
    orders = orders.assign(week_start=pd.to_datetime(orders["week_start"]))
    if "case_pack" not in orders:
        orders = orders.assign(case_pack=1)
    frame = (orders[orders["ordered_units"] > 0]
             .merge(held.assign(week_start=week + pd.Timedelta(weeks=1)), on=[*SERIES, "week_start"])
             .merge(held.assign(week_start=week + pd.Timedelta(weeks=2)).rename(columns={"position": "earlier"}),
                    on=[*SERIES, "week_start"], how="left")
             .merge(orders[[*SERIES, "week_start", "ordered_units"]].assign(
                 week_start=orders["week_start"] + pd.Timedelta(weeks=1)).rename(
                 columns={"ordered_units": "ordered_before"}), on=[*SERIES, "week_start"], how="left"))
    lifted = frame["position"] + frame["ordered_units"]
    lower = np.maximum(frame["position"], lifted - frame["case_pack"].clip(lower=1))
    not_short = frame["earlier"].where(frame["ordered_before"].fillna(0) <= 0)
    upper = np.maximum(np.fmin(lifted, not_short), lower)
    frame = frame.assign(target=(lower + upper) / 2)
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
        covers.append(_cover_of(row.target, means))
    frame = frame.assign(cover_weeks=covers).dropna(subset=["cover_weeks"])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    learned = frame.groupby(SERIES)["cover_weeks"].agg(["median", "size"]).reset_index()
    pooled = float(frame["cover_weeks"].median())
    learned["cover_weeks"] = np.where(learned["size"] >= MIN_COVER_OBSERVATIONS, learned["median"], pooled)
    learned["cover_weeks"] = learned["cover_weeks"].clip(1, MAX_COVER_WEEKS)
    return learned.rename(columns={"size": "observations"})[columns]


def learn_revision_elasticity(snapshots: pd.DataFrame, sales: pd.DataFrame) -> tuple[float, int]:
    """How Amazon's forecast moves with a surprise, pooled over ASINs, from its successive snapshots: between two
    snapshots of an ASIN, the weeks the older one forecast and the newer one no longer does have been sold; their
    surprise (units sold less forecast) as a share of their forecast is s, and the newer snapshot's forecast of each
    of the next REVISION_WEEKS weeks is read against the older one's: revision = elasticity x s x older forecast
    (the rule `revise_forecast` applies on every path). Least squares in units, so the ASINs that sell most weigh
    most, as they do in the vendor's stock.

    snapshots: SERIES, generated_on, week_start, mean; sales: SERIES, week_start, units, optionally censored (a
    censored week's units understate demand: its surprise is not read). Returns (elasticity clipped to 0 to 1,
    observations = the snapshot pairs read); with fewer than MIN_REVISION_OBSERVATIONS, 0: Amazon's forecast held
    as it stands (the replay without revisions)."""
    if snapshots.empty or sales.empty:
        return 0.0, 0
    snap = snapshots[[*SERIES, "generated_on", "week_start", "mean"]].assign(
        generated_on=pd.to_datetime(snapshots["generated_on"]), week_start=pd.to_datetime(snapshots["week_start"]))
    pairs = snap.groupby([*SERIES, "generated_on"], as_index=False)["week_start"].min().rename(
        columns={"week_start": "first_week"}).sort_values([*SERIES, "generated_on"])
    pairs["previous"] = pairs.groupby(SERIES)["generated_on"].shift()
    pairs = pairs.dropna(subset=["previous"])
    older = snap.rename(columns={"generated_on": "previous", "mean": "older"})
    # The surprise: the weeks the older snapshot forecast before the newer one's first week.
    sold = older.merge(pairs, on=[*SERIES, "previous"])
    sold = sold[sold["week_start"] < sold["first_week"]]
    actual = sales.assign(week_start=pd.to_datetime(sales["week_start"]))
    if "censored" not in actual:
        actual = actual.assign(censored=False)
    sold = sold.merge(actual[[*SERIES, "week_start", "units", "censored"]], on=[*SERIES, "week_start"], how="left")
    # A week with no sales row, or censored by a stockout, leaves the pair unread.
    sold["unread"] = sold["units"].isna() | sold["censored"].astype("boolean").fillna(False).astype(bool)
    surprise = sold.groupby([*SERIES, "generated_on"]).agg(
        units=("units", "sum"), forecast=("older", "sum"), unread=("unread", "any")).reset_index()
    surprise = surprise[~surprise["unread"]]
    surprise["share"] = (surprise["units"] - surprise["forecast"]) / np.maximum(surprise["forecast"], 1.0)
    revised = snap.merge(older, on=[*SERIES, "week_start"]).merge(
        surprise[[*SERIES, "generated_on", "share"]].merge(pairs, on=[*SERIES, "generated_on"]),
        on=[*SERIES, "generated_on", "previous"])
    ahead = (revised["week_start"] >= revised["first_week"]) & (
        revised["week_start"] < revised["first_week"] + pd.Timedelta(weeks=REVISION_WEEKS))
    revised = revised[ahead]
    x = (revised["share"] * revised["older"]).to_numpy(float)
    y = (revised["mean"] - revised["older"]).to_numpy(float)
    observations = len(surprise)
    if observations < MIN_REVISION_OBSERVATIONS or not np.any(x):
        return 0.0, observations
    return float(np.clip(x @ y / (x @ x), 0.0, 1.0)), observations


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
    "learn_revision_elasticity",
    "replay_amazon_orders",
    "revise_forecast",
    "summarize",
]
