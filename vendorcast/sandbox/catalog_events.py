"""BRANDED_ITEM_CONTENT_CHANGE and ITEM_PRODUCT_TYPE_CHANGE as SP-API pushes them to a subscribed account: when the
day of a simulated catalog change comes, its notification (PascalCase envelope, payload version 1.0) is put on the
configured EventBridge bus, with Amazon's delivery faults (lost, duplicated and delayed notifications). Amazon has no
notification for browse-node, dimension or listing changes: those only a poll finds."""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from vendorcast.clock import Clock
from vendorcast.sandbox.catalog import CatalogChange, ContentAttribute, SimulatedCatalog
from vendorcast.sandbox.faults import CATALOG_EVENT_FAULT_STREAM, Fault, FaultInjector
from vendorcast.sandbox.notifications import notification_time
from vendorcast.sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)

BRANDED_ITEM_CONTENT_CHANGE = "BRANDED_ITEM_CONTENT_CHANGE"
ITEM_PRODUCT_TYPE_CHANGE = "ITEM_PRODUCT_TYPE_CHANGE"
PAYLOAD_VERSION = "1.0"
# The attributes BRANDED_ITEM_CONTENT_CHANGE reports (its schema's AttributesChanged names).
NOTIFIED_ATTRIBUTES = frozenset({ContentAttribute.TITLE, ContentAttribute.BULLETS, ContentAttribute.IMAGE})
# Amazon notifies a few minutes after the change (changes take effect at the start of their day).
NOTIFICATION_LAG = timedelta(minutes=5)
MAX_SEND_ATTEMPTS = 5


@dataclass
class CatalogEventRecord:
    """One change's notification and what happened to it."""

    notification_id: str
    notification_type: str
    asin: str
    day: date
    attribute: str
    faults: tuple[str, ...]
    copies: int  # events meant to reach the bus (0 when lost, 2 when duplicated)
    sent: list[datetime] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def notification_type_of(change: CatalogChange) -> str | None:
    if change.attribute == ContentAttribute.PRODUCT_TYPE:
        return ITEM_PRODUCT_TYPE_CHANGE
    if change.attribute in NOTIFIED_ATTRIBUTES:
        return BRANDED_ITEM_CONTENT_CHANGE
    return None


def catalog_notification(settings: SandboxSettings, catalog: SimulatedCatalog, change: CatalogChange,
                         notification_type: str, event_time: datetime, publish_time: datetime,
                         notification_id: str) -> dict[str, Any]:
    """The notification document (schemas/notifications/BrandedItemContentChangeNotification.json,
    ItemProductTypeChangeNotification.json)."""
    payload: dict[str, Any] = {"MarketplaceId": settings.marketplace_id, "Asin": change.asin}
    if notification_type == ITEM_PRODUCT_TYPE_CHANGE:
        payload |= {"PreviousProductType": change.old_value, "CurrentProductType": change.new_value}
    else:
        payload |= {"BrandName": catalog.products[change.asin].brand, "AttributesChanged": [str(change.attribute)]}
    return {
        "NotificationVersion": PAYLOAD_VERSION,
        "NotificationType": notification_type,
        "PayloadVersion": PAYLOAD_VERSION,
        "EventTime": notification_time(event_time),
        "Payload": payload,
        "NotificationMetadata": {
            "ApplicationId": settings.application_id,
            "SubscriptionId": settings.subscription_id,
            "PublishTime": notification_time(publish_time),
            "NotificationId": notification_id,
        },
    }


class CatalogEventDispatcher:
    """Schedules one notification per notified change once its day has come, and puts those due on the bus.
    Changes on or before the day the emulator started are history, not news."""

    def __init__(self, settings: SandboxSettings, clock: Clock, catalog: Callable[[date], SimulatedCatalog],
                 events_client: Any | None = None) -> None:
        self._settings = settings
        self._clock = clock
        self._catalog = catalog
        self._faults = FaultInjector(settings.faults, settings.seed, CATALOG_EVENT_FAULT_STREAM)
        self._lock = threading.Lock()
        self._since: date | None = None
        self._queue: list[tuple[datetime, int, str, int]] = []  # (due, tie-break, notification id, attempts)
        self._records: dict[str, CatalogEventRecord] = {}
        self._bodies: dict[str, tuple[str, str]] = {}  # notification id -> (detail-type, detail)
        self._sequence = 0
        self._client: Any = events_client  # a boto3 EventBridge client; made from the target when not given

    def _events(self) -> Any:
        target = self._settings.catalog_events
        if self._client is None and target is not None:
            credentials: dict[str, str] = {}
            if target.endpoint_url:
                credentials = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}
            self._client = boto3.client("events", region_name=target.region, endpoint_url=target.endpoint_url,
                                        **credentials)
        return self._client

    def deliver_due(self) -> None:
        """Schedule the notifications of changes whose day has come, then send those due (background thread)."""
        if self._settings.catalog_events is None:
            return
        now = self._clock.now()
        self._schedule(now)
        while True:
            with self._lock:
                if not self._queue or self._queue[0][0] > now:
                    return
                _, sequence, notification_id, attempts = heapq.heappop(self._queue)
                record = self._records[notification_id]
                detail_type, detail = self._bodies[notification_id]
            try:
                response = self._events().put_events(Entries=[{
                    "Source": self._settings.catalog_events.source, "DetailType": detail_type, "Detail": detail,
                    "EventBusName": self._settings.catalog_events.event_bus, "Time": now}])
                if response.get("FailedEntryCount"):
                    raise ClientError({"Error": {"Code": "FailedEntry", "Message": str(response["Entries"])}},
                                      "PutEvents")
            except (BotoCoreError, ClientError) as exc:
                log.warning("could not put the %s notification of %s: %s", detail_type, record.asin, exc)
                with self._lock:
                    record.errors.append(str(exc))
                    if attempts + 1 < MAX_SEND_ATTEMPTS:
                        heapq.heappush(self._queue, (now + timedelta(seconds=60), sequence, notification_id,
                                                     attempts + 1))
                continue
            with self._lock:
                record.sent.append(now)

    def _schedule(self, now: datetime) -> None:
        today = now.date()
        with self._lock:
            since = self._since
            self._since = today
        if since is None or today <= since:
            return
        catalog = self._catalog(today)
        for change in sorted(catalog.changes(), key=lambda c: (c.day, c.asin)):
            notification_type = notification_type_of(change)
            if notification_type is None or not since < change.day <= today:
                continue
            self._add(catalog, change, notification_type, now)

    def _add(self, catalog: SimulatedCatalog, change: CatalogChange, notification_type: str, now: datetime) -> None:
        key = f"{self._settings.seed}:catalog:{change.asin}:{change.day}:{change.attribute}"
        notification_id = str(uuid.UUID(bytes=hashlib.sha256(key.encode()).digest()[:16], version=4))
        event_time = datetime.combine(change.day, time(), UTC) + NOTIFICATION_LAG
        due = max(event_time, now)
        faults: list[str] = []
        copies = 1
        if self._faults.hits(Fault.LOST_NOTIFICATION):
            faults.append("lost_notification")
            copies = 0
        else:
            if self._faults.hits(Fault.DELAYED_NOTIFICATION):
                faults.append("delayed_notification")
                due += timedelta(seconds=self._settings.faults.notification_delay_seconds)
            if self._faults.hits(Fault.DUPLICATE_NOTIFICATION):
                faults.append("duplicate_notification")
                copies = 2
        detail = json.dumps(catalog_notification(self._settings, catalog, change, notification_type, event_time,
                                                 due, notification_id))
        with self._lock:
            self._records[notification_id] = CatalogEventRecord(
                notification_id, notification_type, change.asin, change.day, str(change.attribute), tuple(faults),
                copies)
            self._bodies[notification_id] = (notification_type, detail)
            for copy in range(copies):
                self._sequence += 1
                # A duplicate follows the original a little later.
                heapq.heappush(self._queue, (due + timedelta(seconds=30 * copy), self._sequence, notification_id, 0))

    def records(self) -> list[CatalogEventRecord]:
        with self._lock:
            return list(self._records.values())

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)
