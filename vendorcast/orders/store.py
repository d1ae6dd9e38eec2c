"""The purchase-orders table (DynamoDB): how far each feed of each account and marketplace has been read (the
watermark), the latest known state of every PO (what the alerts look at), and the markers that make each alert and
each dead-lettered document happen once.

Items, by key:
- `watermark#<account>#<marketplace>` / `<feed>`: `through`, the end of the last window read completely;
- `po#<account>#<marketplace>` / `<PO number>`: the PO's state, delivery window and lines; `open_group` is set while
  the PO is open (the open_orders index), `window_week` always (the by_window_week index); it expires with Amazon's
  retention;
- `marker#<account>#<marketplace>` / `<what>`: an alert sent or a document dead-lettered, once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from vendorcast.reports.periods import period_start
from vendorcast.resources import (
    PURCHASE_ORDERS_OPEN_INDEX,
    PURCHASE_ORDERS_OPEN_KEY,
    PURCHASE_ORDERS_PARTITION_KEY,
    PURCHASE_ORDERS_SORT_KEY,
    PURCHASE_ORDERS_TTL_ATTRIBUTE,
    PURCHASE_ORDERS_WEEK_INDEX,
    PURCHASE_ORDERS_WEEK_KEY,
)
from vendorcast.spapi.vendor_orders import OrdersFeed
from vendorcast.vocabulary.report_catalogue import ReportPeriod

# Amazon keeps about six months of POs; a PO's item outlives that by a little, for the last OTIF digests.
PO_ITEM_LIFETIME = timedelta(days=200)
_BATCH_GET = 100


@dataclass
class LineState:
    """One line of a PO as last read: ordered from the PO, the rest from its status (None until read)."""

    asin: str | None = None
    ordered: int | None = None
    accepted: int | None = None  # None while unconfirmed
    received: int = 0
    last_receive: str | None = None  # ISO date-time

    @property
    def to_deliver(self) -> int:
        """Units Amazon still expects: what was accepted (or, unconfirmed, ordered) less what it received."""
        expected = self.accepted if self.accepted is not None else (self.ordered or 0)
        return max(expected - self.received, 0)


@dataclass
class OrderState:
    """What the alerts need of one PO."""

    number: str
    order_date: str  # ISO date-time
    window_end: str | None = None  # delivery window end (else ship window end), ISO
    state: str = "New"  # New, Acknowledged, Closed
    acknowledged: bool = False
    closed: bool = False
    ship_to: str | None = None
    header_read_at: str | None = None
    status_read_at: str | None = None
    lines: dict[str, LineState] = field(default_factory=dict)

    @property
    def placed_at(self) -> datetime:
        return datetime.fromisoformat(self.order_date)

    @property
    def window_ends_at(self) -> datetime | None:
        return datetime.fromisoformat(self.window_end) if self.window_end else None

    @property
    def window_week(self) -> date:
        """The retail week (Sunday start) the delivery window ends in (the order's week when there is none)."""
        return period_start((self.window_ends_at or self.placed_at).date(), ReportPeriod.WEEK)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "lines": {k: asdict(v) for k, v in self.lines.items()}})

    @classmethod
    def from_json(cls, text: str) -> OrderState:
        data = json.loads(text)
        lines = {k: LineState(**v) for k, v in data.pop("lines").items()}
        return cls(**data, lines=lines)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def merge_header(state: OrderState, row: dict[str, Any], items: list[dict[str, Any]]) -> None:
    """A getPurchaseOrders read of the PO (header and item rows) into its state, unless an older read."""
    read_at = _iso(row["read_at"])
    if state.header_read_at and read_at and read_at < state.header_read_at:
        return
    state.header_read_at = read_at
    state.order_date = _iso(row["order_date"]) or state.order_date
    state.window_end = _iso(row["delivery_window_end"] or row["ship_window_end"]) or state.window_end
    state.ship_to = row["ship_to"] or state.ship_to
    if not state.status_read_at or (read_at and read_at >= state.status_read_at):
        state.state = row["purchase_order_state"]
        state.closed = state.state == "Closed"
    state.acknowledged = state.acknowledged or state.state in ("Acknowledged", "Closed")
    for item in items:
        line = state.lines.setdefault(item["item_sequence_number"], LineState())
        line.asin = item["asin"] or line.asin
        line.ordered = item["ordered_units"]


def merge_status(state: OrderState, rows: list[dict[str, Any]]) -> None:
    """A getPurchaseOrdersStatus read of the PO (its item rows) into its state, unless an older read."""
    read_at = _iso(rows[0]["read_at"])
    if state.status_read_at and read_at and read_at < state.status_read_at:
        return
    state.status_read_at = read_at
    state.closed = rows[0]["purchase_order_status"] == "CLOSED"
    confirmed = any(r["confirmation_status"] not in (None, "UNCONFIRMED") for r in rows)
    state.acknowledged = state.acknowledged or confirmed
    if not state.header_read_at or (read_at and read_at >= state.header_read_at):
        state.state = "Closed" if state.closed else ("Acknowledged" if state.acknowledged else "New")
    state.ship_to = rows[0]["ship_to"] or state.ship_to
    for row in rows:
        line = state.lines.setdefault(row["item_sequence_number"], LineState())
        line.asin = row["asin"] or line.asin
        line.ordered = row["ordered_units"] if row["ordered_units"] is not None else line.ordered
        line.accepted = row["accepted_units"]
        line.received = row["received_units"] or 0
        line.last_receive = _iso(row["last_receive_date"])


class PurchaseOrderStore:
    def __init__(self, table_name: str, resource: Any = None) -> None:
        self.table = (resource or boto3.resource("dynamodb")).Table(table_name)

    # ------------------------------------------------------------------ watermarks
    def watermark(self, account: str, marketplace_id: str, feed: OrdersFeed) -> datetime | None:
        item = self.table.get_item(Key=self._key(f"watermark#{account}#{marketplace_id}", feed.value),
                                   ConsistentRead=True).get("Item")
        return datetime.fromisoformat(item["through"]) if item else None

    def advance_watermark(self, account: str, marketplace_id: str, feed: OrdersFeed, through: datetime) -> None:
        """Record that everything up to `through` has been read; a watermark never moves back."""
        try:
            self.table.put_item(
                Item={**self._key(f"watermark#{account}#{marketplace_id}", feed.value), "through": through.isoformat()},
                ConditionExpression="attribute_not_exists(#through) OR #through <= :through",
                ExpressionAttributeNames={"#through": "through"},
                ExpressionAttributeValues={":through": through.isoformat()})
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # ------------------------------------------------------------------ PO states
    def states(self, account: str, marketplace_id: str, numbers: list[str]) -> dict[str, OrderState]:
        pk = f"po#{account}#{marketplace_id}"
        found: dict[str, OrderState] = {}
        unique = list(dict.fromkeys(numbers))
        for start in range(0, len(unique), _BATCH_GET):
            request = {self.table.name: {"Keys": [self._key(pk, n) for n in unique[start:start + _BATCH_GET]],
                                         "ConsistentRead": True}}
            while request:
                response = self.table.meta.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self.table.name, []):
                    state = OrderState.from_json(item["state"])
                    found[state.number] = state
                request = response.get("UnprocessedKeys") or {}
        return found

    def save(self, account: str, marketplace_id: str, states: list[OrderState]) -> None:
        group = f"{account}|{marketplace_id}"
        with self.table.batch_writer() as batch:
            for state in states:
                item: dict[str, Any] = {
                    **self._key(f"po#{account}#{marketplace_id}", state.number),
                    "state": state.to_json(),
                    PURCHASE_ORDERS_WEEK_KEY: f"{group}|{state.window_week.isoformat()}",
                    PURCHASE_ORDERS_TTL_ATTRIBUTE: int((state.placed_at + PO_ITEM_LIFETIME).timestamp()),
                }
                if not state.closed:
                    item[PURCHASE_ORDERS_OPEN_KEY] = group
                batch.put_item(Item=item)

    def open_orders(self, account: str, marketplace_id: str) -> list[OrderState]:
        return self._query(PURCHASE_ORDERS_OPEN_INDEX, PURCHASE_ORDERS_OPEN_KEY, f"{account}|{marketplace_id}")

    def orders_due_in_week(self, account: str, marketplace_id: str, week_start: date) -> list[OrderState]:
        return self._query(PURCHASE_ORDERS_WEEK_INDEX, PURCHASE_ORDERS_WEEK_KEY,
                           f"{account}|{marketplace_id}|{week_start.isoformat()}")

    def _query(self, index: str, key: str, value: str) -> list[OrderState]:
        out = []
        kwargs: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": Key(key).eq(value)}
        while True:
            response = self.table.query(**kwargs)
            out += [OrderState.from_json(item["state"]) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return out
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # ------------------------------------------------------------------ once-only markers
    def mark_once(self, account: str, marketplace_id: str, marker: str, at: datetime) -> bool:
        """True the first time `marker` is set for the account and marketplace, False ever after."""
        try:
            self.table.put_item(Item={**self._key(f"marker#{account}#{marketplace_id}", marker), "at": at.isoformat()},
                                ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def unmark(self, account: str, marketplace_id: str, marker: str) -> None:
        """Forget a marker whose alert or message could not be sent, so that the next run tries again."""
        self.table.delete_item(Key=self._key(f"marker#{account}#{marketplace_id}", marker))

    @staticmethod
    def _key(pk: str, sk: str) -> dict[str, str]:
        return {PURCHASE_ORDERS_PARTITION_KEY: pk, PURCHASE_ORDERS_SORT_KEY: sk}


__all__ = ["LineState", "OrderState", "PurchaseOrderStore", "merge_header", "merge_status"]
