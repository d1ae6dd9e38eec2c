"""The report window planner on calendar edge cases: year ends, leap days, DST, availability lag, look-back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from vendorcast.config import ReportConfig
from vendorcast.reports.periods import is_period_end, is_period_start, period_end, period_start
from vendorcast.reports.windows import PULL_INITIAL, plan_report_windows
from vendorcast.vocabulary.report_catalogue import DistributorView, ReportPeriod, ReportType, SellingProgram


def sales(period: ReportPeriod, **kwargs) -> ReportConfig:
    return ReportConfig(report_type=ReportType.SALES, report_period=period,
                        distributor_view=DistributorView.MANUFACTURING, selling_program=SellingProgram.RETAIL, **kwargs)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def covered_days(windows) -> list[date]:
    days = []
    for w in windows:
        day = w.start
        while day <= w.end:
            days.append(day)
            day += timedelta(days=1)
    return days


@pytest.mark.parametrize("day, start, end", [
    (date(2025, 12, 31), date(2025, 12, 28), date(2026, 1, 3)),  # a week across the year end
    (date(2026, 1, 3), date(2025, 12, 28), date(2026, 1, 3)),
    (date(2024, 2, 29), date(2024, 2, 25), date(2024, 3, 2)),  # leap day
    (date(2026, 11, 15), date(2026, 11, 15), date(2026, 11, 21)),  # a Sunday starts its own week
])
def test_weeks_run_sunday_to_saturday(day: date, start: date, end: date) -> None:
    assert period_start(day, ReportPeriod.WEEK) == start
    assert period_end(day, ReportPeriod.WEEK) == end
    assert start.weekday() == 6 and end.weekday() == 5


def test_month_quarter_year_ends_including_leap_february() -> None:
    assert period_end(date(2024, 2, 10), ReportPeriod.MONTH) == date(2024, 2, 29)
    assert period_end(date(2025, 2, 10), ReportPeriod.MONTH) == date(2025, 2, 28)
    assert period_end(date(2026, 11, 21), ReportPeriod.QUARTER) == date(2026, 12, 31)
    assert period_start(date(2026, 12, 31), ReportPeriod.QUARTER) == date(2026, 10, 1)
    assert period_end(date(2026, 7, 4), ReportPeriod.YEAR) == date(2026, 12, 31)


@pytest.mark.parametrize("period", [ReportPeriod.WEEK, ReportPeriod.MONTH, ReportPeriod.QUARTER, ReportPeriod.DAY])
def test_backfill_is_whole_aligned_periods_without_gaps_or_overlaps(period: ReportPeriod) -> None:
    windows = plan_report_windows(sales(period), backfill_start=date(2024, 1, 10), now=at(2026, 11, 21, 12))
    days = covered_days(windows)
    assert len(days) == len(set(days)), "no day requested twice"
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))], "no gap"
    for w in windows:
        assert is_period_start(w.start, period) and is_period_end(w.end, period)
        assert len(w.periods()) <= sales(period).periods_per_request
        assert w.pull == PULL_INITIAL
    assert days[0] >= date(2024, 1, 10), "never before the backfill start"


def test_fewest_calls_for_the_maximum_span() -> None:
    # 2024-11-03 (Sunday) .. 2026-11-14 (Saturday): 106 closed weeks -> ceil(106 / 13) = 9 calls.
    windows = plan_report_windows(sales(ReportPeriod.WEEK), backfill_start=date(2024, 11, 3), now=at(2026, 11, 21))
    assert sum(len(w.periods()) for w in windows) == 106
    assert len(windows) == 9
    day = plan_report_windows(sales(ReportPeriod.DAY), backfill_start=date(2026, 10, 1), now=at(2026, 11, 21))
    assert max(w.end - w.start for w in day) == timedelta(days=14), "DAY requests span at most 15 days"


def test_backfill_starting_mid_week_begins_at_the_next_whole_week() -> None:
    windows = plan_report_windows(sales(ReportPeriod.WEEK), backfill_start=date(2026, 11, 4), now=at(2026, 11, 21))
    assert windows[0].start == date(2026, 11, 8)


def test_weekly_data_is_requested_72_hours_after_the_week_closes() -> None:
    report = sales(ReportPeriod.WEEK)
    # The week 2026-11-08..14 closes at Sunday 2026-11-15 00:00 UTC; published from Wednesday 00:00 UTC.
    before = plan_report_windows(report, backfill_start=date(2026, 11, 8), now=at(2026, 11, 17, 23, 59))
    after = plan_report_windows(report, backfill_start=date(2026, 11, 8), now=at(2026, 11, 18, 0, 0))
    assert before == []
    assert [(w.start, w.end) for w in after] == [(date(2026, 11, 8), date(2026, 11, 14))]


def test_daily_data_waits_72_hours_across_the_dst_change() -> None:
    # US clocks spring forward on 2026-03-08; SP-API dates and our lag are UTC, so nothing shifts.
    report = ReportConfig(report_type=ReportType.TRAFFIC, report_period=ReportPeriod.DAY)
    windows = plan_report_windows(report, backfill_start=date(2026, 3, 7), now=at(2026, 3, 11, 0, 0))
    assert [(w.start, w.end) for w in windows] == [(date(2026, 3, 7), date(2026, 3, 7))]


def test_leap_day_is_a_day_of_its_own() -> None:
    report = ReportConfig(report_type=ReportType.TRAFFIC, report_period=ReportPeriod.DAY)
    windows = plan_report_windows(report, backfill_start=date(2024, 2, 27), now=at(2024, 3, 5))
    days = covered_days(windows)
    assert date(2024, 2, 29) in days and days == sorted(set(days))


def test_year_end_month_and_quarter() -> None:
    report = sales(ReportPeriod.MONTH)
    windows = plan_report_windows(report, backfill_start=date(2025, 11, 1), now=at(2026, 1, 5))
    assert [(w.start, w.end) for w in windows] == [(date(2025, 11, 1), date(2025, 12, 31))]
    quarter = plan_report_windows(sales(ReportPeriod.QUARTER), backfill_start=date(2025, 7, 1), now=at(2026, 1, 5))
    assert [(w.start, w.end) for w in quarter] == [(date(2025, 7, 1), date(2025, 12, 31))]


def test_backfill_older_than_amazon_keeps_is_clamped_to_the_look_back() -> None:
    windows = plan_report_windows(sales(ReportPeriod.WEEK), backfill_start=date(2015, 1, 1), now=at(2026, 11, 21))
    assert windows[0].start >= date(2023, 11, 22)
    assert windows[0].start - date(2023, 11, 22) < timedelta(days=7)


def test_covered_periods_are_not_requested_again_and_new_weeks_are() -> None:
    report = sales(ReportPeriod.WEEK, restatement_lookback_periods=0)
    first = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 21))
    covered = [(w.start, w.end) for w in first]
    assert plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 21), covered=covered) == []
    later = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 25), covered=covered)
    assert [(w.start, w.end) for w in later] == [(date(2026, 11, 15), date(2026, 11, 21))]


def test_restatement_pass_repulls_recent_covered_weeks_once_per_week() -> None:
    report = sales(ReportPeriod.WEEK, restatement_lookback_periods=4)
    first = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 21))
    assert {w.pull for w in first} == {PULL_INITIAL}, "nothing to restate before the first pull"
    covered = [(w.start, w.end) for w in first]
    second = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 21), covered=covered)
    assert [(w.start, w.end, w.pull) for w in second] == [
        (date(2026, 10, 18), date(2026, 11, 14), "restate-2026-11-15")]
    assert plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 21), covered=covered,
                               requested_pulls={"initial", "restate-2026-11-15"}) == []


def test_amazon_forecast_is_snapshotted_once_a_week_and_never_backfilled() -> None:
    report = ReportConfig(report_type=ReportType.FORECASTING, selling_program=SellingProgram.RETAIL)
    windows = plan_report_windows(report, backfill_start=date(2024, 1, 1), now=at(2026, 11, 19))
    assert [(w.start, w.pull) for w in windows] == [(date(2026, 11, 15), "snapshot-2026-11-15")]
    assert plan_report_windows(report, backfill_start=date(2024, 1, 1), now=at(2026, 11, 21),
                               requested_pulls={"snapshot-2026-11-15"}) == []


def test_request_keys_are_deterministic_and_distinct() -> None:
    report = sales(ReportPeriod.WEEK)
    a = plan_report_windows(report, backfill_start=date(2025, 1, 5), now=at(2026, 11, 21))
    b = plan_report_windows(report, backfill_start=date(2025, 1, 5), now=at(2026, 11, 21, 18))
    keys = [w.request_key("acme", "ATVPDKIKX0DER") for w in a]
    assert keys == [w.request_key("acme", "ATVPDKIKX0DER") for w in b]
    assert len(set(keys)) == len(keys)
    assert keys[0].startswith("acme/ATVPDKIKX0DER/GET_VENDOR_SALES_REPORT/WEEK/MANUFACTURING/RETAIL/")


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_report_windows(sales(ReportPeriod.WEEK), backfill_start=date(2026, 1, 4), now=datetime(2026, 11, 21))


def test_restatement_skips_periods_first_pulled_this_week() -> None:
    report = sales(ReportPeriod.WEEK, restatement_lookback_periods=4)
    first = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 21))
    covered = [(w.start, w.end) for w in first]
    assert plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 21), covered=covered,
                               requested_pulls={"initial"}, pulled_this_week=covered) == []
    # The next week, the rest of the last four weeks are restated, and the new week comes in the same request.
    next_week = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 25), covered=covered,
                                    requested_pulls={"initial"})
    assert [(w.start, w.end, w.pull) for w in next_week] == [
        (date(2026, 10, 25), date(2026, 11, 21), "restate-2026-11-22"),
    ]


def test_a_restatement_window_brings_the_new_periods_and_covers_them() -> None:
    report = sales(ReportPeriod.WEEK, restatement_lookback_periods=4)
    backfill = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 21))
    covered = [(w.start, w.end) for w in backfill]
    # Three weeks later (the pipeline was down): of the last four weeks one was pulled before, three are new; one
    # request restates the one and brings the three.
    later = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 12, 9), covered=covered,
                                requested_pulls={"initial"})
    assert [(w.start, w.end, w.pull) for w in later] == [
        (date(2026, 11, 8), date(2026, 12, 5), "restate-2026-12-06")]
    # Once requested, it covers the new weeks: nothing more that week, and the next week pulls only what is new
    # along with its own restatement.
    covered += [(w.start, w.end) for w in later]
    pulls = {"initial", "restate-2026-12-06"}
    assert plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 12, 10), covered=covered,
                               requested_pulls=pulls) == []
    following = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 12, 16), covered=covered,
                                    requested_pulls=pulls)
    assert [(w.start, w.end, w.pull) for w in following] == [
        (date(2026, 11, 15), date(2026, 12, 12), "restate-2026-12-13")]
    # New periods older than the restated ones (a backfill still going) stay initial pulls.
    mixed = plan_report_windows(report, backfill_start=date(2026, 9, 6), now=at(2026, 11, 25),
                                covered=[(date(2026, 10, 4), date(2026, 11, 14))], requested_pulls={"initial"})
    assert [(w.start, w.end, w.pull) for w in mixed] == [
        (date(2026, 9, 6), date(2026, 10, 3), "initial"),
        (date(2026, 10, 25), date(2026, 11, 21), "restate-2026-11-22"),
    ]


def test_until_ends_the_plan_at_the_last_whole_period_on_or_before_it() -> None:
    """An operator's re-pull of a range: the same windows as a backfill from its start, cut at its end."""
    full = plan_report_windows(sales(ReportPeriod.WEEK), backfill_start=date(2026, 3, 1), now=at(2026, 11, 21))
    cut = plan_report_windows(sales(ReportPeriod.WEEK), backfill_start=date(2026, 3, 1), now=at(2026, 11, 21),
                              until=date(2026, 6, 20))
    assert cut[0] == full[0]
    assert cut[-1].end == date(2026, 6, 20) and all(w.end <= date(2026, 6, 20) for w in cut)
    assert covered_days(cut) == [d for d in covered_days(full) if d <= date(2026, 6, 20)]
    mid_week = plan_report_windows(sales(ReportPeriod.WEEK), backfill_start=date(2026, 3, 1), now=at(2026, 11, 21),
                                   until=date(2026, 6, 17))
    assert mid_week[-1].end == date(2026, 6, 13), "a week ending after `until` is left out"
