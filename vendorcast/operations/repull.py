"""`vendorcast repull`: request a date range of an account's report stream again. The windows are the planner's own
(plan_report_windows over the range's whole periods). Each becomes the next re-pull of its window in the ledger,
`.../<start>..<end>/repull-<n>`, beside the earlier requests, which stay as they were (landed, failed: the audit
trail); the new document lands through process_reports like any other, and the curated tables take the latest
restatement. The reports are created through request_reports' own path, on the deployment's shared token buckets.

Running it again while a window's re-pull (or any request covering the window) is open requests nothing for that
window; two runs at once compute the same next key, and the ledger's conditional claim lets one of them have it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from vendorcast import resources as r
from vendorcast.alerts.operator import OperatorAlerts
from vendorcast.alerts.topic import TopicPublisher
from vendorcast.config import AccountConfig, ReportConfig
from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.ledger import LedgerConflict, LedgerEntry, RequestLedger
from vendorcast.ingestion.requester import WindowRequest, new_ledger_entry, request_window
from vendorcast.operations.deployment import InvalidOption, OperatorContext
from vendorcast.reports.periods import next_period_start, period_start
from vendorcast.reports.windows import PULL_REPULL_PREFIX, ReportWindow, plan_report_windows, stream_key
from vendorcast.spapi.client import SpApiEndpoints
from vendorcast.spapi.sessions import SpApiSessions
from vendorcast.vocabulary.report_catalogue import DEFAULT_MAX_LOOKBACK, ReportType, UnknownReportType

# What became of a planned window besides WindowRequest's outcomes.
ALREADY_OPEN = "already open"  # an open request covers it: nothing requested
DRY_RUN = "dry run"


@dataclass(frozen=True)
class PlannedRepull:
    account: str
    marketplace_id: str
    stream: str
    window: ReportWindow  # its pull is the re-pull's: repull-<n>
    open_request: str | None = None  # the open request that covers the window already

    @property
    def request_key(self) -> str:
        return self.window.request_key(self.account, self.marketplace_id)


@dataclass
class RepullResult:
    planned: list[PlannedRepull]
    outcomes: dict[str, str] = field(default_factory=dict)  # request key -> a WindowRequest value, or the above

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)


def selected_streams(account: AccountConfig, report_type: str) -> list[ReportConfig]:
    """The account's streams of a report type (every one: several views or periods), or the one stream named in
    full (GET_VENDOR_SALES_REPORT/WEEK/SOURCING/RETAIL)."""
    streams = [s for s in account.reports if report_type in (s.report_type.value, s.stream_name)]
    if not streams:
        if report_type.split("/", 1)[0] not in {t.value for t in ReportType}:
            raise InvalidOption("report-type", str(UnknownReportType(report_type)))
        raise InvalidOption("report-type", f"account {account.name} does not pull {report_type}; its report streams: "
                                           f"{', '.join(s.stream_name for s in account.reports)}")
    periodic = [s for s in streams if s.report_period is not None]
    if not periodic:
        raise InvalidOption("report-type", f"{report_type} cannot be re-pulled: Amazon serves only its latest "
                                           "forecast, which the weekly snapshot takes")
    return periodic


def plan_repull(ctx: OperatorContext, account_name: str, report_type: str, first: date, last: date,
                ) -> list[PlannedRepull]:
    """The windows a re-pull of `first`..`last` requests: the planner's, over every whole period that holds a day of
    the range, published and within Amazon's look-back; each with its next re-pull tag."""
    ctx.account_names(account_name)
    account = ctx.config.account(account_name)
    if first > last:
        raise InvalidOption("from", f"{first} is after --to {last}")
    streams = selected_streams(account, report_type)
    ledger = _ledger(ctx)
    now = ctx.clock.now()
    planned: list[PlannedRepull] = []
    for marketplace_id in account.marketplace_ids:
        for report in streams:
            assert report.report_period is not None  # selected_streams keeps periodic streams only
            period = report.report_period
            until = next_period_start(period_start(last, period), period) - timedelta(days=1)
            windows = plan_report_windows(report, backfill_start=period_start(first, period), now=now, until=until)
            stream = stream_key(account.name, marketplace_id, report)
            entries = ledger.stream_entries(stream)
            planned += [_next_repull(account.name, marketplace_id, stream, window, entries) for window in windows]
    if not planned:
        earliest = (now - DEFAULT_MAX_LOOKBACK).date()
        raise InvalidOption("from", f"no period of {report_type} between {first} and {last} can be pulled: it must "
                                    f"be published (Amazon needs two or three days after a period ends) and start on "
                                    f"or after {earliest} (Amazon's look-back)")
    return planned


def _next_repull(account: str, marketplace_id: str, stream: str, window: ReportWindow,
                 entries: list[LedgerEntry]) -> PlannedRepull:
    covering = [e for e in entries if not e.status.terminal
                and e.window.start <= window.start and window.end <= e.window.end]
    generations = [int(e.window.pull.removeprefix(PULL_REPULL_PREFIX)) for e in entries
                   if e.window.pull.startswith(PULL_REPULL_PREFIX)
                   and (e.window.start, e.window.end) == (window.start, window.end)]
    pull = f"{PULL_REPULL_PREFIX}{max(generations, default=0) + 1}"
    return PlannedRepull(account, marketplace_id, stream, replace(window, pull=pull),
                         covering[0].request_key if covering else None)


def repull(ctx: OperatorContext, planned: list[PlannedRepull], *, dry_run: bool = False,
           on_outcome: Callable[[PlannedRepull, str], None] = lambda planned, outcome: None) -> RepullResult:
    """Request the planned windows that no open request covers, newest first as request_reports does, paced by the
    deployment's token buckets. When Amazon throttles for good, the rest are left in the ledger for request_reports'
    next run (RETRY_LATER, due at once), so nothing planned is lost."""
    result = RepullResult(planned)
    ingestion = _ingestion_context(ctx)
    deferred = False
    for item in sorted(planned, key=lambda p: (-p.window.end.toordinal(), p.request_key)):
        if item.open_request:
            outcome = ALREADY_OPEN
        elif dry_run:
            outcome = DRY_RUN
        else:
            entry = new_ledger_entry(item.account, item.marketplace_id, item.stream, item.window, ctx.clock.now())
            if deferred:
                outcome = _leave_for_schedule(ingestion, entry)
            else:
                outcome = request_window(ingestion, entry, ctx.config.account(item.account)).value
                deferred = outcome == WindowRequest.DEFERRED
        result.outcomes[item.request_key] = outcome
        on_outcome(item, outcome)
    return result


def _leave_for_schedule(ingestion: IngestionContext, entry: LedgerEntry) -> str:
    now = ingestion.clock.now()
    try:
        ingestion.ledger.claim(entry, now, stale_after=timedelta(0))
    except LedgerConflict:
        return WindowRequest.TAKEN.value
    ingestion.ledger.mark_retry_later(entry, None, now, now, "re-pull deferred: Amazon throttled createReport; "
                                                             "request_reports requests it on its next run")
    return WindowRequest.DEFERRED.value


def _ledger(ctx: OperatorContext) -> RequestLedger:
    return RequestLedger(ctx.deployment.name(r.ENV_LEDGER_TABLE), ctx.dynamodb)


def _ingestion_context(ctx: OperatorContext) -> IngestionContext:
    """What request_reports works with, on the deployment's resources."""
    topic = ctx.deployment.variables.get(r.ENV_OPS_TOPIC_ARN)
    return IngestionContext(
        config=ctx.config, ledger=_ledger(ctx), bucket=ctx.deployment.name(r.ENV_LAKE_BUCKET),
        queue_url=ctx.deployment.queue_url("report-events"), dlq_url=None, s3=ctx.client("s3"),
        sqs=ctx.client("sqs"), alerts=OperatorAlerts(TopicPublisher(topic, ctx.client("sns")) if topic else None),
        clock=ctx.clock,
        sessions=SpApiSessions(ctx.clock, SpApiEndpoints.from_environment(),
                               ctx.dynamodb.Table(ctx.deployment.name(r.ENV_RATE_LIMIT_TABLE))),
    )
