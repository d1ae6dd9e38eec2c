"""poll_reports: the fallback for notifications that never arrive. Requests still open after the configured
wait are checked with getReport; a finished one is put on the report-events queue in the notification's own
shape, so process_reports handles it like any other event; one that never finishes is re-planned."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.events import poller_notification
from vendorcast.ingestion.ledger import LedgerConflict, RequestStatus

log = logging.getLogger(__name__)


@dataclass
class PollSummary:
    checked: int = 0
    finished: int = 0
    timed_out: int = 0
    still_open: int = 0


def poll_open_requests(ctx: IngestionContext, has_time: Callable[[], bool] = lambda: True) -> PollSummary:
    schedules = ctx.config.schedules
    poll_after = timedelta(minutes=schedules.poll_after_minutes)
    timeout = timedelta(hours=schedules.report_timeout_hours)
    summary = PollSummary()
    for entry in ctx.ledger.due(RequestStatus.REQUESTED, ctx.clock.now()):
        if not has_time():
            break
        if entry.report_id is None:
            continue
        summary.checked += 1
        account = ctx.config.account(entry.account)
        report = ctx.reports_api(account, entry.marketplace_id).get_report(entry.report_id)
        now = ctx.clock.now()
        try:
            if report.finished:
                ctx.sqs.send_message(QueueUrl=ctx.queue_url, MessageBody=poller_notification(
                    account_id=entry.account, report_id=report.report_id, report_type=report.report_type,
                    processing_status=report.processing_status, report_document_id=report.report_document_id,
                    now=now))
                # Look again later in case this event is lost too; a duplicate is a no-op downstream.
                ctx.ledger.postpone(entry, now + poll_after)
                summary.finished += 1
                log.info("report %s of %s finished %s without a notification; queued it",
                         report.report_id, entry.request_key, report.processing_status)
            elif report.created_time and now - report.created_time > timeout:
                ctx.ledger.mark_retry_later(entry, entry.report_id, now, now,
                                            f"report {entry.report_id} did not finish within {timeout}")
                summary.timed_out += 1
            else:
                ctx.ledger.postpone(entry, now + poll_after)
                summary.still_open += 1
        except LedgerConflict:
            continue  # processed meanwhile
    return summary
