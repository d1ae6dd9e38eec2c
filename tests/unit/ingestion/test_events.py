"""Notifications are typed at the edge; malformed ones fail with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

import jsonschema
import pytest

from vendorcast.ingestion.events import MalformedEvent, parse_report_notification, poller_notification


def schema() -> dict:
    path = resources.files("vendorcast.spapi").joinpath(
        "models", "schemas", "notifications", "ReportProcessingFinishedNotification.json")
    return json.loads(path.read_text())


def test_amazons_example_notifications_parse() -> None:
    examples = schema().get("examples", [])
    assert examples, "Amazon's schema carries examples"
    for example in examples:
        event = parse_report_notification(json.dumps(example))
        assert event.report.report_id == example["payload"]["reportProcessingFinishedNotification"]["reportId"]


def test_poller_events_have_amazons_shape() -> None:
    body = poller_notification(account_id="acme-us", report_id="123", report_type="GET_VENDOR_SALES_REPORT",
                               processing_status="DONE", report_document_id="doc-1",
                               now=datetime(2026, 11, 21, tzinfo=UTC))
    jsonschema.validate(json.loads(body), schema())
    event = parse_report_notification(body)
    assert event.idempotency_key == "acme-us:123:DONE"


@pytest.mark.parametrize("body, fragment", [
    ("not json", "not JSON"),
    ('{"notificationType": "ANY_OFFER_CHANGED"}', "not a REPORT_PROCESSING_FINISHED notification"),
    (json.dumps({"notificationVersion": "2020-09-04", "notificationType": "REPORT_PROCESSING_FINISHED",
                 "payloadVersion": "2020-09-04", "eventTime": "2026-11-21T00:00:00Z",
                 "payload": {"reportProcessingFinishedNotification": {
                     "accountId": "a", "reportId": "1", "reportType": "T", "processingStatus": "WEIRD"}},
                 "notificationMetadata": {"applicationId": "a", "subscriptionId": "s",
                                          "publishTime": "2026-11-21T00:00:00Z", "notificationId": "n"}}),
     "processingStatus"),
])
def test_malformed_messages_say_why(body: str, fragment: str) -> None:
    with pytest.raises(MalformedEvent, match=fragment):
        parse_report_notification(body)
