"""Vendor Orders documents into raw rows: each `Order` (getPurchaseOrders) or `OrderStatus` (getPurchaseOrdersStatus)
is checked against Amazon's model and turned into typed rows, quantities in units. A document that fails is named,
with its PO and field, and the others of its page still land.

Amazon's own examples write `CASES` for `Cases`: a unit of measure is matched without regard to case, and anything
that is not cases or eaches is refused."""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

import jsonschema
import pyarrow as pa

from vendorcast.lake.tables import (
    RAW_PURCHASE_ORDER_ITEMS_SCHEMA,
    RAW_PURCHASE_ORDER_STATUS_SCHEMA,
    RAW_PURCHASE_ORDERS_SCHEMA,
)
from vendorcast.spapi.vendor_orders import OrdersFeed

UNITS_OF_MEASURE = {"cases": "Cases", "eaches": "Eaches"}
WINDOW_SEPARATOR = "--"


class PurchaseOrderDocumentError(ValueError):
    """One PO document that cannot land: which PO, which field, what is wrong."""

    def __init__(self, purchase_order_number: str | None, field_path: str, problem: str) -> None:
        self.purchase_order_number = purchase_order_number
        self.field_path = field_path
        self.problem = problem
        po = purchase_order_number or "(no purchaseOrderNumber)"
        super().__init__(f"purchase order {po}: {field_path or '(document)'}: {problem}")


@functools.cache
def _validator(definition: str) -> jsonschema.Draft4Validator:
    model = json.loads(resources.files("vendorcast.spapi.models").joinpath("openapi").joinpath("vendorOrders.json")
                       .read_text("utf-8"))
    return jsonschema.Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": model["definitions"]})


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _canonical_units(node: Any) -> None:
    """Write every unitOfMeasure of an ItemQuantity in Amazon's model case (`CASES` -> `Cases`), in place."""
    if isinstance(node, dict):
        unit = node.get("unitOfMeasure")
        if isinstance(unit, str) and "amount" in node and unit.lower() in UNITS_OF_MEASURE:
            node["unitOfMeasure"] = UNITS_OF_MEASURE[unit.lower()]
        for value in node.values():
            _canonical_units(value)
    elif isinstance(node, list):
        for value in node:
            _canonical_units(value)


def checked(document: Any, definition: str) -> dict[str, Any]:
    """`document` as a valid `definition` of Amazon's model (units of measure made canonical), or the error."""
    number = document.get("purchaseOrderNumber") if isinstance(document, dict) else None
    if not isinstance(document, dict):
        raise PurchaseOrderDocumentError(None, "", f"is {type(document).__name__}, not an object")
    document = copy.deepcopy(document)
    _canonical_units(document)
    error = jsonschema.exceptions.best_match(_validator(definition).iter_errors(document))
    if error is not None:
        raise PurchaseOrderDocumentError(number if isinstance(number, str) else None, _path(error.absolute_path),
                                         error.message)
    return document


# --- values ---------------------------------------------------------------------------------------------


def _moment(number: str, path: str, value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise PurchaseOrderDocumentError(number, path, f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise PurchaseOrderDocumentError(number, path, f"{value!r} has no time zone")
    return moment


def _window(number: str, path: str, value: Any) -> tuple[datetime | None, datetime | None]:
    if value is None:
        return None, None
    parts = str(value).split(WINDOW_SEPARATOR)
    if len(parts) != 2:
        raise PurchaseOrderDocumentError(number, path, f"{value!r} is not an interval <start>--<end>")
    start, end = _moment(number, path, parts[0]), _moment(number, path, parts[1])
    if start is not None and end is not None and end < start:
        raise PurchaseOrderDocumentError(number, path, f"{value!r} ends before it starts")
    return start, end


@dataclass(frozen=True)
class Quantity:
    units: int
    unit_of_measure: str
    unit_size: int


def _quantity(number: str, path: str, value: Any) -> Quantity | None:
    """An ItemQuantity in units: cases x unit size, or eaches."""
    if value is None:
        return None
    amount, unit = value["amount"], value.get("unitOfMeasure")
    if amount < 0:
        raise PurchaseOrderDocumentError(number, f"{path}.amount", f"{amount} is negative")
    if unit is None:
        raise PurchaseOrderDocumentError(number, f"{path}.unitOfMeasure", "is missing; Amazon sends Cases or Eaches")
    if unit == "Eaches":
        return Quantity(amount, unit, 1)
    size = value.get("unitSize")
    if not isinstance(size, int) or size < 1:
        raise PurchaseOrderDocumentError(number, f"{path}.unitSize",
                                         f"{size!r}: a quantity in Cases needs the case size (a positive integer)")
    return Quantity(amount * size, unit, size)


def _money(number: str, path: str, value: Any) -> tuple[float | None, str | None]:
    if value is None:
        return None, None
    try:
        amount = float(Decimal(str(value["amount"])))
    except (InvalidOperation, KeyError):
        raise PurchaseOrderDocumentError(number, f"{path}.amount", f"{value.get('amount')!r} is not a number") from None
    return amount, value.get("currencyCode")


def _party(details: dict[str, Any], name: str) -> str | None:
    party = details.get(name)
    return party.get("partyId") if isinstance(party, dict) else None


def _currency(number: str, *found: str | None) -> str | None:
    currencies = {c for c in found if c}
    if len(currencies) > 1:
        raise PurchaseOrderDocumentError(number, "netCost.currencyCode",
                                         f"net cost and list price are in different currencies: {sorted(currencies)}")
    return currencies.pop() if currencies else None


# --- documents into rows --------------------------------------------------------------------------------


@dataclass
class PageRows:
    """The rows of one page, per raw table, and the documents that could not land."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    status: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[tuple[Any, PurchaseOrderDocumentError]] = field(default_factory=list)

    def tables(self) -> dict[str, pa.Table]:
        """Raw table name -> its Arrow rows (only tables with rows)."""
        out = {}
        for table, rows, schema in (("purchase_orders", self.orders, RAW_PURCHASE_ORDERS_SCHEMA),
                                    ("purchase_order_items", self.items, RAW_PURCHASE_ORDER_ITEMS_SCHEMA),
                                    ("purchase_order_status", self.status, RAW_PURCHASE_ORDER_STATUS_SCHEMA)):
            if rows:
                out[table] = pa.Table.from_pylist(rows, schema=schema)
        return out


def order_rows(document: Any, lineage: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An `Order` with details: its header row and its item rows."""
    order = checked(document, "Order")
    number = order["purchaseOrderNumber"]
    details = order.get("orderDetails")
    if details is None:
        raise PurchaseOrderDocumentError(number, "orderDetails", "is missing; ask with includeDetails=true")
    order_date = _moment(number, "orderDetails.purchaseOrderDate", details["purchaseOrderDate"])
    base = {**lineage, "purchase_order_number": number, "order_date": order_date}
    ship = _window(number, "orderDetails.shipWindow", details.get("shipWindow"))
    delivery = _window(number, "orderDetails.deliveryWindow", details.get("deliveryWindow"))
    header = {
        **base,
        "purchase_order_state": order["purchaseOrderState"],
        "purchase_order_type": details.get("purchaseOrderType"),
        "changed_date": _moment(number, "orderDetails.purchaseOrderChangedDate",
                                details.get("purchaseOrderChangedDate")),
        "state_changed_date": _moment(number, "orderDetails.purchaseOrderStateChangedDate",
                                      details["purchaseOrderStateChangedDate"]),
        "ship_window_start": ship[0], "ship_window_end": ship[1],
        "delivery_window_start": delivery[0], "delivery_window_end": delivery[1],
        "ship_to": _party(details, "shipToParty"),
        "selling_party": _party(details, "sellingParty"),
        "payment_method": details.get("paymentMethod"),
        "deal_code": details.get("dealCode"),
    }
    items = []
    for index, item in enumerate(details["items"]):
        path = f"orderDetails.items[{index}]"
        ordered = _quantity(number, f"{path}.orderedQuantity", item["orderedQuantity"])
        net_cost, cost_currency = _money(number, f"{path}.netCost", item.get("netCost"))
        list_price, price_currency = _money(number, f"{path}.listPrice", item.get("listPrice"))
        assert ordered is not None
        items.append({
            **base,
            "item_sequence_number": item["itemSequenceNumber"],
            "asin": item.get("amazonProductIdentifier"),
            "vendor_sku": item.get("vendorProductIdentifier"),
            "unit_of_measure": ordered.unit_of_measure,
            "unit_size": ordered.unit_size,
            "ordered_units": ordered.units,
            "is_back_order_allowed": item["isBackOrderAllowed"],
            "net_cost": net_cost,
            "list_price": list_price,
            "currency_code": _currency(number, cost_currency, price_currency),
        })
    return header, items


def status_rows(document: Any, lineage: dict[str, Any]) -> list[dict[str, Any]]:
    """An `OrderStatus`: one row per item status."""
    status = checked(document, "OrderStatus")
    number = status["purchaseOrderNumber"]
    base = {
        **lineage,
        "purchase_order_number": number,
        "order_date": _moment(number, "purchaseOrderDate", status["purchaseOrderDate"]),
        "purchase_order_status": status["purchaseOrderStatus"],
        "last_updated_at": _moment(number, "lastUpdatedDate", status.get("lastUpdatedDate")),
        "ship_to": _party(status, "shipToParty"),
    }
    rows = []
    for index, item in enumerate(status["itemStatus"]):
        path = f"itemStatus[{index}]"
        ordered_block = item.get("orderedQuantity") or {}
        ordered = _quantity(number, f"{path}.orderedQuantity.orderedQuantity", ordered_block.get("orderedQuantity"))
        cancelled = 0
        for d, detail in enumerate(ordered_block.get("orderedQuantityDetails") or []):
            quantity = _quantity(number, f"{path}.orderedQuantity.orderedQuantityDetails[{d}].cancelledQuantity",
                                 detail.get("cancelledQuantity"))
            cancelled += quantity.units if quantity else 0
        acknowledgement = item.get("acknowledgementStatus") or {}
        confirmation = acknowledgement.get("confirmationStatus")
        accepted = _quantity(number, f"{path}.acknowledgementStatus.acceptedQuantity",
                             acknowledgement.get("acceptedQuantity"))
        rejected = _quantity(number, f"{path}.acknowledgementStatus.rejectedQuantity",
                             acknowledgement.get("rejectedQuantity"))
        acknowledged = [_moment(number, f"{path}.acknowledgementStatus.acknowledgementStatusDetails[{d}]"
                                ".acknowledgementDate", detail.get("acknowledgementDate"))
                        for d, detail in enumerate(acknowledgement.get("acknowledgementStatusDetails") or [])]
        receiving = item.get("receivingStatus") or {}
        received = _quantity(number, f"{path}.receivingStatus.receivedQuantity", receiving.get("receivedQuantity"))
        net_cost, cost_currency = _money(number, f"{path}.netCost", item.get("netCost"))
        list_price, price_currency = _money(number, f"{path}.listPrice", item.get("listPrice"))
        unit = ordered or accepted or received
        unconfirmed = confirmation in (None, "UNCONFIRMED")
        rows.append({
            **base,
            "item_sequence_number": item["itemSequenceNumber"],
            "asin": item.get("buyerProductIdentifier"),
            "vendor_sku": item.get("vendorProductIdentifier"),
            "unit_of_measure": unit.unit_of_measure if unit else None,
            "unit_size": unit.unit_size if unit else None,
            "ordered_units": ordered.units if ordered else None,
            "cancelled_units": cancelled,
            "confirmation_status": confirmation,
            "accepted_units": None if unconfirmed else (accepted.units if accepted else 0),
            "rejected_units": None if unconfirmed else (rejected.units if rejected else 0),
            "acknowledged_at": min((a for a in acknowledged if a is not None), default=None),
            "receive_status": receiving.get("receiveStatus"),
            "received_units": received.units if received else 0,
            "last_receive_date": _moment(number, f"{path}.receivingStatus.lastReceiveDate",
                                         receiving.get("lastReceiveDate")),
            "net_cost": net_cost,
            "list_price": list_price,
            "currency_code": _currency(number, cost_currency, price_currency),
        })
    return rows


def page_rows(feed: OrdersFeed, documents: list[Any], lineage: dict[str, Any]) -> PageRows:
    """Every document of a page into rows; each one that fails is kept aside with its error."""
    out = PageRows()
    for document in documents:
        try:
            if feed is OrdersFeed.STATUS:
                out.status += status_rows(document, lineage)
            else:
                header, items = order_rows(document, lineage)
                out.orders.append(header)
                out.items += items
        except PurchaseOrderDocumentError as error:
            out.rejected.append((document, error))
    return out


__all__ = ["PageRows", "PurchaseOrderDocumentError", "checked", "order_rows", "page_rows", "status_rows"]
