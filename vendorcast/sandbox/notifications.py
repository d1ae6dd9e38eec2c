"""REPORT_PROCESSING_FINISHED delivery: the camelCase notification envelope, sent to the configured SQS queue
with boto3, with Amazon's delivery faults (duplicates, lost and delayed messages) applied."""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from vendorcast.clock import Clock
from vendorcast.sandbox.faults import Fault, FaultInjector
from vendorcast.sandbox.report_store import ServedReport
from vendorcast.sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)

NOTIFICATION_TYPE = "REPORT_PROCESSING_FINISHED"
PAYLOAD_VERSION = "2020-09-04"
MAX_SEND_ATTEMPTS = 5


def notification_time(moment: datetime) -> str:
    """ISO 8601 with milliseconds and Z, as Amazon stamps notifications."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def report_processing_finished(
    settings: SandboxSettings,
    report: ServedReport,
    event_time: datetime,
    publish_time: datetime,
    notification_id: str,
) -> dict[str, Any]:
    """The notification document (schemas/notifications/ReportProcessingFinishedNotification.json)."""
    finished: dict[str, Any] = {
        # Vendor (vendor group) accounts have no sellerId.
        "accountId": settings.account_id,
        "reportId": report.report_id,
        "reportType": report.report_type,
        "processingStatus": report.status,
    }
    if report.report_document_id:
        finished["reportDocumentId"] = report.report_document_id
    return {
        "notificationVersion": PAYLOAD_VERSION,
        "notificationType": NOTIFICATION_TYPE,
        "payloadVersion": PAYLOAD_VERSION,
        "eventTime": notification_time(event_time),
        "payload": {"reportProcessingFinishedNotification": finished},
        "notificationMetadata": {
            "applicationId": settings.application_id,
            "subscriptionId": settings.subscription_id,
            "publishTime": notification_time(publish_time),
            "notificationId": notification_id,
        },
    }


@dataclass
class NotificationRecord:
    """One report's notification and what happened to it."""

    notification_id: str
    report_id: str
    processing_status: str
    faults: tuple[str, ...]
    copies: int  # messages meant to reach the queue (0 when lost, 2 when duplicated)
    sent: list[datetime] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class NotificationDispatcher:
    """Schedules one notification per finished report and sends those that are due."""

    def __init__(
        self,
        settings: SandboxSettings,
        clock: Clock,
        faults: FaultInjector,
        record_fault: Callable[[str, str], None] | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._faults = faults
        self._record_fault = record_fault
        self._lock = threading.Lock()
        self._queue: list[tuple[datetime, int, str, int]] = []  # (due, tie-break, report id, attempts)
        self._records: dict[str, NotificationRecord] = {}
        self._reports: dict[str, tuple[ServedReport, datetime]] = {}
        self._bodies: dict[str, str] = {}
        self._sequence = 0
        self._client: Any = None

    def _sqs(self) -> Any:
        target = self._settings.notifications
        if self._client is None and target is not None:
            credentials: dict[str, str] = {}
            if target.endpoint_url:
                # The AWS emulator accepts any credentials; do not depend on the caller's environment.
                credentials = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}
            self._client = boto3.client(
                "sqs", region_name=target.region, endpoint_url=target.endpoint_url, **credentials
            )
        return self._client

    def report_finished(self, report: ServedReport, event_time: datetime) -> None:
        """Schedule the notification of a report that reached DONE, FATAL or CANCELLED."""
        if self._settings.notifications is None:
            return
        digest = hashlib.sha256(f"{self._settings.seed}:notification:{report.report_id}".encode()).digest()
        notification_id = str(uuid.UUID(bytes=digest[:16], version=4))
        faults: list[str] = []
        now = self._clock.now()
        due = now
        copies = 1
        if self._faults.hits(Fault.LOST_NOTIFICATION):
            faults.append("lost_notification")
            copies = 0
        else:
            if self._faults.hits(Fault.DELAYED_NOTIFICATION):
                faults.append("delayed_notification")
                due = now + timedelta(seconds=self._settings.faults.notification_delay_seconds)
            if self._faults.hits(Fault.DUPLICATE_NOTIFICATION):
                faults.append("duplicate_notification")
                copies = 2
        record = NotificationRecord(notification_id, report.report_id, report.status, tuple(faults), copies)
        with self._lock:
            self._records[report.report_id] = record
            self._reports[report.report_id] = (report, event_time)
            for copy in range(copies):
                self._sequence += 1
                # A duplicate follows the original a little later, as SQS redeliveries do.
                heapq.heappush(
                    self._queue, (due + timedelta(seconds=30 * copy), self._sequence, report.report_id, 0)
                )
        if self._record_fault:
            for fault in faults:
                self._record_fault(report.report_id, fault)

    def deliver_due(self) -> None:
        """Send every notification whose time has come (called from the sandbox's background thread)."""
        now = self._clock.now()
        while True:
            with self._lock:
                if not self._queue or self._queue[0][0] > now:
                    return
                _, sequence, report_id, attempts = heapq.heappop(self._queue)
                record = self._records[report_id]
                report, event_time = self._reports[report_id]
                # A duplicate is the same message delivered twice, publish time included.
                body = self._bodies.setdefault(
                    report_id,
                    json.dumps(
                        report_processing_finished(
                            self._settings, report, event_time, now, record.notification_id
                        )
                    ),
                )
            try:
                self._sqs().send_message(QueueUrl=self._settings.notifications.queue_url, MessageBody=body)
            except (BotoCoreError, ClientError) as exc:
                log.warning("could not deliver the notification of report %s: %s", report_id, exc)
                with self._lock:
                    record.errors.append(str(exc))
                    if attempts + 1 < MAX_SEND_ATTEMPTS:
                        heapq.heappush(
                            self._queue, (now + timedelta(seconds=60), sequence, report_id, attempts + 1)
                        )
                continue
            with self._lock:
                record.sent.append(now)

    def records(self) -> dict[str, NotificationRecord]:
        with self._lock:
            return dict(self._records)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)
