"""plan_supply on inputs built by hand (no lake), where every number can be worked out: a steady 10 units a week
of demand, Amazon ordering up to 2 weeks of it, the vendor's lots, stock and open PO lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from vendorcast.planning.inputs import (
    AMAZON_POSITION_COLUMNS,
    PO_LINE_COLUMNS,
    PlanningInputs,
    apply_defaults,
    validate_supply_rows,
)
from vendorcast.planning.plan import plan_supply, sell_in_paths
from vendorcast.planning.sell_in import AmazonPosition
from vendorcast.planning.settings import PlanningSettings

ORIGIN = date(2026, 11, 29)
KEY = {"account": "acme-us", "marketplace_id": "ATVPDKIKX0DER", "asin": "B0KETTLE01"}
SETTINGS = PlanningSettings(horizon_weeks=6, lead_time_weeks=2, review_weeks=1)


def sell_through(units: float, weeks: int = 6) -> pd.DataFrame:
    """A forecast without uncertainty: every quantile and the mean are `units`."""
    return pd.DataFrame([{**KEY, "week_start": ORIGIN + timedelta(weeks=w), "mean": units,
                          **{q: units for q in ("p10", "p50", "p70", "p80", "p90")}} for w in range(weeks)])


def amazon(on_hand: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame([{**KEY, "amazon_on_hand_units": on_hand, "amazon_open_po_units": 0.0,
                          "amazon_lead_time_weeks": 1, "case_pack": 1, "amazon_cover_weeks": 2.0}],
                        columns=list(AMAZON_POSITION_COLUMNS))


def vendor(csv_rows: dict[str, str], settings: PlanningSettings = SETTINGS) -> tuple[pd.DataFrame, list]:
    valid, problems = validate_supply_rows(pd.DataFrame([{"asin": KEY["asin"], **csv_rows}]),
                                           "inputs/supply/stock.csv", {})
    frame, duplicates = apply_defaults(valid, pd.DataFrame([{**KEY, "vendor_sku": "SKU-KETTLE"}]), settings)
    return frame, problems + duplicates


def no_lines() -> pd.DataFrame:
    return pd.DataFrame(columns=list(PO_LINE_COLUMNS)).astype({"is_open": bool})


def test_a_steady_item_is_planned_as_worked_out_by_hand() -> None:
    # Amazon holds nothing and orders up to 2 weeks of 10: 20, then nothing while it arrives, then 10 a week.
    # The vendor's lead time is 2 weeks, review 1: it covers Amazon's orders of weeks 1 to 3, 20 + 0 + 10 = 30.
    # 15 on hand: 15 short, in lots of 5: start 15 (3 lots).
    frame, problems = vendor({"on_hand_units": "15", "lot_size": "5"})
    inputs = PlanningInputs(ORIGIN, "run-1", sell_through(10), no_lines(), amazon(), frame, problems)

    result = plan_supply(inputs, SETTINGS)

    assert result.problems == []
    orders = result.po_forecast.set_index("horizon")
    assert orders["mean"].tolist() == [20.0, 0.0, 10.0, 10.0, 10.0, 10.0]
    assert (orders["p10"] == orders["p90"]).all() and (orders["method"] == "structural").all()
    week = result.supply_plan.set_index("horizon").loc[1]
    assert (week["order_up_to_units"], week["inventory_position_units"], week["start_units"]) == (30, 15, 15)
    assert week["arrival_week_start"] == ORIGIN + timedelta(weeks=2) and week["lead_time_weeks"] == 2
    assert week["reason"] == ("Amazon's P99 over the next 3 weeks is 30 units; 15 on hand, 0 in production: "
                              "start 15 (3 lots of 5)")
    assert week["defaults_used"] == ("in_production_units,lead_time_weeks,min_order_units,weekly_capacity_units,"
                                     "unit_cost,holding_cost_rate,shortage_cost")
    # Week 1 ships 15 of the 20 ordered (fill 0.75); the start arrives in week 3.
    assert week["expected_fill_rate"] == 0.75
    assert result.below_target(0.95)["asin"].tolist() == [KEY["asin"]]


def test_zero_demand_starts_nothing() -> None:
    frame, problems = vendor({"on_hand_units": "0", "min_order_units": "100"})
    result = plan_supply(PlanningInputs(ORIGIN, "run-1", sell_through(0), no_lines(), amazon(), frame, problems),
                         SETTINGS)
    assert (result.supply_plan["start_units"] == 0).all() and (result.supply_plan["expected_fill_rate"] == 1).all()
    assert result.po_forecast["p90"].max() == 0


def test_a_lead_time_longer_than_the_plan_is_named_and_the_asin_left_out() -> None:
    frame, problems = vendor({"lead_time_weeks": "9"})
    result = plan_supply(PlanningInputs(ORIGIN, "run-1", sell_through(10), no_lines(), amazon(), frame, problems),
                         SETTINGS)
    assert result.supply_plan.empty
    assert [str(p) for p in result.problems] == [
        "inputs/supply/stock.csv row 1: lead_time_weeks: B0KETTLE01: lead time 9 + review 1 weeks exceed the plan's "
        "6 weeks (planning.horizon_weeks): not planned; raise horizon_weeks"]


def test_open_lines_are_confirmed_from_stock_by_their_windows_in_whole_cases() -> None:
    # 10 on hand. Line 1 (due this week, 8 units) gets 8; line 2 (due next week, 12 in cases of 4) the 2 left:
    # no whole case, so 0 confirmed and 12 short.
    frame, problems = vendor({"on_hand_units": "10"})
    due = datetime(2026, 12, 3, 7, tzinfo=UTC)
    lines = pd.DataFrame([
        {**KEY, "purchase_order_number": "PO000001", "item_sequence_number": "1", "vendor_sku": "SKU-KETTLE",
         "ship_to": "ABE8", "order_date": due - timedelta(days=7), "window_start": due - timedelta(days=5),
         "window_end": due, "unit_size": 1, "confirmation_status": "UNCONFIRMED", "ordered_units": 8,
         "accepted_units": None, "received_units": 0, "units_to_deliver": 8, "is_open": True, "lead_time_days": None},
        {**KEY, "purchase_order_number": "PO000002", "item_sequence_number": "1", "vendor_sku": "SKU-KETTLE",
         "ship_to": "MDW2", "order_date": due - timedelta(days=6), "window_start": due + timedelta(days=2),
         "window_end": due + timedelta(days=7), "unit_size": 4, "confirmation_status": "UNCONFIRMED",
         "ordered_units": 12, "accepted_units": None, "received_units": 0, "units_to_deliver": 12, "is_open": True,
         "lead_time_days": None},
    ], columns=list(PO_LINE_COLUMNS))

    result = plan_supply(PlanningInputs(ORIGIN, "run-1", sell_through(10), lines, amazon(), frame, problems),
                         SETTINGS)

    advice = result.po_advice.set_index("purchase_order_number")
    assert advice.loc["PO000001", ["confirm_units", "available_units", "shortfall_units"]].tolist() == [8, 8, 0]
    assert advice.loc["PO000002", ["confirm_units", "available_units", "shortfall_units"]].tolist() == [0, 2, 12]
    assert advice.loc["PO000002", "ship_to_party_id"] == "MDW2"
    # The 20 units owed on open lines come off the position: 10 on hand - 20 owed.
    assert result.supply_plan.set_index("horizon").loc[1, "inventory_position_units"] == -10


def test_stock_counted_before_the_origin_is_less_what_amazon_received_since() -> None:
    frame, problems = vendor({"on_hand_units": "100", "on_hand_as_of": "2026-11-15"})
    received = {**KEY, "purchase_order_number": "PO000003", "item_sequence_number": "1", "vendor_sku": "SKU-KETTLE",
                "ship_to": "ABE8", "order_date": datetime(2026, 11, 9, 8, tzinfo=UTC),
                "window_start": datetime(2026, 11, 17, 7, tzinfo=UTC),
                "window_end": datetime(2026, 11, 22, 7, tzinfo=UTC), "unit_size": 1,
                "confirmation_status": "ACCEPTED", "ordered_units": 30, "accepted_units": 30, "received_units": 30,
                "units_to_deliver": 0, "is_open": False, "lead_time_days": 11.3,
                "last_receive_date": datetime(2026, 11, 20, 16, tzinfo=UTC)}
    result = plan_supply(PlanningInputs(ORIGIN, "run-1", sell_through(10), pd.DataFrame([received]), amazon(),
                                        frame, problems), SETTINGS)
    week = result.supply_plan.set_index("horizon").loc[1]
    assert week["inventory_position_units"] == 70
    assert "70 on hand (100 counted on 2026-11-15, less 30 Amazon received since)" in week["reason"]


def test_the_replay_is_the_default_where_there_is_a_forecast_and_po_history_alone_is_drawn_from() -> None:
    # The simulation proves the structural replay, not a blend with the PO history (docs/planning.md): with a
    # forecast, the history of 40 units a week must not pull the orders of a steady 10 a week away from the replay.
    position = AmazonPosition(on_hand=0.0, lead_time_weeks=1, case_pack=1, cover_weeks=2.0)
    history = np.full(8, 40.0)
    paths, method = sell_in_paths(sell_through(10), position, history, 6, np.random.default_rng(0))
    assert method == "structural" and (paths == [20.0, 0.0, 10.0, 10.0, 10.0, 10.0]).all()
    paths, method = sell_in_paths(None, position, history, 6, np.random.default_rng(0))
    assert method == "direct" and (paths == 40.0).all()
