"""The emulator held to Amazon's OpenAPI models (vendorcast/spapi/models/openapi): which token each operation takes,
media types, date-times, EventBridge destinations, subscriptions by id and report schedules. Each answer that
succeeds is validated against the model's own definition."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jsonschema
import pytest

import vendorcast.spapi
from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.settings import SandboxSettings

pytestmark = pytest.mark.integration

MODELS = Path(vendorcast.spapi.__file__).parent / "models" / "openapi"
MARKETPLACE = "ATVPDKIKX0DER"
QUEUE_ARN = "arn:aws:sqs:us-east-1:111122223333:vendorcast-report-events"
SALES_BODY = {
    "reportType": "GET_VENDOR_SALES_REPORT",
    "marketplaceIds": [MARKETPLACE],
    "dataStartTime": "2025-06-01T00:00:00Z",
    "dataEndTime": "2025-06-14T23:59:59Z",
    "reportOptions": {"reportPeriod": "WEEK", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL"},
}
REPORT_TYPE = "REPORT_PROCESSING_FINISHED"


def conforms(model: str, definition: str, body: object) -> None:
    definitions = json.loads((MODELS / model).read_text())["definitions"]
    jsonschema.Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": definitions}).validate(body)


def token(base_url: str, settings: SandboxSettings, grantless: bool = False) -> dict[str, str]:
    form = {"client_id": settings.lwa_client_id, "client_secret": settings.lwa_client_secret}
    if grantless:
        form |= {"grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications"}
    else:
        form |= {"grant_type": "refresh_token", "refresh_token": settings.refresh_token}
    response = httpx.post(f"{base_url}/auth/o2/token", data=form)
    assert response.status_code == 200
    return {"x-amz-access-token": response.json()["access_token"]}


NOW = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox(start_sandbox, settings):
    """(HTTP client on the emulator, selling-partner token headers, grantless token headers); the emulator's
    clock stands at NOW."""
    server = start_sandbox(settings, ManualClock(NOW))
    with httpx.Client(base_url=server.base_url) as client:
        yield client, token(server.base_url, settings), token(server.base_url, settings, grantless=True)


def error(response: httpx.Response) -> dict[str, str]:
    [only] = response.json()["errors"]
    return only


# ------------------------------------------------------------------ tokens: the right grant per operation
@pytest.mark.parametrize("method, path", [
    ("GET", "/notifications/v1/destinations"),
    ("GET", "/notifications/v1/destinations/some-id"),
    ("DELETE", "/notifications/v1/destinations/some-id"),
    ("GET", f"/notifications/v1/subscriptions/{REPORT_TYPE}/some-id"),
    ("DELETE", f"/notifications/v1/subscriptions/{REPORT_TYPE}/some-id"),
])
def test_grantless_operations_refuse_a_selling_partner_token(sandbox, method, path):
    client, seller, grantless = sandbox
    refused = client.request(method, path, headers=seller)
    assert refused.status_code == 403
    assert error(refused)["code"] == "Unauthorized" and "grantless" in error(refused)["details"]
    assert client.request(method, path, headers=grantless).status_code in (200, 404)


@pytest.mark.parametrize("method, path", [
    ("GET", "/reports/2021-06-30/reports?reportTypes=GET_VENDOR_SALES_REPORT"),
    ("GET", f"/notifications/v1/subscriptions/{REPORT_TYPE}"),
    ("GET", f"/notifications/v1/subscriptions?notificationTypes={REPORT_TYPE}"),
    ("GET", f"/catalog/2022-04-01/items/B000000001?marketplaceIds={MARKETPLACE}"),
])
def test_selling_partner_operations_refuse_a_grantless_token(sandbox, method, path):
    client, seller, grantless = sandbox
    refused = client.request(method, path, headers=grantless)
    assert refused.status_code == 403
    assert error(refused)["code"] == "Unauthorized" and "grant_type=refresh_token" in error(refused)["details"]
    assert client.request(method, path, headers=seller).status_code in (200, 404)


# ------------------------------------------------------------------ createReport: media type and date-times
def test_create_report_as_text_plain_is_unsupported_media_type(sandbox):
    client, seller, _ = sandbox
    response = client.post("/reports/2021-06-30/reports", content=json.dumps(SALES_BODY),
                           headers={**seller, "content-type": "text/plain"})
    assert response.status_code == 415
    assert error(response)["code"] == "UnsupportedMediaType" and "application/json" in error(response)["details"]
    accepted = client.post("/reports/2021-06-30/reports", json=SALES_BODY, headers=seller)
    assert accepted.status_code == 202
    conforms("reports_2021-06-30.json", "CreateReportResponse", accepted.json())


@pytest.mark.parametrize("field, value, reason", [
    ("dataStartTime", "2025-06-01T00:00:00", "has no time zone"),
    ("dataStartTime", "2025-06-01", "has no time zone"),
    ("dataEndTime", "2025-06-14T23:59:59", "has no time zone"),
    ("dataEndTime", "2025-06-18T09:00:01Z", "must not be in the future"),  # a second after NOW
    ("dataStartTime", "2025-06-19T00:00:00+00:00", "must not be in the future"),
])
def test_create_report_refuses_date_times_without_zone_or_in_the_future(sandbox, field, value, reason):
    client, seller, _ = sandbox
    response = client.post("/reports/2021-06-30/reports", json={**SALES_BODY, field: value}, headers=seller)
    assert response.status_code == 400
    assert error(response)["code"] == "InvalidInput" and reason in error(response)["details"]


# ------------------------------------------------------------------ destinations
def test_an_eventbridge_destination_names_its_partner_event_source(sandbox, settings):
    client, _, grantless = sandbox
    body = {"name": "catalog-events", "resourceSpecification": {"eventBridge": {"region": "us-east-1",
                                                                                "accountId": "123456789012"}}}
    created = client.post("/notifications/v1/destinations", json=body, headers=grantless)
    assert created.status_code == 200
    conforms("notifications.json", "CreateDestinationResponse", created.json())
    destination = created.json()["payload"]
    assert destination["resource"] == {"eventBridge": {
        "name": f"aws.partner/sellingpartnerapi.amazon.com/123456789012/{settings.application_id}",
        "region": "us-east-1", "accountId": "123456789012"}}
    # One EventBridge destination per AWS account.
    again = client.post("/notifications/v1/destinations", json={**body, "name": "other"}, headers=grantless)
    assert again.status_code == 409
    for spec, reason in (({"eventBridge": {"region": "us-east-1", "accountId": "1234"}}, "12-digit"),
                         ({"eventBridge": {"accountId": "123456789012"}}, "AWS region"),
                         ({"sqs": {"arn": QUEUE_ARN}, "eventBridge": {"region": "us-east-1",
                                                                      "accountId": "123456789012"}}, "exactly one")):
        bad = client.post("/notifications/v1/destinations", json={"name": "x", "resourceSpecification": spec},
                          headers=grantless)
        assert bad.status_code == 400 and reason in error(bad)["details"]


def test_a_destination_is_read_by_id_and_deleted(sandbox):
    client, _, grantless = sandbox
    body = {"name": "report-events", "resourceSpecification": {"sqs": {"arn": QUEUE_ARN}}}
    destination = client.post("/notifications/v1/destinations", json=body, headers=grantless).json()["payload"]
    path = f"/notifications/v1/destinations/{destination['destinationId']}"
    read = client.get(path, headers=grantless)
    assert read.status_code == 200 and read.json()["payload"] == destination
    conforms("notifications.json", "GetDestinationResponse", read.json())
    listed = client.get("/notifications/v1/destinations", headers=grantless)
    conforms("notifications.json", "GetDestinationsResponse", listed.json())
    assert listed.json()["payload"] == [destination]
    assert client.delete(path, headers=grantless).status_code == 200
    assert client.get(path, headers=grantless).status_code == 404


# ------------------------------------------------------------------ subscriptions
def test_subscriptions_are_listed_by_type_read_and_deleted_by_id(sandbox):
    client, seller, grantless = sandbox
    body = {"name": "report-events", "resourceSpecification": {"sqs": {"arn": QUEUE_ARN}}}
    destination_id = client.post("/notifications/v1/destinations", json=body,
                                 headers=grantless).json()["payload"]["destinationId"]
    created = client.post(f"/notifications/v1/subscriptions/{REPORT_TYPE}", headers=seller,
                          json={"payloadVersion": "2020-09-04", "destinationId": destination_id})
    conforms("notifications.json", "CreateSubscriptionResponse", created.json())
    subscription = created.json()["payload"]

    listed = client.get("/notifications/v1/subscriptions", params={"notificationTypes": REPORT_TYPE},
                        headers=seller)
    conforms("notifications.json", "GetSubscriptionsResponse", listed.json())
    assert listed.json()["payload"] == {"subscriptions": [subscription]}
    assert client.get("/notifications/v1/subscriptions", headers=seller,
                      params={"notificationTypes": "BRANDED_ITEM_CONTENT_CHANGE"}).json()["payload"] == {
        "subscriptions": []}
    two_types = client.get("/notifications/v1/subscriptions", headers=seller,
                           params={"notificationTypes": f"{REPORT_TYPE},BRANDED_ITEM_CONTENT_CHANGE"})
    assert two_types.status_code == 400 and "exactly one" in error(two_types)["details"]

    by_id = f"/notifications/v1/subscriptions/{REPORT_TYPE}/{subscription['subscriptionId']}"
    read = client.get(by_id, headers=grantless)
    conforms("notifications.json", "GetSubscriptionByIdResponse", read.json())
    assert read.json()["payload"] == subscription
    assert client.delete(by_id, headers=grantless).status_code == 200
    assert client.get(by_id, headers=grantless).status_code == 404
    assert client.get(f"/notifications/v1/subscriptions/{REPORT_TYPE}", headers=seller).status_code == 404


# ------------------------------------------------------------------ report schedules
def test_report_schedules_are_created_replaced_listed_and_cancelled(sandbox):
    client, seller, _ = sandbox
    spec = {"reportType": "GET_VENDOR_TRAFFIC_REPORT", "marketplaceIds": [MARKETPLACE], "period": "P7D",
            "reportOptions": {"reportPeriod": "WEEK"}, "nextReportCreationTime": "2025-06-22T06:00:00Z"}
    created = client.post("/reports/2021-06-30/schedules", json=spec, headers=seller)
    assert created.status_code == 201
    conforms("reports_2021-06-30.json", "CreateReportScheduleResponse", created.json())
    first = created.json()["reportScheduleId"]
    read = client.get(f"/reports/2021-06-30/schedules/{first}", headers=seller)
    conforms("reports_2021-06-30.json", "ReportSchedule", read.json())
    assert read.json()["period"] == "P7D" and read.json()["nextReportCreationTime"] == "2025-06-22T06:00:00+00:00"

    # The same report type and marketplaces again: the new schedule replaces the first.
    second = client.post("/reports/2021-06-30/schedules", json={**spec, "period": "P1D"},
                         headers=seller).json()["reportScheduleId"]
    listed = client.get("/reports/2021-06-30/schedules", params={"reportTypes": "GET_VENDOR_TRAFFIC_REPORT"},
                        headers=seller)
    conforms("reports_2021-06-30.json", "ReportScheduleList", listed.json())
    assert [s["reportScheduleId"] for s in listed.json()["reportSchedules"]] == [second]
    assert client.get(f"/reports/2021-06-30/schedules/{first}", headers=seller).status_code == 404

    bad = client.post("/reports/2021-06-30/schedules", json={**spec, "period": "P5D"}, headers=seller)
    assert bad.status_code == 400 and "PT5M" in error(bad)["details"]
    assert client.get("/reports/2021-06-30/schedules", headers=seller).status_code == 400  # reportTypes required
    assert client.delete(f"/reports/2021-06-30/schedules/{second}", headers=seller).status_code == 200
    assert client.get(f"/reports/2021-06-30/schedules/{second}", headers=seller).status_code == 404


def test_a_due_schedule_creates_its_report(start_sandbox, settings):
    clock = ManualClock(NOW)
    server = start_sandbox(settings, clock)
    headers = token(server.base_url, settings)
    with httpx.Client(base_url=server.base_url) as client:
        spec = {"reportType": "GET_VENDOR_FORECASTING_REPORT", "marketplaceIds": [MARKETPLACE], "period": "P7D",
                "reportOptions": {"sellingProgram": "RETAIL"}, "nextReportCreationTime": "2025-06-18T10:00:00Z"}
        schedule_id = client.post("/reports/2021-06-30/schedules", json=spec, headers=headers).json()[
            "reportScheduleId"]
        clock.advance(3600)
        deadline = time.monotonic() + 10
        reports: list[dict] = []
        while not reports and time.monotonic() < deadline:
            reports = client.get("/reports/2021-06-30/reports", headers=headers,
                                 params={"reportTypes": "GET_VENDOR_FORECASTING_REPORT"}).json()["reports"]
            time.sleep(0.05)
        [report] = reports
        assert report["reportScheduleId"] == schedule_id
        conforms("reports_2021-06-30.json", "Report", report)
        schedule = client.get(f"/reports/2021-06-30/schedules/{schedule_id}", headers=headers).json()
        assert schedule["nextReportCreationTime"] == "2025-06-25T10:00:00+00:00"
