"""The curated table contract: every table the publishing job writes, its grain, business key, partitions and
columns, and the raw inputs its SQL reads. The SQL (vendorcast/lake/sql/), the engines, the Glue Data Catalog,
the Athena views and docs/data-dictionary.md all follow this one list.

Decisions, for whoever changes this:
- Partition columns live only in the object keys (`curated/<table>/account=.../marketplace_id=.../<week>=...`),
  never in the Parquet files, because Glue and Athena forbid a partition key that is also a data column. A
  query sees `columns` + `partition_columns`; `business_key` may name either.
- Period tables are partitioned by account, marketplace and `start_week` (the Sunday on or before the row's
  start_date: Amazon's retail weeks run Sunday to Saturday), so a new raw document for one week rewrites that
  week's partition and nothing else; amazon_forecast by its generation date, demand_weekly by its week, the
  purchase-order tables by the week of the order date (every read of a PO lands in the same partition).
- Curated tables hold by-ASIN rows only: the aggregate rows of the raw zone (row_level = "aggregate") are sums
  a query can rebuild. The hourly real-time reports are not curated (they feed alerts, not forecasts).
- Types are Spark SQL type strings, which are also the Glue/Hive column types; ARROW_TYPES maps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources as importlib_resources

import pyarrow as pa

from vendorcast.lake.layout import table_name
from vendorcast.reports.schemas import OPTION_COLUMNS, TIMESTAMP_UTC, report_layout
from vendorcast.resources import CURATED_PREFIX, RAW_PREFIX
from vendorcast.vocabulary.report_catalogue import ReportType, report_spec

# A week whose customers found the ASIN out of stock on at least this share of their glance views sold less than
# its demand: demand_weekly flags it `censored`, and a forecast should treat its units as a lower bound.
CENSORED_OUT_OF_STOCK_RATE = 0.10

# demand_weekly reads this selling program: RETAIL covers every customer order of an ASIN (BUSINESS and FRESH
# are slices of it), so adding the programs would count orders twice.
DEMAND_SELLING_PROGRAM = "RETAIL"

# Values of demand_weekly.units_source.
UNITS_SOURCE_ORDERED = "ordered_units"  # customer ordered units, MANUFACTURING view
UNITS_SOURCE_SHIPPED = "shipped_units"  # shipped units, where only the SOURCING view was pulled

# The one-row view of named constants that the SQL reads (so a threshold lives here, not in SQL text).
PARAMETERS_VIEW = "publish_parameters"

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "date": pa.date32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": TIMESTAMP_UTC,
}


@dataclass(frozen=True)
class Column:
    """One column of a curated table (or one of its partition columns)."""

    name: str
    type: str  # Spark SQL type: string, date, bigint, double, boolean, timestamp (UTC)
    description: str

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


@dataclass(frozen=True)
class RawInput:
    """A raw-zone table that curated SQL reads, registered by the engine as a view named `view`.

    The view has the raw file's columns (`schema`) plus `account`, taken from the file's key (the raw files
    carry marketplace_id and the report options as data columns, so they are read with Hive partitioning off).
    A file lacking a column of `required_columns` fails with an error naming it; a file lacking another column
    of `schema` reads it as null; columns a file has beyond `schema` are ignored.
    """

    view: str
    table: str  # the folder under raw/
    schema: pa.Schema
    required_columns: tuple[str, ...]

    @property
    def prefix(self) -> str:
        return f"{RAW_PREFIX}/{self.table}"


@dataclass(frozen=True)
class LakeTable:
    """A table of the lake in the Glue catalog: what a row is, what identifies it, how it is partitioned."""

    name: str
    description: str
    grain: str
    business_key: tuple[str, ...]
    partition_columns: tuple[Column, ...]
    columns: tuple[Column, ...]

    @property
    def prefix(self) -> str:
        """Where its objects live in the lake bucket."""
        raise NotImplementedError

    @property
    def partition_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.partition_columns)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """What a query sees: data columns, then partition columns (Glue's and Athena's order)."""
        return self.columns + self.partition_columns


@dataclass(frozen=True)
class CuratedTable(LakeTable):
    """One curated table, and the SQL that makes it."""

    sql_file: str  # in vendorcast/lake/sql/
    # Views the SQL reads: raw inputs (RAW_INPUTS) or other curated tables (published before this one).
    inputs: tuple[str, ...]

    @property
    def prefix(self) -> str:
        return f"{CURATED_PREFIX}/{self.name}"

    def sql(self) -> str:
        return importlib_resources.files("vendorcast.lake").joinpath("sql", self.sql_file).read_text("utf-8")


def arrow_schema(table: LakeTable, with_partitions: bool = False) -> pa.Schema:
    """The Arrow schema of a curated table's Parquet files, or (with_partitions) of the table as queried."""
    columns = table.all_columns if with_partitions else table.columns
    return pa.schema([pa.field(c.name, c.arrow_type) for c in columns])


# --- raw inputs -------------------------------------------------------------------------------------------

ACCOUNT_COLUMN = "account"


# Lineage columns the curated SQL reads; the other lineage columns (request_key, data_start_date, ...) are read
# as null when a file lacks them.
_REQUIRED_LINEAGE = ("report_id", "ingested_at", "marketplace_id", "last_updated_date", "row_level")


def _report_input(report_type: ReportType) -> RawInput:
    layout = report_layout(report_type)
    options = tuple(OPTION_COLUMNS[o] for o in report_spec(report_type).options if o in OPTION_COLUMNS)
    # Amazon's required fields, the lineage the SQL reads and the report's options; the rest may be missing.
    required = {*_REQUIRED_LINEAGE, *options, *(f.column for f in layout.fields if f.required)}
    raw_table = table_name(report_type)
    return RawInput(
        view=f"raw_{raw_table}",
        table=raw_table,
        schema=layout.schema,
        required_columns=tuple(n for n in layout.schema.names if n in required),
    )


# Written by the catalog_item function under raw/catalog_items/ and raw/catalog_changes/
# (account=<account>/marketplace_id=<marketplace>/<file>.parquet, like the report tables): a snapshot row only when
# an item's content hash changes (and at its first sighting), a change row per changed field.
RAW_CATALOG_ITEMS_SCHEMA = pa.schema([
    pa.field("request_key", pa.string()),
    pa.field("ingested_at", TIMESTAMP_UTC),
    pa.field("marketplace_id", pa.string()),
    pa.field("asin", pa.string()),
    pa.field("snapshot_at", TIMESTAMP_UTC),
    pa.field("last_updated_date", pa.date32()),
    pa.field("content_hash", pa.string()),
    pa.field("item_name", pa.string()),
    pa.field("brand", pa.string()),
    pa.field("manufacturer", pa.string()),
    pa.field("model_number", pa.string()),
    pa.field("product_type", pa.string()),
    pa.field("browse_classification_id", pa.string()),
    pa.field("browse_classification_name", pa.string()),
    pa.field("main_image_url", pa.string()),
    pa.field("bullet_points", pa.string()),
    pa.field("item_package_dimensions", pa.string()),
    pa.field("other_image_urls", pa.string()),
    pa.field("variation_family", pa.string()),
    pa.field("listed", pa.bool_()),
])
RAW_CATALOG_CHANGES_SCHEMA = pa.schema([
    pa.field("request_key", pa.string()),
    pa.field("ingested_at", TIMESTAMP_UTC),
    pa.field("marketplace_id", pa.string()),
    pa.field("asin", pa.string()),
    pa.field("field", pa.string()),
    pa.field("before_value", pa.string()),
    pa.field("after_value", pa.string()),
    pa.field("detected_at", TIMESTAMP_UTC),
    pa.field("last_updated_date", pa.date32()),
    pa.field("source", pa.string()),
])
# Written by the purchase_orders function under raw/purchase_orders/, raw/purchase_order_items/ and
# raw/purchase_order_status/ (account=<account>/marketplace_id=<marketplace>/<file>.parquet): one file per page of
# Vendor Orders as served (the page itself is under landing/). Rows of one PO read twice differ in `read_at`; the
# curated tables keep the latest read. Quantities are in units (eaches): a Cases quantity is amount x unitSize.
_PO_LINEAGE = [
    pa.field("request_key", pa.string()),  # the page: operation, window and page number
    pa.field("read_at", TIMESTAMP_UTC),  # when the page was read from Amazon (the state is as of then)
    pa.field("ingested_at", TIMESTAMP_UTC),
    pa.field("marketplace_id", pa.string()),
    pa.field("purchase_order_number", pa.string()),
    pa.field("order_date", TIMESTAMP_UTC),  # purchaseOrderDate: places every row in its curated partition
]
RAW_PURCHASE_ORDERS_SCHEMA = pa.schema([
    *_PO_LINEAGE,
    pa.field("purchase_order_state", pa.string()),  # New, Acknowledged, Closed
    pa.field("purchase_order_type", pa.string()),
    pa.field("changed_date", TIMESTAMP_UTC),  # purchaseOrderChangedDate (Amazon changed the PO after placing it)
    pa.field("state_changed_date", TIMESTAMP_UTC),
    pa.field("ship_window_start", TIMESTAMP_UTC),
    pa.field("ship_window_end", TIMESTAMP_UTC),
    pa.field("delivery_window_start", TIMESTAMP_UTC),
    pa.field("delivery_window_end", TIMESTAMP_UTC),
    pa.field("ship_to", pa.string()),  # shipToParty.partyId: the fulfilment center
    pa.field("selling_party", pa.string()),  # the vendor code
    pa.field("payment_method", pa.string()),
    pa.field("deal_code", pa.string()),
])
RAW_PURCHASE_ORDER_ITEMS_SCHEMA = pa.schema([
    *_PO_LINEAGE,
    pa.field("item_sequence_number", pa.string()),
    pa.field("asin", pa.string()),
    pa.field("vendor_sku", pa.string()),
    pa.field("unit_of_measure", pa.string()),  # Cases or Eaches (Amazon's case variants made canonical)
    pa.field("unit_size", pa.int64()),
    pa.field("ordered_units", pa.int64()),
    pa.field("is_back_order_allowed", pa.bool_()),
    pa.field("net_cost", pa.float64()),  # per unit
    pa.field("list_price", pa.float64()),
    pa.field("currency_code", pa.string()),
])
RAW_PURCHASE_ORDER_STATUS_SCHEMA = pa.schema([
    *_PO_LINEAGE,
    pa.field("purchase_order_status", pa.string()),  # OPEN or CLOSED
    pa.field("last_updated_at", TIMESTAMP_UTC),  # lastUpdatedDate of the PO's status
    pa.field("ship_to", pa.string()),
    pa.field("item_sequence_number", pa.string()),
    pa.field("asin", pa.string()),  # buyerProductIdentifier
    pa.field("vendor_sku", pa.string()),
    pa.field("unit_of_measure", pa.string()),
    pa.field("unit_size", pa.int64()),
    pa.field("ordered_units", pa.int64()),
    pa.field("cancelled_units", pa.int64()),  # sum of orderedQuantityDetails[].cancelledQuantity
    pa.field("confirmation_status", pa.string()),  # ACCEPTED, PARTIALLY_ACCEPTED, REJECTED, UNCONFIRMED
    pa.field("accepted_units", pa.int64()),  # null while UNCONFIRMED
    pa.field("rejected_units", pa.int64()),
    pa.field("acknowledged_at", TIMESTAMP_UTC),  # the first acknowledgementDate
    pa.field("receive_status", pa.string()),  # NOT_RECEIVED, PARTIALLY_RECEIVED, RECEIVED
    pa.field("received_units", pa.int64()),  # cumulative
    pa.field("last_receive_date", TIMESTAMP_UTC),
    pa.field("net_cost", pa.float64()),
    pa.field("list_price", pa.float64()),
    pa.field("currency_code", pa.string()),
])
_PO_REQUIRED = ("request_key", "read_at", "ingested_at", "marketplace_id", "purchase_order_number", "order_date")
_CATALOG_ITEMS_REQUIRED = ("request_key", "ingested_at", "marketplace_id", "asin", "snapshot_at",
                           "last_updated_date", "content_hash")
_CATALOG_CHANGES_REQUIRED = ("request_key", "ingested_at", "marketplace_id", "asin", "field", "detected_at",
                             "last_updated_date", "source")

RAW_INPUTS: dict[str, RawInput] = {
    raw.view: raw
    for raw in (
        _report_input(ReportType.SALES),
        _report_input(ReportType.TRAFFIC),
        _report_input(ReportType.INVENTORY),
        _report_input(ReportType.NET_PURE_PRODUCT_MARGIN),
        _report_input(ReportType.FORECASTING),
        RawInput("raw_catalog_items", "catalog_items", RAW_CATALOG_ITEMS_SCHEMA, _CATALOG_ITEMS_REQUIRED),
        RawInput("raw_catalog_changes", "catalog_changes", RAW_CATALOG_CHANGES_SCHEMA, _CATALOG_CHANGES_REQUIRED),
        RawInput("raw_purchase_orders", "purchase_orders", RAW_PURCHASE_ORDERS_SCHEMA,
                 (*_PO_REQUIRED, "purchase_order_state")),
        RawInput("raw_purchase_order_items", "purchase_order_items", RAW_PURCHASE_ORDER_ITEMS_SCHEMA,
                 (*_PO_REQUIRED, "item_sequence_number", "ordered_units")),
        RawInput("raw_purchase_order_status", "purchase_order_status", RAW_PURCHASE_ORDER_STATUS_SCHEMA,
                 (*_PO_REQUIRED, "purchase_order_status", "item_sequence_number")),
    )
}

# --- shared columns ---------------------------------------------------------------------------------------

_ACCOUNT = Column("account", "string", "vendorcast account name (the config's [[accounts]] name).")
_MARKETPLACE = Column("marketplace_id", "string", "Amazon marketplace id, e.g. ATVPDKIKX0DER (US).")
_START_WEEK = Column(
    "start_week", "date",
    "Sunday on or before start_date: the retail week the row's period starts in.",
)
_ASIN = Column("asin", "string", "Amazon Standard Identification Number.")
_REPORT_PERIOD = Column("report_period", "string", "Length of the period: DAY, WEEK, MONTH, QUARTER or YEAR.")
_START_DATE = Column("start_date", "date", "First day of the period.")
_END_DATE = Column("end_date", "date", "Last day of the period (inclusive).")
_DISTRIBUTOR_VIEW = Column(
    "distributor_view", "string",
    "MANUFACTURING (everything sold of the vendor's products) or SOURCING (what Amazon bought from this vendor).",
)
_SELLING_PROGRAM = Column("selling_program", "string", "RETAIL, BUSINESS or FRESH.")
_CURRENCY = Column("currency_code", "string", "ISO 4217 currency of the row's money columns.")
_LAST_UPDATED = Column(
    "last_updated_date", "date",
    "Amazon's lastUpdatedDate of the document this row comes from: the row is the latest restatement.",
)
_REPORT_ID = Column("report_id", "string", "SP-API report id of the document this row comes from (lineage).")
_INGESTED_AT = Column("ingested_at", "timestamp", "When vendorcast stored that document in the raw zone (UTC).")
_REPORT_LINEAGE = (_LAST_UPDATED, _REPORT_ID, _INGESTED_AT)
_PERIOD_PARTITIONS = (_ACCOUNT, _MARKETPLACE, _START_WEEK)


def _period_grain(what: str, options: str = "") -> str:
    return f"one row per account, marketplace, {options}report period, ASIN and period start date: {what}"


# --- the curated tables -----------------------------------------------------------------------------------

VENDOR_SALES = CuratedTable(
    name="vendor_sales",
    description="Amazon's sales of the vendor's ASINs per period (GET_VENDOR_SALES_REPORT), latest restatement.",
    grain=_period_grain("sales of one ASIN in one period", "distributor view, selling program, "),
    business_key=("account", "marketplace_id", "distributor_view", "selling_program", "report_period", "asin",
                  "start_date"),
    partition_columns=_PERIOD_PARTITIONS,
    columns=(
        _DISTRIBUTOR_VIEW, _SELLING_PROGRAM, _REPORT_PERIOD, _ASIN, _START_DATE, _END_DATE,
        Column("ordered_units", "bigint",
               "Units customers ordered (MANUFACTURING view only; null in SOURCING)."),
        Column("ordered_revenue", "double", "Revenue of the ordered units (MANUFACTURING view only)."),
        Column("shipped_units", "bigint", "Units shipped to customers."),
        Column("shipped_revenue", "double", "Revenue of shipped units net of customer returns."),
        Column("shipped_cogs", "double", "Cost of goods sold of shipped units net of customer returns."),
        Column("customer_returns", "bigint", "Units customers returned (null for FRESH)."),
        _CURRENCY, *_REPORT_LINEAGE,
    ),
    sql_file="vendor_sales.sql",
    inputs=("raw_vendor_sales_report",),
)

VENDOR_TRAFFIC = CuratedTable(
    name="vendor_traffic",
    description="Detail-page glance views per ASIN and period (GET_VENDOR_TRAFFIC_REPORT), latest restatement.",
    grain=_period_grain("glance views of one ASIN in one period"),
    business_key=("account", "marketplace_id", "report_period", "asin", "start_date"),
    partition_columns=_PERIOD_PARTITIONS,
    columns=(
        _REPORT_PERIOD, _ASIN, _START_DATE, _END_DATE,
        Column("glance_views", "bigint", "Customer views of the ASIN's detail page."),
        *_REPORT_LINEAGE,
    ),
    sql_file="vendor_traffic.sql",
    inputs=("raw_vendor_traffic_report",),
)

VENDOR_INVENTORY = CuratedTable(
    name="vendor_inventory",
    description="Amazon's inventory of the vendor's ASINs per period (GET_VENDOR_INVENTORY_REPORT), latest "
                "restatement. Units and costs are as of the period's end.",
    grain=_period_grain("inventory of one ASIN in one period", "distributor view, selling program, "),
    business_key=("account", "marketplace_id", "distributor_view", "selling_program", "report_period", "asin",
                  "start_date"),
    partition_columns=_PERIOD_PARTITIONS,
    columns=(
        _DISTRIBUTOR_VIEW, _SELLING_PROGRAM, _REPORT_PERIOD, _ASIN, _START_DATE, _END_DATE,
        Column("procurable_product_out_of_stock_rate", "double",
               "Share of glance views (0 to 1) when the ASIN was out of stock though the vendor could supply it."),
        Column("uft", "double", "Unfilled customer ordered units as a share of customer ordered units (0 to 1)."),
        Column("receive_fill_rate", "double", "Share of confirmed purchase-order units that Amazon received."),
        Column("vendor_confirmation_rate", "double", "Share of requested purchase-order units the vendor confirmed."),
        Column("average_vendor_lead_time_days", "double", "Average days from purchase order to receipt."),
        Column("sell_through_rate", "double", "Units shipped to customers over average on-hand units."),
        Column("net_received_inventory_cost", "double", "Cost of units received net of returns to the vendor."),
        Column("sellable_on_hand_inventory_cost", "double", "Cost of sellable units on hand."),
        Column("unsellable_on_hand_inventory_cost", "double", "Cost of unsellable units on hand."),
        Column("aged_90_plus_days_sellable_inventory_cost", "double",
               "Cost of sellable units on hand for 90 days or more."),
        Column("unhealthy_inventory_cost", "double", "Cost of units Amazon deems excess."),
        Column("net_received_inventory_units", "bigint", "Units received net of returns to the vendor."),
        Column("open_purchase_order_units", "bigint", "Units on open purchase orders."),
        Column("unfilled_customer_ordered_units", "bigint", "Customer ordered units not yet shipped."),
        Column("sellable_on_hand_inventory_units", "bigint", "Sellable units on hand."),
        Column("unsellable_on_hand_inventory_units", "bigint", "Unsellable units on hand."),
        Column("aged_90_plus_days_sellable_inventory_units", "bigint",
               "Sellable units on hand for 90 days or more."),
        Column("unhealthy_inventory_units", "bigint", "Units Amazon deems excess."),
        _CURRENCY, *_REPORT_LINEAGE,
    ),
    sql_file="vendor_inventory.sql",
    inputs=("raw_vendor_inventory_report",),
)

VENDOR_NET_PPM = CuratedTable(
    name="vendor_net_ppm",
    description="Net pure product margin per ASIN and period (GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT), "
                "latest restatement.",
    grain=_period_grain("margin of one ASIN in one period"),
    business_key=("account", "marketplace_id", "report_period", "asin", "start_date"),
    partition_columns=_PERIOD_PARTITIONS,
    columns=(
        _REPORT_PERIOD, _ASIN, _START_DATE, _END_DATE,
        Column("net_pure_product_margin", "double",
               "Amazon's margin on the ASIN after costs and vendor funding, as a share of revenue."),
        *_REPORT_LINEAGE,
    ),
    sql_file="vendor_net_ppm.sql",
    inputs=("raw_vendor_net_pure_product_margin_report",),
)

AMAZON_FORECAST = CuratedTable(
    name="amazon_forecast",
    description="Every weekly snapshot of Amazon's own demand forecast (GET_VENDOR_FORECASTING_REPORT): history "
                "is kept, one partition per generation date, never overwritten by a later snapshot.",
    grain="one row per account, marketplace, selling program, forecast generation date, ASIN and target week",
    business_key=("account", "marketplace_id", "selling_program", "forecast_generation_date", "asin",
                  "target_week_start"),
    partition_columns=(
        _ACCOUNT, _MARKETPLACE,
        Column("forecast_generation_date", "date", "Day Amazon generated the forecast."),
    ),
    columns=(
        _SELLING_PROGRAM, _ASIN,
        Column("target_week_start", "date", "First day of the forecast week."),
        Column("target_week_end", "date", "Last day of the forecast week (inclusive)."),
        Column("mean_forecast_units", "double", "Amazon's mean forecast of units in the week."),
        Column("p70_forecast_units", "double", "70th percentile forecast of units."),
        Column("p80_forecast_units", "double", "80th percentile forecast of units."),
        Column("p90_forecast_units", "double", "90th percentile forecast of units."),
        *_REPORT_LINEAGE,
    ),
    sql_file="amazon_forecast.sql",
    inputs=("raw_vendor_forecasting_report",),
)

CATALOG_ITEMS = CuratedTable(
    name="catalog_items",
    description="The latest catalog snapshot of each ASIN (Catalog Items API), with the content hash and the "
                "fields the catalog watcher compares.",
    grain="one row per account, marketplace and ASIN: its latest snapshot",
    business_key=("account", "marketplace_id", "asin"),
    partition_columns=(_ACCOUNT, _MARKETPLACE),
    columns=(
        _ASIN,
        Column("item_name", "string", "Title on the detail page."),
        Column("brand", "string", "Brand name."),
        Column("manufacturer", "string", "Manufacturer name."),
        Column("model_number", "string", "Model number."),
        Column("product_type", "string", "Amazon product type, e.g. KITCHEN."),
        Column("browse_classification_id", "string", "Browse node id."),
        Column("browse_classification_name", "string", "Browse node display name."),
        Column("main_image_url", "string", "URL of the main product image."),
        Column("bullet_points", "string", "The bullet points as a JSON array of strings."),
        Column("item_package_dimensions", "string", "Package dimensions and weight as a JSON object."),
        Column("other_image_urls", "string", "URLs of the other product images (one per variant) as a JSON array."),
        Column("variation_family", "string",
               "The item's variation family, e.g. `child of B0C1234567 (COLOR)` or `variation parent (SIZE)`."),
        Column("listed", "boolean",
               "False when getCatalogItem no longer finds the ASIN in the marketplace (the other fields then keep "
               "their last values)."),
        Column("content_hash", "string",
               "SHA-256 of what the tracked fields mean (an image re-hosted under another URL is the same image): "
               "equal hashes mean unchanged content."),
        Column("snapshot_at", "timestamp", "When the snapshot was taken (UTC)."),
        Column("last_updated_date", "date", "UTC day of snapshot_at."),
        Column("request_key", "string", "The catalog request the snapshot answered (lineage)."),
        _INGESTED_AT,
    ),
    sql_file="catalog_items.sql",
    inputs=("raw_catalog_items",),
)

CATALOG_CHANGES = CuratedTable(
    name="catalog_changes",
    description="Field-level changes of catalog content that the catalog watcher detected.",
    grain="one row per account, marketplace, ASIN, field and detection time",
    business_key=("account", "marketplace_id", "asin", "field", "detected_at"),
    partition_columns=(
        _ACCOUNT, _MARKETPLACE,
        Column("detected_date", "date", "UTC day of detected_at."),
    ),
    columns=(
        _ASIN,
        Column("field", "string",
               "Catalog field that changed, e.g. item_name, main_product_image_locator, listing (see "
               "vendorcast/vocabulary/catalog_fields.py)."),
        Column("before_value", "string", "Value before the change (null when the field appeared)."),
        Column("after_value", "string", "Value after the change (null when the field disappeared)."),
        Column("detected_at", "timestamp", "When the change was detected (UTC)."),
        Column("source", "string",
               "What detected it: catalog_watch (polling), or the SP-API notification type that pushed it."),
        Column("last_updated_date", "date", "UTC day of detected_at."),
        Column("request_key", "string", "The catalog request that found the change (lineage)."),
        _INGESTED_AT,
    ),
    sql_file="catalog_changes.sql",
    inputs=("raw_catalog_changes",),
)

DEMAND_WEEKLY = CuratedTable(
    name="demand_weekly",
    description="The forecasting input: weekly demand per ASIN with its covariates, built from the WEEK rows of "
                f"vendor_sales, vendor_traffic and vendor_inventory (selling program {DEMAND_SELLING_PROGRAM}). "
                "An ASIN appears in a week when any of the three has a row for it.",
    grain="one row per account, marketplace, ASIN and retail week (Sunday to Saturday)",
    business_key=("account", "marketplace_id", "asin", "week_start"),
    partition_columns=(
        _ACCOUNT, _MARKETPLACE,
        Column("week_start", "date", "Sunday the week starts on."),
    ),
    columns=(
        _ASIN,
        Column("week_end", "date", "Saturday the week ends on."),
        Column("units", "bigint",
               "Demand in units: customer ordered units (MANUFACTURING view), or shipped units where only the "
               "SOURCING view exists; null when no sales row."),
        Column("units_source", "string",
               f"Which measure `units` is: {UNITS_SOURCE_ORDERED} (MANUFACTURING) or {UNITS_SOURCE_SHIPPED} "
               "(SOURCING)."),
        Column("revenue", "double",
               "Ordered revenue (with ordered units) or shipped revenue (with shipped units)."),
        Column("average_selling_price", "double", "revenue / units; null when units is null or 0."),
        _CURRENCY,
        Column("glance_views", "bigint", "Detail-page views in the week (vendor_traffic)."),
        Column("out_of_stock_rate", "double",
               "procurable_product_out_of_stock_rate of the week (vendor_inventory, MANUFACTURING preferred)."),
        Column("sellable_on_hand_units", "bigint", "Sellable units on hand at the week's end (vendor_inventory)."),
        Column("open_purchase_order_units", "bigint", "Units on open purchase orders (vendor_inventory)."),
        Column("censored", "boolean",
               f"True when out_of_stock_rate >= {CENSORED_OUT_OF_STOCK_RATE} (CENSORED_OUT_OF_STOCK_RATE): "
               "stockouts cut the week's sales, so units understate demand. False when the week has no inventory "
               "row."),
        Column("last_updated_date", "date", "Latest last_updated_date of the sales, traffic and inventory rows."),
    ),
    sql_file="demand_weekly.sql",
    inputs=("vendor_sales", "vendor_traffic", "vendor_inventory"),
)

_ORDER_WEEK = Column(
    "order_week", "date",
    "Sunday on or before the UTC date of order_date: every read of a purchase order lands in this one partition.",
)
_PO_NUMBER = Column("purchase_order_number", "string", "Amazon's purchase order number (8 characters).")
_PO_STATE = Column(
    "purchase_order_state", "string",
    "New, Acknowledged or Closed, as of the latest read: getPurchaseOrders' purchaseOrderState, or, when "
    "getPurchaseOrdersStatus read the PO later, derived from that read (CLOSED: Closed; a line confirmed: "
    "Acknowledged; else New).",
)
_PO_STATUS = Column("purchase_order_status", "string",
                    "OPEN or CLOSED: CLOSED exactly when purchase_order_state is Closed.")
_ORDER_DATE = Column("order_date", "timestamp", "When Amazon placed the purchase order (purchaseOrderDate, UTC).")
_DELIVERY_WINDOW_START = Column("delivery_window_start", "timestamp",
                                "Start of the delivery window (null when the PO has a ship window instead).")
_DELIVERY_WINDOW_END = Column("delivery_window_end", "timestamp",
                              "End of the delivery window: the units are due at the fulfilment center by then.")
_SHIP_WINDOW_END = Column("ship_window_end", "timestamp",
                          "End of the ship window (null when the PO has a delivery window instead).")
_SHIP_TO = Column("ship_to", "string", "The fulfilment center the units go to (shipToParty.partyId).")
_READ_AT = Column("read_at", "timestamp",
                  "When the latest read this row reflects was made from Amazon (its state is as of then).")
_READ_DAY = Column("last_updated_date", "date", "UTC day of read_at.")
_PO_LINEAGE_COLUMNS = (
    _READ_AT, _READ_DAY,
    Column("request_key", "string", "The page (operation, window and page number) of the latest read (lineage)."),
    Column("ingested_at", "timestamp", "When vendorcast stored the latest read's page in the raw zone (UTC)."),
)
_PO_PARTITIONS = (_ACCOUNT, _MARKETPLACE, _ORDER_WEEK)

PURCHASE_ORDERS = CuratedTable(
    name="purchase_orders",
    description="Amazon's purchase orders to the vendor (Vendor Orders API), one row per PO in its latest state: "
                "the latest getPurchaseOrders read of its header, moved on by a later getPurchaseOrdersStatus read.",
    grain="one row per account, marketplace and purchase order number",
    business_key=("account", "marketplace_id", "purchase_order_number"),
    partition_columns=_PO_PARTITIONS,
    columns=(
        _PO_NUMBER, _PO_STATE, _PO_STATUS,
        Column("purchase_order_type", "string",
               "RegularOrder, ConsignedOrder, NewProductIntroduction or RushOrder (null when known from status "
               "reads only)."),
        _ORDER_DATE,
        Column("ship_window_start", "timestamp",
               "Start of the ship window (null when the PO has a delivery window instead)."),
        _SHIP_WINDOW_END, _DELIVERY_WINDOW_START, _DELIVERY_WINDOW_END, _SHIP_TO,
        Column("selling_party", "string", "The vendor code the PO is addressed to (sellingParty.partyId)."),
        Column("payment_method", "string", "Invoice, Consignment, CreditCard or Prepaid."),
        Column("deal_code", "string", "Promotional deal code, when the PO carries one."),
        Column("changed_date", "timestamp",
               "When Amazon last changed the PO after placing it (purchaseOrderChangedDate; null: never)."),
        Column("state_changed_date", "timestamp",
               "When the PO entered its current state: Amazon's purchaseOrderStateChangedDate, or, when a later "
               "status read moved the state on, that read's lastUpdatedDate (an upper bound)."),
        Column("acknowledged_at", "timestamp",
               "The vendor's first acknowledgement of any line (earliest acknowledgementDate; null: none)."),
        Column("last_updated_at", "timestamp", "lastUpdatedDate of the PO's latest status read."),
        *_PO_LINEAGE_COLUMNS,
    ),
    sql_file="purchase_orders.sql",
    inputs=("raw_purchase_orders", "raw_purchase_order_status"),
)

PURCHASE_ORDER_ITEMS = CuratedTable(
    name="purchase_order_items",
    description="The lines of Amazon's purchase orders in their latest state: the latest item-detail read "
                "(getPurchaseOrders) joined with the latest status read (getPurchaseOrdersStatus); a line known "
                "from one of them only keeps what that one says. Quantities are in units (eaches): a Cases quantity "
                "is amount x unit_size. Order date, windows, ship-to and state are the PO's, repeated per line.",
    grain="one row per account, marketplace, purchase order number and item sequence number",
    business_key=("account", "marketplace_id", "purchase_order_number", "item_sequence_number"),
    partition_columns=_PO_PARTITIONS,
    columns=(
        _PO_NUMBER,
        Column("item_sequence_number", "string", "The line's number within the PO (1, 2, ...)."),
        _ASIN,
        Column("vendor_sku", "string", "The vendor's product identifier (vendorProductIdentifier)."),
        Column("unit_of_measure", "string", "Cases or Eaches: how Amazon ordered (quantities here are in units)."),
        Column("unit_size", "bigint", "Units per case when ordered in cases."),
        Column("ordered_units", "bigint", "Units Amazon ordered (from the later of the two reads)."),
        Column("accepted_units", "bigint", "Units the vendor confirmed; null while the line is UNCONFIRMED."),
        Column("rejected_units", "bigint", "Units the vendor rejected; null while the line is UNCONFIRMED."),
        Column("cancelled_units", "bigint", "Units Amazon cancelled (sum of orderedQuantityDetails' cancelled)."),
        Column("backordered_units", "bigint",
               "Accepted units not received after the window ended (delivery window, else ship window), on a line "
               "that allows back orders, while the PO is open, as of the line's latest status read; 0 otherwise, "
               "null without a status read. Amazon's status API does not return the vendor's Backordered "
               "acknowledgement code: this is vendorcast's reading of it (docs/otif.md)."),
        Column("received_units", "bigint", "Units Amazon received so far (cumulative); null without a status read."),
        Column("confirmation_status", "string", "ACCEPTED, PARTIALLY_ACCEPTED, REJECTED or UNCONFIRMED."),
        Column("receive_status", "string", "NOT_RECEIVED, PARTIALLY_RECEIVED or RECEIVED."),
        Column("last_receive_date", "timestamp",
               "The line's most recent receipt (Amazon gives no first receipt date)."),
        Column("acknowledged_at", "timestamp", "The vendor's first acknowledgement of the line."),
        Column("is_back_order_allowed", "boolean", "Whether Amazon accepts a back order on the line."),
        Column("net_cost", "double", "Cost per unit Amazon pays the vendor."),
        Column("list_price", "double", "List price per unit."),
        _CURRENCY,
        _ORDER_DATE,
        _DELIVERY_WINDOW_START, _DELIVERY_WINDOW_END, _SHIP_WINDOW_END, _SHIP_TO, _PO_STATE, _PO_STATUS,
        Column("status_read_at", "timestamp",
               "When the line's status was last read (getPurchaseOrdersStatus); null: never read."),
        *_PO_LINEAGE_COLUMNS,
    ),
    sql_file="purchase_order_items.sql",
    # The PO's state and windows come from purchase_orders (same partitions), so they are derived in one place.
    inputs=("raw_purchase_order_items", "raw_purchase_order_status", "purchase_orders"),
)

# In publication order: a table comes after the curated tables it reads.
CURATED_TABLES: dict[str, CuratedTable] = {
    t.name: t
    for t in (VENDOR_SALES, VENDOR_TRAFFIC, VENDOR_INVENTORY, VENDOR_NET_PPM, AMAZON_FORECAST, CATALOG_ITEMS,
              CATALOG_CHANGES, DEMAND_WEEKLY, PURCHASE_ORDERS, PURCHASE_ORDER_ITEMS)
}


def curated_table(name: str) -> CuratedTable:
    """A curated table by name; KeyError listing the known ones."""
    try:
        return CURATED_TABLES[name]
    except KeyError:
        raise KeyError(f"unknown curated table {name!r}; known: {', '.join(CURATED_TABLES)}") from None


__all__ = [
    "ACCOUNT_COLUMN",
    "ARROW_TYPES",
    "CATALOG_CHANGES",
    "CATALOG_ITEMS",
    "CENSORED_OUT_OF_STOCK_RATE",
    "CURATED_TABLES",
    "DEMAND_SELLING_PROGRAM",
    "PARAMETERS_VIEW",
    "PURCHASE_ORDERS",
    "PURCHASE_ORDER_ITEMS",
    "RAW_INPUTS",
    "RAW_PURCHASE_ORDERS_SCHEMA",
    "RAW_PURCHASE_ORDER_ITEMS_SCHEMA",
    "RAW_PURCHASE_ORDER_STATUS_SCHEMA",
    "UNITS_SOURCE_ORDERED",
    "UNITS_SOURCE_SHIPPED",
    "Column",
    "CuratedTable",
    "RawInput",
    "arrow_schema",
    "curated_table",
]
