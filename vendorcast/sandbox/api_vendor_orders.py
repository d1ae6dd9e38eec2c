"""Vendor Orders API v1 routes of the emulator: getPurchaseOrders, getPurchaseOrder and
getPurchaseOrdersStatus over the simulated purchase orders, with the 7-day window rule, `payload` envelopes and
nextToken pages of at most `limit` orders (fewer under a fault profile's page size)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from vendorcast.clock import Clock
from vendorcast.sandbox.purchase_orders import PurchaseOrder, SimulatedPurchaseOrders
from vendorcast.sandbox.simulation import Simulation
from vendorcast.sandbox.wire import (
    decode_token,
    encode_token,
    int_param,
    invalid_input,
    json_response,
    not_found,
    parse_datetime,
)

MAX_WINDOW = timedelta(days=7)
PO_STATES = ("New", "Acknowledged", "Closed")
PO_STATUSES = ("OPEN", "CLOSED")
CONFIRMATION_STATUSES = ("ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED", "UNCONFIRMED")
RECEIVE_STATUSES = ("NOT_RECEIVED", "PARTIALLY_RECEIVED", "RECEIVED")


def _window(
    args: MultiDict, after_name: str, before_name: str, now: datetime, default: bool
) -> tuple[datetime, datetime] | None:
    """A created/changed/updated window of at most 7 days (the default window is the last 7 days)."""
    after_raw, before_raw = args.get(after_name), args.get(before_name)
    if after_raw is None and before_raw is None:
        return (now - MAX_WINDOW, now) if default else None
    before = parse_datetime(before_name, before_raw) if before_raw else now
    after = parse_datetime(after_name, after_raw) if after_raw else before - MAX_WINDOW
    if after >= before:
        raise invalid_input(f"{after_name} must be earlier than {before_name}")
    if before - after > MAX_WINDOW:
        raise invalid_input(f"The date range between {after_name} and {before_name} must not exceed 7 days")
    return after, before


def _choice(args: MultiDict, name: str, allowed: tuple[str, ...]) -> str | None:
    value = args.get(name)
    if value is not None and value not in allowed:
        raise invalid_input(f"Invalid {name} {value!r}; use {', '.join(allowed)}")
    return value


def _boolean(args: MultiDict, name: str, default: bool) -> bool:
    value = args.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise invalid_input(f"{name} must be true or false, got {value!r}")
    return value.lower() == "true"


class VendorOrdersApi:
    """Handlers of getPurchaseOrders, getPurchaseOrder and getPurchaseOrdersStatus."""

    def __init__(self, simulation: Callable[..., Simulation], clock: Clock, page_size: int = 100) -> None:
        self._simulation = simulation
        self._clock = clock
        self._page_size = page_size

    def routes(self) -> list[tuple[str, str, str, Callable[..., Response]]]:
        base = "/vendor/orders/v1"
        return [
            (f"{base}/purchaseOrders", "GET", "getPurchaseOrders", self.get_purchase_orders),
            (f"{base}/purchaseOrders/<number>", "GET", "getPurchaseOrder", self.get_purchase_order),
            (
                f"{base}/purchaseOrdersStatus",
                "GET",
                "getPurchaseOrdersStatus",
                self.get_purchase_orders_status,
            ),
        ]

    def _orders(self, now: datetime) -> SimulatedPurchaseOrders:
        return self._simulation(now.date()).purchase_orders

    def get_purchase_orders(self, request: Request) -> Response:
        now = self._clock.now()
        query = self._query(request.args, now, self._orders_query)
        orders = self._orders(now)
        created = _interval(query["created"])
        matches = [
            o
            for o in orders.visible(now)
            if (created is None or created[0] <= o.placed_at <= created[1])
            # The simulated POs are never changed by Amazon after placement.
            and query["changed"] is None
            and not query["changed_only"]
            and query["po_item_state"] is None
            and (query["state"] is None or orders.state(o, now)[0] == query["state"])
            and query["vendor_code"] in (None, orders.vendor_code)
        ]
        page, token = self._page(matches, query)
        payload: dict[str, Any] = {
            "orders": [orders.order_document(o, now, query["include_details"]) for o in page]
        }
        if token:
            payload["pagination"] = {"nextToken": token}
        return json_response({"payload": payload})

    def _orders_query(self, args: MultiDict, now: datetime) -> dict[str, Any]:
        changed = _window(args, "changedAfter", "changedBefore", now, default=False)
        created = _window(args, "createdAfter", "createdBefore", now, default=changed is None)
        return {
            "created": _serialise(created),
            "changed": _serialise(changed),
            "include_details": _boolean(args, "includeDetails", True),
            "changed_only": _boolean(args, "isPOChanged", False),
            "po_item_state": _choice(args, "poItemState", ("Cancelled",)),
            "state": _choice(args, "purchaseOrderState", PO_STATES),
            "vendor_code": args.get("orderingVendorCode"),
        }

    def get_purchase_order(self, request: Request, number: str) -> Response:
        now = self._clock.now()
        orders = self._orders(now)
        order = orders.by_number.get(number)
        if order is None or not orders.is_visible(order, now):
            raise not_found(f"Purchase order {number} was not found")
        return json_response({"payload": orders.order_document(order, now)})

    def get_purchase_orders_status(self, request: Request) -> Response:
        now = self._clock.now()
        query = self._query(request.args, now, self._status_query)
        orders = self._orders(now)
        created, updated = _interval(query["created"]), _interval(query["updated"])

        def wanted(order: PurchaseOrder) -> bool:
            if created and not created[0] <= order.placed_at <= created[1]:
                return False
            if updated and not updated[0] <= orders.last_updated(order, now) <= updated[1]:
                return False
            if query["number"] and order.number != query["number"]:
                return False
            if (
                query["status"]
                and ("CLOSED" if orders.state(order, now)[0] == "Closed" else "OPEN") != query["status"]
            ):
                return False
            if query["ship_to"] and order.fulfilment_center != query["ship_to"]:
                return False
            if query["vendor_code"] not in (None, orders.vendor_code):
                return False
            statuses = orders.item_statuses(order, now)
            if query["confirmation"] and all(c != query["confirmation"] for c, _ in statuses):
                return False
            return not (query["receive"] and all(r != query["receive"] for _, r in statuses))

        page, token = self._page([o for o in orders.visible(now) if wanted(o)], query)
        payload: dict[str, Any] = {"ordersStatus": [orders.status_document(o, now) for o in page]}
        if token:
            payload["pagination"] = {"nextToken": token}
        return json_response({"payload": payload})

    def _status_query(self, args: MultiDict, now: datetime) -> dict[str, Any]:
        updated = _window(args, "updatedAfter", "updatedBefore", now, default=False)
        created = _window(args, "createdAfter", "createdBefore", now, default=updated is None)
        return {
            "created": _serialise(created),
            "updated": _serialise(updated),
            "number": args.get("purchaseOrderNumber"),
            "status": _choice(args, "purchaseOrderStatus", PO_STATUSES),
            "confirmation": _choice(args, "itemConfirmationStatus", CONFIRMATION_STATUSES),
            "receive": _choice(args, "itemReceiveStatus", RECEIVE_STATUSES),
            "ship_to": args.get("shipToPartyId"),
            "vendor_code": args.get("orderingVendorCode"),
        }

    def _query(
        self, args: MultiDict, now: datetime, build: Callable[[MultiDict, datetime], dict[str, Any]]
    ) -> dict[str, Any]:
        """The query of this page: decoded from nextToken, or read from the parameters."""
        token = args.get("nextToken")
        if token:
            return decode_token(token)
        query = build(args, now)
        query["limit"] = min(int_param(args, "limit", 100, 1, 100), self._page_size)
        query["descending"] = _choice(args, "sortOrder", ("ASC", "DESC")) == "DESC"
        query["offset"] = 0
        return query

    @staticmethod
    def _page(matches: list[PurchaseOrder], query: dict[str, Any]) -> tuple[list[PurchaseOrder], str | None]:
        matches = sorted(matches, key=lambda o: (o.placed_at, o.number), reverse=query["descending"])
        offset, limit = query["offset"], query["limit"]
        token = encode_token({**query, "offset": offset + limit}) if offset + limit < len(matches) else None
        return matches[offset : offset + limit], token


def _serialise(window: tuple[datetime, datetime] | None) -> list[str] | None:
    return [window[0].isoformat(), window[1].isoformat()] if window else None


def _interval(window: list[str] | None) -> tuple[datetime, datetime] | None:
    return (datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1])) if window else None
