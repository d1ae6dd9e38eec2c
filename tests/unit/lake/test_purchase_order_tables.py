"""purchase_orders and purchase_order_items from hand-built Vendor Orders reads (conftest.py): the latest read wins,
a later status read moves a PO's state on, a line known from status only is kept, backorders as defined."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vendorcast.lake.query import LocalLake


@pytest.fixture(scope="module")
def lake(purchase_order_lake: Path):
    with LocalLake.open(purchase_order_lake) as local:
        yield local


def rows(lake: LocalLake, sql: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The lines a query returns by (PO number, item sequence number)."""
    return {(r.pop("purchase_order_number"), r.pop("item_sequence_number")): r for r in lake.query(sql).to_pylist()}


def test_a_po_takes_the_state_of_its_latest_read(lake: LocalLake, po: ModuleType) -> None:
    orders = {r["purchase_order_number"]: r for r in lake.query("SELECT * FROM purchase_orders").to_pylist()}
    assert len(orders) == 5
    # A: read New, then Acknowledged; the status read of 06-11 found it CLOSED, after the last header read.
    a = orders["A0000001"]
    assert (a["purchase_order_state"], a["purchase_order_status"]) == ("Closed", "CLOSED")
    assert a["state_changed_date"] == po.at(11, 18) and a["read_at"] == po.at(11, 20)
    assert a["acknowledged_at"] == po.at(3, 8) and a["purchase_order_type"] == "RegularOrder"
    assert a["delivery_window_end"] == po.at(10, 7) and a["order_week"].isoformat() == "2025-06-01"
    # C: the header says New, a later status read has a line accepted: Acknowledged since that read's update.
    c = orders["C0000003"]
    assert (c["purchase_order_state"], c["state_changed_date"]) == ("Acknowledged", po.at(19, 10))
    # B: the later status read agrees with the header: the header's date of the state stays.
    b = orders["B0000002"]
    assert (b["purchase_order_state"], b["state_changed_date"]) == ("Acknowledged", po.at(9, 8))
    assert b["ship_window_end"] == po.at(16, 7) and b["delivery_window_end"] is None
    # Ordered on a Sunday: that Sunday's week.
    assert b["order_week"].isoformat() == "2025-06-08"


def test_an_older_read_delivered_later_does_not_win(lake: LocalLake, po: ModuleType) -> None:
    e = lake.query("SELECT * FROM purchase_orders WHERE purchase_order_number = 'E0000005'").to_pylist()[0]
    assert (e["purchase_order_state"], e["read_at"], e["state_changed_date"]) == ("Closed", po.at(5, 20), po.at(5, 10))
    lines = lake.query("SELECT received_units, receive_status, status_read_at FROM purchase_order_items "
                       "WHERE purchase_order_number = 'E0000005' ORDER BY item_sequence_number").to_pylist()
    assert lines == [{"received_units": 10, "receive_status": "RECEIVED", "status_read_at": po.at(5, 20)},
                     {"received_units": 5, "receive_status": "RECEIVED", "status_read_at": po.at(5, 20)}]


def test_lines_join_item_detail_and_status(lake: LocalLake, po: ModuleType) -> None:
    lines = rows(lake, "SELECT * FROM purchase_order_items")
    assert len(lines) == 11
    kettle = lines[("A0000001", "1")]
    # Ordered in cases of 12: quantities are units already, the unit of measure says how Amazon ordered.
    assert (kettle["unit_of_measure"], kettle["unit_size"], kettle["ordered_units"]) == ("Cases", 12, 120)
    assert (kettle["accepted_units"], kettle["received_units"], kettle["last_receive_date"]) == \
        (120, 120, po.at(8, 16, 45))
    assert kettle["purchase_order_state"] == "Closed" and kettle["delivery_window_end"] == po.at(10, 7)
    toaster = lines[("A0000001", "2")]
    assert (toaster["unit_of_measure"], toaster["confirmation_status"], toaster["accepted_units"],
            toaster["rejected_units"]) == ("Eaches", "PARTIALLY_ACCEPTED", 20, 10)
    # Known from status reads only: what status says is kept; detail-only fields are null.
    mug = lines[("A0000001", "3")]
    assert (mug["asin"], mug["vendor_sku"], mug["unit_size"], mug["ordered_units"], mug["received_units"]) == \
        (po.MUG, f"SKU-{po.MUG}", 10, 50, 40)
    assert mug["is_back_order_allowed"] is None and mug["acknowledged_at"] == po.at(3, 8, 30)
    # Known from item detail and a status read: unconfirmed, so accepted is unknown.
    unconfirmed = lines[("C0000003", "1")]
    assert (unconfirmed["confirmation_status"], unconfirmed["accepted_units"]) == ("UNCONFIRMED", None)
    assert unconfirmed["is_back_order_allowed"] is True


def test_backordered_units_are_accepted_units_missing_after_the_window(lake: LocalLake) -> None:
    lines = rows(lake, "SELECT purchase_order_number, item_sequence_number, backordered_units "
                       "FROM purchase_order_items")
    backordered = {key: line["backordered_units"] for key, line in lines.items()}
    # B2: allows back orders, 24 accepted, none received, the ship window ended 06-16 before the 06-20 read.
    assert backordered.pop(("B0000002", "2")) == 24
    # Everything else: closed POs (A2 allows back orders), lines not allowing them, windows not ended.
    assert set(backordered.values()) == {0}


def test_the_items_state_is_the_pos(lake: LocalLake) -> None:
    mismatched = lake.query(
        "SELECT i.purchase_order_number FROM purchase_order_items AS i JOIN purchase_orders AS p "
        "ON p.account = i.account AND p.marketplace_id = i.marketplace_id "
        "AND p.purchase_order_number = i.purchase_order_number "
        "WHERE i.purchase_order_state <> p.purchase_order_state OR i.order_week <> p.order_week").to_pylist()
    assert mismatched == []
