"""The sandbox over plain HTTP: tokens, errors, usage plans, faults and document downloads."""

import gzip
import json
import time
import zlib
from datetime import UTC, datetime

import httpx
import pytest

from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.settings import FaultSettings, SandboxSettings

pytestmark = pytest.mark.integration

MARKETPLACE = "ATVPDKIKX0DER"
SALES_BODY = {
    "reportType": "GET_VENDOR_SALES_REPORT",
    "marketplaceIds": [MARKETPLACE],
    "dataStartTime": "2025-06-01T00:00:00Z",
    "dataEndTime": "2025-06-14T23:59:59Z",
    "reportOptions": {"reportPeriod": "WEEK", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL"},
}


def access_token(base_url: str, settings: SandboxSettings) -> dict[str, str]:
    response = httpx.post(
        f"{base_url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": settings.refresh_token,
            "client_id": settings.lwa_client_id,
            "client_secret": settings.lwa_client_secret,
        },
    )
    assert response.status_code == 200
    return {"x-amz-access-token": response.json()["access_token"]}


def wait_for_final(client: httpx.Client, report_id: str, headers: dict[str, str]) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        report = client.get(f"/reports/2021-06-30/reports/{report_id}", headers=headers).json()
        if report["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            return report
        time.sleep(0.05)
    raise AssertionError(f"report {report_id} did not finish")


def test_lwa_rejects_wrong_client_and_wrong_refresh_token(start_sandbox, settings):
    server = start_sandbox(settings)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": settings.refresh_token,
        "client_id": settings.lwa_client_id,
        "client_secret": settings.lwa_client_secret,
    }
    wrong_client = httpx.post(f"{server.base_url}/auth/o2/token", data={**form, "client_id": "amzn1.other"})
    assert wrong_client.status_code == 401
    assert wrong_client.json()["error"] == "invalid_client"
    wrong_token = httpx.post(
        f"{server.base_url}/auth/o2/token", data={**form, "refresh_token": "Atzr|stolen"}
    )
    assert wrong_token.status_code == 400
    assert wrong_token.json()["error"] == "invalid_grant"
    assert "x-amzn-RequestId" in wrong_token.headers


def test_sp_api_routes_need_a_token_the_sandbox_issued(start_sandbox, settings):
    server = start_sandbox(settings)
    for headers in ({}, {"x-amz-access-token": "Atza|forged"}):
        response = httpx.get(f"{server.base_url}/reports/2021-06-30/reports/50000000001", headers=headers)
        assert response.status_code == 403
        assert response.json() == {
            "errors": [
                {"code": "Unauthorized", "message": "Access to requested resource is denied.", "details": ""}
            ]
        }
        assert response.headers["x-amzn-RequestId"]
    headers = access_token(server.base_url, settings)
    # The Host header is never checked (python-amazon-sp-api sends a cut one).
    response = httpx.get(
        f"{server.base_url}/reports/2021-06-30/reports/50000000001", headers={**headers, "host": "27.0.0.1:1"}
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"
    assert response.headers["x-amzn-RateLimit-Limit"] == "2.0"


def test_create_report_answers_429_once_its_burst_is_spent(start_sandbox, settings):
    clock = ManualClock(datetime(2025, 6, 18, 9, 0, tzinfo=UTC))
    server = start_sandbox(settings, clock)
    headers = access_token(server.base_url, settings)
    with httpx.Client(base_url=server.base_url) as client:
        accepted = [
            client.post("/reports/2021-06-30/reports", json=SALES_BODY, headers=headers) for _ in range(15)
        ]
        assert {r.status_code for r in accepted} == {202}
        assert accepted[0].headers["x-amzn-RateLimit-Limit"] == "0.0167"
        throttled = client.post("/reports/2021-06-30/reports", json=SALES_BODY, headers=headers)
        assert throttled.status_code == 429
        assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
        assert "x-amzn-RateLimit-Limit" not in throttled.headers
        # One token comes back per 1/0.0167 simulated seconds.
        clock.advance(60)
        assert client.post("/reports/2021-06-30/reports", json=SALES_BODY, headers=headers).status_code == 202
    stats = server.stats["createReport"]
    assert (stats.calls, stats.accepted, stats.throttled, stats.max_burst) == (17, 16, 1, 15)


def test_injected_server_errors_use_amazons_error_body(start_sandbox, settings):
    server = start_sandbox(settings.model_copy(update={"faults": FaultSettings(server_error_rate=1.0)}))
    headers = access_token(server.base_url, settings)
    response = httpx.get(f"{server.base_url}/reports/2021-06-30/reports/1", headers=headers)
    assert response.status_code in (500, 503)
    assert response.json()["errors"][0]["code"] in ("InternalFailure", "ServiceUnavailable")
    assert server.stats["getReport"].server_errors == 1


def test_unknown_routes_answer_with_an_error_list(start_sandbox, settings):
    server = start_sandbox(settings)
    response = httpx.get(f"{server.base_url}/feeds/2021-06-30/feeds")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"


def test_documents_are_raw_gzip_and_their_urls_expire(start_sandbox, settings):
    clock = ManualClock(datetime(2025, 6, 18, 9, 0, tzinfo=UTC))
    server = start_sandbox(settings, clock)
    headers = access_token(server.base_url, settings)
    with httpx.Client(base_url=server.base_url) as client:
        report_id = client.post("/reports/2021-06-30/reports", json=SALES_BODY, headers=headers).json()[
            "reportId"
        ]
        clock.advance(600)
        report = wait_for_final(client, report_id, headers)
        assert report["processingStatus"] == "DONE"
        link = client.get(
            f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=headers
        ).json()
    assert link["compressionAlgorithm"] == "GZIP"
    assert link["url"].startswith(f"{server.base_url}/")
    download = httpx.get(link["url"])
    assert download.status_code == 200
    assert "content-encoding" not in download.headers
    document = json.loads(gzip.decompress(download.content))
    assert document["reportSpecification"]["reportType"] == "GET_VENDOR_SALES_REPORT"
    clock.advance(301)
    expired = httpx.get(link["url"])
    assert expired.status_code == 403
    assert "<Code>AccessDenied</Code>" in expired.text


def test_the_first_download_can_be_cut_short(start_sandbox, settings):
    clock = ManualClock(datetime(2025, 6, 18, 9, 0, tzinfo=UTC))
    server = start_sandbox(
        settings.model_copy(update={"faults": FaultSettings(truncated_documents=1)}), clock
    )
    headers = access_token(server.base_url, settings)
    with httpx.Client(base_url=server.base_url) as client:
        report_id = client.post("/reports/2021-06-30/reports", json=SALES_BODY, headers=headers).json()[
            "reportId"
        ]
        clock.advance(600)
        document_id = wait_for_final(client, report_id, headers)["reportDocumentId"]
        url = client.get(f"/reports/2021-06-30/documents/{document_id}", headers=headers).json()["url"]
    first = zlib.decompressobj(wbits=47)
    first.decompress(httpx.get(url).content)
    assert not first.eof
    second = httpx.get(url).content
    assert json.loads(gzip.decompress(second))["salesByAsin"]
    assert server.served_reports[report_id].faults == ("truncated_download",)
