"""The vendor report catalogue: which report types exist, which options each accepts, and the rules
(period alignment, request span, availability lag, look-back) that the planner, the parsers and the
config read from this one place. The SP-API emulator does not: it judges these rules with its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from importlib import resources as importlib_resources
from typing import Any


class ReportType(StrEnum):
    SALES = "GET_VENDOR_SALES_REPORT"
    TRAFFIC = "GET_VENDOR_TRAFFIC_REPORT"
    INVENTORY = "GET_VENDOR_INVENTORY_REPORT"
    NET_PURE_PRODUCT_MARGIN = "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT"
    FORECASTING = "GET_VENDOR_FORECASTING_REPORT"
    REAL_TIME_SALES = "GET_VENDOR_REAL_TIME_SALES_REPORT"
    REAL_TIME_TRAFFIC = "GET_VENDOR_REAL_TIME_TRAFFIC_REPORT"
    REAL_TIME_INVENTORY = "GET_VENDOR_REAL_TIME_INVENTORY_REPORT"


class ReportPeriod(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"


class DistributorView(StrEnum):
    MANUFACTURING = "MANUFACTURING"
    SOURCING = "SOURCING"


class SellingProgram(StrEnum):
    RETAIL = "RETAIL"
    BUSINESS = "BUSINESS"
    FRESH = "FRESH"


# reportOptions keys, exactly as SP-API spells them.
OPTION_REPORT_PERIOD = "reportPeriod"
OPTION_DISTRIBUTOR_VIEW = "distributorView"
OPTION_SELLING_PROGRAM = "sellingProgram"
OPTION_CURRENCY_CODE = "currencyCode"

ALL_PERIODS = tuple(ReportPeriod)

# Amazon does not publish a maximum span per request (reference §3.0, unverified): these limits are the
# pipeline's choice, small enough to keep one document well inside a Lambda's memory for a large catalogue.
# The planner's own tests hold it to them; the emulator, which judges by Amazon's rules, enforces none.
DEFAULT_MAX_PERIODS_PER_REQUEST: dict[ReportPeriod, int] = {
    ReportPeriod.DAY: 15,
    ReportPeriod.WEEK: 13,
    ReportPeriod.MONTH: 6,
    ReportPeriod.QUARTER: 4,
    ReportPeriod.YEAR: 1,
}

# Data becomes available this long after a period closes: Amazon publishes daily and weekly retail analytics
# "up to ~72 h" after the period (reference §3.0), so asking earlier spends the scarce createReport quota on a
# FATAL "not yet available"; longer periods follow their last day's daily data.
DEFAULT_AVAILABILITY_LAG: dict[ReportPeriod, timedelta] = {
    ReportPeriod.DAY: timedelta(hours=72),
    ReportPeriod.WEEK: timedelta(hours=72),
    ReportPeriod.MONTH: timedelta(hours=72),
    ReportPeriod.QUARTER: timedelta(hours=72),
    ReportPeriod.YEAR: timedelta(hours=72),
}

# How far back Amazon serves retail analytics (not published; connectors report about 3-4 years).
DEFAULT_MAX_LOOKBACK = timedelta(days=3 * 365)


class UnknownReportType(ValueError):
    """A report type that vendorcast does not know."""

    def __init__(self, report_type: str) -> None:
        known = ", ".join(t.value for t in ReportType)
        super().__init__(f"unknown report type {report_type!r}; known report types: {known}")
        self.report_type = report_type


class InvalidReportOptions(ValueError):
    """reportOptions that Amazon would reject for this report type."""


@dataclass(frozen=True)
class ReportSpec:
    """What SP-API accepts and returns for one report type."""

    report_type: ReportType
    # option name -> allowed values; every listed option is required by Amazon.
    options: dict[str, tuple[str, ...]]
    # The document's per-ASIN rows and, where the type has one, the catalogue-wide aggregate rows.
    by_asin_key: str
    aggregate_key: str | None
    schema_file: str
    # Whether the request's dataStartTime/dataEndTime select the data (FORECASTING ignores them).
    dated: bool = True
    # Hourly types (real-time) are optional and planned by the hour rather than by period.
    hourly: bool = False
    max_periods_per_request: dict[ReportPeriod, int] = field(
        default_factory=lambda: dict(DEFAULT_MAX_PERIODS_PER_REQUEST)
    )

    @property
    def periods(self) -> tuple[ReportPeriod, ...]:
        return tuple(ReportPeriod(p) for p in self.options.get(OPTION_REPORT_PERIOD, ()))

    def validate_options(self, options: dict[str, str]) -> None:
        """Raise InvalidReportOptions naming the option and its allowed values."""
        for name, value in options.items():
            if name not in self.options:
                accepted = ", ".join(self.options) or "no options"
                raise InvalidReportOptions(
                    f"{self.report_type} does not accept reportOptions.{name}; it accepts {accepted}"
                )
            allowed = self.options[name]
            if value not in allowed:
                raise InvalidReportOptions(
                    f"{self.report_type} does not accept {name}={value}; use {' or '.join(allowed)}"
                )
        missing = [name for name in self.options if name not in options]
        if missing:
            allowed = "; ".join(f"{name}: {' or '.join(self.options[name])}" for name in missing)
            raise InvalidReportOptions(
                f"{self.report_type} requires reportOptions {', '.join(missing)} ({allowed})"
            )

    def json_schema(self) -> dict[str, Any]:
        """Amazon's JSON schema of this report's document."""
        import json

        path = importlib_resources.files("vendorcast.spapi").joinpath("models", "schemas", "reports", self.schema_file)
        return json.loads(path.read_text(encoding="utf-8"))


_PERIODS = tuple(p.value for p in ReportPeriod)
_VIEWS = tuple(v.value for v in DistributorView)

REPORT_CATALOGUE: dict[ReportType, ReportSpec] = {
    spec.report_type: spec
    for spec in (
        ReportSpec(
            ReportType.SALES,
            options={
                OPTION_REPORT_PERIOD: _PERIODS,
                OPTION_DISTRIBUTOR_VIEW: _VIEWS,
                OPTION_SELLING_PROGRAM: ("RETAIL", "BUSINESS", "FRESH"),
            },
            by_asin_key="salesByAsin",
            aggregate_key="salesAggregate",
            schema_file="vendorSalesReport.json",
        ),
        ReportSpec(
            ReportType.TRAFFIC,
            options={OPTION_REPORT_PERIOD: _PERIODS},
            by_asin_key="trafficByAsin",
            aggregate_key="trafficAggregate",
            schema_file="vendorTrafficReport.json",
        ),
        ReportSpec(
            ReportType.INVENTORY,
            options={
                OPTION_REPORT_PERIOD: _PERIODS,
                OPTION_DISTRIBUTOR_VIEW: _VIEWS,
                OPTION_SELLING_PROGRAM: ("RETAIL", "FRESH"),
            },
            by_asin_key="inventoryByAsin",
            aggregate_key="inventoryAggregate",
            schema_file="vendorInventoryReport.json",
        ),
        ReportSpec(
            ReportType.NET_PURE_PRODUCT_MARGIN,
            options={OPTION_REPORT_PERIOD: _PERIODS},
            by_asin_key="netPureProductMarginByAsin",
            aggregate_key="netPureProductMarginAggregate",
            schema_file="vendorNetPureProductMarginReport.json",
        ),
        ReportSpec(
            ReportType.FORECASTING,
            options={OPTION_SELLING_PROGRAM: ("RETAIL", "FRESH")},
            by_asin_key="forecastByAsin",
            aggregate_key=None,
            schema_file="vendorForecastingReport.json",
            dated=False,
        ),
        ReportSpec(
            ReportType.REAL_TIME_SALES,
            options={},
            by_asin_key="reportData",
            aggregate_key=None,
            schema_file="vendorRealTimeSalesReport.json",
            hourly=True,
        ),
        ReportSpec(
            ReportType.REAL_TIME_TRAFFIC,
            options={},
            by_asin_key="reportData",
            aggregate_key=None,
            schema_file="vendorRealTimeTrafficReport.json",
            hourly=True,
        ),
        ReportSpec(
            ReportType.REAL_TIME_INVENTORY,
            options={},
            by_asin_key="reportData",
            aggregate_key=None,
            schema_file="vendorRealTimeInventoryReport.json",
            hourly=True,
        ),
    )
}


def report_spec(report_type: str) -> ReportSpec:
    """The spec of a report type, or UnknownReportType listing the known ones."""
    try:
        return REPORT_CATALOGUE[ReportType(report_type)]
    except ValueError:
        raise UnknownReportType(report_type) from None
