"""REPORT_PROCESSING_FINISHED delivered into an SQS queue of the AWS emulator (moto server)."""

import json
import time
import uuid
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from sp_api.api import Reports

import vendorcast.spapi
from vendorcast.sandbox.settings import FaultSettings, NotificationTarget

pytestmark = pytest.mark.integration

SCHEMA = json.loads(
    (
        Path(vendorcast.spapi.__file__).parent
        / "models"
        / "schemas"
        / "notifications"
        / "ReportProcessingFinishedNotification.json"
    ).read_text()
)


@pytest.fixture
def queue_url(sqs) -> str:
    return sqs.create_queue(QueueName=f"report-events-{uuid.uuid4().hex[:8]}")["QueueUrl"]


def receive(sqs, queue_url: str, count: int, seconds: float = 10.0) -> list[dict]:
    messages: list[dict] = []
    deadline = time.monotonic() + seconds
    while len(messages) < count and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in batch.get("Messages", []):
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def sales_report(reports: Reports, start: date = date(2025, 6, 1)) -> str:
    return reports.create_report(
        reportType="GET_VENDOR_SALES_REPORT",
        marketplaceIds=["ATVPDKIKX0DER"],
        dataStartTime=f"{start.isoformat()}T00:00:00Z",
        dataEndTime="2025-06-14T23:59:59Z",
        reportOptions={
            "reportPeriod": "WEEK",
            "distributorView": "MANUFACTURING",
            "sellingProgram": "RETAIL",
        },
    ).payload["reportId"]


def test_finished_reports_are_announced_on_the_queue(
    start_sandbox, settings, sp_client, sqs, queue_url, aws_endpoint
):
    target = NotificationTarget(queue_url=queue_url, endpoint_url=aws_endpoint)
    server = start_sandbox(settings.model_copy(update={"notifications": target}))
    reports = sp_client(Reports, server)
    done_id = sales_report(reports)
    fatal_id = sales_report(reports, start=date(2025, 6, 2))

    messages = {
        m["payload"]["reportProcessingFinishedNotification"]["reportId"]: m
        for m in receive(sqs, queue_url, 2)
    }
    assert set(messages) == {done_id, fatal_id}
    for message in messages.values():
        jsonschema.validate(message, SCHEMA)
        assert message["notificationType"] == "REPORT_PROCESSING_FINISHED"
        assert message["notificationVersion"] == message["payloadVersion"] == "2020-09-04"
        assert (
            str(uuid.UUID(message["notificationMetadata"]["notificationId"]))
            == (message["notificationMetadata"]["notificationId"])
        )
        finished = message["payload"]["reportProcessingFinishedNotification"]
        assert finished["accountId"] == settings.account_id and "sellerId" not in finished
    done = messages[done_id]["payload"]["reportProcessingFinishedNotification"]
    assert done["processingStatus"] == "DONE"
    assert done["reportDocumentId"] == reports.get_report(done_id).payload["reportDocumentId"]
    fatal = messages[fatal_id]["payload"]["reportProcessingFinishedNotification"]
    assert fatal["processingStatus"] == "FATAL" and fatal["reportDocumentId"]


def test_notifications_are_duplicated_lost_and_delayed_on_demand(
    start_sandbox, settings, sp_client, sqs, queue_url, aws_endpoint
):
    target = NotificationTarget(queue_url=queue_url, endpoint_url=aws_endpoint)
    duplicated = settings.model_copy(
        update={"notifications": target, "faults": FaultSettings(duplicate_notification_rate=1.0)}
    )
    server = start_sandbox(duplicated)
    report_id = sales_report(sp_client(Reports, server))
    copies = receive(sqs, queue_url, 2)
    assert len(copies) == 2 and copies[0] == copies[1]
    assert server.served_reports[report_id].faults == ("duplicate_notification",)

    lost = settings.model_copy(
        update={"notifications": target, "faults": FaultSettings(lost_notification_rate=1.0)}
    )
    server = start_sandbox(lost)
    reports = sp_client(Reports, server)
    report_id = sales_report(reports)
    deadline = time.monotonic() + 10
    while reports.get_report(report_id).payload["processingStatus"] != "DONE" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receive(sqs, queue_url, 1, seconds=1) == []
    assert server.notifications[report_id].copies == 0
    assert server.served_reports[report_id].faults == ("lost_notification",)

    delayed = settings.model_copy(
        update={
            "notifications": target,
            "faults": FaultSettings(delayed_notification_rate=1.0, notification_delay_seconds=600),
        }
    )
    server = start_sandbox(delayed)
    report_id = sales_report(sp_client(Reports, server))
    started = time.monotonic()
    [message] = receive(sqs, queue_url, 1)
    # 600 simulated seconds at 600x are one real second.
    assert time.monotonic() - started > 0.7
    assert message["payload"]["reportProcessingFinishedNotification"]["reportId"] == report_id
