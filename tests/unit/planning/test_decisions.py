"""The decision rules against cases worked out by hand: the critical ratio, quantiles between and beyond the known
levels, quantiles of sums over weeks (independent and fully correlated weeks), base-stock levels, lot sizes,
minimums and capacity, zero demand, a lead time past the forecast, the stock projection and PO confirmations."""

from __future__ import annotations

import numpy as np
import pytest

from vendorcast.planning.decisions import (
    LEVELS,
    PlanningError,
    allocate_confirmations,
    critical_ratio,
    order_up_to,
    project_supply,
    quantile_at,
    sample_paths,
    start_quantity,
)

# N(100, 20) at the published levels: 100 + 20 z.
Z = np.array([-1.2815516, 0.0, 0.5244005, 0.8416212, 1.2815516])
NORMAL = 100 + 20 * Z


def test_critical_ratio_weighs_shortage_against_a_week_of_holding() -> None:
    # Holding a 52.00 unit at 100 % a year costs 1.00 a week: shortage 1 against holding 1 is 0.5.
    assert critical_ratio(shortage_cost=1.0, unit_cost=52.0, holding_cost_rate=1.0) == pytest.approx(0.5)
    # 10.00 at 26 % a year is 0.05 a week; a 5.00 shortage: 5 / 5.05.
    assert critical_ratio(shortage_cost=5.0, unit_cost=10.0, holding_cost_rate=0.26) == pytest.approx(5 / 5.05)


def test_quantiles_between_and_beyond_the_levels() -> None:
    assert quantile_at(LEVELS, NORMAL, 0.5) == pytest.approx(100)
    assert quantile_at(LEVELS, NORMAL, 0.8) == pytest.approx(NORMAL[3])
    # Beyond P90 a normal distribution is reproduced: P95 of N(100, 20) is 100 + 1.6449 x 20.
    assert quantile_at(LEVELS, NORMAL, 0.95) == pytest.approx(132.897, abs=1e-3)
    # Between P50 (50) and P70 (60), linear in the normal score: z(0.6) = 0.2533, z(0.7) = 0.5244.
    skewed = np.array([10.0, 50.0, 60.0, 70.0, 90.0])
    assert quantile_at(LEVELS, skewed, 0.6) == pytest.approx(50 + 10 * 0.253347 / 0.524401, abs=1e-3)
    # Never below zero, and crossing inputs are made monotone first.
    assert quantile_at(LEVELS, np.array([0.0, 1.0, 2.0, 3.0, 4.0]), 0.01) == 0.0
    assert quantile_at(LEVELS, np.array([5.0, 4.0, 6.0, 7.0, 8.0]), 0.5) == pytest.approx(5.0)


@pytest.mark.parametrize(("correlation", "spread"), [(0.0, 40.0), (1.0, 80.0)])
def test_the_quantile_of_a_sum_over_weeks_follows_the_stated_correlation(correlation: float, spread: float) -> None:
    # Four weeks of N(100, 20): independent weeks sum to N(400, 40), fully correlated ones to N(400, 80).
    paths = sample_paths(LEVELS, np.tile(NORMAL, (4, 1)), 200_000, np.random.default_rng(1), correlation)
    level = order_up_to(paths, lead_time_weeks=3, review_weeks=1, ratio=0.9)
    assert level == pytest.approx(400 + 1.2815516 * spread, rel=0.01)


def test_base_stock_level_is_the_demand_over_lead_time_and_review() -> None:
    # Two equally likely paths: 10 or 20 a week. Over 2 + 1 weeks: 30 or 60; the median is between them.
    paths = np.array([[10.0] * 5, [20.0] * 5])
    assert order_up_to(paths, 2, 1, 0.5) == pytest.approx(45.0)
    # From plan week 3 (index 2), the same three weeks ahead.
    assert order_up_to(paths, 2, 1, 0.0, first=2) == pytest.approx(30.0)


def test_a_lead_time_past_the_forecast_is_a_clear_error() -> None:
    with pytest.raises(PlanningError, match=r"lead time 4 \+ review 1 weeks .* reach past the 4 weeks"):
        order_up_to(np.ones((10, 4)), 4, 1, 0.9)


@pytest.mark.parametrize(("need", "lot", "minimum", "capacity", "start"), [
    (550, 300, 0, None, 600),  # two lots of 300
    (600, 300, 0, None, 600),  # exactly two lots
    (10, 1, 100, None, 100),  # the minimum order
    (10, 100, 150, None, 200),  # the minimum, in whole lots
    (1000, 300, 0, 700, 600),  # capacity 700 holds two lots of 300
    (1000, 1, 0, 700, 700),
    (50, 1, 100, 80, 0),  # the capacity cannot hold the minimum: nothing can start
    (0, 300, 100, None, 0),  # no need
    (-40, 1, 0, None, 0),
])
def test_start_quantity_honours_lots_minimum_and_capacity(need: float, lot: float, minimum: float,
                                                          capacity: float | None, start: float) -> None:
    assert start_quantity(need, lot, minimum, capacity) == start


def test_zero_demand_starts_nothing_and_fills_everything() -> None:
    paths = np.zeros((100, 8))
    assert order_up_to(paths, 4, 1, 0.99) == 0.0
    assert start_quantity(0.0 - 0.0, 50, 100) == 0.0
    projection = project_supply(paths, 0.0, np.zeros(8))
    assert (projection.fill_rate == 1.0).all() and (projection.on_hand == 0).all()


def test_projection_ships_what_stock_allows_week_by_week() -> None:
    # 10 a week; 15 on hand, 10 arrive in week 2: weeks ship 10, 10 and the last 5 (fill 0.5).
    projection = project_supply(np.full((3, 3), 10.0), 15.0, np.array([0.0, 10.0, 0.0]))
    assert projection.on_hand.tolist() == [5.0, 5.0, 0.0]
    assert projection.fill_rate.tolist() == [1.0, 1.0, 0.5]


def test_confirmations_go_to_the_earliest_windows_in_whole_cases() -> None:
    # Stock by plan week: 10 now, 30 by week 3. Lines due in week 1 (8 units, then 6) and week 3 (12, cases of 4).
    confirm, allocated = allocate_confirmations(np.array([8.0, 6.0, 12.0]), np.array([0, 0, 2]),
                                                np.array([1, 1, 4]), np.array([10.0, 10.0, 30.0]))
    assert confirm.tolist() == [8.0, 2.0, 12.0]
    assert allocated.tolist() == [8.0, 2.0, 12.0]
    # 7 units left for a line in cases of 4: one case is confirmed.
    confirm, allocated = allocate_confirmations(np.array([12.0]), np.array([0]), np.array([4]), np.array([7.0]))
    assert confirm.tolist() == [4.0] and allocated.tolist() == [7.0]
