"""Amazon's rules for vendor report requests, applied when a report is processed: which requests end FATAL, with
the reason text served in the report's `{"errorDetails": ...}` document.

The emulator judges the pipeline, so nothing here comes from the pipeline's code (a shared rule would let both
sides agree by construction): the report types, their options and document keys are read from Amazon's report
schemas (data files shipped in vendorcast/spapi/models), the period calendar and the publication lag are written
from the SP-API reference (§3.0)."""

from __future__ import annotations

import calendar
import functools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Any

# Amazon's report schemas: read as data, not imported as code.
REPORT_SCHEMAS = resources.files("vendorcast").joinpath("spapi", "models", "schemas", "reports")

REPORT_PERIOD, DISTRIBUTOR_VIEW, SELLING_PROGRAM = "reportPeriod", "distributorView", "sellingProgram"
DAY, WEEK, MONTH, QUARTER, YEAR = "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"
# The report types the emulator produces documents for (the real-time ones are known but not served).
SERVED_REPORT_TYPES = (
    "GET_VENDOR_SALES_REPORT",
    "GET_VENDOR_TRAFFIC_REPORT",
    "GET_VENDOR_INVENTORY_REPORT",
    "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT",
    "GET_VENDOR_FORECASTING_REPORT",
)
# §3.0: "Amazon typically publishes daily/weekly retail analytics with a delay of up to ~72 hours after the period
# closes". The emulator holds every period back for that whole bound: a pipeline that asks earlier relies on luck.
# Months, quarters and years are made of days, so they follow their last day.
PUBLICATION_LAG = timedelta(hours=72)
# §3.0 gives one figure for how far back data is served: about four years (one connector, DAY data).
DATA_RETENTION = timedelta(days=4 * 365)
NOT_YET_AVAILABLE = "is not yet available"

_FIRST_DAY = {WEEK: "a Sunday", MONTH: "the first day of a month", QUARTER: "the first day of a quarter",
              YEAR: "January 1"}
_LAST_DAY = {WEEK: "a Saturday", MONTH: "the last day of a month", QUARTER: "the last day of a quarter",
             YEAR: "December 31"}
_MONTHS_PER_PERIOD = {MONTH: 1, QUARTER: 3, YEAR: 12}


class ReportRejected(Exception):
    """The report ends FATAL; the message is the document's errorDetails."""


@dataclass(frozen=True)
class AmazonReportType:
    """What Amazon's schema of one report type says about its requests and its document."""

    report_type: str
    # Option -> the values the schema allows (None: any string); the schema requires `required_options`.
    options: dict[str, tuple[str, ...] | None]
    required_options: tuple[str, ...]
    # Whether dataStartTime/dataEndTime select the data (the forecast has no dates in its specification).
    dated: bool
    by_asin_key: str
    aggregate_key: str | None


def _from_schema(schema: dict[str, Any]) -> AmazonReportType:
    specification = schema["properties"]["reportSpecification"]
    report_type = specification["properties"]["reportType"]
    options = specification["properties"].get("reportOptions", {})
    rows = [key for key in schema["required"] if key != "reportSpecification"]
    aggregates = [key for key in rows if key.endswith("Aggregate")]
    by_asin = [key for key in rows if key not in aggregates]
    return AmazonReportType(
        # The coupon report's schema names its type in `examples` only.
        report_type=(report_type.get("enum") or report_type["examples"])[0],
        options={name: tuple(prop["enum"]) if "enum" in prop else None
                 for name, prop in options.get("properties", {}).items()},
        required_options=tuple(options.get("required", ())),
        dated="dataStartTime" in specification.get("required", ()),
        by_asin_key=by_asin[0],
        aggregate_key=aggregates[0] if aggregates else None,
    )


@functools.cache
def amazon_report_types() -> dict[str, AmazonReportType]:
    """Every vendor report type Amazon publishes a document schema for, by reportType."""
    types = [_from_schema(json.loads(path.read_text(encoding="utf-8")))
             for path in REPORT_SCHEMAS.iterdir() if path.name.endswith(".json")]
    return {t.report_type: t for t in types}


def amazon_report_type(report_type: str) -> AmazonReportType:
    """The schema-derived rules of a report type; ValueError naming the known types if Amazon has no such type."""
    known = amazon_report_types()
    if report_type not in known:
        raise ValueError(f"Invalid reportType {report_type}; vendor report types: {', '.join(sorted(known))}")
    return known[report_type]


def check_report_options(report: AmazonReportType, options: dict[str, str]) -> None:
    """ReportRejected naming the option and what the schema allows."""
    for name, value in options.items():
        if name not in report.options:
            accepted = ", ".join(report.options) or "no options"
            raise ReportRejected(f"{report.report_type} does not accept reportOptions.{name}; it accepts {accepted}")
        allowed = report.options[name]
        if allowed is not None and value not in allowed:
            raise ReportRejected(f"{report.report_type} does not accept {name}={value}; use {' or '.join(allowed)}")
    missing = [name for name in report.required_options if name not in options]
    if missing:
        wanted = "; ".join(f"{name}: {' or '.join(report.options[name] or ('a string',))}" for name in missing)
        raise ReportRejected(f"{report.report_type} requires reportOptions {', '.join(missing)} ({wanted})")


# ---------------------------------------------------------------------------------------------- the calendar
def period_containing(day: date, period: str) -> tuple[date, date]:
    """(first day, last day) of the period holding `day`: weeks run Sunday to Saturday; months, quarters and
    years are calendar ones (§3.0)."""
    if period == DAY:
        return day, day
    if period == WEEK:
        sunday = day - timedelta(days=day.isoweekday() % 7)  # isoweekday: Monday 1 ... Sunday 7
        return sunday, sunday + timedelta(days=6)
    months = _MONTHS_PER_PERIOD[period]
    first_month = day.month - (day.month - 1) % months
    last_month = first_month + months - 1
    return date(day.year, first_month, 1), date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def periods_covering(start: date, end: date, period: str) -> list[tuple[date, date]]:
    """Every period from the one holding `start` to the one holding `end`, as (first day, last day)."""
    out: list[tuple[date, date]] = []
    day = start
    while day <= end:
        first, last = period_containing(day, period)
        out.append((first, last))
        day = last + timedelta(days=1)
    return out


def published_at(last_day: date) -> datetime:
    """When Amazon has published the data of a period ending on `last_day` (UTC)."""
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC) + PUBLICATION_LAG


# ---------------------------------------------------------------------------------------------- the request
@dataclass(frozen=True)
class ReportRequest:
    """A createReport body as Amazon reads it: only the dates of dataStartTime/dataEndTime count."""

    report_type: str
    marketplace_ids: tuple[str, ...]
    options: Any
    start: date
    end: date


def check_report_request(request: ReportRequest, vendor_marketplace_ids: tuple[str, ...], now: datetime,
                         ) -> AmazonReportType:
    """Raise ReportRejected with Amazon-style errorDetails; return the type's rules when it is served. A vendor
    analytics report covers exactly one of the selling partner's marketplaces (§2.2)."""
    report = amazon_report_type(request.report_type)
    if report.report_type not in SERVED_REPORT_TYPES:
        raise ReportRejected(f"{report.report_type} is not available for this vendor account in the sandbox")
    if len(request.marketplace_ids) != 1 or request.marketplace_ids[0] not in vendor_marketplace_ids:
        raise ReportRejected(
            f"marketplaceIds {list(request.marketplace_ids)} do not match the marketplace of the selling "
            f"partner account; use one of {list(vendor_marketplace_ids)}"
        )
    if not isinstance(request.options, dict) or not all(isinstance(v, str) for v in request.options.values()):
        raise ReportRejected("reportOptions must be a JSON object whose values are strings")
    check_report_options(report, request.options)
    if not report.dated:
        return report

    period = request.options[REPORT_PERIOD]
    start, end = request.start, request.end
    if start > end:
        raise ReportRejected(f"dataStartTime {start} is after dataEndTime {end}")
    if period != DAY:
        if period_containing(start, period)[0] != start:
            raise ReportRejected(
                f"Invalid dataStartTime {start} for reportPeriod={period}: it must be {_FIRST_DAY[period]}"
            )
        if period_containing(end, period)[1] != end:
            raise ReportRejected(
                f"Invalid dataEndTime {end} for reportPeriod={period}: it must be {_LAST_DAY[period]}"
            )
    earliest = (now - DATA_RETENTION).date()
    if start < earliest:
        raise ReportRejected(
            f"dataStartTime {start} is older than the data retention of {DATA_RETENTION.days} days "
            f"(earliest {earliest})"
        )
    if now < published_at(end):
        raise ReportRejected(not_yet_available_details(end))
    return report


def not_yet_available_details(end: date) -> str:
    return f"Data for the requested period ending {end} {NOT_YET_AVAILABLE}; request it again later"
