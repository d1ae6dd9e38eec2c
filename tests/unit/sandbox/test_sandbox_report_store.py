import gzip
import json
from datetime import UTC, date, datetime

import pytest
from werkzeug.datastructures import MultiDict

from vendorcast.sandbox.faults import FaultInjector
from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.report_store import ReportStore
from vendorcast.sandbox.settings import FaultSettings, ProcessingTimes, SandboxSettings
from vendorcast.sandbox.simulation import SimulationHolder
from vendorcast.sandbox.wire import ApiError

MARKETPLACE = "ATVPDKIKX0DER"
SALES = {
    "reportType": "GET_VENDOR_SALES_REPORT",
    "marketplaceIds": [MARKETPLACE],
    "dataStartTime": "2025-06-01T00:00:00Z",
    "dataEndTime": "2025-06-14T23:59:59Z",
    "reportOptions": {"reportPeriod": "WEEK", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL"},
}


class Harness:
    def __init__(self, faults: FaultSettings | None = None) -> None:
        self.settings = SandboxSettings(
            seed=3,
            n_asins=12,
            history_start=date(2024, 1, 1),
            processing=ProcessingTimes(queue_seconds=60, processing_seconds=120),
            faults=faults or FaultSettings(),
        )
        self.clock = ManualClock(datetime(2025, 6, 18, 9, 0, tzinfo=UTC))
        self.finished: list = []
        self.store = ReportStore(
            self.settings,
            self.clock,
            SimulationHolder(self.settings).simulator,
            FaultInjector(self.settings.faults, self.settings.seed),
            on_finished=lambda report, ended: self.finished.append((report, ended)),
        )

    def run(self, body: dict) -> dict:
        report_id = self.store.create(body)
        self.clock.advance(400)
        return self.store.report(report_id)

    def document(self, report: dict) -> dict:
        return json.loads(gzip.decompress(self.store.document(report["reportDocumentId"]).content))


@pytest.fixture
def harness() -> Harness:
    return Harness()


def test_reports_move_through_their_states_in_simulated_time(harness):
    report_id = harness.store.create(SALES)
    assert harness.store.report(report_id)["processingStatus"] == "IN_QUEUE"
    harness.clock.advance(95)
    report = harness.store.report(report_id)
    assert report["processingStatus"] == "IN_PROGRESS" and "processingStartTime" in report
    harness.clock.advance(300)
    report = harness.store.report(report_id)
    assert report["processingStatus"] == "DONE"
    assert report["dataStartTime"] == "2025-06-01T00:00:00+00:00"
    assert report["reportDocumentId"].startswith("amzn1.tortuga.4.na.")
    document = harness.document(report)
    assert document["reportSpecification"]["lastUpdatedDate"] == report["processingEndTime"][:10]
    assert len(document["salesAggregate"]) == 2
    assert harness.finished[0][0].status == "DONE"
    harness.store.advance()
    assert len(harness.finished) == 1


def test_a_misaligned_window_ends_fatal_with_a_reason_document(harness):
    report = harness.run({**SALES, "dataStartTime": "2025-06-02T00:00:00Z"})
    assert report["processingStatus"] == "FATAL"
    assert "must be a Sunday" in harness.document(report)["errorDetails"]
    served = harness.store.served_reports()[report["reportId"]]
    assert served.status == "FATAL" and "Sunday" in served.error_details


def test_business_inventory_ends_fatal(harness):
    body = {
        **SALES,
        "reportType": "GET_VENDOR_INVENTORY_REPORT",
        "reportOptions": {**SALES["reportOptions"], "sellingProgram": "BUSINESS"},
    }
    report = harness.run(body)
    assert report["processingStatus"] == "FATAL"
    assert "BUSINESS" in harness.document(report)["errorDetails"]


def test_not_yet_available_ends_fatal(harness):
    # Daily figures come out 72 hours after the day closes; it is 2025-06-18 09:00.
    report = harness.run(
        {
            **SALES,
            "reportOptions": {**SALES["reportOptions"], "reportPeriod": "DAY"},
            "dataStartTime": "2025-06-10T00:00:00Z",
            "dataEndTime": "2025-06-15T00:00:00Z",
        }
    )
    assert report["processingStatus"] == "FATAL"
    assert "not yet available" in harness.document(report)["errorDetails"]


def test_windows_in_the_future_are_refused_at_once(harness):
    with pytest.raises(ApiError) as error:
        harness.store.create({**SALES, "dataEndTime": "2025-06-20T00:00:00Z"})
    assert error.value.status == 400


@pytest.mark.parametrize(
    "body, message",
    [
        ({**SALES, "reportType": "GET_NOT_A_REPORT"}, "Invalid reportType"),
        ({**SALES, "marketplaceIds": []}, "marketplaceIds"),
        ({**SALES, "reportOptions": {"reportPeriod": 7}}, "strings"),
        ([], "JSON object"),
    ],
)
def test_invalid_bodies_are_refused_with_400(harness, body, message):
    with pytest.raises(ApiError, match=message) as error:
        harness.store.create(body)
    assert error.value.status == 400 and error.value.code == "InvalidInput"


def test_no_data_is_cancelled(harness):
    report = harness.run(
        {**SALES, "dataStartTime": "2023-06-04T00:00:00Z", "dataEndTime": "2023-06-10T00:00:00Z"}
    )
    assert report["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in report


def test_only_queued_reports_can_be_cancelled(harness):
    queued = harness.store.create(SALES)
    harness.store.cancel(queued)
    assert harness.store.report(queued)["processingStatus"] == "CANCELLED"
    started = harness.store.create(SALES)
    harness.clock.advance(100)
    with pytest.raises(ApiError, match="cannot be cancelled"):
        harness.store.cancel(started)
    harness.clock.advance(400)
    harness.store.advance()
    statuses = [r.status for r, _ in harness.finished]
    assert statuses == ["CANCELLED", "DONE"]


def test_get_reports_filters_pages_and_wants_next_token_alone(harness):
    ids = [harness.store.create(SALES) for _ in range(5)]
    traffic = harness.store.create(
        {**SALES, "reportType": "GET_VENDOR_TRAFFIC_REPORT", "reportOptions": {"reportPeriod": "WEEK"}}
    )
    page = harness.store.reports(MultiDict({"reportTypes": "GET_VENDOR_SALES_REPORT", "pageSize": "2"}))
    assert [r["reportId"] for r in page["reports"]] == ids[::-1][:2]
    seen = [r["reportId"] for r in page["reports"]]
    while "nextToken" in page:
        page = harness.store.reports(MultiDict({"nextToken": page["nextToken"]}))
        seen += [r["reportId"] for r in page["reports"]]
    assert seen == ids[::-1]
    with pytest.raises(ApiError, match="alone"):
        harness.store.reports(MultiDict({"nextToken": "x", "pageSize": "2"}))
    both = harness.store.reports(
        MultiDict(
            [
                ("reportTypes", "GET_VENDOR_SALES_REPORT"),
                ("reportTypes", "GET_VENDOR_TRAFFIC_REPORT"),
                ("pageSize", "10"),
            ]
        )
    )
    assert len(both["reports"]) == 6 and both["reports"][0]["reportId"] == traffic
    harness.clock.advance(400)
    done = harness.store.reports(
        MultiDict({"reportTypes": "GET_VENDOR_TRAFFIC_REPORT", "processingStatuses": "DONE"})
    )
    assert [r["reportId"] for r in done["reports"]] == [traffic]
    with pytest.raises(ApiError):
        harness.store.reports(MultiDict())


def test_reports_are_kept_90_days(harness):
    report_id = harness.store.create(SALES)
    harness.clock.advance(91 * 86400)
    with pytest.raises(ApiError) as error:
        harness.store.report(report_id)
    assert error.value.status == 404


def test_injected_not_available_faults_are_recorded():
    harness = Harness(FaultSettings(fatal_not_available_rate=1.0))
    report = harness.run(SALES)
    assert report["processingStatus"] == "FATAL"
    assert "not yet available" in harness.document(report)["errorDetails"]
    assert harness.store.served_reports()[report["reportId"]].faults == ("fatal_not_available",)
