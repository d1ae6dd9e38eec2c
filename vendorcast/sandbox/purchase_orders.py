"""Vendor Orders (v1) data of the simulated vendor: Amazon's weekly retail purchase orders, one per fulfilment
center and order day, built from the simulator's order lines, with their state (New, Acknowledged, Closed) and
each line's acknowledgement and receipts as of a moment."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np

from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.supply import FULFILMENT_CENTERS, RECEIPT_HOUR, WINDOW_DAYS

# Purchase order data is kept this long.
RETENTION = timedelta(days=183)
PO_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
WINDOW_HOUR = 7
NO_RECEIPT = -1
_FC_ADDRESSES = {
    "ABE8": ("Amazon.com Services LLC ABE8", "401 Independence Road", "Florence", "NJ", "08518"),
    "MDW2": ("Amazon.com Services LLC MDW2", "250 Emerald Drive", "Joliet", "IL", "60433"),
    "DFW7": ("Amazon.com Services LLC DFW7", "700 Westport Parkway", "Fort Worth", "TX", "76177"),
    "PHX6": ("Amazon.com Services LLC PHX6", "4750 West Mohave Street", "Phoenix", "AZ", "85043"),
    "ONT8": ("Amazon.com Services LLC ONT8", "24300 Nandina Avenue", "Moreno Valley", "CA", "92551"),
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


@dataclass(frozen=True, eq=False)
class PurchaseOrder:
    """One PO: the lines Amazon ordered for one fulfilment center on one Monday."""

    number: str
    fulfilment_center: str
    order_type: str
    placed_at: datetime
    acknowledged_at: datetime
    closed_at: datetime
    delivery_window: tuple[datetime, datetime]
    lines: np.ndarray  # indices into the simulator's purchase order lines, in item sequence order


@dataclass(frozen=True)
class LineStates:
    """What Amazon knows of some lines at a moment (amounts in each line's order unit)."""

    acknowledged: np.ndarray
    received: np.ndarray
    last_receipt: np.ndarray  # epoch seconds of the latest receipt so far, NO_RECEIPT if none


class SimulatedPurchaseOrders:
    """All purchase orders of the simulation; what is visible and in which state depends on `now`."""

    def __init__(self, sim: VendorSimulator) -> None:
        self.sim = sim
        self.vendor_code = sim.catalogue.vendor.vendor_code
        lines = sim.purchase_orders
        self.lines = lines
        start = epoch_seconds(datetime.combine(sim.start, time(), tzinfo=UTC))

        def at(day: np.ndarray, hour: int) -> np.ndarray:
            return start + (day.astype(np.int64) * 24 + hour) * 3600

        placed = at(lines.day, 8) + 420 * lines.fulfilment_center
        self._acknowledged_at = placed + 3600 * lines.acknowledged_hours
        self._first_receipt_at = at(lines.first_receipt_day, RECEIPT_HOUR)
        self._last_receipt_at = at(lines.last_receipt_day, RECEIPT_HOUR)
        # A line stops changing at its last receipt, when Amazon gives up on its missing units, or (nothing
        # accepted) when it is acknowledged.
        closes = np.where(lines.accepted > 0, at(lines.close_day, RECEIPT_HOUR), self._acknowledged_at)

        keys = lines.day * len(FULFILMENT_CENTERS) + lines.fulfilment_center
        order = np.argsort(keys, kind="stable")
        unique_keys, first = np.unique(keys[order], return_index=True)
        orders: list[PurchaseOrder] = []
        for key, members in zip(unique_keys.tolist(), np.split(order, first[1:]), strict=True):
            day_index, center = divmod(int(key), len(FULFILMENT_CENTERS))
            head = int(members[0])
            window_start = datetime.combine(
                sim.day(int(lines.window_start_day[head])), time(WINDOW_HOUR), tzinfo=UTC
            )
            launch = bool((sim.launch_index[lines.asin_index[members]] > day_index).any())
            acknowledged = from_epoch(self._acknowledged_at[head])
            orders.append(
                PurchaseOrder(
                    number=self._number(day_index, center),
                    fulfilment_center=FULFILMENT_CENTERS[center],
                    order_type="NewProductIntroduction" if launch else "RegularOrder",
                    placed_at=from_epoch(placed[head]),
                    acknowledged_at=acknowledged,
                    closed_at=max(from_epoch(closes[members].max()), acknowledged),
                    delivery_window=(window_start, window_start + timedelta(days=WINDOW_DAYS)),
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

    def line_states(self, lines: np.ndarray, now: datetime) -> LineStates:
        """Acknowledgement and receipts of `lines` (indices) as of `now`."""
        seconds = epoch_seconds(now)
        po = self.lines
        first_in = self._first_receipt_at[lines] <= seconds
        all_in = self._last_receipt_at[lines] <= seconds
        first_received, received = po.first_received[lines], po.received[lines]
        so_far = np.where(all_in, received, np.where(first_in, first_received, 0))
        last = np.where(
            all_in & (received > first_received),
            self._last_receipt_at[lines],
            np.where(first_in & (first_received > 0), self._first_receipt_at[lines], NO_RECEIPT),
        )
        return LineStates(self._acknowledged_at[lines] <= seconds, so_far, last)

    def last_updated(self, order: PurchaseOrder, now: datetime) -> datetime:
        seconds = epoch_seconds(now)
        receipts = np.concatenate(
            [self._first_receipt_at[order.lines], self._last_receipt_at[order.lines]]
        )[np.concatenate([self.lines.first_received[order.lines], self.lines.received[order.lines]]) > 0]
        events = [order.placed_at, order.acknowledged_at, order.closed_at]
        events += [from_epoch(r) for r in receipts[receipts <= seconds]]
        return max(e for e in events if e <= now)

    # ------------------------------------------------------------------ documents
    def _quantity(self, line: int, amount: int) -> dict[str, Any]:
        po = self.lines
        unit = "Eaches" if po.eaches[line] else "Cases"
        return {
            "amount": int(amount),
            "unitOfMeasure": unit.upper() if po.upper_case_unit[line] else unit,
            "unitSize": int(po.unit_size[line]),
        }

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
        po = self.lines
        items = []
        for sequence, line in enumerate(order.lines.tolist(), start=1):
            product = self.sim.products[po.asin_index[line]]
            items.append(
                {
                    "itemSequenceNumber": str(sequence),
                    "amazonProductIdentifier": product.asin,
                    "vendorProductIdentifier": product.ean,
                    "orderedQuantity": self._quantity(line, po.ordered[line]),
                    "isBackOrderAllowed": bool(po.back_order_allowed[line]),
                    "netCost": self._money(product.unit_cost),
                    "listPrice": self._money(float(po.list_price[line])),
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
            "itemStatus": self._item_statuses(order, now),
        }

    def item_statuses(self, order: PurchaseOrder, now: datetime) -> list[tuple[str, str]]:
        """(confirmation status, receive status) of each line, for the status filters."""
        return [
            (status["acknowledgementStatus"]["confirmationStatus"], status["receivingStatus"]["receiveStatus"])
            for status in self._item_statuses(order, now)
        ]

    def _item_statuses(self, order: PurchaseOrder, now: datetime) -> list[dict[str, Any]]:
        po = self.lines
        states = self.line_states(order.lines, now)
        out = []
        for sequence, line in enumerate(order.lines.tolist(), start=1):
            product = self.sim.products[po.asin_index[line]]
            requested, accepted = int(po.ordered[line]), int(po.accepted[line])
            ordered = self._quantity(line, requested)
            status: dict[str, Any] = {
                "itemSequenceNumber": str(sequence),
                "buyerProductIdentifier": product.asin,
                "vendorProductIdentifier": product.ean,
                "netCost": self._money(product.unit_cost),
                "listPrice": self._money(float(po.list_price[line])),
                "orderedQuantity": {
                    "orderedQuantity": ordered,
                    "orderedQuantityDetails": [{"updatedDate": iso(order.placed_at), "orderedQuantity": ordered}],
                },
            }
            if not states.acknowledged[sequence - 1]:
                status["acknowledgementStatus"] = {"confirmationStatus": "UNCONFIRMED"}
            else:
                confirmation = (
                    "ACCEPTED"
                    if accepted == requested
                    else "REJECTED"
                    if accepted == 0
                    else "PARTIALLY_ACCEPTED"
                )
                accepted_quantity = self._quantity(line, accepted)
                rejected_quantity = self._quantity(line, requested - accepted)
                status["acknowledgementStatus"] = {
                    "confirmationStatus": confirmation,
                    "acceptedQuantity": accepted_quantity,
                    "rejectedQuantity": rejected_quantity,
                    "acknowledgementStatusDetails": [
                        {
                            "acknowledgementDate": iso(order.acknowledged_at),
                            "acceptedQuantity": accepted_quantity,
                            "rejectedQuantity": rejected_quantity,
                        }
                    ],
                }
            received = int(states.received[sequence - 1])
            last_receipt = int(states.last_receipt[sequence - 1])
            if last_receipt == NO_RECEIPT:
                status["receivingStatus"] = {
                    "receiveStatus": "NOT_RECEIVED",
                    "receivedQuantity": self._quantity(line, 0),
                }
            else:
                status["receivingStatus"] = {
                    "receiveStatus": "RECEIVED" if received >= accepted else "PARTIALLY_RECEIVED",
                    "receivedQuantity": self._quantity(line, received),
                    "lastReceiveDate": iso(from_epoch(last_receipt)),
                }
            out.append(status)
        return out
