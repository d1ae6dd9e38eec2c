"""The raw zone's explicit Arrow schema of each report type, and the map from Amazon's document fields to its
columns. Column names are a contract: the curated SQL, the emulator's truth and the lake all use them.

Decisions, for whoever changes this:
- Schema evolution: a field Amazon adds that is not listed here is ignored by the parser, so raw tables keep
  one schema per type (and SCHEMA_VERSION); the landing zone keeps every original document, so a field adopted
  later can be back-filled by re-parsing. A field Amazon's schema requires is an error when missing.
- Hourly (real-time) types carry `data_start_time`/`data_end_time` and `start_time`/`end_time` as UTC
  timestamps where the periodic types carry dates; their `last_updated_date` is null (Amazon sends none).
- Every column is nullable in Arrow; the lineage columns are always filled, the metrics as Amazon sends them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import pyarrow as pa

from vendorcast.vocabulary.report_catalogue import (
    OPTION_CURRENCY_CODE,
    OPTION_DISTRIBUTOR_VIEW,
    OPTION_REPORT_PERIOD,
    OPTION_SELLING_PROGRAM,
    ReportType,
    report_spec,
)

# Bumped when a column is added, removed or retyped, so a reader can tell raw files of different layouts
# apart (stored in the Parquet file's Arrow schema metadata).
SCHEMA_VERSION = "1"
METADATA_REPORT_TYPE = b"vendorcast.report_type"
METADATA_SCHEMA_VERSION = b"vendorcast.schema_version"

# Values of the `row_level` column.
ROW_LEVEL_ASIN = "asin"
ROW_LEVEL_AGGREGATE = "aggregate"

TIMESTAMP_UTC = pa.timestamp("us", tz="UTC")


class FieldKind(StrEnum):
    """How one field of a document row is typed in JSON, which fixes its Arrow column type."""

    INTEGER = "integer"  # -> int64
    NUMBER = "number"  # -> float64
    AMOUNT = "amount"  # {"amount": number, "currencyCode": str} -> float64, plus the row's currency_code
    DATE = "date"  # "YYYY-MM-DD" -> date32
    DATE_TIME = "date-time"  # ISO 8601 date-time -> timestamp[us, UTC]
    STRING = "string"  # -> string


_COLUMN_TYPES: dict[FieldKind, pa.DataType] = {
    FieldKind.INTEGER: pa.int64(),
    FieldKind.NUMBER: pa.float64(),
    FieldKind.AMOUNT: pa.float64(),
    FieldKind.DATE: pa.date32(),
    FieldKind.DATE_TIME: TIMESTAMP_UTC,
    FieldKind.STRING: pa.string(),
}


def snake_case(name: str) -> str:
    """Amazon's camelCase field name as a column name: shippedCogs -> shipped_cogs, p70ForecastUnits ->
    p70_forecast_units. Digits stay with the word before them; the aged90Plus* fields name their column."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@dataclass(frozen=True)
class RowField:
    """One field of a document row (by-ASIN or aggregate) and the column it fills."""

    name: str  # Amazon's JSON name
    kind: FieldKind
    required: bool  # per Amazon's schema
    column: str = ""  # defaults to snake_case(name)
    by_asin_only: bool = False  # `asin` is absent from aggregate rows

    def __post_init__(self) -> None:
        if not self.column:
            object.__setattr__(self, "column", snake_case(self.name))

    @property
    def column_type(self) -> pa.DataType:
        return _COLUMN_TYPES[self.kind]


@dataclass(frozen=True)
class ReportLayout:
    """How one report type's document maps onto its raw table."""

    report_type: ReportType
    by_asin_key: str
    aggregate_key: str | None
    # Row fields in column order: asin and the row's period first, then the metrics.
    fields: tuple[RowField, ...]
    # reportSpecification keys Amazon's schema requires (besides reportType and marketplaceIds).
    required_specification: tuple[str, ...]
    # reportOptions keys Amazon's schema requires in the document.
    required_options: tuple[str, ...]
    # Hourly (real-time) reports carry date-times where the periodic ones carry dates.
    hourly: bool
    schema: pa.Schema

    @property
    def amount_fields(self) -> tuple[RowField, ...]:
        return tuple(f for f in self.fields if f.kind is FieldKind.AMOUNT)

    @property
    def has_currency(self) -> bool:
        return "currency_code" in self.schema.names


def _lineage_fields(hourly: bool) -> list[pa.Field]:
    # Hourly reports are requested and reported in UTC date-times, so their window is kept to the second.
    window_type = TIMESTAMP_UTC if hourly else pa.date32()
    window_suffix = "time" if hourly else "date"
    return [
        pa.field("report_id", pa.string()),
        pa.field("request_key", pa.string()),
        pa.field("ingested_at", TIMESTAMP_UTC),
        pa.field("report_type", pa.string()),
        pa.field("marketplace_id", pa.string()),
        pa.field("report_period", pa.string()),
        pa.field("distributor_view", pa.string()),
        pa.field("selling_program", pa.string()),
        pa.field(f"data_start_{window_suffix}", window_type),
        pa.field(f"data_end_{window_suffix}", window_type),
        pa.field("last_updated_date", pa.date32()),
        pa.field("row_level", pa.string()),
    ]


LINEAGE_COLUMNS: tuple[str, ...] = tuple(f.name for f in _lineage_fields(hourly=False))
HOURLY_LINEAGE_COLUMNS: tuple[str, ...] = tuple(f.name for f in _lineage_fields(hourly=True))

_PERIODIC_SPECIFICATION = ("reportOptions", "lastUpdatedDate", "dataStartTime", "dataEndTime")
_HOURLY_SPECIFICATION = ("dataStartTime", "dataEndTime")

_DATED_ROW = (
    RowField("asin", FieldKind.STRING, required=True, by_asin_only=True),
    RowField("startDate", FieldKind.DATE, required=True),
    RowField("endDate", FieldKind.DATE, required=True),
)
_HOURLY_ROW = (
    RowField("asin", FieldKind.STRING, required=True, by_asin_only=True),
    RowField("startTime", FieldKind.DATE_TIME, required=True),
    RowField("endTime", FieldKind.DATE_TIME, required=True),
)

_I, _N, _A = FieldKind.INTEGER, FieldKind.NUMBER, FieldKind.AMOUNT

# Metric fields in column order, with requiredness exactly as Amazon's schemas (definitions/*.required) say.
_METRICS: dict[ReportType, tuple[RowField, ...]] = {
    ReportType.SALES: (
        RowField("customerReturns", _I, required=False),
        RowField("orderedUnits", _I, required=False),
        RowField("shippedUnits", _I, required=True),
        RowField("orderedRevenue", _A, required=False),
        RowField("shippedRevenue", _A, required=True),
        RowField("shippedCogs", _A, required=True),
    ),
    ReportType.TRAFFIC: (RowField("glanceViews", _I, required=True),),
    ReportType.INVENTORY: (
        # Amazon's InventoryByAsin omits the first three, yet its examples carry them: optional everywhere.
        RowField("procurableProductOutOfStockRate", _N, required=False),
        RowField("uft", _N, required=False),
        RowField("receiveFillRate", _N, required=False),
        RowField("vendorConfirmationRate", _N, required=False),
        RowField("averageVendorLeadTimeDays", _N, required=False),
        RowField("sellThroughRate", _N, required=False),
        RowField("netReceivedInventoryCost", _A, required=True),
        RowField("sellableOnHandInventoryCost", _A, required=True),
        RowField("unsellableOnHandInventoryCost", _A, required=False),
        RowField("aged90PlusDaysSellableInventoryCost", _A, required=False,
                 column="aged_90_plus_days_sellable_inventory_cost"),
        RowField("unhealthyInventoryCost", _A, required=False),
        RowField("netReceivedInventoryUnits", _I, required=True),
        RowField("openPurchaseOrderUnits", _I, required=True),
        RowField("unfilledCustomerOrderedUnits", _I, required=False),
        RowField("sellableOnHandInventoryUnits", _I, required=True),
        RowField("unsellableOnHandInventoryUnits", _I, required=False),
        RowField("aged90PlusDaysSellableInventoryUnits", _I, required=False,
                 column="aged_90_plus_days_sellable_inventory_units"),
        RowField("unhealthyInventoryUnits", _I, required=False),
    ),
    ReportType.NET_PURE_PRODUCT_MARGIN: (RowField("netPureProductMargin", _N, required=True),),
    ReportType.FORECASTING: (
        RowField("forecastGenerationDate", FieldKind.DATE, required=True),
        RowField("meanForecastUnits", _N, required=True),
        RowField("p70ForecastUnits", _N, required=True),
        RowField("p80ForecastUnits", _N, required=True),
        RowField("p90ForecastUnits", _N, required=True),
    ),
    ReportType.REAL_TIME_SALES: (
        RowField("orderedUnits", _I, required=True),
        # A plain number here; its currency is reportSpecification.reportOptions.currencyCode.
        RowField("orderedRevenue", _N, required=True),
    ),
    ReportType.REAL_TIME_TRAFFIC: (RowField("glanceViews", _I, required=True),),
    ReportType.REAL_TIME_INVENTORY: (RowField("highlyAvailableInventory", _I, required=True),),
}

# Report types whose rows carry money, and so a row-level currency_code column.
_CURRENCY_FROM_OPTIONS = {ReportType.REAL_TIME_SALES}


def _build_layout(report_type: ReportType) -> ReportLayout:
    spec = report_spec(report_type)
    metrics = _METRICS[report_type]
    fields = (_HOURLY_ROW if spec.hourly else _DATED_ROW) + metrics
    columns = _lineage_fields(spec.hourly) + [pa.field(f.column, f.column_type) for f in fields]
    if report_type in _CURRENCY_FROM_OPTIONS or any(f.kind is FieldKind.AMOUNT for f in metrics):
        columns.append(pa.field("currency_code", pa.string()))

    if spec.hourly:
        required_specification = _HOURLY_SPECIFICATION
        required_options: tuple[str, ...] = ()
        if report_type in _CURRENCY_FROM_OPTIONS:
            required_specification = (*required_specification, "reportOptions")
            required_options = (OPTION_CURRENCY_CODE,)
    elif spec.dated:
        required_specification = _PERIODIC_SPECIFICATION
        required_options = tuple(spec.options)
    else:
        required_specification = ("reportOptions", "lastUpdatedDate")
        required_options = tuple(spec.options)

    metadata = {
        METADATA_REPORT_TYPE: report_type.value.encode(),
        METADATA_SCHEMA_VERSION: SCHEMA_VERSION.encode(),
    }
    return ReportLayout(
        report_type=report_type,
        by_asin_key=spec.by_asin_key,
        aggregate_key=spec.aggregate_key,
        fields=fields,
        required_specification=required_specification,
        required_options=required_options,
        hourly=spec.hourly,
        schema=pa.schema(columns, metadata=metadata),
    )


REPORT_LAYOUTS: dict[ReportType, ReportLayout] = {t: _build_layout(t) for t in ReportType}

# reportOptions that become lineage columns (null where the report type has no such option).
OPTION_COLUMNS: dict[str, str] = {
    OPTION_REPORT_PERIOD: "report_period",
    OPTION_DISTRIBUTOR_VIEW: "distributor_view",
    OPTION_SELLING_PROGRAM: "selling_program",
}


def report_layout(report_type: str) -> ReportLayout:
    """The layout of a report type; UnknownReportType for a type vendorcast does not know."""
    return REPORT_LAYOUTS[report_spec(report_type).report_type]


def report_schema(report_type: str) -> pa.Schema:
    """The explicit Arrow schema of a report type's raw table."""
    return report_layout(report_type).schema


__all__ = [
    "HOURLY_LINEAGE_COLUMNS",
    "LINEAGE_COLUMNS",
    "METADATA_REPORT_TYPE",
    "METADATA_SCHEMA_VERSION",
    "OPTION_COLUMNS",
    "REPORT_LAYOUTS",
    "ROW_LEVEL_AGGREGATE",
    "ROW_LEVEL_ASIN",
    "SCHEMA_VERSION",
    "FieldKind",
    "ReportLayout",
    "RowField",
    "report_layout",
    "report_schema",
    "snake_case",
]
