"""request_reports: plan the due report windows of every account and create them, recording each request
in the ledger first so that a re-run (or a racing run) never requests the same window twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from vendorcast.config import AccountConfig
from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.ledger import LedgerConflict, LedgerEntry, RequestStatus
from vendorcast.reports.periods import period_start
from vendorcast.reports.windows import (
    PULL_INITIAL,
    PULL_REPULL_PREFIX,
    PULL_RESTATE_PREFIX,
    ReportWindow,
    plan_report_windows,
    stream_key,
)
from vendorcast.spapi.errors import SpApiAuthError, SpApiBadRequest, SpApiError
from vendorcast.vocabulary.report_catalogue import ReportPeriod

log = logging.getLogger(__name__)


@dataclass
class RequestSummary:
    requested: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # due, but left for the next run (time budget or throttling)
    request_keys: list[str] = field(default_factory=list)


@dataclass(order=True)
class _Due:
    # Newest data first: the most recent weeks matter most to a forecast, the backfill can trail.
    sort_key: tuple[int, str]
    entry: LedgerEntry = field(compare=False)
    account: AccountConfig = field(compare=False)
    is_retry: bool = field(compare=False)


def new_ledger_entry(account: str, marketplace_id: str, stream: str, window: ReportWindow,
                     now: datetime) -> LedgerEntry:
    """A window not yet in the ledger, to be claimed."""
    return LedgerEntry(
        request_key=window.request_key(account, marketplace_id), stream=stream, account=account,
        marketplace_id=marketplace_id, window=window, status=RequestStatus.REQUESTING,
        due_at=now.isoformat(timespec="seconds"),
    )


def due_requests(ctx: IngestionContext, now: datetime) -> list[_Due]:
    """Every window that needs a createReport now: newly planned ones and retries whose time has come."""
    due: list[_Due] = []
    now_iso = now.isoformat(timespec="seconds")
    week_start = datetime.combine(period_start(now.date(), ReportPeriod.WEEK), time.min, UTC).isoformat()
    for account in ctx.config.accounts:
        for marketplace_id in account.marketplace_ids:
            for report in account.reports:
                stream = stream_key(account.name, marketplace_id, report)
                entries = ctx.ledger.stream_entries(stream)
                # A restatement window also brings the periods after the ones it restates (plan_report_windows),
                # and an operator's re-pull may bring periods no schedule pulled yet.
                pulled = [e for e in entries if e.window.pull == PULL_INITIAL
                          or e.window.pull.startswith((PULL_RESTATE_PREFIX, PULL_REPULL_PREFIX))]
                windows = plan_report_windows(
                    report, backfill_start=account.backfill_start, now=now,
                    covered=[(e.window.start, e.window.end) for e in pulled],
                    requested_pulls={e.window.pull for e in entries},
                    pulled_this_week=[(e.window.start, e.window.end) for e in pulled
                                      if (e.created_at or now_iso) >= week_start],
                )
                for window in windows:
                    entry = new_ledger_entry(account.name, marketplace_id, stream, window, now)
                    due.append(_Due((-window.end.toordinal(), entry.request_key), entry, account, False))
                for entry in entries:
                    # RETRY_LATER when due; REQUESTING left behind by an interrupted run.
                    retry = entry.status in (RequestStatus.RETRY_LATER, RequestStatus.REQUESTING)
                    if retry and entry.due_at <= now_iso:
                        due.append(_Due((-entry.window.end.toordinal(), entry.request_key), entry, account, True))
    return sorted(due)


def request_due_reports(ctx: IngestionContext, has_time: Callable[[], bool] = lambda: True) -> RequestSummary:
    """Create the due reports, newest first, until done or `has_time()` says the run must end."""
    schedules = ctx.config.schedules
    summary = RequestSummary()
    due = due_requests(ctx, ctx.clock.now())
    for index, item in enumerate(due):
        if not has_time():
            summary.deferred += len(due) - index
            break
        entry = item.entry
        if item.is_retry and entry.attempts >= schedules.max_attempts:
            reason = f"gave up after {entry.attempts} attempts; last reason: {entry.reason}"
            _give_up(ctx, entry, ctx.clock.now(), reason)
            summary.failed += 1
            continue
        outcome = request_window(ctx, entry, item.account)
        if outcome is WindowRequest.REJECTED:
            summary.failed += 1
        elif outcome is WindowRequest.DEFERRED:
            summary.deferred += len(due) - index
            log.warning("stopping this run; %d request(s) deferred", len(due) - index)
            break
        elif outcome is WindowRequest.REQUESTED:
            summary.request_keys.append(entry.request_key)
            if item.is_retry:
                summary.retried += 1
            else:
                summary.requested += 1
    return summary


class WindowRequest(StrEnum):
    """What became of one window's createReport."""

    REQUESTED = "requested"  # report created, ledger REQUESTED
    TAKEN = "taken"  # another run claimed the window first: nothing done
    REJECTED = "rejected"  # Amazon refused the request for good: ledger FAILED, operator alerted
    DEFERRED = "deferred"  # throttled or failing after bounded retries: ledger RETRY_LATER, due after the poll wait


def request_window(ctx: IngestionContext, entry: LedgerEntry, account: AccountConfig) -> WindowRequest:
    """Claim one window in the ledger (new, or a retry whose time has come) and create its report. Refused
    credentials keep the window (RETRY_LATER) and raise: no other window of the account can do better."""
    poll_after = timedelta(minutes=ctx.config.schedules.poll_after_minutes)
    now = ctx.clock.now()
    try:
        ctx.ledger.claim(entry, now, stale_after=poll_after)
    except LedgerConflict:
        return WindowRequest.TAKEN
    api = ctx.reports_api(account, entry.marketplace_id)
    try:
        report_id = api.create_report(entry.window)
    except SpApiAuthError:
        ctx.ledger.mark_retry_later(entry, None, now, now + poll_after, "credentials refused")
        raise
    except SpApiBadRequest as exc:
        _give_up(ctx, entry, now, f"Amazon rejected the request: {exc}")
        return WindowRequest.REJECTED
    except SpApiError as exc:
        ctx.ledger.mark_retry_later(entry, None, now, now + poll_after, str(exc))
        log.warning("createReport for %s deferred: %s", entry.request_key, exc)
        return WindowRequest.DEFERRED
    ctx.ledger.mark_requested(entry, report_id, ctx.clock.now(), poll_after)
    log.info("requested %s as report %s", entry.request_key, report_id)
    return WindowRequest.REQUESTED


def _give_up(ctx: IngestionContext, entry: LedgerEntry, now: datetime, reason: str) -> None:
    if entry.status is not RequestStatus.REQUESTING:
        ctx.ledger.claim(entry, now, stale_after=timedelta(0))
    ctx.ledger.mark_failed(entry, None, now, reason)
    ctx.alerts.send(f"vendorcast: {entry.window.report_type} failed for {entry.account}",
                    f"{entry.request_key}: {reason}")
