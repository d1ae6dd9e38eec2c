"""The purchase-order views over the hand-built PO reads of tests/unit/lake/conftest.py, published by the real SQL,
with demand, inventory and forecast rows written next to them: OTIF, open lines, open PO units per week and the
stockout check, each worked out by hand. as_of is the latest status read, 2025-06-20 20:00 UTC."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vendorcast.lake.forecast_tables import FORECAST, FORECAST_RUNS, RUN_STATUS_SUCCEEDED
from vendorcast.lake.query import LocalLake
from vendorcast.lake.tables import DEMAND_WEEKLY, VENDOR_INVENTORY

UK, UK_MARKET = "acme-uk", "A1F83G8C2ARO7P"
GRINDER = "B0GRINDER1"
WEEKS = (date(2025, 6, 1), date(2025, 6, 8), date(2025, 6, 15))
ORIGIN = date(2025, 6, 22)
RUN_ID = "2025-06-22-weekly"


def _inventory(account: str, marketplace: str, asin: str, start: date, view: str, **values: float) -> dict:
    return {"account": account, "marketplace_id": marketplace, "start_week": start, "distributor_view": view,
            "selling_program": "RETAIL", "report_period": "WEEK", "asin": asin, "start_date": start,
            "end_date": start + timedelta(days=6), "last_updated_date": start + timedelta(days=9), **values}


def _demand(account: str, marketplace: str, asin: str, start: date, on_hand: int, open_po: int) -> dict:
    return {"account": account, "marketplace_id": marketplace, "asin": asin, "week_start": start,
            "week_end": start + timedelta(days=6), "units": 10, "sellable_on_hand_units": on_hand,
            "open_purchase_order_units": open_po, "censored": False}


def _forecast(account: str, marketplace: str, asin: str, p90s: list[float]) -> list[dict]:
    return [{"run_id": RUN_ID, "generated_at": datetime(2025, 6, 22, 6, tzinfo=UTC), "account": account,
             "marketplace_id": marketplace, "asin": asin, "week_start": ORIGIN + timedelta(weeks=h),
             "horizon": h + 1, "model": "ensemble", "selected": True, "mean": p90 / 2, "p50": p90 / 2, "p90": p90,
             "forecast_origin": ORIGIN} for h, p90 in enumerate(p90s)]


@pytest.fixture(scope="module")
def lake(purchase_order_lake: Path, tmp_path_factory: pytest.TempPathFactory, fx: ModuleType,
         po: ModuleType) -> Iterator[LocalLake]:
    root = tmp_path_factory.mktemp("po-views") / "lake"
    shutil.copytree(purchase_order_lake, root)
    us = (po.PO_ACCOUNT, po.PO_MARKET)
    fx.write_table(root, VENDOR_INVENTORY, [
        _inventory(*us, po.KETTLE, WEEKS[1], "MANUFACTURING", receive_fill_rate=0.97, vendor_confirmation_rate=0.99),
        _inventory(*us, po.KETTLE, WEEKS[1], "SOURCING", receive_fill_rate=0.5, vendor_confirmation_rate=0.5),
        *(_inventory(UK, UK_MARKET, po.KETTLE, week, "MANUFACTURING", average_vendor_lead_time_days=10.0)
          for week in WEEKS),
    ])
    on_hand = {po.KETTLE: 20, po.MUG: 0, po.TOASTER: 100, GRINDER: 50}
    fx.write_table(root, DEMAND_WEEKLY, [
        # The toaster's inventory of week 06-15 has not landed: its latest inventory week is 06-08.
        *(_demand(*us, asin, week, units, 999) for asin, units in on_hand.items() for week in WEEKS
          if (asin, week) != (po.TOASTER, WEEKS[2])),
        *(_demand(UK, UK_MARKET, po.KETTLE, week, 30, 5) for week in WEEKS),
        *(_demand(UK, UK_MARKET, po.TOASTER, week, 10, 0) for week in WEEKS),
    ])
    fx.write_table(root, FORECAST, [
        *_forecast(*us, po.KETTLE, [60.0, 60.0, 1000.0]),
        *_forecast(*us, po.MUG, [5.0, 5.0, 5.0]),
        *_forecast(*us, po.TOASTER, [40.0] * 13),
        *_forecast(*us, GRINDER, [10.0, 10.0, 10.0]),
        *_forecast(UK, UK_MARKET, po.KETTLE, [15.0, 15.0, 15.0]),
    ])
    fx.write_table(root, FORECAST_RUNS, [{"run_id": RUN_ID, "status": RUN_STATUS_SUCCEEDED, "forecast_origin": ORIGIN,
                                          "started_at": datetime(2025, 6, 22, 6, tzinfo=UTC)}])
    with LocalLake.open(root) as local:
        yield local


def select(lake: LocalLake, sql: str) -> list[dict[str, Any]]:
    return lake.query(sql).to_pylist()


def days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


# --- v_otif_weekly -------------------------------------------------------------------------------------------

def test_otif_per_asin_and_due_week(lake: LocalLake, po: ModuleType) -> None:
    weekly = {(r["asin"], r["week_start"].isoformat()): r for r in select(lake, "SELECT * FROM v_otif_weekly")}
    # Settled lines only: C and D are due after as_of and not received (left out).
    assert set(weekly) == {(po.KETTLE, "2025-06-08"), (po.TOASTER, "2025-06-08"), (po.MUG, "2025-06-08"),
                           (po.KETTLE, "2025-06-15"), (po.MUG, "2025-06-15"), (po.TOASTER, "2025-06-15"),
                           (po.TOASTER, "2025-06-01"), (po.SPATULA, "2025-06-01")}
    # A1: 120 ordered in cases, all received 06-08, before the window's end 06-10 07:00: on time, in full.
    kettle = weekly[(po.KETTLE, "2025-06-08")]
    assert (kettle["ordered_units"], kettle["accepted_units"], kettle["received_units"],
            kettle["on_time_in_full_units"], kettle["otif_rate"]) == (120, 120, 120, 120, 1.0)
    assert kettle["avg_lead_time_days"] == pytest.approx(days(po.at(2, 14, 10), po.at(8, 16, 45)))
    # Amazon's own rates of the week, MANUFACTURING view preferred.
    assert (kettle["amazon_receive_fill_rate"], kettle["amazon_vendor_confirmation_rate"]) == (0.97, 0.99)
    # A2: 30 ordered, 20 accepted and received on time: in full against the accepted units, 20 of 30 OTIF.
    toaster = weekly[(po.TOASTER, "2025-06-08")]
    assert (toaster["on_time_in_full_units"], toaster["otif_rate"], toaster["fill_rate"],
            toaster["confirmation_rate"]) == (20, pytest.approx(2 / 3), pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert toaster["amazon_receive_fill_rate"] is None
    # A3: 40 of 50 accepted, the last receipt 06-10 12:00 after the window: neither on time nor in full.
    mug = weekly[(po.MUG, "2025-06-08")]
    assert (mug["received_units"], mug["on_time_in_full_units"], mug["fill_rate"], mug["confirmation_rate"]) == \
        (40, 0, 0.8, 1.0)


def test_otif_falls_back_to_the_ship_window_and_counts_lines_due_and_missing(lake: LocalLake, po: ModuleType) -> None:
    weekly = {r["asin"]: r for r in select(lake, "SELECT * FROM v_otif_weekly WHERE week_start = DATE '2025-06-15'")}
    # PO B has a ship window only (to 06-16 07:00): B1 received 06-13 is on time.
    assert weekly[po.KETTLE]["on_time_in_full_units"] == 60
    # B2: due 06-16, nothing received by as_of (06-20): settled, 24 ordered, 0 OTIF; no lead time.
    assert (weekly[po.MUG]["ordered_units"], weekly[po.MUG]["otif_rate"], weekly[po.MUG]["avg_lead_time_days"]) == \
        (24, 0.0, None)
    # B3: in full, but received at 08:00, an hour after the window closed.
    assert (weekly[po.TOASTER]["fill_rate"], weekly[po.TOASTER]["on_time_in_full_units"]) == (1.0, 0)


def test_account_otif_is_otif_units_over_ordered_units(lake: LocalLake) -> None:
    row = select(lake, "SELECT sum(on_time_in_full_units) AS otif, sum(ordered_units) AS ordered FROM v_otif_weekly")[0]
    # 120 + 20 + 0 (A) + 60 + 0 + 0 (B) + 10 + 5 (E) over 120 + 30 + 50 + 60 + 24 + 12 + 10 + 5.
    assert (row["otif"], row["ordered"]) == (215, 311)


# --- v_open_purchase_orders ----------------------------------------------------------------------------------

def test_open_lines_with_units_to_deliver_and_risk(lake: LocalLake, po: ModuleType) -> None:
    open_lines = {(r["purchase_order_number"], r["item_sequence_number"]): r
                  for r in select(lake, "SELECT * FROM v_open_purchase_orders")}
    # Closed POs (A, E) and fully received lines (B1, B3) are not open.
    assert {k: (r["units_to_deliver"], r["days_left"], r["risk"]) for k, r in open_lines.items()} == {
        ("B0000002", "2"): (24, -4, "overdue"),  # due 06-16
        ("C0000003", "1"): (40, 2, "unconfirmed"),  # not acknowledged: the ordered units are still to come
        ("C0000003", "2"): (36, 2, "due_soon"),  # due 06-22 07:00, within 3 days of 06-20 20:00
        ("D0000004", "1"): (48, 10, "on_track"),
    }
    assert {r["as_of"] for r in open_lines.values()} == {po.AS_OF}
    assert open_lines[("B0000002", "2")]["window_end"] == po.at(16, 7)


# --- v_demand_weekly: open PO units --------------------------------------------------------------------------

def test_open_po_units_come_from_po_lines_where_the_po_data_covers_the_week(lake: LocalLake,
                                                                              po: ModuleType) -> None:
    found = {(r["asin"], r["week_start"].isoformat()): (r["open_purchase_order_units"],
                                                        r["open_purchase_order_units_source"])
             for r in select(lake, f"SELECT * FROM v_demand_weekly WHERE account = '{po.PO_ACCOUNT}'")}
    # Week 06-01 ends 5.4 days after the first PO, less than the longest order-to-receipt span seen (7.9 days):
    # a PO ordered before the data starts could still be open, so the inventory report's figure stands.
    assert found[(po.KETTLE, "2025-06-01")] == (999, "inventory_report")
    # Week 06-08: A is closed by then, B1 received; B2 (24) is open; B3 was last received after the week's end,
    # so its 12 units count in full (only the last receipt date is known).
    assert found[(po.KETTLE, "2025-06-08")] == (0, "purchase_orders")
    assert found[(po.MUG, "2025-06-08")] == (24, "purchase_orders")
    assert found[(po.TOASTER, "2025-06-08")] == (12, "purchase_orders")
    assert found[(GRINDER, "2025-06-08")] == (0, "purchase_orders")
    # Week 06-15: C2 36 + D1 48 for the kettle; B2's 24 mugs are still missing.
    assert found[(po.KETTLE, "2025-06-15")] == (84, "purchase_orders")
    assert found[(po.MUG, "2025-06-15")] == (24, "purchase_orders")
    uk = select(lake, f"SELECT DISTINCT open_purchase_order_units_source AS source FROM v_demand_weekly "
                      f"WHERE account = '{UK}'")
    assert uk == [{"source": "inventory_report"}]


# --- v_inventory_health --------------------------------------------------------------------------------------

def test_stockout_risk_is_p90_demand_over_lead_time_and_review_against_the_position(lake: LocalLake,
                                                                                    po: ModuleType) -> None:
    health = {(r["account"], r["asin"]): r for r in select(lake, "SELECT * FROM v_inventory_health")}
    kettle = health[(po.PO_ACCOUNT, po.KETTLE)]
    # 20 on hand + 84 on open POs; lead time the median of A1 (6.1 days) and B1 (5.3 days): 1 week, + 1 review.
    assert (kettle["inventory_position_units"], kettle["lead_time_source"], kettle["lead_time_weeks"],
            kettle["protection_weeks"]) == (104, "asin_receipts", 1, 2)
    # P90 of weeks 06-22 and 06-29 (60 + 60), not the third week's 1,000: 16 short.
    assert (kettle["forecast_weeks"], kettle["p90_demand_units"], kettle["shortfall_units"],
            kettle["stockout_risk"]) == (2, 120.0, 16.0, "at_risk")
    # The toaster, as of its latest inventory week (06-08): B3's 12 units came after that week, and C1's 40 were
    # ordered after it: both are still to arrive after the 100 on hand. Its span (lead 7.1 days: 2 weeks, + 1)
    # reaches 06-29: two forecast weeks of P90 40. Covered, though the P90 over its whole 13-week horizon (520)
    # is far above what it has.
    toaster = health[(po.PO_ACCOUNT, po.TOASTER)]
    assert (toaster["inventory_week_start"].isoformat(), toaster["open_purchase_order_units"],
            toaster["open_purchase_order_units_source"]) == ("2025-06-08", 52, "purchase_orders")
    assert (toaster["lead_time_weeks"], toaster["forecast_weeks"], toaster["p90_demand_units"],
            toaster["stockout_risk"]) == (2, 2, 80.0, "covered")
    # Nothing on hand, but 24 on the way cover 3 weeks of P90 5.
    mug = health[(po.PO_ACCOUNT, po.MUG)]
    assert (mug["inventory_position_units"], mug["protection_weeks"], mug["stockout_risk"]) == (24, 3, "covered")


def test_lead_time_falls_back_from_asin_to_account_to_report_to_default(lake: LocalLake, po: ModuleType) -> None:
    health = {(r["account"], r["asin"]): r for r in select(lake, "SELECT * FROM v_inventory_health")}
    # No PO line of its own: the account's median over its 7 received lines (6.1 days): 1 week.
    grinder = health[(po.PO_ACCOUNT, GRINDER)]
    assert (grinder["lead_time_source"], grinder["lead_time_weeks"], grinder["stockout_risk"]) == \
        ("account_receipts", 1, "covered")
    assert grinder["lead_time_days"] == pytest.approx(days(po.at(2, 14, 10), po.at(8, 16, 45)))
    # No PO data in the UK account: the inventory report's 10 days (2 weeks), then 14 days by default.
    uk_kettle = health[(UK, po.KETTLE)]
    assert (uk_kettle["lead_time_source"], uk_kettle["lead_time_weeks"], uk_kettle["inventory_position_units"],
            uk_kettle["open_purchase_order_units_source"]) == ("inventory_report", 2, 35, "inventory_report")
    assert (uk_kettle["p90_demand_units"], uk_kettle["stockout_risk"]) == (45.0, "at_risk")
    uk_toaster = health[(UK, po.TOASTER)]
    assert (uk_toaster["lead_time_source"], uk_toaster["lead_time_days"], uk_toaster["stockout_risk"]) == \
        ("default", 14.0, "no_forecast")
