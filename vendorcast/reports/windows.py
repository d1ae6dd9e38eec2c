"""Report windows: which createReport calls are due. `plan_report_windows` is a pure function of the
stream's config, what the ledger already covers, and the time; it is tested on calendar edge cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from vendorcast.config import ReportConfig
from vendorcast.reports.periods import next_period_start, period_start, periods_between
from vendorcast.vocabulary.report_catalogue import (
    DEFAULT_AVAILABILITY_LAG,
    DEFAULT_MAX_LOOKBACK,
    ReportPeriod,
    ReportType,
)

PULL_INITIAL = "initial"
PULL_RESTATE_PREFIX = "restate-"
PULL_SNAPSHOT_PREFIX = "snapshot-"
PULL_REPULL_PREFIX = "repull-"


@dataclass(frozen=True, order=True)
class ReportWindow:
    """One createReport call: a report stream, a date window of whole periods, and why it is pulled.

    `pull` tells apart requests for the same window: "initial" (first pull), "restate-<date>" (the weekly
    re-pull of recent periods that Amazon restates, dated by the Sunday of the re-pull week),
    "snapshot-<date>" (Amazon's forecast as served in the week starting on that Sunday) and "repull-<n>" (the
    n-th re-pull of the window an operator asked for with `vendorcast repull`).
    """

    report_type: ReportType
    report_options: tuple[tuple[str, str], ...]
    period: ReportPeriod | None
    start: date
    end: date
    pull: str

    @property
    def options(self) -> dict[str, str]:
        return dict(self.report_options)

    @property
    def stream_name(self) -> str:
        values = [value for _, value in self.report_options]
        return "/".join([self.report_type.value, *values]) if values else self.report_type.value

    def request_key(self, account: str, marketplace_id: str) -> str:
        """Deterministic id of this request in the ledger: re-planning the same window gives the same key."""
        return f"{account}/{marketplace_id}/{self.stream_name}/{self.start}..{self.end}/{self.pull}"

    def periods(self) -> list[tuple[date, date]]:
        if self.period is None:
            return [(self.start, self.end)]
        return periods_between(self.start, self.end, self.period)

    def data_start_time(self) -> datetime:
        return datetime.combine(self.start, time.min).replace(tzinfo=UTC)

    def data_end_time(self) -> datetime:
        return datetime.combine(self.end, time(23, 59, 59)).replace(tzinfo=UTC)


def stream_key(account: str, marketplace_id: str, report: ReportConfig) -> str:
    """The ledger's grouping of all requests of one report stream."""
    return f"{account}/{marketplace_id}/{report.stream_name}"


def period_is_published(last_day: date, period: ReportPeriod, now: datetime) -> bool:
    """Whether Amazon has published the data of a period ending on `last_day` by `now`."""
    closes = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC)
    return closes + DEFAULT_AVAILABILITY_LAG[period] <= now


def _available_periods(start: date, now: datetime, period: ReportPeriod,
                       until: date | None = None) -> list[tuple[date, date]]:
    """Closed periods from the one containing `start` (to the one ending on `until`), published by `now`."""
    return [(first, last) for first, last in periods_between(start, now.date(), period)
            if first >= start and (until is None or last <= until) and period_is_published(last, period, now)]


def _chunk(periods: list[tuple[date, date]], size: int) -> list[tuple[date, date]]:
    """Consecutive runs of at most `size` periods, as (first day, last day) windows; gaps split runs."""
    windows: list[tuple[date, date]] = []
    run: list[tuple[date, date]] = []
    for first, last in periods:
        if run and (len(run) == size or run[-1][1] + timedelta(days=1) != first):
            windows.append((run[0][0], run[-1][1]))
            run = []
        run.append((first, last))
    if run:
        windows.append((run[0][0], run[-1][1]))
    return windows


def plan_report_windows(
    report: ReportConfig,
    *,
    backfill_start: date,
    now: datetime,
    covered: Iterable[tuple[date, date]] = (),
    requested_pulls: Iterable[str] = (),
    pulled_this_week: Iterable[tuple[date, date]] = (),
    until: date | None = None,
) -> list[ReportWindow]:
    """The createReport calls due now for one report stream, fewest calls first.

    - `covered`: (start, end) windows already requested for this stream by an initial or a restatement pull
      (pending, landed or empty): their periods are not requested again as initial pulls.
    - `requested_pulls`: the `pull` tags already in the ledger for this stream, so that one week's
      restatement pass or forecast snapshot is requested once.
    - `pulled_this_week`: covered windows first requested since this week's Sunday; they are fresh, so
      the restatement pass leaves them out (a backfill is not re-pulled the week it runs).
    - `until`: no period ending after this day (an operator's re-pull of a date range; `backfill_start` is then
      the range's first day).
    Periods are whole and aligned (weeks Sunday to Saturday), published (availability lag), within
    Amazon's look-back, and packed into as few requests as each type's maximum span allows.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    pulls = set(requested_pulls)
    options = tuple(report.report_options.items())
    week_of_now = period_start(now.date(), ReportPeriod.WEEK)

    if report.report_period is None:
        # Amazon's forecast: only the latest is served, so snapshot it once a week and never backfill.
        tag = f"{PULL_SNAPSHOT_PREFIX}{week_of_now}"
        if tag in pulls:
            return []
        return [ReportWindow(report.report_type, options, None, week_of_now,
                             week_of_now + timedelta(days=6), tag)]

    period = report.report_period
    # The first whole period inside both the backfill and Amazon's look-back.
    earliest = max(backfill_start, (now - DEFAULT_MAX_LOOKBACK).date())
    start = period_start(earliest, period)
    if start < earliest:
        start = next_period_start(start, period)
    available = _available_periods(start, now, period, until)
    if not available:
        return []

    covered_days = [(s, e) for s, e in covered]

    def is_covered(first: date, last: date) -> bool:
        return any(s <= first and last <= e for s, e in covered_days)

    size = report.periods_per_request
    initial = [p for p in available if not is_covered(*p)]

    # Restatement pass: once per week, re-pull the most recent published periods that an earlier week's pull
    # covered (periods pulled this week, or planned now, are fresh anyway). The new periods after them ride in
    # the same requests: createReport is the scarce quota (about one a minute), and a restatement window covers
    # its new periods as an initial pull would.
    fresh = list(pulled_this_week)
    lookback = report.restatement_periods
    tag = f"{PULL_RESTATE_PREFIX}{week_of_now}"
    restated: list[tuple[date, date]] = []
    if lookback and tag not in pulls:
        restated = [p for p in available[-lookback:]
                    if is_covered(*p) and not any(s <= p[0] and p[1] <= e for s, e in fresh)]
    if restated:
        newer = [p for p in initial if p[0] > restated[0][0]]
        initial = [p for p in initial if p[0] < restated[0][0]]
        restated = sorted(restated + newer)
    windows = [
        ReportWindow(report.report_type, options, period, s, e, PULL_INITIAL) for s, e in _chunk(initial, size)
    ]
    windows += [ReportWindow(report.report_type, options, period, s, e, tag) for s, e in _chunk(restated, size)]
    return windows


__all__ = [
    "PULL_INITIAL",
    "PULL_REPULL_PREFIX",
    "PULL_RESTATE_PREFIX",
    "PULL_SNAPSHOT_PREFIX",
    "ReportWindow",
    "period_is_published",
    "plan_report_windows",
    "stream_key",
]
