"""Vendor Orders documents into raw rows: Amazon's own examples parse, quantities become units whatever the case of
the unit of measure, and a document that breaks Amazon's model is refused with its PO and field."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest

from vendorcast.lake.tables import RAW_PURCHASE_ORDER_ITEMS_SCHEMA, RAW_PURCHASE_ORDER_STATUS_SCHEMA
from vendorcast.orders.documents import PurchaseOrderDocumentError, order_rows, page_rows, status_rows
from vendorcast.spapi.vendor_orders import OrdersFeed

LINEAGE = {"request_key": "created/x/y/all/p0000", "read_at": datetime(2026, 6, 1, 3, tzinfo=UTC),
           "ingested_at": datetime(2026, 6, 1, 3, 1, tzinfo=UTC), "marketplace_id": "ATVPDKIKX0DER"}

ORDER = {
    "purchaseOrderNumber": "4Z7QK2PA", "purchaseOrderState": "Acknowledged",
    "orderDetails": {
        "purchaseOrderDate": "2025-06-02T14:10:00Z", "purchaseOrderStateChangedDate": "2025-06-03T08:00:00Z",
        "purchaseOrderType": "RegularOrder", "paymentMethod": "Invoice",
        "buyingParty": {"partyId": "AMZN"}, "sellingParty": {"partyId": "EXVEN"}, "shipToParty": {"partyId": "ABE8"},
        "deliveryWindow": "2025-06-09T07:00:00Z--2025-06-13T07:00:00Z",
        "items": [
            {"itemSequenceNumber": "1", "amazonProductIdentifier": "B0TESTASN1", "vendorProductIdentifier": "0123",
             "orderedQuantity": {"amount": 10, "unitOfMeasure": "Cases", "unitSize": 12}, "isBackOrderAllowed": False,
             "netCost": {"amount": "7.85", "currencyCode": "USD"},
             "listPrice": {"amount": "19.99", "currencyCode": "USD"}},
            {"itemSequenceNumber": "2", "amazonProductIdentifier": "B0TESTASN2",
             "orderedQuantity": {"amount": 3, "unitOfMeasure": "CASES", "unitSize": 6}, "isBackOrderAllowed": True},
            {"itemSequenceNumber": "3", "amazonProductIdentifier": "B0TESTASN3",
             "orderedQuantity": {"amount": 40, "unitOfMeasure": "eaches"}, "isBackOrderAllowed": False},
        ],
    },
}

STATUS = {
    "purchaseOrderNumber": "4Z7QK2PA", "purchaseOrderStatus": "OPEN", "purchaseOrderDate": "2025-06-02T14:10:00Z",
    "lastUpdatedDate": "2025-06-12T18:30:00Z", "sellingParty": {"partyId": "EXVEN"}, "shipToParty": {"partyId": "ABE8"},
    "itemStatus": [
        {"itemSequenceNumber": "1", "buyerProductIdentifier": "B0TESTASN1",
         "orderedQuantity": {"orderedQuantity": {"amount": 10, "unitOfMeasure": "Cases", "unitSize": 12},
                             "orderedQuantityDetails": [{"updatedDate": "2025-06-02T14:10:00Z",
                                                         "orderedQuantity": {"amount": 10, "unitOfMeasure": "Cases",
                                                                             "unitSize": 12},
                                                         "cancelledQuantity": {"amount": 1, "unitOfMeasure": "Cases",
                                                                               "unitSize": 12}}]},
         "acknowledgementStatus": {"confirmationStatus": "PARTIALLY_ACCEPTED",
                                   "acceptedQuantity": {"amount": 8, "unitOfMeasure": "Cases", "unitSize": 12},
                                   "rejectedQuantity": {"amount": 2, "unitOfMeasure": "Cases", "unitSize": 12},
                                   "acknowledgementStatusDetails": [
                                       {"acknowledgementDate": "2025-06-04T08:00:00Z"},
                                       {"acknowledgementDate": "2025-06-03T08:00:00Z"}]},
         "receivingStatus": {"receiveStatus": "PARTIALLY_RECEIVED",
                             "receivedQuantity": {"amount": 5, "unitOfMeasure": "Cases", "unitSize": 12},
                             "lastReceiveDate": "2025-06-12T16:45:00Z"}},
        {"itemSequenceNumber": "2", "buyerProductIdentifier": "B0TESTASN2",
         "orderedQuantity": {"orderedQuantity": {"amount": 3, "unitOfMeasure": "Cases", "unitSize": 6}},
         "acknowledgementStatus": {"confirmationStatus": "UNCONFIRMED"},
         "receivingStatus": {"receiveStatus": "NOT_RECEIVED"}},
    ],
}


def test_an_order_becomes_a_header_and_lines_in_units() -> None:
    header, items = order_rows(ORDER, LINEAGE)
    assert header["purchase_order_number"] == "4Z7QK2PA"
    assert header["delivery_window_start"] == datetime(2025, 6, 9, 7, tzinfo=UTC)
    assert header["delivery_window_end"] == datetime(2025, 6, 13, 7, tzinfo=UTC)
    assert header["ship_to"] == "ABE8" and header["selling_party"] == "EXVEN"
    by_line = {i["item_sequence_number"]: i for i in items}
    assert by_line["1"]["ordered_units"] == 120 and by_line["1"]["net_cost"] == 7.85
    assert by_line["2"]["ordered_units"] == 18 and by_line["2"]["unit_of_measure"] == "Cases"  # CASES accepted
    assert by_line["3"]["ordered_units"] == 40 and by_line["3"]["unit_size"] == 1  # eaches, any case


def test_a_status_becomes_line_rows_with_accepted_received_and_dates() -> None:
    rows = {r["item_sequence_number"]: r for r in status_rows(STATUS, LINEAGE)}
    first = rows["1"]
    assert (first["ordered_units"], first["accepted_units"], first["rejected_units"], first["received_units"],
            first["cancelled_units"]) == (120, 96, 24, 60, 12)
    assert first["acknowledged_at"] == datetime(2025, 6, 3, 8, tzinfo=UTC)  # the first acknowledgement
    assert first["last_receive_date"] == datetime(2025, 6, 12, 16, 45, tzinfo=UTC)
    assert rows["2"]["accepted_units"] is None and rows["2"]["received_units"] == 0  # unconfirmed: unknown, not 0


@pytest.mark.parametrize(("change", "field", "problem"), [
    (lambda o: o["orderDetails"]["items"][1]["orderedQuantity"].update(unitOfMeasure="Pallets"),
     "orderDetails.items[1].orderedQuantity.unitOfMeasure", "'Pallets' is not one of"),
    (lambda o: o["orderDetails"]["items"][0]["orderedQuantity"].update(amount="ten"),
     "orderDetails.items[0].orderedQuantity.amount", "'ten' is not of type 'integer'"),
    (lambda o: o["orderDetails"]["items"][0]["orderedQuantity"].pop("unitSize"),
     "orderDetails.items[0].orderedQuantity.unitSize", "needs the case size"),
    (lambda o: o["orderDetails"].pop("purchaseOrderDate"), "orderDetails", "'purchaseOrderDate' is a required"),
    (lambda o: o["orderDetails"].update(deliveryWindow="2025-06-09T07:00:00Z"), "orderDetails.deliveryWindow",
     "not an interval"),
])
def test_a_bad_order_is_named_by_po_and_field(change: Any, field: str, problem: str) -> None:
    bad = copy.deepcopy(ORDER)
    change(bad)
    with pytest.raises(PurchaseOrderDocumentError) as raised:
        order_rows(bad, LINEAGE)
    assert raised.value.purchase_order_number == "4Z7QK2PA"
    assert raised.value.field_path == field
    assert problem in str(raised.value) and "4Z7QK2PA" in str(raised.value)


def test_one_bad_document_does_not_keep_the_rest_of_its_page_from_landing() -> None:
    bad = copy.deepcopy(ORDER)
    bad["purchaseOrderNumber"] = "BAD00001"
    bad["orderDetails"]["items"][0]["orderedQuantity"]["unitOfMeasure"] = "Pallets"
    rows = page_rows(OrdersFeed.CREATED, [ORDER, bad, "not an object"], LINEAGE)
    assert [r["purchase_order_number"] for r in rows.orders] == ["4Z7QK2PA"]
    assert len(rows.items) == 3
    assert [e.purchase_order_number for _, e in rows.rejected] == ["BAD00001", None]
    tables = rows.tables()
    assert tables["purchase_order_items"].schema == RAW_PURCHASE_ORDER_ITEMS_SCHEMA
    status = page_rows(OrdersFeed.STATUS, [STATUS], LINEAGE).tables()["purchase_order_status"]
    assert status.schema == RAW_PURCHASE_ORDER_STATUS_SCHEMA and status.num_rows == 2


def _amazon_examples(operation_path: str, key: str) -> list[dict[str, Any]]:
    model = json.loads(resources.files("vendorcast.spapi.models").joinpath("openapi").joinpath("vendorOrders.json")
                       .read_text("utf-8"))
    examples = model["paths"][operation_path]["get"]["responses"]["200"]["x-amzn-api-sandbox"]["static"]
    return [document for example in examples for document in example["response"]["payload"].get(key, [])]


def test_amazons_own_examples_parse() -> None:
    """Every example order with details and every example status in Amazon's model (one writes CASES) lands; the
    model's `mock-` placeholders, which lack fields the model requires, are refused by name."""
    orders = [o for o in _amazon_examples("/vendor/orders/v1/purchaseOrders", "orders") if "orderDetails" in o]
    statuses = _amazon_examples("/vendor/orders/v1/purchaseOrdersStatus", "ordersStatus")
    real = [d for d in orders + statuses if not d["purchaseOrderNumber"].startswith("mock-")]
    assert len(real) >= 5
    parsed_orders = page_rows(OrdersFeed.CREATED, orders, LINEAGE)
    parsed_status = page_rows(OrdersFeed.STATUS, statuses, LINEAGE)
    refused = {e.purchase_order_number: e for _, e in parsed_orders.rejected + parsed_status.rejected}
    assert all(number.startswith("mock-") for number in refused), refused
    assert all("required property" in str(e) for e in refused.values())
    assert all(r["ordered_units"] is not None and r["ordered_units"] >= 0 for r in parsed_orders.items)
    assert {r["unit_of_measure"] for r in parsed_orders.items} <= {"Cases", "Eaches"}
