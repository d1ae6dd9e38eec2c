from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from vendorcast.sandbox.purchase_orders import SimulatedPurchaseOrders, from_epoch
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.supply import WINDOW_DAYS

NOW = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def orders(sim) -> SimulatedPurchaseOrders:
    return SimulatedPurchaseOrders(sim)


def units(quantity: dict) -> int:
    return quantity["amount"] * quantity["unitSize"]


def test_only_the_last_six_months_are_visible(orders):
    visible = orders.visible(NOW)
    assert visible
    assert all(NOW - timedelta(days=183) <= o.placed_at <= NOW for o in visible)
    assert len(visible) < len(orders.orders)


def test_amazon_orders_each_monday_for_each_fulfilment_center(orders, sim):
    lines = sim.purchase_orders
    assert {sim.day(d).weekday() for d in np.unique(lines.day)} == {0}
    per_week = {}
    for order in orders.orders:
        per_week.setdefault(order.placed_at.date(), set()).add(order.fulfilment_center)
    # Most weeks order for several centers: an ASIN's need is split by the centers' regional demand.
    assert np.mean([len(centers) for centers in per_week.values()]) > 3
    numbers = [o.number for o in orders.orders]
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 8 and n.isalnum() for n in numbers)


def test_bulky_items_are_ordered_in_eaches_and_the_rest_in_cases(orders, sim):
    document = orders.order_document(orders.visible(NOW)[-1], NOW)
    by_asin = {p.asin: p for p in sim.products}
    lines = sim.purchase_orders
    assert lines.eaches.any() and not lines.eaches.all()
    for item in document["orderDetails"]["items"]:
        product, quantity = by_asin[item["amazonProductIdentifier"]], item["orderedQuantity"]
        expected = ("Eaches", 1) if product.ordered_in_eaches else ("Cases", product.case_size)
        assert (quantity["unitOfMeasure"].capitalize(), quantity["unitSize"]) == expected


def test_a_small_share_of_lines_writes_the_unit_in_capitals(orders, sim):
    lines = sim.purchase_orders
    share = lines.upper_case_unit.mean()
    assert 0.01 < share < 0.06
    served = [
        item["orderedQuantity"]["unitOfMeasure"]
        for order in orders.visible(NOW)
        for item in orders.order_document(order, NOW)["orderDetails"]["items"]
    ]
    assert {"Cases", "CASES"} <= set(served) <= {"Cases", "CASES", "Eaches", "EACHES"}


def test_the_vendor_confirms_partially_rejects_backorders_and_ships_short_or_late(sim):
    lines = sim.purchase_orders
    window_end = lines.window_start_day + WINDOW_DAYS
    received = lines.received > 0
    outcomes = {
        "partially accepted": (lines.accepted > 0) & (lines.accepted < lines.ordered),
        "rejected": lines.accepted == 0,
        "short": lines.received < lines.accepted,
        "late": received & (lines.last_receipt_day >= window_end),
        "split": lines.first_received < lines.received,
    }
    for name, happened in outcomes.items():
        assert 0.002 < happened.mean() < 0.15, (name, happened.mean())
    on_time_in_full = received & (lines.last_receipt_day < window_end) & (lines.received == lines.accepted)
    assert 0.75 < on_time_in_full.mean() < 0.95

    # Out of stock, the vendor backorders where Amazon allows it (all accepted, delivered after the window) and
    # rejects elsewhere.
    outage = sim.supply_outage[lines.day, lines.asin_index]
    backordered = outage & lines.back_order_allowed
    assert backordered.any() and (outage & ~lines.back_order_allowed).any()
    assert (lines.accepted[outage & ~lines.back_order_allowed] == 0).all()
    assert (lines.accepted[backordered] == lines.ordered[backordered]).all()
    assert (lines.first_receipt_day[backordered] >= window_end[backordered]).all()


def test_receipts_and_open_orders_are_the_ones_the_inventory_report_counts(sim):
    lines = sim.purchase_orders
    n, a = sim.n_days, sim.n_asins
    first, rest = lines.first_received_units, lines.received_units - lines.first_received_units
    received = np.zeros((n + 64, a), dtype=np.int64)
    np.add.at(received, (lines.first_receipt_day, lines.asin_index), first)
    np.add.at(received, (lines.last_receipt_day, lines.asin_index), rest)
    assert np.array_equal(received[:n], sim.received_units)

    # Open PO units: accepted and neither received nor given up on (at the line's close).
    change = np.zeros((n + 64, a), dtype=np.int64)
    np.add.at(change, (lines.day, lines.asin_index), lines.accepted_units)
    np.add.at(change, (lines.first_receipt_day, lines.asin_index), -first)
    np.add.at(change, (lines.close_day, lines.asin_index), -(lines.accepted_units - first))
    assert np.array_equal(np.cumsum(change, axis=0)[:n], sim.open_po_units)

    requested = np.zeros((n, a), dtype=np.int64)
    np.add.at(requested, (lines.day, lines.asin_index), lines.ordered_units)
    assert np.array_equal(requested, sim.requested_units)
    confirmed = np.zeros((n, a), dtype=np.int64)
    np.add.at(confirmed, (lines.day, lines.asin_index), lines.accepted_units)
    assert np.array_equal(confirmed, sim.confirmed_units)


def test_a_po_moves_from_new_to_acknowledged_to_closed_and_its_lines_change_between_reads(orders, sim):
    lines = sim.purchase_orders
    split = lines.first_received < lines.received
    order = next(o for o in orders.orders if split[o.lines].any())
    line = int(np.nonzero(split[order.lines])[0][0])
    index = order.lines[line]
    assert timedelta(hours=20) <= order.acknowledged_at - order.placed_at <= timedelta(hours=50)

    def read(moment: datetime) -> tuple[str, dict]:
        status = orders.status_document(order, moment)
        return orders.order_document(order, moment)["purchaseOrderState"], status["itemStatus"][line]

    state, item = read(order.placed_at + timedelta(hours=1))
    assert state == "New"
    assert item["acknowledgementStatus"] == {"confirmationStatus": "UNCONFIRMED"}
    assert item["receivingStatus"]["receiveStatus"] == "NOT_RECEIVED"

    state, item = read(order.acknowledged_at)
    assert state == "Acknowledged"
    assert units(item["acknowledgementStatus"]["acceptedQuantity"]) == lines.accepted_units[index]

    first_receipt = datetime.combine(sim.day(lines.first_receipt_day[index]), datetime.min.time(), UTC)
    state, item = read(first_receipt + timedelta(hours=20))
    assert state == "Acknowledged"
    assert item["receivingStatus"]["receiveStatus"] == "PARTIALLY_RECEIVED"
    assert units(item["receivingStatus"]["receivedQuantity"]) == lines.first_received_units[index]
    assert item["receivingStatus"]["lastReceiveDate"].startswith(first_receipt.date().isoformat())

    state, item = read(order.closed_at)
    assert state == "Closed"
    assert units(item["receivingStatus"]["receivedQuantity"]) == lines.received_units[index]
    assert item["receivingStatus"]["lastReceiveDate"].startswith(sim.day(lines.last_receipt_day[index]).isoformat())
    assert orders.status_document(order, order.closed_at)["purchaseOrderStatus"] == "CLOSED"
    assert from_epoch(orders.line_states(order.lines, order.closed_at).last_receipt.max()) <= order.closed_at


def test_a_longer_simulation_places_the_same_orders(sim):
    shorter = VendorSimulator(sim.seed, sim.n_asins, sim.start, sim.start + timedelta(days=400))
    short_lines, lines = shorter.purchase_orders, sim.purchase_orders
    shared = lines.day < shorter.n_days
    for name in ("day", "asin_index", "fulfilment_center", "ordered", "accepted", "received", "last_receipt_day"):
        assert np.array_equal(getattr(short_lines, name), getattr(lines, name)[shared]), name
    assert [o.number for o in SimulatedPurchaseOrders(shorter).orders] == [
        o.number for o in SimulatedPurchaseOrders(sim).orders[: len(SimulatedPurchaseOrders(shorter).orders)]
    ]
