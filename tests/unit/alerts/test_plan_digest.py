"""The plan's e-mails: the digest's figures taken from a plan (vendorcast.forecasting.plan_step.plan_digest on a
PlanResult built by hand), what the digest and the fill-rate alert say, their subjects within SNS's rules, long
lists cut with a count, and the failure notice of a run that failed after publishing its forecast."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from vendorcast.alerts.forecast_run import render_run_failed
from vendorcast.alerts.plan_digest import (
    LISTED_LINES,
    LISTED_PROBLEMS,
    render_fill_alert,
    render_plan_digest,
)
from vendorcast.alerts.topic import SUBJECT_LIMIT
from vendorcast.forecasting.plan_step import plan_digest, plan_summary
from vendorcast.forecasting.run import Run
from vendorcast.planning.inputs import InputProblem
from vendorcast.planning.plan import PO_ADVICE_COLUMNS, PO_FORECAST_COLUMNS, SUPPLY_PLAN_COLUMNS, PlanResult
from vendorcast.planning.settings import PlanningSettings

ORIGIN = date(2026, 11, 29)
RUN = Run(run_id="weekly-2026-11-29", started_at=datetime(2026, 12, 2, 7, tzinfo=UTC), trigger="scheduled",
          origin=ORIGIN, horizon=12, backtest_windows=3, series_count=3, first_week=date(2024, 1, 7), shards=[],
          distributed=False)


def _plan_row(asin: str, horizon: int, start: float, fill: float, defaults: str = "") -> dict:
    week = ORIGIN + timedelta(weeks=horizon - 1)
    return {"account": "acme-us", "marketplace_id": "ATVPDKIKX0DER", "asin": asin, "vendor_sku": None,
            "week_start": week, "week_end": week + timedelta(days=6), "horizon": horizon, "start_units": start,
            "arrival_week_start": week + timedelta(weeks=3), "lead_time_weeks": 3, "order_up_to_units": 900.0,
            "inventory_position_units": 300.0, "projected_on_hand_units": 40.0, "expected_orders_units": 200.0,
            "expected_fill_rate": fill, "critical_ratio": 0.9, "unit_cost": 6.0, "holding_cost_rate": 0.25,
            "shortage_cost": 5.0, "defaults_used": defaults, "reason": f"{asin}: start {start:.0f}"}


def _advice(po: str, asin: str, ordered: float, confirm: float) -> dict:
    return {"account": "acme-us", "marketplace_id": "ATVPDKIKX0DER", "purchase_order_number": po,
            "item_sequence_number": "1" if asin == "B0KETTLE01" else "2", "asin": asin,
            "vendor_sku": None, "ship_to_party_id": "ABE8", "order_date": ORIGIN, "window_start": None,
            "window_end": None, "ordered_units": ordered, "confirm_units": confirm, "available_units": confirm,
            "shortfall_units": ordered - confirm, "reason": f"{confirm:.0f} can ship in full"}


@pytest.fixture
def result() -> PlanResult:
    plan = [
        _plan_row("B0KETTLE01", 1, 600.0, 0.80), _plan_row("B0KETTLE01", 2, 0.0, 1.0),
        _plan_row("B0TOASTER1", 1, 0.0, 1.0, defaults="lead_time_weeks,unit_cost"),
        _plan_row("B0TOASTER1", 2, 300.0, 0.5),  # a later week below target: not this week's alert
        _plan_row("B0MUG00001", 1, 1200.0, 0.90),
    ]
    return PlanResult(
        po_forecast=pd.DataFrame(columns=list(PO_FORECAST_COLUMNS)),
        supply_plan=pd.DataFrame(plan, columns=list(SUPPLY_PLAN_COLUMNS)),
        po_advice=pd.DataFrame([_advice("A0000001", "B0KETTLE01", 120.0, 96.0), _advice("A0000001", "B0MUG00001",
                                                                                        48.0, 48.0)],
                               columns=list(PO_ADVICE_COLUMNS)),
        problems=[InputProblem("inputs/supply/stock.csv", 7, "lead_time_weeks", "'abc' is not a number")])


def test_the_digest_takes_the_decision_week_and_the_advice(result: PlanResult) -> None:
    digest = plan_digest(result, PlanningSettings(fill_rate_target=0.95), RUN)

    assert (digest.asins_planned, digest.units_to_start, digest.asins_to_start) == (3, 1800.0, 2)
    assert (digest.open_lines_advised, digest.units_ordered, digest.units_to_confirm) == (2, 168.0, 144.0)
    assert digest.asins_defaulted == 1
    assert [s.asin for s in digest.starts] == ["B0MUG00001", "B0KETTLE01"]  # largest first
    assert [(c.purchase_order_number, c.asin) for c in digest.short_confirmations] == [("A0000001", "B0KETTLE01")]
    assert [b.asin for b in digest.below_target] == ["B0KETTLE01", "B0MUG00001"]  # lowest fill first
    assert digest.problems == ["inputs/supply/stock.csv row 7: lead_time_weeks: 'abc' is not a number"]
    summary = plan_summary(digest)
    assert summary["asins_below_target"] == 2 and summary["input_problems"] == 1
    assert summary["origin"] == "2026-11-29" and summary["units_to_confirm"] == 144.0
    # Only the kettle is under a lower target.
    assert [b.asin for b in plan_digest(result, PlanningSettings(fill_rate_target=0.85), RUN).below_target] == [
        "B0KETTLE01"]


def test_the_digest_says_what_to_start_confirm_and_fix(result: PlanResult) -> None:
    subject, message = render_plan_digest(plan_digest(result, PlanningSettings(), RUN))

    assert subject == ("vendorcast plan 2026-11-29: 2 below fill target; start 1,800 units on 2 ASINs, confirm 144 "
                       "of 168")
    assert len(subject) <= SUBJECT_LIMIT
    assert "B0MUG00001: start 1,200, available from 2026-12-20. B0MUG00001: start 1200" in message
    assert "PO A0000001 B0KETTLE01: confirm 96 of 120." in message
    assert "below the target of 95%: 2." in message and "B0KETTLE01: expected fill 80% of 200 units" in message
    assert "inputs/supply/stock.csv row 7: lead_time_weeks: 'abc' is not a number" in message
    assert "weekly-2026-11-29" in message and "v_supply_plan_latest" in message


def test_long_lists_are_cut_with_a_count(result: PlanResult) -> None:
    digest = plan_digest(result, PlanningSettings(), RUN)
    many = [f"inputs/supply/stock.csv row {n}: asin: give an asin or a vendor_sku" for n in range(1, 100)]
    starts = digest.starts * 20
    _, message = render_plan_digest(type(digest)(**{**digest.__dict__, "problems": many, "starts": starts}))

    assert f"row {LISTED_PROBLEMS}: " in message and f"row {LISTED_PROBLEMS + 1}: " not in message
    assert f"... and {99 - LISTED_PROBLEMS} more problems" in message
    assert f"... and {len(starts) - LISTED_LINES} more ASINs to start" in message


def test_the_alert_names_the_asins_below_target_and_what_to_do(result: PlanResult) -> None:
    subject, message = render_fill_alert(plan_digest(result, PlanningSettings(), RUN))

    assert subject == "vendorcast ALERT: 2 ASINs below the 95% fill target in the week of 2026-11-29"
    assert message.index("B0KETTLE01: expected fill 80%") < message.index("B0MUG00001: expected fill 90%")
    assert "B0TOASTER1" not in message
    assert "expedite" in message and "expected_fill_rate < 0.95" in message


def test_a_plan_with_nothing_to_do_says_none() -> None:
    empty = PlanResult(pd.DataFrame(columns=list(PO_FORECAST_COLUMNS)), pd.DataFrame(columns=list(SUPPLY_PLAN_COLUMNS)),
                       pd.DataFrame(columns=list(PO_ADVICE_COLUMNS)), [])
    digest = plan_digest(empty, PlanningSettings(), RUN)
    subject, message = render_plan_digest(digest)

    assert (digest.asins_planned, digest.units_to_start, digest.open_lines_advised) == (0, 0.0, 0)
    assert subject == "vendorcast plan 2026-11-29: start 0 units on 0 ASINs, confirm 0 of 0"
    assert "below the target of 95%: none." in message and "Vendor input problems: none." in message


def test_a_run_that_failed_after_publishing_says_its_forecast_stands() -> None:
    _, after = render_run_failed("weekly-2026-11-29", "Plan", "ConfigError", "planning.lead_time_weeks ...",
                                 forecast_published=True)
    _, before = render_run_failed("weekly-2026-11-29", "Train", "ReadTimeoutError", "S3")

    assert "Its forecast was published before the failure and stays the one v_forecast_latest shows" in after
    assert "v_supply_plan_latest and v_po_advice_open still show the previous plan" in after
    assert "the previous successful forecast stays the one v_forecast_latest shows" in before
