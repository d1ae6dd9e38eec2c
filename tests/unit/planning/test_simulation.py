"""The supply simulation's engine on hand-built weeks: fill-rate and inventory accounting, lots, the baselines'
order-up-to levels, and the frontier with its interpolation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from vendorcast.planning.simulation import (
    ForecastCover,
    MovingAverage,
    SeasonalNaive,
    VendorStart,
    WeekState,
    frontier,
    inventory_at,
    lots,
    simulate,
)


class ReplayedOrders:
    """Amazon ordering a fixed schedule (weeks x ASINs) whatever the vendor ships: an open loop, enough to check
    the vendor's accounting by hand."""

    def __init__(self, orders: np.ndarray, history: np.ndarray | None = None) -> None:
        self.orders = np.asarray(orders, dtype=float)
        self._history = np.zeros((self.orders.shape[1], 4)) if history is None else history
        self.shipped: list[np.ndarray] = []

    @property
    def history(self) -> np.ndarray:
        return self._history

    def start(self, runs: int) -> None:
        self.runs = runs
        self.shipped = []

    def position(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((self.runs, self.orders.shape[1])), np.zeros((self.runs, self.orders.shape[1], 4))

    def order(self, week: int) -> np.ndarray:
        return np.broadcast_to(self.orders[week], (self.runs, self.orders.shape[1])).copy()

    def deliver(self, week: int, shipped: np.ndarray) -> None:
        self.shipped.append(shipped.copy())


@dataclass(frozen=True)
class FixedLevel:
    """Order up to the same level every week, one run per level."""

    settings: tuple[float, ...]
    name: str = "fixed"
    setting: str = "units"

    def order_up_to(self, state: WeekState, lead_weeks: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.settings)[:, None], state.vendor_on_hand.shape)


def vendor(on_hand: float = 0.0, lead: int = 1, lot: int = 1, asins: int = 1) -> VendorStart:
    return VendorStart(np.full(asins, lead), np.full(asins, lot), np.full(asins, on_hand), np.zeros((asins, 1)))


def test_no_stock_ships_nothing_and_ample_stock_ships_everything() -> None:
    amazon = ReplayedOrders(np.full((6, 2), 10.0))
    empty = simulate(FixedLevel((0.0,)), amazon, vendor(asins=2), weeks=6, warmup=0)
    assert empty.fill_rate[0] == 0.0 and empty.average_inventory[0] == 0.0
    ample = simulate(FixedLevel((0.0,)), amazon, vendor(on_hand=1000, asins=2), weeks=6, warmup=0)
    assert ample.fill_rate[0] == 1.0
    assert ample.average_inventory[0] == pytest.approx(np.mean([2000 - 20 * (k + 1) for k in range(6)]))


def test_fill_counts_units_shipped_in_the_week_ordered_and_inventory_the_weeks_end() -> None:
    # 15 on hand, nothing produced: week 0 ships 10 (5 left), week 1 ships 5 of 10, week 2 ships none.
    amazon = ReplayedOrders(np.full((3, 1), 10.0))
    result = simulate(FixedLevel((0.0,)), amazon, vendor(on_hand=15), weeks=3, warmup=0)
    assert result.fill_rate[0] == pytest.approx(15 / 30)
    assert result.average_inventory[0] == pytest.approx(5 / 3)
    assert [float(s[0, 0]) for s in amazon.shipped] == [10.0, 5.0, 0.0]


def test_production_arrives_after_the_lead_time_in_whole_lots() -> None:
    # Order up to 12 in lots of 5 with two weeks' lead: week 0 starts 15 (3 lots), which ship from week 2 on.
    amazon = ReplayedOrders(np.full((4, 1), 4.0))
    result = simulate(FixedLevel((12.0,)), amazon, vendor(lead=2, lot=5), weeks=4, warmup=0)
    assert [float(s[0, 0]) for s in amazon.shipped] == [0.0, 0.0, 4.0, 4.0]
    assert result.fill_rate[0] == pytest.approx(0.5)
    assert lots(np.array([7.0, 0.0, -3.0, 10.0]), np.array([5, 5, 5, 5])).tolist() == [10.0, 0.0, 0.0, 10.0]


def test_warmup_weeks_are_not_scored() -> None:
    amazon = ReplayedOrders(np.full((5, 1), 10.0))
    result = simulate(FixedLevel((0.0,)), amazon, vendor(on_hand=20), weeks=3, warmup=2)
    assert result.fill_rate[0] == 0.0 and result.ordered_units[0] == 30.0


def test_one_run_per_setting_and_more_stock_fills_more() -> None:
    # A one-week lead time: a level of one week's orders ships every other week, two weeks' ships them all.
    amazon = ReplayedOrders(np.full((8, 1), 10.0))
    result = simulate(FixedLevel((0.0, 10.0, 20.0, 40.0)), amazon, vendor(), weeks=6, warmup=2)
    assert result.fill_rate.tolist() == [0.0, 0.5, 1.0, 1.0]
    assert result.average_inventory.tolist() == [0.0, 0.0, 0.0, 20.0]


def state(po_units: np.ndarray, week: int = 0) -> WeekState:
    runs, asins = po_units.shape[:2]
    zeros = np.zeros((runs, asins))
    return WeekState(week, po_units, zeros, np.zeros((runs, asins, 4)), zeros, zeros)


def test_baselines_cover_lead_time_plus_review_and_their_safety_weeks() -> None:
    lead = np.array([2, 3])
    history = np.zeros((2, 2, 60))
    history[:, 0, -4:] = [8, 12, 10, 10]  # mean 10
    history[:, 1, -52:-48] = [1, 2, 3, 4]  # last year's weeks 0..3
    moving = MovingAverage(settings=(0.0, 1.0)).order_up_to(state(history), lead)
    assert moving[:, 0].tolist() == [30.0, 40.0]
    seasonal = SeasonalNaive(settings=(0.0, 4.0)).order_up_to(state(history), lead)
    assert seasonal[:, 1].tolist() == [10.0, 20.0]  # 1+2+3+4, then 4 weeks of their mean 2.5
    forecast = np.zeros((1, 2, 6))
    forecast[0, 0] = [5, 5, 5, 99, 99, 99]
    amazon = ForecastCover(forecast, settings=(0.0, 2.0)).order_up_to(state(history), lead)
    assert amazon[:, 0] == pytest.approx([15.0, 25.0])


def test_frontier_keeps_the_efficient_points_by_rising_fill_and_interpolates_inventory() -> None:
    points = [(0.90, 100.0), (0.97, 200.0), (0.93, 150.0), (0.92, 160.0), (0.97, 250.0), (0.99, 300.0)]
    front = frontier(points)
    assert front == [(0.90, 100.0), (0.93, 150.0), (0.97, 200.0), (0.99, 300.0)]
    assert inventory_at(front, 0.95) == pytest.approx(175.0)
    assert inventory_at(front, 0.85) == 100.0
    assert inventory_at(front, 0.995) is None


def test_only_the_scored_asins_count() -> None:
    amazon = ReplayedOrders(np.full((3, 2), 10.0))
    start = VendorStart(np.array([1, 1]), np.array([1, 1]), np.array([100.0, 0.0]), np.zeros((2, 1)))
    both = simulate(FixedLevel((0.0,)), amazon, start, weeks=3, warmup=0)
    first = simulate(FixedLevel((0.0,)), amazon, start, weeks=3, warmup=0, scored=np.array([True, False]))
    assert both.fill_rate[0] == 0.5 and first.fill_rate[0] == 1.0
    assert first.average_inventory[0] == both.average_inventory[0] == pytest.approx(80.0)
