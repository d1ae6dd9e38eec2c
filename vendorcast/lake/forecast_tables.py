"""The forecast table contract: the tables the forecast workflow publishes under forecast/ (forecast,
forecast_accuracy, forecast_runs from Publish; po_forecast, supply_plan, po_advice from Plan), in the same terms as
the curated contract in vendorcast.lake.tables. The Athena views, the local query engine and
docs/data-dictionary.md ("Forecast tables") follow this list.

Decisions, for whoever changes this:
- All three tables are partitioned by `forecast_origin` only (in the object key, never in the files, as for
  curated tables): one workflow run forecasts every account and marketplace from one origin, so a run writes one
  partition per table and a re-run of the same origin adds files beside the earlier run's (the run_id tells them
  apart; nothing is overwritten).
- A run forecasts several models; the row a planner should use is the `selected` one (the ensemble, or the model
  the backtest chose for the ASIN's segment). The views read only selected rows of SUCCEEDED runs.
- forecast_accuracy is long (one metric per row), so a new metric needs no schema change; null in `account`,
  `marketplace_id`, `asin`, `backtest_window` or `horizon` means "pooled over all of them".
- A run that fails after Publish (in Plan) is FAILED in forecast_runs, yet its forecast was published and is
  sound: `forecast_published` says so, and the forecast views read the runs whose forecast was published (older
  rows without the column: the SUCCEEDED ones). The planning tables of a run exist only when Plan finished; their
  views read SUCCEEDED runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from vendorcast.lake.glue_catalog import GlueCatalog
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import Column, LakeTable
from vendorcast.resources import FORECAST_PREFIX

# forecast_runs.status values (a run's row is written once, when the run ends).
RUN_STATUS_SUCCEEDED = "SUCCEEDED"
RUN_STATUS_FAILED = "FAILED"
RUN_STATUSES = (RUN_STATUS_SUCCEEDED, RUN_STATUS_FAILED)

# forecast_runs.run_trigger values.
RUN_TRIGGER_SCHEDULED = "scheduled"
RUN_TRIGGER_MANUAL = "manual"

# The quantile columns of the forecast table, as levels.
FORECAST_QUANTILES: dict[str, float] = {"p10": 0.1, "p50": 0.5, "p70": 0.7, "p80": 0.8, "p90": 0.9}

# forecast_accuracy.model for Amazon's own forecast, scored on the same weeks (mean, P70, P80, P90 only).
AMAZON_MODEL = "amazon"

# forecast_accuracy.segment: every scored series, one ASIN (with `asin` set), or a named demand segment.
SEGMENT_ALL = "all"
SEGMENT_ASIN = "asin"
SEGMENT_VS_AMAZON = "vs_amazon"

# forecast_accuracy.metric values (definitions in vendorcast/forecasting/metrics.py and the data dictionary).
ACCURACY_METRICS: dict[str, str] = {
    **{f"wql_{name}": f"weighted quantile loss at P{name[1:]}: 2 * sum of pinball losses at {level} / "
                      f"sum of |actual units|" for name, level in FORECAST_QUANTILES.items()},
    "wql_mean": "mean of wql_p10, wql_p50 and wql_p90 (Amazon Forecast's average wQL over its default "
                "quantiles)",
    "wape": "sum of |actual - mean| / sum of |actual|",
    "mase": "mean absolute error of the mean forecast, scaled by the in-sample mean absolute error of the "
            "seasonal naive forecast (52 weeks)",
    "bias": "sum of (mean - actual) / sum of actual: > 0 over-forecasts",
    "coverage_p10_p90": "share of actual weeks within [p10, p90] (0.8 when calibrated)",
}


@dataclass(frozen=True)
class ForecastTable(LakeTable):
    """One forecast table, and who writes it."""

    written_by: str

    @property
    def prefix(self) -> str:
        return f"{FORECAST_PREFIX}/{self.name}"

    @property
    def data_schema(self) -> pa.Schema:
        """The Arrow schema of the table's files (its partition column lives in the object key)."""
        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns])


_ORIGIN = Column(
    "forecast_origin", "date",
    "Sunday starting the run's first forecast week; the history the run learned from ends the day before "
    "(partition only).",
)
_RUN_ID = Column("run_id", "string", "Forecast run id: the Step Functions execution name (one run per schedule tick).")
_GENERATED_AT = Column("generated_at", "timestamp", "When the run started (UTC); the same on every row of a run.")
_ACCOUNT = Column("account", "string", "vendorcast account name (the config's [[accounts]] name).")
_MARKETPLACE = Column("marketplace_id", "string", "Amazon marketplace id, e.g. ATVPDKIKX0DER (US).")
_MODEL = Column(
    "model", "string",
    "Model that made the numbers, e.g. seasonal_naive, ets, lightgbm_global, ensemble (for accuracy also "
    f"`{AMAZON_MODEL}`: Amazon's own forecast scored on the same weeks).",
)

FORECAST = ForecastTable(
    name="forecast",
    description="Weekly demand forecasts per ASIN with quantiles, one set per run and model; `selected` marks "
                "the forecast to plan with.",
    grain="one row per run, account, marketplace, ASIN, model and forecast week",
    business_key=("run_id", "account", "marketplace_id", "asin", "model", "week_start"),
    partition_columns=(_ORIGIN,),
    columns=(
        _RUN_ID, _GENERATED_AT, _ACCOUNT, _MARKETPLACE,
        Column("asin", "string", "Amazon Standard Identification Number."),
        Column("week_start", "date", "Sunday the forecast week starts on."),
        Column("week_end", "date", "Saturday the forecast week ends on."),
        Column("horizon", "bigint", "Weeks ahead: 1 for the week starting on forecast_origin."),
        _MODEL,
        Column("selected", "boolean",
               "True on the forecast the run recommends for the ASIN (the ensemble or the model its segment's "
               "backtest chose); false on the component models' forecasts kept for comparison."),
        Column("mean", "double", "Mean forecast of demand units in the week."),
        Column("p10", "double", "10th percentile forecast of units (P10); p10 <= p50 <= ... <= p90, all >= 0."),
        Column("p50", "double", "Median forecast of units (P50)."),
        Column("p70", "double", "70th percentile forecast of units (P70)."),
        Column("p80", "double", "80th percentile forecast of units (P80)."),
        Column("p90", "double", "90th percentile forecast of units (P90)."),
        Column("units_source", "string",
               "What was forecast: demand_weekly.units_source of the ASIN's history (ordered_units or "
               "shipped_units)."),
        Column("cold_start", "boolean",
               "True when the ASIN had too little history of its own and was forecast from similar items."),
    ),
    written_by="the forecast workflow's publish step (stepfunctions/forecast.asl.json)",
)

FORECAST_ACCURACY = ForecastTable(
    name="forecast_accuracy",
    description="Backtest accuracy of every model of a run (rolling origins before forecast_origin), one metric "
                "per row; Amazon's own forecast is scored on the same weeks as model "
                f"`{AMAZON_MODEL}`.",
    grain="one row per run, account, marketplace, model, segment, ASIN, backtest window, horizon and metric "
          "(null account, marketplace, ASIN, window or horizon: pooled over all of them)",
    business_key=("run_id", "account", "marketplace_id", "model", "segment", "asin", "backtest_window", "horizon",
                  "metric"),
    partition_columns=(_ORIGIN,),
    columns=(
        _RUN_ID, _GENERATED_AT,
        Column("account", "string", "vendorcast account name; null: pooled over all accounts."),
        Column("marketplace_id", "string", "Amazon marketplace id; null: pooled over all marketplaces."),
        _MODEL,
        Column("segment", "string",
               f"Which series are scored: `{SEGMENT_ALL}`, `{SEGMENT_ASIN}` (one ASIN, named in `asin`), "
               f"`{SEGMENT_VS_AMAZON}` (only the ASIN-weeks Amazon's own forecast covered, to compare with model "
               f"`{AMAZON_MODEL}`), or a demand segment: smooth, erratic, intermittent, lumpy or new."),
        Column("asin", "string", f"The ASIN when segment = '{SEGMENT_ASIN}', else null."),
        Column("backtest_window", "bigint",
               "Rolling-origin window: 1 is the earliest origin; null: pooled over all windows."),
        Column("backtest_origin", "date", "First forecast week of the window; null when pooled."),
        Column("horizon", "bigint", "Weeks ahead scored (1 = first week); null: pooled over all horizons."),
        Column("metric", "string", "One of " + ", ".join(ACCURACY_METRICS) + "."),
        Column("value", "double", "The metric's value."),
        Column("items", "bigint", "ASINs scored."),
        Column("weeks", "bigint", "ASIN-weeks scored."),
        Column("actual_units", "double",
               "Sum of |actual units| over the scored weeks: the denominator of wQL, WAPE and bias."),
    ),
    written_by="the forecast workflow's publish step (stepfunctions/forecast.asl.json)",
)

FORECAST_RUNS = ForecastTable(
    name="forecast_runs",
    description="One row per forecast workflow run, succeeded or failed, with its settings and a summary of "
                "its accuracy; written once, when the run ends.",
    grain="one row per run",
    business_key=("run_id",),
    partition_columns=(_ORIGIN,),
    columns=(
        _RUN_ID,
        Column("run_trigger", "string", f"{RUN_TRIGGER_SCHEDULED} (EventBridge rule) or {RUN_TRIGGER_MANUAL}."),
        Column("started_at", "timestamp", "When the run started (UTC); equals generated_at of its rows."),
        Column("finished_at", "timestamp", "When the run ended (UTC)."),
        Column("status", "string", " or ".join(RUN_STATUSES) + "."),
        Column("failed_state", "string", "The state that failed (null when SUCCEEDED)."),
        Column("forecast_published", "boolean",
               "True when the run wrote its forecast tables: a SUCCEEDED run, or one that failed after Publish (in "
               "Plan), whose forecast stays in v_forecast_latest; false when it failed before."),
        Column("error", "string", "The failure's error and cause (null when SUCCEEDED)."),
        Column("horizon", "bigint", "Weeks forecast."),
        Column("quantiles", "string", "Quantile levels forecast, comma-separated, e.g. 0.1,0.5,0.7,0.8,0.9."),
        Column("models", "string", "Models run, comma-separated."),
        Column("backtest_windows", "bigint", "Rolling origins in the backtest."),
        Column("series_count", "bigint", "Account-marketplace-ASIN series in the input panel."),
        Column("items_forecast", "bigint", "Series with a published forecast."),
        Column("items_cold_start", "bigint", "Of those, series forecast from similar items."),
        Column("shards", "bigint", "Shards the forecast Map state ran over."),
        Column("wql_mean", "double", "Backtest wql_mean of the selected forecasts, all series pooled."),
        Column("seasonal_naive_wql_mean", "double", "Backtest wql_mean of seasonal naive on the same weeks."),
        Column("coverage_p10_p90", "double", "Backtest [P10, P90] coverage of the selected forecasts."),
        Column("wql_p70_p90", "double",
               "Mean of wQL at P70, P80 and P90 of the selected forecasts on the weeks Amazon also forecast."),
        Column("amazon_wql_p70_p90", "double", "The same for Amazon's own forecast (null without snapshots)."),
        Column("warnings", "string",
               "One line per marketplace whose known events (vendorcast/forecasting/events) end before the "
               "forecast does; null: none."),
    ),
    written_by="the forecast workflow's publish step, or its Catch path for a failed run",
)

_ASIN = Column("asin", "string", "Amazon Standard Identification Number.")
_VENDOR_SKU = Column("vendor_sku", "string", "The vendor's SKU for the ASIN (from its PO lines or inputs); may be "
                                             "null.")
_WEEK_START = Column("week_start", "date", "Sunday the plan week starts on.")
_WEEK_END = Column("week_end", "date", "Saturday the plan week ends on.")
_HORIZON = Column("horizon", "bigint", "Weeks ahead: 1 for the week starting on forecast_origin.")
_PLANNED_BY = "the forecast workflow's Plan step (stepfunctions/forecast.asl.json), after Publish"

PO_FORECAST = ForecastTable(
    name="po_forecast",
    description="Sell-in forecast: the units Amazon will order on its purchase orders per ASIN and week, with "
                "quantiles (docs/planning.md says how they are made).",
    grain="one row per run, account, marketplace, ASIN and forecast week",
    business_key=("run_id", "account", "marketplace_id", "asin", "week_start"),
    partition_columns=(_ORIGIN,),
    columns=(
        _RUN_ID, _GENERATED_AT, _ACCOUNT, _MARKETPLACE, _ASIN,
        Column("week_start", "date", "Sunday the order week starts on."),
        Column("week_end", "date", "Saturday the order week ends on."),
        _HORIZON,
        Column("mean", "double", "Mean forecast of the units Amazon orders in the week."),
        Column("p10", "double", "10th percentile of ordered units; p10 <= p50 <= ... <= p90, all >= 0."),
        Column("p50", "double", "Median of ordered units (P50)."),
        Column("p70", "double", "70th percentile of ordered units (P70)."),
        Column("p80", "double", "80th percentile of ordered units (P80)."),
        Column("p90", "double", "90th percentile of ordered units (P90)."),
        Column("method", "string",
               "How the week was forecast, e.g. structural (Amazon's order-up-to replayed on the sell-through "
               "forecast), direct (on PO history) or moving_average."),
    ),
    written_by=_PLANNED_BY,
)

SUPPLY_PLAN = ForecastTable(
    name="supply_plan",
    description="The supply plan: per ASIN and plan week, the units to start (produce or order from the vendor's "
                "supplier) and the projection behind them; week 1 is the decision to act on now, later weeks are "
                "the projection.",
    grain="one row per run, account, marketplace, ASIN and plan week",
    business_key=("run_id", "account", "marketplace_id", "asin", "week_start"),
    partition_columns=(_ORIGIN,),
    columns=(
        _RUN_ID, _GENERATED_AT, _ACCOUNT, _MARKETPLACE, _ASIN, _VENDOR_SKU, _WEEK_START, _WEEK_END, _HORIZON,
        Column("start_units", "double",
               "Units to start producing or ordering this week, honouring lot size, minimum order and capacity."),
        Column("arrival_week_start", "date", "When the started units become available: week_start + lead time."),
        Column("lead_time_weeks", "bigint", "The vendor's production or procurement lead time used, in weeks."),
        Column("order_up_to_units", "double",
               "Base-stock level: the critical-ratio quantile of Amazon's orders over lead time plus a review week."),
        Column("inventory_position_units", "double",
               "Vendor on hand + in production - units committed to Amazon, before this week's start."),
        Column("projected_on_hand_units", "double", "Expected vendor on hand at the week's end."),
        Column("expected_orders_units", "double", "Mean of the units Amazon orders in the week (po_forecast)."),
        Column("expected_fill_rate", "double",
               "Expected share of the week's ordered units the vendor can ship (0..1); the alert fires below "
               "[planning] fill_rate_target."),
        Column("critical_ratio", "double", "shortage_cost / (shortage_cost + holding cost per unit and week)."),
        Column("unit_cost", "double", "Unit cost used."),
        Column("holding_cost_rate", "double", "Holding cost rate used, per year, as a share of unit cost."),
        Column("shortage_cost", "double", "Shortage cost used, per unit short (lost margin, chargebacks)."),
        Column("defaults_used", "string",
               "Comma-separated vendor input fields that fell back to the config's [planning] defaults; empty when "
               "none."),
        Column("reason", "string", "The decision in a planner's words."),
    ),
    written_by=_PLANNED_BY,
)

PO_ADVICE = ForecastTable(
    name="po_advice",
    description="What to confirm on each open purchase-order line: the units that can ship in full within the "
                "line's window from the vendor's stock, and the shortfall.",
    grain="one row per run, account, marketplace and open purchase-order line",
    business_key=("run_id", "account", "marketplace_id", "purchase_order_number", "item_sequence_number"),
    partition_columns=(_ORIGIN,),
    columns=(
        _RUN_ID, _GENERATED_AT, _ACCOUNT, _MARKETPLACE,
        Column("purchase_order_number", "string", "Amazon's purchase order number."),
        Column("item_sequence_number", "string", "The line's number on the purchase order."),
        _ASIN, _VENDOR_SKU,
        Column("ship_to_party_id", "string", "The fulfilment center the line ships to."),
        Column("order_date", "date", "When Amazon placed the order."),
        Column("window_start", "timestamp", "Start of the line's ship or delivery window (UTC)."),
        Column("window_end", "timestamp", "End of the line's ship or delivery window (UTC)."),
        Column("ordered_units", "double", "Units Amazon ordered on the line."),
        Column("confirm_units", "double",
               "Units to confirm, so that what is confirmed ships in full within the window."),
        Column("available_units", "double", "Vendor stock allocated to this line by its window."),
        Column("shortfall_units", "double", "ordered_units - confirm_units."),
        Column("reason", "string", "The advice in a planner's words."),
    ),
    written_by=_PLANNED_BY,
)

# The Plan step's tables, in the order it writes them.
PLANNING_TABLES: dict[str, ForecastTable] = {t.name: t for t in (PO_FORECAST, SUPPLY_PLAN, PO_ADVICE)}
FORECAST_TABLES: dict[str, ForecastTable] = {
    **{t.name: t for t in (FORECAST, FORECAST_ACCURACY, FORECAST_RUNS)}, **PLANNING_TABLES}


def write_run_partition(storage: LakeStorage, catalog: GlueCatalog, table: ForecastTable, origin: date,
                        run_id: str, rows: pa.Table) -> str:
    """Write a run's rows as its own file in the origin's partition and register the table and partition in the
    catalog; a re-run of the same run rewrites the same object. Returns the key."""
    partition = f"forecast_origin={origin.isoformat()}"
    key = f"{table.prefix}/{partition}/{run_id}.parquet"
    storage.write_parquet(key, rows.cast(table.data_schema), "zstd")
    catalog.ensure_table(table)
    catalog.add_partitions(table, [partition])
    return key


def forecast_table(name: str) -> ForecastTable:
    """A forecast table by name; KeyError listing the known ones."""
    try:
        return FORECAST_TABLES[name]
    except KeyError:
        raise KeyError(f"unknown forecast table {name!r}; known: {', '.join(FORECAST_TABLES)}") from None


__all__ = [
    "ACCURACY_METRICS",
    "AMAZON_MODEL",
    "FORECAST",
    "FORECAST_ACCURACY",
    "FORECAST_QUANTILES",
    "FORECAST_RUNS",
    "FORECAST_TABLES",
    "PLANNING_TABLES",
    "PO_ADVICE",
    "PO_FORECAST",
    "RUN_STATUSES",
    "RUN_STATUS_FAILED",
    "RUN_STATUS_SUCCEEDED",
    "RUN_TRIGGER_MANUAL",
    "RUN_TRIGGER_SCHEDULED",
    "SEGMENT_ALL",
    "SEGMENT_ASIN",
    "SEGMENT_VS_AMAZON",
    "SUPPLY_PLAN",
    "ForecastTable",
    "forecast_table",
    "write_run_partition",
]
