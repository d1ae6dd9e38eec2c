"""Vendor Orders (v1) data of the simulated vendor: Amazon's weekly retail purchase orders, derived from the
simulator's order lines and receipts, with their state (New, Acknowledged, Closed) as of a moment."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np

from vendorcast.sandbox.simulator import FULFILMENT_CENTERS, VendorSimulator

# Purchase order data is kept this long.
RETENTION = timedelta(days=183)
PO_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FC_ADDRESSES = {
    "ABE8": ("Amazon.com Services LLC ABE8", "401 Independence Road", "Florence", "NJ", "08518"),
    "PHX6": ("Amazon.com Services LLC PHX6", "4750 West Mohave Street", "Phoenix", "AZ", "85043"),
    "ONT8": ("Amazon.com Services LLC ONT8", "24300 Nandina Avenue", "Moreno Valley", "CA", "92551"),
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, eq=False)
class PurchaseOrder:
    """One PO: the lines Amazon ordered from one fulfilment center on one Monday."""

    number: str
    fulfilment_center: str
    order_type: str
    placed_at: datetime
    acknowledged_at: datetime
    closed_at: datetime
    delivery_window: tuple[datetime, datetime]
    lines: np.ndarray  # indices into the simulator's purchase order lines


class SimulatedPurchaseOrders:
    """All purchase orders of the simulation; what is visible and in which state depends on `now`."""

    def __init__(self, sim: VendorSimulator) -> None:
        self.sim = sim
        self.vendor_code = sim.catalogue.vendor.vendor_code
        lines = sim.purchase_orders
        self._lines = lines
        orders: list[PurchaseOrder] = []
        keys = lines.day * len(FULFILMENT_CENTERS) + lines.fulfilment_center
        for key in np.unique(keys):
            members = np.nonzero(keys == key)[0]
            day_index, center = divmod(int(key), len(FULFILMENT_CENTERS))
            day = sim.day(day_index)
            placed = datetime.combine(day, time(8, 7 * center), tzinfo=UTC)
            acknowledged = placed + timedelta(days=1, hours=2)
            received = [lines.receipt_day[i] for i in members if lines.received_cases[i] > 0]
            closed = (
                datetime.combine(sim.day(max(received)), time(16), tzinfo=UTC) if received else acknowledged
            )
            window_start = datetime.combine(
                day + timedelta(days=sim.vendor_lead_days - 2), time(7), tzinfo=UTC
            )
            launch = any(sim.launch_index[lines.asin_index[i]] > day_index for i in members)
            orders.append(
                PurchaseOrder(
                    number=self._number(day_index, center),
                    fulfilment_center=FULFILMENT_CENTERS[center],
                    order_type="NewProductIntroduction" if launch else "RegularOrder",
                    placed_at=placed,
                    acknowledged_at=acknowledged,
                    closed_at=max(closed, acknowledged),
                    delivery_window=(window_start, window_start + timedelta(days=5)),
                    lines=members,
                )
            )
        self.orders = orders
        self.by_number = {o.number: o for o in orders}

    def _number(self, day_index: int, center: int) -> str:
        digest = hashlib.sha256(f"{self.sim.seed}:{day_index}:{center}".encode()).digest()
        value = int.from_bytes(digest[:8], "big")
        chars = []
        for _ in range(8):
            value, rest = divmod(value, len(PO_ALPHABET))
            chars.append(PO_ALPHABET[rest])
        return "".join(chars)

    # ------------------------------------------------------------------ state as of a moment
    def visible(self, now: datetime) -> list[PurchaseOrder]:
        """Orders placed by `now` and still within Amazon's six-month retention."""
        return [o for o in self.orders if self.is_visible(o, now)]

    @staticmethod
    def is_visible(order: PurchaseOrder, now: datetime) -> bool:
        return now - RETENTION <= order.placed_at <= now

    @staticmethod
    def state(order: PurchaseOrder, now: datetime) -> tuple[str, datetime]:
        if now < order.acknowledged_at:
            return "New", order.placed_at
        if now < order.closed_at:
            return "Acknowledged", order.acknowledged_at
        return "Closed", order.closed_at

    def last_updated(self, order: PurchaseOrder, now: datetime) -> datetime:
        events = [order.placed_at, order.acknowledged_at, *self._receipts(order)]
        return max(e for e in events if e <= now)

    def _receipts(self, order: PurchaseOrder) -> list[datetime]:
        return [
            datetime.combine(self.sim.day(self._lines.receipt_day[i]), time(16), tzinfo=UTC)
            for i in order.lines
            if self._lines.received_cases[i] > 0
        ]

    # ------------------------------------------------------------------ documents
    def _quantity(self, cases: int, case_size: int) -> dict[str, Any]:
        return {"amount": int(cases), "unitOfMeasure": "Cases", "unitSize": int(case_size)}

    def _money(self, amount: float) -> dict[str, Any]:
        return {"currencyCode": self.sim.currency, "amount": f"{amount:.2f}"}

    def _party(self, party_id: str, with_address: bool) -> dict[str, Any]:
        party: dict[str, Any] = {"partyId": party_id}
        if with_address and party_id in _FC_ADDRESSES:
            name, line1, city, state, postal = _FC_ADDRESSES[party_id]
            party["address"] = {
                "name": name,
                "addressLine1": line1,
                "city": city,
                "stateOrRegion": state,
                "postalCode": postal,
                "countryCode": "US",
            }
        return party

    def order_document(
        self, order: PurchaseOrder, now: datetime, include_details: bool = True
    ) -> dict[str, Any]:
        """An `Order` of getPurchaseOrders / getPurchaseOrder."""
        state, changed = self.state(order, now)
        out: dict[str, Any] = {"purchaseOrderNumber": order.number, "purchaseOrderState": state}
        if not include_details:
            return out
        lines = self._lines
        items = []
        for sequence, i in enumerate(order.lines, start=1):
            product = self.sim.products[lines.asin_index[i]]
            items.append(
                {
                    "itemSequenceNumber": str(sequence),
                    "amazonProductIdentifier": product.asin,
                    "vendorProductIdentifier": product.ean,
                    "orderedQuantity": self._quantity(lines.requested_cases[i], lines.case_size[i]),
                    "isBackOrderAllowed": False,
                    "netCost": self._money(product.unit_cost),
                    "listPrice": self._money(float(lines.list_price[i])),
                }
            )
        window = order.delivery_window
        out["orderDetails"] = {
            "purchaseOrderDate": iso(order.placed_at),
            "purchaseOrderStateChangedDate": iso(changed),
            "purchaseOrderType": order.order_type,
            "paymentMethod": "Invoice",
            "buyingParty": self._party("AMAZON", False),
            "sellingParty": self._party(self.vendor_code, False),
            "shipToParty": self._party(order.fulfilment_center, True),
            "billToParty": self._party("AMAZON-AP", False),
            "deliveryWindow": f"{iso(window[0])}--{iso(window[1])}",
            "items": items,
        }
        return out

    def status_document(self, order: PurchaseOrder, now: datetime) -> dict[str, Any]:
        """An `OrderStatus` of getPurchaseOrdersStatus."""
        state, _ = self.state(order, now)
        return {
            "purchaseOrderNumber": order.number,
            "purchaseOrderStatus": "CLOSED" if state == "Closed" else "OPEN",
            "purchaseOrderDate": iso(order.placed_at),
            "lastUpdatedDate": iso(self.last_updated(order, now)),
            "sellingParty": self._party(self.vendor_code, False),
            "shipToParty": self._party(order.fulfilment_center, False),
            "itemStatus": [
                self._item_status(order, sequence, i, now) for sequence, i in enumerate(order.lines, start=1)
            ],
        }

    def item_statuses(self, order: PurchaseOrder, now: datetime) -> list[tuple[str, str]]:
        """(confirmation status, receive status) of each line, for the status filters."""
        out = []
        for sequence, i in enumerate(order.lines, start=1):
            status = self._item_status(order, sequence, i, now)
            out.append(
                (
                    status["acknowledgementStatus"]["confirmationStatus"],
                    status["receivingStatus"]["receiveStatus"],
                )
            )
        return out

    def _item_status(self, order: PurchaseOrder, sequence: int, i: int, now: datetime) -> dict[str, Any]:
        lines = self._lines
        product = self.sim.products[lines.asin_index[i]]
        size = lines.case_size[i]
        requested, confirmed, received = (
            int(lines.requested_cases[i]),
            int(lines.confirmed_cases[i]),
            int(lines.received_cases[i]),
        )
        ordered = self._quantity(requested, size)
        status: dict[str, Any] = {
            "itemSequenceNumber": str(sequence),
            "buyerProductIdentifier": product.asin,
            "vendorProductIdentifier": product.ean,
            "netCost": self._money(product.unit_cost),
            "listPrice": self._money(float(lines.list_price[i])),
            "orderedQuantity": {
                "orderedQuantity": ordered,
                "orderedQuantityDetails": [{"updatedDate": iso(order.placed_at), "orderedQuantity": ordered}],
            },
        }
        if now < order.acknowledged_at:
            status["acknowledgementStatus"] = {"confirmationStatus": "UNCONFIRMED"}
        else:
            confirmation = (
                "ACCEPTED"
                if confirmed == requested
                else "REJECTED"
                if confirmed == 0
                else "PARTIALLY_ACCEPTED"
            )
            accepted, rejected = self._quantity(confirmed, size), self._quantity(requested - confirmed, size)
            status["acknowledgementStatus"] = {
                "confirmationStatus": confirmation,
                "acceptedQuantity": accepted,
                "rejectedQuantity": rejected,
                "acknowledgementStatusDetails": [
                    {
                        "acknowledgementDate": iso(order.acknowledged_at),
                        "acceptedQuantity": accepted,
                        "rejectedQuantity": rejected,
                    }
                ],
            }
        receipt = datetime.combine(self.sim.day(lines.receipt_day[i]), time(16), tzinfo=UTC)
        if received == 0 or now < receipt:
            status["receivingStatus"] = {
                "receiveStatus": "NOT_RECEIVED",
                "receivedQuantity": self._quantity(0, size),
            }
        else:
            status["receivingStatus"] = {
                "receiveStatus": "RECEIVED" if received >= confirmed else "PARTIALLY_RECEIVED",
                "receivedQuantity": self._quantity(received, size),
                "lastReceiveDate": iso(receipt),
            }
        return status
