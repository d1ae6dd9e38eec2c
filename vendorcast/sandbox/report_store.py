"""Reports as the emulator keeps them: created IN_QUEUE, IN_PROGRESS and then DONE, FATAL or CANCELLED as
simulated time passes; their documents (gzip JSON, or an errorDetails reason for FATAL); listing with
Amazon's filters and 90-day retention; and a record of what was served, for tests."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from werkzeug.datastructures import MultiDict

from vendorcast.clock import Clock
from vendorcast.sandbox.documents import build_report_document
from vendorcast.sandbox.faults import Fault, FaultInjector
from vendorcast.sandbox.marketplaces import MARKETPLACES, REGION_ENDPOINTS
from vendorcast.sandbox.report_rules import (
    ReportRejected,
    ReportRequest,
    amazon_report_type,
    check_report_request,
    not_yet_available_details,
)
from vendorcast.sandbox.restatements import hash_uniform
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.wire import (
    decode_token,
    encode_token,
    int_param,
    invalid_input,
    list_param,
    not_found,
    parse_datetime,
    timestamp,
)

IN_QUEUE, IN_PROGRESS, DONE, FATAL, CANCELLED = "IN_QUEUE", "IN_PROGRESS", "DONE", "FATAL", "CANCELLED"
PROCESSING_STATUSES = (CANCELLED, DONE, FATAL, IN_PROGRESS, IN_QUEUE)
FINAL_STATUSES = (DONE, FATAL, CANCELLED)
RETENTION = timedelta(days=90)
_FIRST_REPORT_ID = 50_000_000_000
_GET_REPORTS_FILTERS = (
    "reportTypes",
    "processingStatuses",
    "marketplaceIds",
    "pageSize",
    "createdSince",
    "createdUntil",
)


@dataclass(frozen=True)
class ServedReport:
    """What the emulator did with one createReport call (for tests and the truth comparison)."""

    report_id: str
    report_type: str
    options: Any
    marketplace_ids: tuple[str, ...]
    start: date | None
    end: date | None
    created_time: datetime
    status: str  # final status once processed, else the current one
    last_updated: date | None
    report_document_id: str | None
    error_details: str | None
    faults: tuple[str, ...] = ()

    @property
    def fault_injected(self) -> bool:
        return bool(self.faults)


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    report_id: str
    content: bytes  # gzip
    final_status: str


@dataclass
class _Report:
    number: int
    report_id: str
    report_type: str
    marketplace_ids: tuple[str, ...]
    options: Any
    data_start: datetime
    data_end: datetime
    created: datetime
    processing_start: datetime
    processing_end: datetime
    schedule_id: str | None = None  # the report schedule that created it
    status: str | None = None  # set once final
    last_updated: date | None = None
    document_id: str | None = None
    error_details: str | None = None
    faults: list[str] = field(default_factory=list)

    def status_at(self, now: datetime) -> str:
        if self.status is not None:
            return self.status
        if now < self.processing_start:
            return IN_QUEUE
        return IN_PROGRESS


FinishedCallback = Callable[[ServedReport, datetime], None]


class ReportStore:
    """All reports of the emulator and their documents; thread-safe."""

    def __init__(
        self,
        settings: SandboxSettings,
        clock: Clock,
        simulator: Callable[[date, str], VendorSimulator],
        faults: FaultInjector,
        on_finished: FinishedCallback | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._simulator = simulator
        self._faults = faults
        self._on_finished = on_finished
        self._lock = threading.RLock()
        self._reports: dict[str, _Report] = {}
        self._documents: dict[str, StoredDocument] = {}

    # ------------------------------------------------------------------ createReport
    def create(self, body: Any, schedule_id: str | None = None) -> str:
        """createReport (or a due report schedule, whose id the report carries): validate the body as Amazon's
        model does, queue the report, return its id. The report rules are applied when it is processed."""
        if not isinstance(body, dict):
            raise invalid_input("The request body must be a JSON object (CreateReportSpecification)")
        report_type = body.get("reportType")
        if not isinstance(report_type, str) or not report_type:
            raise invalid_input("reportType is required")
        try:
            amazon_report_type(report_type)
        except ValueError as exc:
            raise invalid_input(str(exc)) from None
        marketplace_ids = body.get("marketplaceIds")
        if (
            not isinstance(marketplace_ids, list)
            or not 1 <= len(marketplace_ids) <= 25
            or not all(isinstance(m, str) for m in marketplace_ids)
        ):
            raise invalid_input("marketplaceIds must be an array of 1 to 25 marketplace identifiers")
        self._check_region(marketplace_ids)
        options = body.get("reportOptions", {})
        if isinstance(options, dict) and not all(isinstance(v, str) for v in options.values()):
            raise invalid_input("reportOptions values must be strings")
        now = self._clock.now()
        data_start = self._data_time(body, "dataStartTime", now)
        data_end = self._data_time(body, "dataEndTime", now)
        with self._lock:
            number = len(self._reports) + 1
            queue, processing = self._delays(number)
            report = _Report(
                number=number,
                report_id=str(_FIRST_REPORT_ID + number),
                report_type=report_type,
                marketplace_ids=tuple(marketplace_ids),
                options=options,
                data_start=data_start,
                data_end=data_end,
                created=now,
                processing_start=now + queue,
                processing_end=now + queue + processing,
                schedule_id=schedule_id,
            )
            self._reports[report.report_id] = report
        return report.report_id

    def _check_region(self, marketplace_ids: list[str]) -> None:
        """A regional endpoint serves only its region's marketplaces (spapi.md §1.3)."""
        region = self._settings.region
        for marketplace_id in marketplace_ids:
            known = MARKETPLACES.get(marketplace_id)
            if known is None:
                raise invalid_input(f"Invalid marketplaceId {marketplace_id!r}")
            if known.region != region:
                raise invalid_input(
                    f"marketplace {marketplace_id} ({known.country}) is served by the {known.region} endpoint "
                    f"{REGION_ENDPOINTS[known.region]}, not this {region} one {REGION_ENDPOINTS[region]}")

    @staticmethod
    def _data_time(body: dict[str, Any], name: str, now: datetime) -> datetime:
        value = body.get(name)
        if value is None:
            return now
        if not isinstance(value, str):
            raise invalid_input(f"{name} must be an ISO 8601 date-time string")
        moment = parse_datetime(name, value)
        if moment > now:
            raise invalid_input(f"{name} {value} must not be in the future (now is {timestamp(now)})")
        return moment

    def _delays(self, number: int) -> tuple[timedelta, timedelta]:
        times = self._settings.processing
        jitter = hash_uniform(self._settings.seed, 7, number, [1, 2])
        return (
            timedelta(seconds=times.queue_seconds * (0.5 + float(jitter[0]))),
            timedelta(seconds=times.processing_seconds * (0.5 + float(jitter[1]))),
        )

    # ------------------------------------------------------------------ processing
    def advance(self) -> None:
        """Finish every report whose processing time has passed (also called on each read)."""
        now = self._clock.now()
        finished: list[tuple[ServedReport, datetime]] = []
        with self._lock:
            for report in self._reports.values():
                if report.status is None and report.processing_end <= now:
                    self._finish(report)
                    finished.append((self._served(report), report.processing_end))
        if self._on_finished:
            for served, ended in finished:
                self._on_finished(served, ended)

    def _finish(self, report: _Report) -> None:
        at = report.processing_end
        report.last_updated = at.date()
        request = ReportRequest(
            report.report_type,
            report.marketplace_ids,
            report.options,
            report.data_start.date(),
            report.data_end.date(),
        )
        try:
            spec = check_report_request(request, self._settings.marketplace_ids, at)
            if spec.dated and self._faults.hits(Fault.FATAL_NOT_AVAILABLE):
                report.faults.append("fatal_not_available")
                raise ReportRejected(not_yet_available_details(request.end))
        except ReportRejected as rejected:
            report.status = FATAL
            report.error_details = str(rejected)
            self._store_document(report, {"errorDetails": report.error_details})
            return
        marketplace_id = request.marketplace_ids[0]
        document = build_report_document(
            self._simulator(at.date(), marketplace_id),
            report.report_type,
            report.options,
            marketplace_id,
            request.start,
            request.end,
            at.date(),
        )
        if not document[spec.by_asin_key]:
            # Amazon cancels a report that has no data to return.
            report.status = CANCELLED
            return
        report.status = DONE
        self._store_document(report, document)

    def _store_document(self, report: _Report, document: dict[str, Any]) -> None:
        digest = hashlib.sha256(f"{self._settings.seed}:document:{report.number}".encode()).digest()
        suffix = hashlib.sha256(digest).hexdigest()[:12].upper()
        region = self._settings.region.lower()
        report.document_id = f"amzn1.tortuga.4.{region}.{uuid.UUID(bytes=digest[:16], version=4)}.T{suffix}"
        content = gzip.compress(json.dumps(document).encode("utf-8"), mtime=0)
        self._documents[report.document_id] = StoredDocument(
            report.document_id, report.report_id, content, report.status or FATAL
        )

    # ------------------------------------------------------------------ reads
    def _visible(self, report_id: str, now: datetime) -> _Report:
        report = self._reports.get(report_id)
        if report is None or report.created < now - RETENTION:
            raise not_found(f"Report {report_id} was not found")
        return report

    def report(self, report_id: str) -> dict[str, Any]:
        self.advance()
        now = self._clock.now()
        with self._lock:
            return self._report_json(self._visible(report_id, now), now)

    def _report_json(self, report: _Report, now: datetime) -> dict[str, Any]:
        status = report.status_at(now)
        out: dict[str, Any] = {
            "reportId": report.report_id,
            "reportType": report.report_type,
            "dataStartTime": timestamp(report.data_start),
            "dataEndTime": timestamp(report.data_end),
            "marketplaceIds": list(report.marketplace_ids),
            "createdTime": timestamp(report.created),
            "processingStatus": status,
        }
        if report.schedule_id:
            out["reportScheduleId"] = report.schedule_id
        if status != IN_QUEUE and report.processing_start <= now:
            out["processingStartTime"] = timestamp(report.processing_start)
        if status in FINAL_STATUSES:
            out["processingEndTime"] = timestamp(report.processing_end)
        if report.document_id:
            out["reportDocumentId"] = report.document_id
        return out

    def reports(self, args: MultiDict) -> dict[str, Any]:
        """getReports: filters, newest first, pages with an opaque nextToken that must be sent alone."""
        self.advance()
        now = self._clock.now()
        token = args.get("nextToken")
        if token:
            if any(name in args for name in _GET_REPORTS_FILTERS):
                raise invalid_input("nextToken must be sent alone, without other filter parameters")
            query = decode_token(token)
        else:
            query = self._reports_query(args, now)
        offset = int(query.get("offset", 0))
        since, until = datetime.fromisoformat(query["since"]), datetime.fromisoformat(query["until"])
        with self._lock:
            matches = [
                r
                for r in self._reports.values()
                if r.report_type in query["types"]
                and (not query["statuses"] or r.status_at(now) in query["statuses"])
                and (not query["marketplaces"] or set(r.marketplace_ids) & set(query["marketplaces"]))
                and since <= r.created <= until
                and r.created >= now - RETENTION
            ]
            matches.sort(key=lambda r: (r.created, r.number), reverse=True)
            page = matches[offset : offset + query["page_size"]]
            out: dict[str, Any] = {"reports": [self._report_json(r, now) for r in page]}
        if offset + query["page_size"] < len(matches):
            out["nextToken"] = encode_token({**query, "offset": offset + query["page_size"]})
        return out

    def _reports_query(self, args: MultiDict, now: datetime) -> dict[str, Any]:
        types = list_param(args, "reportTypes")
        if not types:
            raise invalid_input("reportTypes or nextToken is required")
        if len(types) > 10:
            raise invalid_input("reportTypes accepts at most 10 report types")
        statuses = list_param(args, "processingStatuses")
        unknown = [s for s in statuses if s not in PROCESSING_STATUSES]
        if unknown:
            raise invalid_input(f"Invalid processingStatuses {unknown}; use {', '.join(PROCESSING_STATUSES)}")
        marketplaces = list_param(args, "marketplaceIds")
        if len(marketplaces) > 10:
            raise invalid_input("marketplaceIds accepts at most 10 marketplaces")
        since = (
            parse_datetime("createdSince", args["createdSince"])
            if "createdSince" in args
            else now - RETENTION
        )
        until = parse_datetime("createdUntil", args["createdUntil"]) if "createdUntil" in args else now
        return {
            "types": types,
            "statuses": statuses,
            "marketplaces": marketplaces,
            "page_size": int_param(args, "pageSize", 10, 1, 100),
            "since": since.isoformat(),
            "until": until.isoformat(),
            "offset": 0,
        }

    # ------------------------------------------------------------------ cancelReport
    def cancel(self, report_id: str) -> None:
        self.advance()
        now = self._clock.now()
        with self._lock:
            report = self._visible(report_id, now)
            status = report.status_at(now)
            if status != IN_QUEUE:
                raise invalid_input(
                    f"Report {report_id} cannot be cancelled: its processingStatus is {status}"
                )
            report.status = CANCELLED
            # Cancelled before processing started: it ends now and never starts.
            report.processing_start = now + timedelta(days=3650)
            report.processing_end = now
            served = self._served(report)
        if self._on_finished:
            self._on_finished(served, now)

    # ------------------------------------------------------------------ documents and records
    def document(self, document_id: str) -> StoredDocument:
        with self._lock:
            stored = self._documents.get(document_id)
        if stored is None:
            raise not_found(f"Report document {document_id} was not found")
        return stored

    def record_fault(self, report_id: str, fault: str) -> None:
        with self._lock:
            report = self._reports.get(report_id)
            if report is not None and fault not in report.faults:
                report.faults.append(fault)

    def _served(self, report: _Report) -> ServedReport:
        # createReport accepts known report types only.
        spec_dated = amazon_report_type(report.report_type).dated
        return ServedReport(
            report_id=report.report_id,
            report_type=report.report_type,
            options=dict(report.options) if isinstance(report.options, dict) else report.options,
            marketplace_ids=report.marketplace_ids,
            start=report.data_start.date() if spec_dated else None,
            end=report.data_end.date() if spec_dated else None,
            created_time=report.created,
            status=report.status or report.status_at(self._clock.now()),
            last_updated=report.last_updated,
            report_document_id=report.document_id,
            error_details=report.error_details,
            faults=tuple(report.faults),
        )

    def served_reports(self) -> dict[str, ServedReport]:
        with self._lock:
            return {report_id: self._served(report) for report_id, report in self._reports.items()}
