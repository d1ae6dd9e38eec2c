"""REPORT_PROCESSING_FINISHED notifications as typed objects: parsed once, at the edge, from an SQS body.

Amazon sends them in the camelCase envelope (payloadVersion 2020-09-04); poll_reports puts the same shape
on the same queue when a notification never arrived."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

NOTIFICATION_TYPE = "REPORT_PROCESSING_FINISHED"
POLLER_APPLICATION_ID = "vendorcast.poll_reports"


class MalformedEvent(ValueError):
    """An SQS message that is not a REPORT_PROCESSING_FINISHED notification; it goes to the DLQ."""


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class ReportProcessingFinished(_Model):
    seller_id: str | None = Field(default=None, alias="sellerId")
    account_id: str = Field(alias="accountId")
    report_id: str = Field(alias="reportId", min_length=1)
    report_type: str = Field(alias="reportType", min_length=1)
    processing_status: Literal["DONE", "FATAL", "CANCELLED"] = Field(alias="processingStatus")
    report_document_id: str | None = Field(default=None, alias="reportDocumentId")


class _Payload(_Model):
    report_processing_finished_notification: ReportProcessingFinished = Field(
        alias="reportProcessingFinishedNotification")


class _Metadata(_Model):
    application_id: str = Field(alias="applicationId")
    subscription_id: str = Field(alias="subscriptionId")
    publish_time: datetime = Field(alias="publishTime")
    notification_id: str = Field(alias="notificationId")


class ReportNotification(_Model):
    notification_version: str = Field(alias="notificationVersion")
    notification_type: Literal["REPORT_PROCESSING_FINISHED"] = Field(alias="notificationType")
    payload_version: str = Field(alias="payloadVersion")
    event_time: datetime = Field(alias="eventTime")
    payload: _Payload
    notification_metadata: _Metadata = Field(alias="notificationMetadata")

    @property
    def report(self) -> ReportProcessingFinished:
        return self.payload.report_processing_finished_notification

    @property
    def idempotency_key(self) -> str:
        """Amazon may notify twice: one report's outcome is one event. Report ids are unique only per selling partner,
        so the account is part of it (a poller event names the config's account, a duplicate the ledger ignores)."""
        return f"{self.report.account_id}:{self.report.report_id}:{self.report.processing_status}"


def parse_report_notification(body: str) -> ReportNotification:
    try:
        data = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise MalformedEvent(f"message body is not JSON: {exc}") from None
    try:
        return ReportNotification.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MalformedEvent(
            f"not a REPORT_PROCESSING_FINISHED notification: {where}: {first['msg']}"
        ) from None


def poller_notification(
    *, account_id: str, report_id: str, report_type: str, processing_status: str,
    report_document_id: str | None, now: datetime,
) -> str:
    """The body poll_reports sends for a report whose notification never came (same shape as Amazon's)."""
    report = {"accountId": account_id, "reportId": report_id, "reportType": report_type,
              "processingStatus": processing_status}
    if report_document_id:
        report["reportDocumentId"] = report_document_id
    body = {
        "notificationVersion": "2020-09-04",
        "notificationType": NOTIFICATION_TYPE,
        "payloadVersion": "2020-09-04",
        "eventTime": now.isoformat(),
        "payload": {"reportProcessingFinishedNotification": report},
        "notificationMetadata": {
            "applicationId": POLLER_APPLICATION_ID,
            "subscriptionId": "poll_reports",
            "publishTime": now.isoformat(),
            "notificationId": str(uuid.uuid4()),
        },
    }
    return json.dumps(body)
