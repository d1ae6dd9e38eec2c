"""Calendar arithmetic of SP-API report periods: weeks run Sunday to Saturday, months, quarters and
years are calendar ones. Pure functions on dates (no time zones: Amazon's report dates are dates)."""

from __future__ import annotations

from datetime import date, timedelta

from vendorcast.vocabulary.report_catalogue import ReportPeriod


def period_start(day: date, period: ReportPeriod) -> date:
    """First day of the period that contains `day`."""
    match period:
        case ReportPeriod.DAY:
            return day
        case ReportPeriod.WEEK:
            # date.weekday(): Monday=0 ... Sunday=6; Amazon's weeks start on Sunday.
            return day - timedelta(days=(day.weekday() + 1) % 7)
        case ReportPeriod.MONTH:
            return day.replace(day=1)
        case ReportPeriod.QUARTER:
            return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        case ReportPeriod.YEAR:
            return date(day.year, 1, 1)
    raise ValueError(f"unknown report period {period!r}")


def next_period_start(start: date, period: ReportPeriod) -> date:
    """First day of the period after the one starting on `start`."""
    match period:
        case ReportPeriod.DAY:
            return start + timedelta(days=1)
        case ReportPeriod.WEEK:
            return start + timedelta(days=7)
        case ReportPeriod.MONTH:
            return date(start.year + start.month // 12, start.month % 12 + 1, 1)
        case ReportPeriod.QUARTER:
            month = start.month + 3
            return date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        case ReportPeriod.YEAR:
            return date(start.year + 1, 1, 1)
    raise ValueError(f"unknown report period {period!r}")


def period_end(day: date, period: ReportPeriod) -> date:
    """Last day of the period that contains `day`."""
    return next_period_start(period_start(day, period), period) - timedelta(days=1)


def is_period_start(day: date, period: ReportPeriod) -> bool:
    return period_start(day, period) == day


def is_period_end(day: date, period: ReportPeriod) -> bool:
    return period_end(day, period) == day


def periods_between(start: date, end: date, period: ReportPeriod) -> list[tuple[date, date]]:
    """(first day, last day) of every period from the one containing `start` to the one containing `end`."""
    out: list[tuple[date, date]] = []
    current = period_start(start, period)
    while current <= end:
        following = next_period_start(current, period)
        out.append((current, following - timedelta(days=1)))
        current = following
    return out
