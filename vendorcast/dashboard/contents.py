"""What the dashboard shows: its datasets (Trino SQL over the lake's views and tables, in vendorcast/dashboard/sql/,
with the columns each returns) and its visuals, section by section. The local dashboard runs these queries on
DuckDB and the QuickSight analytics stack makes them its Athena datasets, so both show the same numbers.

Kept free of heavy imports (the CDK app reads it): the standard library and sqlglot only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources as importlib_resources

import sqlglot
from sqlglot import exp

SQL_FOLDER = "sql"
SQL_DIALECT = "trino"  # Athena engine v3; translated for DuckDB by the local query engine


class ColumnType(StrEnum):
    """A dataset column's type as QuickSight declares it (InputColumn.Type)."""

    STRING = "STRING"
    INTEGER = "INTEGER"
    DECIMAL = "DECIMAL"
    DATETIME = "DATETIME"
    BOOLEAN = "BOOLEAN"


@dataclass(frozen=True)
class DatasetColumn:
    name: str
    type: ColumnType


@dataclass(frozen=True)
class Dataset:
    """One query of the dashboard: a name, what it answers (the SQL file's leading comment), its Trino SQL and
    the columns it returns, in order."""

    name: str
    description: str
    sql: str
    columns: tuple[DatasetColumn, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def tables(self) -> frozenset[str]:
        """The views and tables the query reads (its own CTE and subquery names left out)."""
        tree = sqlglot.parse_one(self.sql, read=SQL_DIALECT, error_level=sqlglot.ErrorLevel.RAISE)
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        return frozenset(t.name for t in tree.find_all(exp.Table) if t.name not in ctes)

    def sql_in_database(self, database: str) -> str:
        """The query with every view and table qualified by the Glue database, as a QuickSight custom SQL dataset
        on Athena needs it (QuickSight sets no default database)."""
        tree = sqlglot.parse_one(self.sql, read=SQL_DIALECT, error_level=sqlglot.ErrorLevel.RAISE)
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            if table.name not in ctes:
                table.set("db", exp.to_identifier(database))
        return tree.sql(dialect=SQL_DIALECT, pretty=True)


# The model-accuracy chart compares loss metrics on one scale (0 is perfect): every wQL, and WAPE.
ACCURACY_CHART_METRICS = ("wql_p10", "wql_p50", "wql_p70", "wql_p80", "wql_p90", "wql_mean", "wape")


class VisualKind(StrEnum):
    FAN_CHART = "fan_chart"  # lines and bands over weeks, for one ASIN at a time (the ASIN picker)
    LINE_CHART = "line_chart"
    BAR_CHART = "bar_chart"
    HEAT_MAP = "heat_map"
    TABLE = "table"


@dataclass(frozen=True)
class Visual:
    """One chart or table: `id` names its element on the local page and its VisualId in QuickSight."""

    id: str
    title: str
    dataset: str
    kind: VisualKind


# What a visual without rows says, unless its section says otherwise.
NO_ROWS = "Nothing to show yet: the lake has no rows for this."


@dataclass(frozen=True)
class Section:
    """A part of the page; a sheet in QuickSight."""

    id: str
    title: str
    visuals: tuple[Visual, ...]
    empty_text: str = NO_ROWS


def _columns(spec: str) -> tuple[DatasetColumn, ...]:
    """`name:TYPE name:TYPE ...` as columns."""
    return tuple(DatasetColumn(name, ColumnType(kind)) for name, kind in (item.split(":") for item in spec.split()))


# The columns each query returns, in its SELECT's order (a test checks them against the query's result on a lake).
_COLUMNS: dict[str, str] = {
    "fan_chart": "account:STRING marketplace_id:STRING asin:STRING week_start:DATETIME item_name:STRING "
                 "actual_units:INTEGER actual_censored:BOOLEAN run_id:STRING forecast_origin:DATETIME "
                 "horizon:INTEGER model:STRING mean:DECIMAL p10:DECIMAL p50:DECIMAL p90:DECIMAL "
                 "amazon_generation_date:DATETIME amazon_mean:DECIMAL amazon_p70:DECIMAL amazon_p90:DECIMAL",
    "stockout_risk": "account:STRING marketplace_id:STRING asin:STRING inventory_week_start:DATETIME "
                     "sellable_on_hand_units:INTEGER open_purchase_order_units:INTEGER "
                     "open_purchase_order_units_source:STRING inventory_position_units:INTEGER "
                     "avg_weekly_units_4w:DECIMAL weeks_of_cover_with_open_po:DECIMAL lead_time_days:DECIMAL "
                     "lead_time_source:STRING lead_time_weeks:INTEGER protection_weeks:INTEGER "
                     "forecast_origin:DATETIME forecast_weeks:INTEGER p50_demand_units:DECIMAL "
                     "p90_demand_units:DECIMAL shortfall_units:DECIMAL stockout_risk:STRING",
    "supply_plan_weeks": "account:STRING marketplace_id:STRING week_start:DATETIME horizon:INTEGER asins:INTEGER "
                         "start_units:DECIMAL expected_orders_units:DECIMAL projected_on_hand_units:DECIMAL "
                         "lowest_expected_fill_rate:DECIMAL",
    "supply_plan_decisions": "account:STRING marketplace_id:STRING asin:STRING item_name:STRING "
                             "forecast_origin:DATETIME start_units:DECIMAL arrival_week_start:DATETIME "
                             "lead_time_weeks:INTEGER inventory_position_units:DECIMAL order_up_to_units:DECIMAL "
                             "expected_orders_units:DECIMAL expected_fill_rate:DECIMAL defaults_used:STRING "
                             "reason:STRING",
    "po_advice": "account:STRING marketplace_id:STRING purchase_order_number:STRING item_sequence_number:STRING "
                 "asin:STRING "
                 "ship_to_party_id:STRING window_end:DATETIME days_left:INTEGER risk:STRING ordered_units:DECIMAL "
                 "confirm_units:DECIMAL shortfall_units:DECIMAL reason:STRING",
    "otif_weekly": "account:STRING marketplace_id:STRING week_start:DATETIME lines:INTEGER ordered_units:INTEGER "
                   "accepted_units:INTEGER received_units:INTEGER on_time_in_full_units:INTEGER otif_rate:DECIMAL "
                   "fill_rate:DECIMAL confirmation_rate:DECIMAL",
    "otif_worst_asins": "account:STRING marketplace_id:STRING asin:STRING weeks:INTEGER ordered_units:INTEGER "
                        "received_units:INTEGER on_time_in_full_units:INTEGER otif_rate:DECIMAL fill_rate:DECIMAL",
    "open_po_risk": "account:STRING marketplace_id:STRING purchase_order_number:STRING item_sequence_number:STRING "
                    "asin:STRING ship_to:STRING confirmation_status:STRING window_end:DATETIME days_left:INTEGER "
                    "units_to_deliver:INTEGER risk:STRING",
    "model_accuracy": "run_id:STRING forecast_origin:DATETIME model:STRING metric:STRING value:DECIMAL "
                      "items:INTEGER weeks:INTEGER actual_units:DECIMAL",
    "run_history": "run_id:STRING forecast_origin:DATETIME run_trigger:STRING started_at:DATETIME "
                   "finished_at:DATETIME status:STRING failed_state:STRING error:STRING series_count:INTEGER "
                   "items_forecast:INTEGER items_cold_start:INTEGER wql_mean:DECIMAL "
                   "seasonal_naive_wql_mean:DECIMAL coverage_p10_p90:DECIMAL wql_p70_p90:DECIMAL "
                   "amazon_wql_p70_p90:DECIMAL",
    "accuracy_vs_amazon": "horizon:INTEGER weeks:INTEGER actual_units:DECIMAL wql_p70:DECIMAL wql_p80:DECIMAL "
                          "wql_p90:DECIMAL wql_p70_p90:DECIMAL amazon_wql_p70:DECIMAL amazon_wql_p80:DECIMAL "
                          "amazon_wql_p90:DECIMAL amazon_wql_p70_p90:DECIMAL",
    "sales_trend": "account:STRING marketplace_id:STRING currency_code:STRING week_start:DATETIME "
                   "asins_sold:INTEGER units:INTEGER revenue:DECIMAL units_last_year:INTEGER "
                   "revenue_last_year:DECIMAL units_yoy_change_rate:DECIMAL",
    "catalog_change_log": "account:STRING marketplace_id:STRING asin:STRING field:STRING before_value:STRING "
                          "after_value:STRING detected_at:DATETIME detected_week:DATETIME source:STRING",
    "ingestion_health": "report_table:STRING report_type:STRING account:STRING marketplace_id:STRING "
                        "week_start:DATETIME row_count:INTEGER asins:INTEGER documents:INTEGER "
                        "latest_ingested_at:DATETIME",
}


def _split_comment(text: str) -> tuple[str, str]:
    lines = text.strip().splitlines()
    comment = []
    while lines and lines[0].startswith("--"):
        comment.append(lines.pop(0).removeprefix("--").strip())
    return " ".join(comment), "\n".join(lines).strip()


@cache
def datasets() -> dict[str, Dataset]:
    """Every dataset by name, in the order of the page."""
    folder = importlib_resources.files("vendorcast.dashboard").joinpath(SQL_FOLDER)
    found = {}
    for name, columns in _COLUMNS.items():
        description, sql = _split_comment(folder.joinpath(f"{name}.sql").read_text("utf-8"))
        found[name] = Dataset(name=name, description=description, sql=sql, columns=_columns(columns))
    return found


def dataset(name: str) -> Dataset:
    """One dataset by name; KeyError listing the known ones."""
    try:
        return datasets()[name]
    except KeyError:
        raise KeyError(f"unknown dashboard dataset {name!r}; known: {', '.join(datasets())}") from None


SECTIONS: tuple[Section, ...] = (
    Section("forecast", "Forecasts", (
        Visual("fan_chart", "Units sold and forecast: P10 to P90, P50, and Amazon's P70 to P90", "fan_chart",
               VisualKind.FAN_CHART),
    )),
    Section("inventory", "Inventory and stockout risk", (
        Visual("stockout_risk_counts",
               "ASINs whose P90 demand over lead time plus a review week exceeds on hand plus open POs",
               "stockout_risk", VisualKind.BAR_CHART),
        Visual("stockout_risk_table", "Stockout risk by ASIN", "stockout_risk", VisualKind.TABLE),
    )),
    Section("plan", "Supply plan", (
        Visual("plan_by_week", "The plan by week: units to start, Amazon's expected orders, projected on hand",
               "supply_plan_weeks", VisualKind.LINE_CHART),
        Visual("plan_decisions", "This week's decisions by ASIN: what to start and why", "supply_plan_decisions",
               VisualKind.TABLE),
        Visual("po_advice", "What to confirm on Amazon's open purchase-order lines", "po_advice", VisualKind.TABLE),
    ), empty_text="No plan yet: the forecast workflow's Plan step has not written one to this lake."),
    Section("otif", "Purchase orders and OTIF", (
        Visual("otif_by_week", "On time in full and fill rate by due week", "otif_weekly", VisualKind.LINE_CHART),
        Visual("otif_worst_asins", "Lowest OTIF over the last 8 weeks, by ASIN", "otif_worst_asins",
               VisualKind.TABLE),
        Visual("open_po_risk", "Open purchase-order lines at risk", "open_po_risk", VisualKind.TABLE),
    ), empty_text="No purchase orders yet: the lake has no purchase-order lines for this."),
    Section("accuracy", "Forecast accuracy", (
        Visual("model_accuracy", "Backtest accuracy by model, latest run (wQL: lower is better)", "model_accuracy",
               VisualKind.BAR_CHART),
        Visual("accuracy_vs_amazon", "Our forecast vs Amazon's on sold weeks, by weeks ahead (wQL P70 to P90)",
               "accuracy_vs_amazon", VisualKind.BAR_CHART),
        Visual("run_accuracy", "Backtest wQL by run: ours, seasonal naive and Amazon", "run_history",
               VisualKind.LINE_CHART),
        Visual("run_table", "Forecast runs", "run_history", VisualKind.TABLE),
    )),
    Section("sales", "Sales trend", (
        Visual("sales_trend", "Units sold per week, this year and the same week last year", "sales_trend",
               VisualKind.LINE_CHART),
    )),
    Section("catalog", "Catalog changes", (
        Visual("catalog_changes_by_week", "Catalog changes per week by field", "catalog_change_log",
               VisualKind.BAR_CHART),
        Visual("catalog_changes_table", "Latest catalog changes", "catalog_change_log", VisualKind.TABLE),
    )),
    Section("ingestion", "Ingestion health", (
        Visual("ingestion_heatmap", "ASINs landed per report and week", "ingestion_health", VisualKind.HEAT_MAP),
        Visual("ingestion_table", "Per report: weeks landed and the latest document", "ingestion_health",
               VisualKind.TABLE),
    )),
)


def visuals() -> tuple[Visual, ...]:
    """Every visual, in the order of the page."""
    return tuple(v for section in SECTIONS for v in section.visuals)


__all__ = [
    "ACCURACY_CHART_METRICS",
    "NO_ROWS",
    "SECTIONS",
    "ColumnType",
    "Dataset",
    "DatasetColumn",
    "Section",
    "Visual",
    "VisualKind",
    "dataset",
    "datasets",
    "visuals",
]
