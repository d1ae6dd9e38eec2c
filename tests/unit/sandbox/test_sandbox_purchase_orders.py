import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import numpy as np
import pytest

import vendorcast.spapi
from vendorcast.sandbox.purchase_orders import SimulatedPurchaseOrders

MODELS = Path(vendorcast.spapi.__file__).parent / "models" / "openapi"
NOW = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)


def validator(definition: str) -> jsonschema.Draft4Validator:
    definitions = json.loads((MODELS / "vendorOrders.json").read_text())["definitions"]
    return jsonschema.Draft4Validator(
        {"$ref": f"#/definitions/{definition}", "definitions": definitions},
        format_checker=jsonschema.FormatChecker(),
    )


@pytest.fixture(scope="module")
def orders(sim) -> SimulatedPurchaseOrders:
    return SimulatedPurchaseOrders(sim)


def test_orders_and_statuses_validate_against_the_vendor_orders_model(orders):
    visible = orders.visible(NOW)
    assert visible
    order_list = {"orders": [orders.order_document(o, NOW) for o in visible]}
    assert not list(validator("OrderList").iter_errors(order_list))
    status_list = {"ordersStatus": [orders.status_document(o, NOW) for o in visible]}
    errors = list(validator("OrderListStatus").iter_errors(status_list))
    assert not errors, errors[0].message


def test_only_the_last_six_months_are_visible(orders):
    visible = orders.visible(NOW)
    assert all(NOW - timedelta(days=183) <= o.placed_at <= NOW for o in visible)
    assert len(visible) < len(orders.orders)


def test_orders_move_from_new_to_acknowledged_to_closed(orders):
    order = next(o for o in orders.orders if o.closed_at > o.acknowledged_at)
    assert orders.state(order, order.placed_at)[0] == "New"
    assert orders.state(order, order.acknowledged_at)[0] == "Acknowledged"
    assert orders.state(order, order.closed_at)[0] == "Closed"
    status = orders.status_document(order, order.placed_at)
    assert status["itemStatus"][0]["acknowledgementStatus"]["confirmationStatus"] == "UNCONFIRMED"
    closed = orders.status_document(order, order.closed_at)
    assert closed["purchaseOrderStatus"] == "CLOSED"
    assert {i["receivingStatus"]["receiveStatus"] for i in closed["itemStatus"]} <= {
        "RECEIVED",
        "PARTIALLY_RECEIVED",
        "NOT_RECEIVED",
    }


def test_received_quantities_match_the_simulated_receipts(orders, sim):
    lines = sim.purchase_orders
    received = np.zeros(sim.n_asins, dtype=np.int64)
    arrived = lines.receipt_day < sim.n_days
    np.add.at(received, lines.asin_index[arrived], (lines.received_cases * lines.case_size)[arrived])
    assert np.array_equal(received, sim.received_units.sum(axis=0))
    numbers = [o.number for o in orders.orders]
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 8 and n.isalnum() for n in numbers)
