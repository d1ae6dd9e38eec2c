"""The supply simulation's engine, on plain arrays: a vendor that starts production each week up to a policy's
order-up-to level, ships Amazon's weekly orders from what it has, and is scored on fill rate against average
inventory; policies swept over their safety setting, the frontier of each, and its inventory at a target fill rate.
Amazon's side comes from outside (the `Amazon` protocol): this package never reads the emulator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from vendorcast.planning.decisions import DEFAULT_CORRELATION, LEVELS, order_up_to, sample_paths
from vendorcast.planning.sell_in import AmazonPosition, replay_amazon_orders, summarize

# The baselines' safety setting: weeks of (their own) mean weekly demand held on top of the lead-time cover, from
# two weeks below it (a baseline whose plain cover already fills more than the target must be able to hold less).
SAFETY_WEEKS = (-2.0, -1.5, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
MOVING_AVERAGE_WEEKS = 4
SEASON_WEEKS = 52
# vendorcast's setting: the service level (the critical ratio) its order-up-to level is the quantile at.
SERVICE_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)
# Weeks of Amazon's orders each week's sell-in forecast is kept for scoring (po_forecast in the output).
SCORED_HORIZON = 4
REVIEW_WEEKS = 1
# Demand paths per ASIN and week: half the plan's DEFAULT_SAMPLES, as the simulation replays Amazon's orders for
# every run of the sweep every week (the P95 of 500 paths moves by about 1% between seeds).
SIMULATION_SAMPLES = 500


@dataclass(frozen=True)
class WeekState:
    """What the vendor knows when it decides on the Sunday of simulated week `week`, for every run of a sweep
    (arrays are runs x ASINs unless said otherwise)."""

    week: int
    po_units: np.ndarray  # runs x ASINs x weeks: Amazon's weekly PO units, the history then weeks 0..week-1
    amazon_on_hand: np.ndarray  # Amazon's sellable on hand (its inventory report)
    amazon_due: np.ndarray  # runs x ASINs x weeks: units shipped to Amazon arriving in each coming week
    vendor_on_hand: np.ndarray
    in_production: np.ndarray  # started and not yet finished


class Amazon(Protocol):
    """Amazon's side of the simulation, stepped one week at a time for `runs` runs at once."""

    @property
    def history(self) -> np.ndarray:
        """ASINs x weeks: weekly PO units before the first simulated week (oldest first)."""
        ...

    def start(self, runs: int) -> None:
        """Back to the first simulated week, for `runs` runs."""
        ...

    def position(self) -> tuple[np.ndarray, np.ndarray]:
        """As of the start of the current week: Amazon's on hand (runs x ASINs) and the units on their way to it
        by the week they arrive in (runs x ASINs x weeks, this week first)."""
        ...

    def order(self, week: int) -> np.ndarray:
        """Units Amazon orders in `week` (runs x ASINs)."""
        ...

    def deliver(self, week: int, shipped: np.ndarray) -> None:
        """The vendor ships `shipped` units (runs x ASINs) of this week's orders; the rest of the week passes."""
        ...


class Policy(Protocol):
    """A production policy swept over its safety setting: one run per value of `settings`."""

    name: str
    setting: str  # what `settings` are, e.g. "service_level" or "safety_weeks"
    settings: tuple[float, ...]

    def order_up_to(self, state: WeekState, lead_weeks: np.ndarray) -> np.ndarray:
        """Units the vendor wants on hand plus in production after this week's start (runs x ASINs)."""
        ...


@dataclass(frozen=True)
class VendorStart:
    """The vendor's side per ASIN: production lead time in weeks (started on a Sunday, ready to ship
    `lead_weeks` weeks later), lot size, and the stock and production it has at the first simulated week."""

    lead_weeks: np.ndarray
    lot_units: np.ndarray
    on_hand: np.ndarray
    in_production: np.ndarray  # ASINs x weeks: units finishing at the start of each coming week (week 0 first)

    def __post_init__(self) -> None:
        if np.any(self.lead_weeks < 1):
            raise ValueError("production lead times must be at least one week")
        if np.any(self.lot_units < 1):
            raise ValueError("lot sizes must be at least one unit")


@dataclass(frozen=True)
class SweepResult:
    """One policy's runs: per setting, the fill rate and average inventory over the scored weeks."""

    policy: str
    setting: str
    settings: tuple[float, ...]
    fill_rate: np.ndarray
    average_inventory: np.ndarray
    ordered_units: np.ndarray  # per run, over the scored weeks
    po_units: np.ndarray  # runs x ASINs x simulated weeks (warm-up included): what Amazon ordered in each run

    def points(self) -> list[tuple[float, float]]:
        return [(float(f), float(i)) for f, i in zip(self.fill_rate, self.average_inventory, strict=True)]


def cover(weekly: np.ndarray, weeks: np.ndarray, first: int = 0) -> np.ndarray:
    """Sum of `weekly` (... x ASINs x weeks) over each ASIN's `weeks` weeks from column `first`."""
    totals = np.cumsum(weekly[..., first:], axis=-1)
    index = np.broadcast_to(np.clip(weeks - 1, 0, totals.shape[-1] - 1), totals.shape[:-1])
    return np.take_along_axis(totals, index[..., None], axis=-1)[..., 0]


def lots(need: np.ndarray, lot_units: np.ndarray) -> np.ndarray:
    """Units to start: `need` rounded up to whole lots, nothing when nothing is needed."""
    return np.ceil(np.maximum(need, 0.0) / lot_units) * lot_units


def simulate(policy: Policy, amazon: Amazon, vendor: VendorStart, weeks: int, warmup: int,
             scored: np.ndarray | None = None) -> SweepResult:
    """Roll the vendor forward `warmup + weeks` weeks under `policy`, one run per setting, and score the last
    `weeks` on the ASINs `scored` (a mask; default all). Each week: finished production arrives; the vendor
    decides what to start (knowing only the past); Amazon orders; the vendor ships what it has (what it cannot ship
    is lost: Amazon orders again next week if it still needs it); fill counts units shipped in the week ordered,
    inventory is what is left at the week's end."""
    runs, total = len(policy.settings), warmup + weeks
    lead = vendor.lead_weeks.astype(np.int64)
    n_asins = len(lead)
    history = np.asarray(amazon.history, dtype=float)
    po_units = np.zeros((runs, n_asins, history.shape[1] + total))
    po_units[:, :, : history.shape[1]] = history
    pipeline = np.zeros((runs, n_asins, total + int(lead.max()) + 1))
    started = min(vendor.in_production.shape[1], pipeline.shape[2])
    pipeline[:, :, :started] = vendor.in_production[:, :started]
    on_hand = np.broadcast_to(vendor.on_hand.astype(float), (runs, n_asins)).copy()
    ordered_sum = np.zeros(runs)
    shipped_sum = np.zeros(runs)
    inventory_sum = np.zeros(runs)
    rows, cols = np.indices((runs, n_asins))
    scored = np.ones(n_asins, dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    amazon.start(runs)
    for week in range(total):
        on_hand += pipeline[:, :, week]
        in_production = pipeline[:, :, week + 1 :].sum(axis=2)
        amazon_on_hand, amazon_due = amazon.position()
        state = WeekState(week, po_units[:, :, : history.shape[1] + week], amazon_on_hand, amazon_due,
                          on_hand.copy(), in_production)
        target = policy.order_up_to(state, lead)
        pipeline[rows, cols, week + lead] += lots(target - (on_hand + in_production), vendor.lot_units)
        ordered = amazon.order(week)
        shipped = np.minimum(ordered, on_hand)
        on_hand -= shipped
        amazon.deliver(week, shipped)
        po_units[:, :, history.shape[1] + week] = ordered
        if week >= warmup:
            ordered_sum += ordered[:, scored].sum(axis=1)
            shipped_sum += shipped[:, scored].sum(axis=1)
            inventory_sum += on_hand[:, scored].sum(axis=1)
    fill = np.divide(shipped_sum, ordered_sum, out=np.ones(runs), where=ordered_sum > 0)
    return SweepResult(policy.name, policy.setting, tuple(policy.settings), fill, inventory_sum / weeks,
                       ordered_sum, po_units[:, :, history.shape[1] :])


def frontier(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The efficient points of (fill rate, inventory) pairs, by rising fill: a point is kept unless another
    reaches at least its fill with no more inventory. Both coordinates rise strictly along the result."""
    kept: list[tuple[float, float]] = []
    for fill, inventory in sorted(points, key=lambda p: (-p[0], p[1])):
        if not kept or inventory < kept[-1][1]:
            kept.append((fill, inventory))
    return kept[::-1]


def inventory_at(front: Sequence[tuple[float, float]], fill_rate: float) -> float | None:
    """Inventory at `fill_rate` interpolated linearly along a frontier; None when no point reaches it."""
    if not front or front[-1][0] < fill_rate:
        return None
    fills = np.array([p[0] for p in front])
    inventories = np.array([p[1] for p in front])
    if fill_rate <= fills[0]:
        return float(inventories[0])
    return float(np.interp(fill_rate, fills, inventories))


# ---------------------------------------------------------------------------------------------- the baselines
@dataclass(frozen=True)
class MovingAverage:
    """Cover lead time plus review with the last four weeks' mean PO units, plus `safety_weeks` of that mean."""

    settings: tuple[float, ...] = SAFETY_WEEKS
    name: str = "moving_average"
    setting: str = "safety_weeks"

    def order_up_to(self, state: WeekState, lead_weeks: np.ndarray) -> np.ndarray:
        mean = state.po_units[:, :, -MOVING_AVERAGE_WEEKS:].mean(axis=2)
        return mean * np.maximum(lead_weeks + 1 + np.asarray(self.settings)[:, None], 0.0)


@dataclass(frozen=True)
class SeasonalNaive:
    """Cover lead time plus review with last year's PO units in the same weeks, plus `safety_weeks` of their
    weekly mean."""

    settings: tuple[float, ...] = SAFETY_WEEKS
    name: str = "seasonal_naive"
    setting: str = "safety_weeks"

    def order_up_to(self, state: WeekState, lead_weeks: np.ndarray) -> np.ndarray:
        seen = state.po_units.shape[2]
        if seen < SEASON_WEEKS:
            raise ValueError(f"seasonal naive needs a year of PO history; there are {seen} weeks")
        last_year = state.po_units[:, :, seen - SEASON_WEEKS :]
        need = cover(last_year, lead_weeks + 1)
        return need * np.maximum(1 + np.asarray(self.settings)[:, None] / (lead_weeks + 1), 0.0)


@dataclass(frozen=True)
class ForecastCover:
    """Cover lead time plus review with a weekly forecast made each simulated week (`forecast`: weeks x ASINs x
    horizon, horizon 1 = the week being decided), plus `safety_weeks` of its weekly mean over that cover."""

    forecast: np.ndarray
    name: str = "amazon_forecast"
    settings: tuple[float, ...] = SAFETY_WEEKS
    setting: str = "safety_weeks"

    def order_up_to(self, state: WeekState, lead_weeks: np.ndarray) -> np.ndarray:
        weekly = self.forecast[state.week]
        if weekly.shape[1] < int(lead_weeks.max()) + 1:
            raise ValueError(f"the forecast covers {weekly.shape[1]} weeks; lead time plus review needs "
                             f"{int(lead_weeks.max()) + 1}")
        need = cover(np.nan_to_num(weekly), lead_weeks + 1)
        return need * np.maximum(1 + np.asarray(self.settings)[:, None] / (lead_weeks + 1), 0.0)


# ---------------------------------------------------------------------------------------------- vendorcast
@dataclass(frozen=True)
class SellInForecast:
    """vendorcast's forecast of Amazon's orders made in one simulated week, for every run: mean and quantiles
    (LEVELS) of the next SCORED_HORIZON weeks (runs x ASINs x weeks, and x levels)."""

    week: int
    mean: np.ndarray
    quantiles: np.ndarray


@dataclass(frozen=True)
class Vendorcast:
    """The plan's rule: Amazon's orders forecast by replaying its order-up-to behaviour (its position of the run,
    its lead time and case packs) on paths of vendorcast's sell-through forecast, and the order-up-to level at the
    service level over production lead time plus review (vendorcast.planning.decisions, .sell_in).

    `sell_through`: weeks x ASINs x horizon x (mean, then LEVELS), the forecast as of each simulated week.
    `amazon_expected`: weeks x ASINs x horizon, the demand Amazon orders on (its own forecast, which its forecasting
    report shows the vendor); `amazon_cover_weeks`: per ASIN, the weeks of it Amazon orders up to, and
    `amazon_revision_elasticity`: how its forecast moves with a surprise (sell_in.learn_revision_elasticity), both
    learned from history."""

    sell_through: np.ndarray
    amazon_expected: np.ndarray
    case_pack: np.ndarray
    amazon_lead_weeks: int
    amazon_cover_weeks: np.ndarray
    amazon_revision_elasticity: float
    seed: int
    settings: tuple[float, ...] = SERVICE_LEVELS
    samples: int = SIMULATION_SAMPLES
    correlation: float = DEFAULT_CORRELATION
    name: str = "vendorcast"
    setting: str = "service_level"
    forecasts: list[SellInForecast] = field(default_factory=list, compare=False)

    def order_up_to(self, state: WeekState, lead_weeks: np.ndarray) -> np.ndarray:
        runs, n_asins = state.amazon_on_hand.shape
        levels = np.asarray(self.settings)
        target = np.zeros((runs, n_asins))
        mean = np.zeros((runs, n_asins, SCORED_HORIZON))
        quantiles = np.zeros((runs, n_asins, SCORED_HORIZON, len(LEVELS)))
        forecast = self.sell_through[state.week]
        expected = self.amazon_expected[state.week]
        for asin in range(n_asins):
            weeks = max(int(lead_weeks[asin]) + REVIEW_WEEKS, SCORED_HORIZON)
            if forecast.shape[1] < weeks:
                raise ValueError(f"the sell-through forecast covers {forecast.shape[1]} weeks; {weeks} are needed")
            rng = np.random.default_rng([self.seed, state.week, asin])
            # One set of demand paths for every run: the runs differ only in Amazon's position.
            demand = sample_paths(LEVELS, forecast[asin, :weeks, 1:], self.samples, rng, self.correlation)
            scored = np.empty((self.samples, runs, SCORED_HORIZON))
            for run in range(runs):
                position = AmazonPosition(on_hand=float(state.amazon_on_hand[run, asin]),
                                          lead_time_weeks=self.amazon_lead_weeks,
                                          case_pack=int(self.case_pack[asin]),
                                          cover_weeks=float(self.amazon_cover_weeks[asin]),
                                          open_po_by_week=state.amazon_due[run, asin],
                                          revision_elasticity=self.amazon_revision_elasticity)
                orders = replay_amazon_orders(demand, expected[asin, :weeks], position)
                target[run, asin] = order_up_to(orders, int(lead_weeks[asin]), REVIEW_WEEKS, float(levels[run]))
                scored[:, run] = orders[:, :SCORED_HORIZON]
            # Every run's weekly quantiles in one pass (they are only kept for scoring the forecast).
            run_mean, run_quantiles = summarize(scored.reshape(self.samples, -1), LEVELS)
            mean[:, asin] = run_mean.reshape(runs, SCORED_HORIZON)
            quantiles[:, asin] = run_quantiles.reshape(runs, SCORED_HORIZON, len(LEVELS))
        self.forecasts.append(SellInForecast(state.week, mean, quantiles))
        return target
