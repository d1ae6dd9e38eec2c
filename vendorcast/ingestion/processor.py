"""process_reports: act on one REPORT_PROCESSING_FINISHED event. DONE: download the document, keep the original
in landing/, write typed Parquet to raw/, mark the ledger. FATAL: read Amazon's reason and either plan a later
retry or give up with an operator alert. CANCELLED: record that the window has no data. Duplicates and events
for superseded reports change nothing."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.events import ReportNotification
from vendorcast.ingestion.ledger import LedgerConflict, LedgerEntry, RequestStatus
from vendorcast.lake.layout import landing_key, raw_key
from vendorcast.reports.failures import classify_failure
from vendorcast.reports.parsers import (
    DocumentLineage,
    ExpectedSpecification,
    ReportDocumentError,
    parse_report_document,
    write_parquet,
)
from vendorcast.resources import LANDED_ACTION
from vendorcast.spapi.reports import ReportsApi

log = logging.getLogger(__name__)

# An event for a report id the ledger does not know yet may race the ledger's index: retry it for this long.
UNKNOWN_REPORT_GRACE = timedelta(minutes=15)


class ReportNotYetKnown(Exception):
    """The event came before the ledger's index shows its report: let SQS deliver it again."""


@dataclass(frozen=True)
class ProcessOutcome:
    action: str  # landed | no_data | retry_later | failed | duplicate | superseded | foreign | ambiguous
    request_key: str | None = None
    rows: int | None = None


def process_report_event(ctx: IngestionContext, event: ReportNotification) -> ProcessOutcome:
    report = event.report
    now = ctx.clock.now()
    candidates = [e for e in ctx.ledger.find_by_report_id(report.report_id)
                  if e.window.report_type.value == report.report_type]
    # poll_reports names the config's account; Amazon names its own account id, which the config does not map.
    named = [e for e in candidates if e.account == report.account_id]
    candidates = named or candidates
    if not candidates:
        if now - event.event_time < UNKNOWN_REPORT_GRACE:
            raise ReportNotYetKnown(f"report {report.report_id} is not in the ledger yet")
        log.warning("ignoring report %s (%s): vendorcast did not request it", report.report_id, report.report_type)
        return ProcessOutcome("foreign")
    if len({e.account for e in candidates}) > 1:
        # Report ids are unique only per selling partner: this one names reports of several accounts. Guessing could
        # land one account's window with another's document; poll_reports asks each account about its own report.
        log.warning("report %s (%s) is a report id of several accounts (%s): left to poll_reports",
                    report.report_id, report.report_type, ", ".join(sorted({e.account for e in candidates})))
        return ProcessOutcome("ambiguous")
    entry = candidates[0]
    if entry.report_id != report.report_id:
        log.info("ignoring superseded report %s of %s", report.report_id, entry.request_key)
        return ProcessOutcome("superseded", entry.request_key)
    if entry.status is not RequestStatus.REQUESTED:
        log.info("duplicate event for %s (%s): nothing to do", entry.request_key, entry.status)
        return ProcessOutcome("duplicate", entry.request_key)

    account = ctx.config.account(entry.account)
    api = ctx.reports_api(account, entry.marketplace_id)
    try:
        match report.processing_status:
            case "DONE":
                return _land(ctx, api, entry, report.report_id, report.report_document_id, now)
            case "CANCELLED":
                ctx.ledger.mark_no_data(entry, report.report_id, now, "Amazon cancelled the report: no data")
                return ProcessOutcome("no_data", entry.request_key)
            case _:
                return _fatal(ctx, api, entry, report.report_id, report.report_document_id, now)
    except LedgerConflict:
        # A concurrent duplicate finished the entry first; the lake objects have deterministic keys.
        return ProcessOutcome("duplicate", entry.request_key)


def _land(ctx: IngestionContext, api: ReportsApi, entry: LedgerEntry, report_id: str, document_id: str | None,
          now: datetime) -> ProcessOutcome:
    if not document_id:
        return _give_up(ctx, entry, report_id, now, "Amazon reported DONE without a reportDocumentId")
    document = api.download_document(document_id)
    window = entry.window
    landing = landing_key(entry.account, entry.marketplace_id, window, report_id, document.compressed)
    # The original first: whatever happens next, the document as Amazon served it is kept.
    ctx.s3.put_object(Bucket=ctx.bucket, Key=landing, Body=document.served,
                      ContentType="application/json",
                      **({"ContentEncoding": "gzip"} if document.compressed else {}))
    lineage = DocumentLineage(report_id=report_id, request_key=entry.request_key, ingested_at=now)
    expected = ExpectedSpecification.from_window(window, entry.marketplace_id)
    try:
        table = parse_report_document(document.content, window.report_type, lineage, expected)
    except ReportDocumentError as exc:
        return _give_up(ctx, entry, report_id, now, f"document {document_id} kept at {landing} but not "
                        f"loaded: {exc}")
    sink = io.BytesIO()
    write_parquet(table, sink)
    key = raw_key(entry.account, entry.marketplace_id, window, report_id)
    ctx.s3.put_object(Bucket=ctx.bucket, Key=key, Body=sink.getvalue(), ContentType="application/vnd.apache.parquet")
    last_updated = table.column("last_updated_date")[0].as_py() if table.num_rows else None
    ctx.ledger.mark_landed(entry, report_id, ctx.clock.now(), landing_key=landing, raw_key=key,
                           rows=table.num_rows, last_updated_date=last_updated.isoformat() if last_updated else None)
    log.info("landed %s: %d rows at s3://%s/%s", entry.request_key, table.num_rows, ctx.bucket, key)
    return ProcessOutcome(LANDED_ACTION, entry.request_key, table.num_rows)


def _fatal(ctx: IngestionContext, api: ReportsApi, entry: LedgerEntry, report_id: str, document_id: str | None,
           now: datetime) -> ProcessOutcome:
    reason_document = api.download_document(document_id).content if document_id else None
    failure = classify_failure(reason_document)
    schedules = ctx.config.schedules
    if failure.kind.retryable and entry.attempts < schedules.max_attempts:
        not_before = now + timedelta(hours=schedules.retry_not_available_after_hours)
        ctx.ledger.mark_retry_later(entry, report_id, now, not_before, f"{failure.kind}: {failure.details}")
        log.info("%s failed (%s); requesting again after %s", entry.request_key, failure.kind, not_before)
        return ProcessOutcome("retry_later", entry.request_key)
    return _give_up(ctx, entry, report_id, now, f"{failure.kind}: {failure.details}")


def _give_up(ctx: IngestionContext, entry: LedgerEntry, report_id: str, now: datetime, reason: str) -> ProcessOutcome:
    ctx.ledger.mark_failed(entry, report_id, now, reason)
    ctx.alerts.send(f"vendorcast: {entry.window.report_type} failed for {entry.account}",
                    f"{entry.request_key} (report {report_id}): {reason}")
    return ProcessOutcome("failed", entry.request_key)
