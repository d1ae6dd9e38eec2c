"""Vendor Orders API v1 for the purchase orders pull: one page of purchase orders (created or changed in a window,
details included) or of their status (updated in a window), paced and retried by the session (10 requests a second,
burst 10, for each operation). A page comes back with its payload as Amazon served it, for the landing zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sp_api.api import VendorOrders

from vendorcast.spapi.client import SpApiSession

GET_PURCHASE_ORDERS = "getPurchaseOrders"
GET_PURCHASE_ORDERS_STATUS = "getPurchaseOrdersStatus"
# Amazon's cap on a created/changed/updated window, and on a page.
MAX_WINDOW_DAYS = 7
PAGE_LIMIT = 100


class OrdersFeed(StrEnum):
    """What a window of the pull reads: each feed keeps its own watermark."""

    CREATED = "created"  # getPurchaseOrders createdAfter/createdBefore: new POs
    CHANGED = "changed"  # getPurchaseOrders changedAfter/changedBefore: POs Amazon changed after placing them
    STATUS = "status"  # getPurchaseOrdersStatus updatedAfter/updatedBefore: acknowledgements and receipts

    @property
    def operation(self) -> str:
        return GET_PURCHASE_ORDERS_STATUS if self is OrdersFeed.STATUS else GET_PURCHASE_ORDERS

    @property
    def window_parameters(self) -> tuple[str, str]:
        return {OrdersFeed.CREATED: ("createdAfter", "createdBefore"),
                OrdersFeed.CHANGED: ("changedAfter", "changedBefore"),
                OrdersFeed.STATUS: ("updatedAfter", "updatedBefore")}[self]

    @property
    def documents_key(self) -> str:
        """Where the page's documents are in its payload."""
        return "ordersStatus" if self is OrdersFeed.STATUS else "orders"


@dataclass(frozen=True)
class OrdersPage:
    feed: OrdersFeed
    payload: dict[str, Any]  # as served
    read_at: datetime
    next_token: str | None

    @property
    def documents(self) -> list[Any]:
        documents = self.payload.get(self.feed.documents_key)
        return documents if isinstance(documents, list) else []


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class VendorOrdersApi:
    def __init__(self, session: SpApiSession, vendor_code: str | None = None) -> None:
        self.session = session
        self.vendor_code = vendor_code  # orderingVendorCode; None: every vendor code of the vendor group
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.session.client(VendorOrders)
        return self._client

    def page(self, feed: OrdersFeed, after: datetime, before: datetime, next_token: str | None = None) -> OrdersPage:
        """One page of `feed` for the window [after, before] (the first page without a token, then each next)."""
        # Each page repeats the query with the token of the one before, as Amazon's examples do.
        after_name, before_name = feed.window_parameters
        params: dict[str, Any] = {after_name: iso(after), before_name: iso(before), "limit": PAGE_LIMIT,
                                  "sortOrder": "ASC"}
        if feed is not OrdersFeed.STATUS:
            params["includeDetails"] = "true"
        if self.vendor_code:
            params["orderingVendorCode"] = self.vendor_code
        if next_token:
            params["nextToken"] = next_token
        method = (self.client.get_purchase_orders_status if feed is OrdersFeed.STATUS
                  else self.client.get_purchase_orders)
        response = self.session.call(feed.operation, method, **params)
        payload = response.payload if isinstance(response.payload, dict) else {}
        return OrdersPage(feed, payload, self.session.clock.now(), response.next_token)


__all__ = ["GET_PURCHASE_ORDERS", "GET_PURCHASE_ORDERS_STATUS", "MAX_WINDOW_DAYS", "PAGE_LIMIT", "OrdersFeed",
           "OrdersPage", "VendorOrdersApi", "iso"]
