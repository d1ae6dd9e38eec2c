"""Amazon's rules for vendor report requests, applied when a report is processed: which requests end FATAL,
with the reason text served in the report's `{"errorDetails": ...}` document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vendorcast.reports.catalogue import (
    DEFAULT_MAX_LOOKBACK,
    OPTION_REPORT_PERIOD,
    InvalidReportOptions,
    ReportPeriod,
    ReportSpec,
    ReportType,
    report_spec,
)
from vendorcast.reports.periods import is_period_end, is_period_start, periods_between
from vendorcast.reports.windows import period_is_published

# The report types the emulator produces documents for.
SERVED_REPORT_TYPES = (
    ReportType.SALES,
    ReportType.TRAFFIC,
    ReportType.INVENTORY,
    ReportType.NET_PURE_PRODUCT_MARGIN,
    ReportType.FORECASTING,
)
NOT_YET_AVAILABLE = "is not yet available"

_FIRST_DAY = {
    ReportPeriod.WEEK: "a Sunday",
    ReportPeriod.MONTH: "the first day of a month",
    ReportPeriod.QUARTER: "the first day of a quarter",
    ReportPeriod.YEAR: "January 1",
}
_LAST_DAY = {
    ReportPeriod.WEEK: "a Saturday",
    ReportPeriod.MONTH: "the last day of a month",
    ReportPeriod.QUARTER: "the last day of a quarter",
    ReportPeriod.YEAR: "December 31",
}


class ReportRejected(Exception):
    """The report ends FATAL; the message is the document's errorDetails."""


@dataclass(frozen=True)
class ReportRequest:
    """A createReport body as Amazon reads it: only the dates of dataStartTime/dataEndTime count."""

    report_type: str
    marketplace_ids: tuple[str, ...]
    options: Any
    start: date
    end: date


def check_report_request(request: ReportRequest, vendor_marketplace_id: str, now: datetime) -> ReportSpec:
    """Raise ReportRejected with Amazon-style errorDetails; return the type's spec when it is served."""
    spec = report_spec(request.report_type)
    if spec.report_type not in SERVED_REPORT_TYPES:
        raise ReportRejected(f"{spec.report_type} is not available for this vendor account in the sandbox")
    if list(request.marketplace_ids) != [vendor_marketplace_id]:
        raise ReportRejected(
            f"marketplaceIds {list(request.marketplace_ids)} do not match the marketplace of the selling "
            f"partner account; use [{vendor_marketplace_id!r}]"
        )
    if not isinstance(request.options, dict) or not all(isinstance(v, str) for v in request.options.values()):
        raise ReportRejected("reportOptions must be a JSON object whose values are strings")
    try:
        spec.validate_options(request.options)
    except InvalidReportOptions as exc:
        raise ReportRejected(str(exc)) from None
    if not spec.dated:
        return spec

    period = ReportPeriod(request.options[OPTION_REPORT_PERIOD])
    start, end = request.start, request.end
    if start > end:
        raise ReportRejected(f"dataStartTime {start} is after dataEndTime {end}")
    if period != ReportPeriod.DAY:
        if not is_period_start(start, period):
            raise ReportRejected(
                f"Invalid dataStartTime {start} for reportPeriod={period}: it must be {_FIRST_DAY[period]}"
            )
        if not is_period_end(end, period):
            raise ReportRejected(
                f"Invalid dataEndTime {end} for reportPeriod={period}: it must be {_LAST_DAY[period]}"
            )
    count = len(periods_between(start, end, period))
    limit = spec.max_periods_per_request[period]
    if count > limit:
        raise ReportRejected(
            f"The requested date range {start}..{end} spans {count} {period} periods; {spec.report_type} "
            f"allows at most {limit} per request"
        )
    earliest = (now - DEFAULT_MAX_LOOKBACK).date()
    if start < earliest:
        raise ReportRejected(
            f"dataStartTime {start} is older than the data retention of {DEFAULT_MAX_LOOKBACK.days} days "
            f"(earliest {earliest})"
        )
    if not period_is_published(end, period, now):
        raise ReportRejected(not_yet_available_details(end))
    return spec


def not_yet_available_details(end: date) -> str:
    return f"Data for the requested period ending {end} {NOT_YET_AVAILABLE}; request it again later"
