"""Vendor report documents exactly as Amazon serves them (JSON per `schemas/reports/*.json`), and the same
figures as an Arrow table of the by-ASIN rows (the simulator's truth, for comparison with parsed files)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from vendorcast.sandbox.report_rules import ReportRejected, amazon_report_type, check_report_options
from vendorcast.sandbox.report_values import ReportValues, RowValues, compute_report_values
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.vocabulary.report_catalogue import ReportType

INT, FLOAT, MONEY = "int", "float", "money"

# (truth column, document field, kind) in Amazon's field order.
DOCUMENT_FIELDS: dict[ReportType, tuple[tuple[str, str, str], ...]] = {
    ReportType.SALES: (
        ("customer_returns", "customerReturns", INT),
        ("ordered_revenue", "orderedRevenue", MONEY),
        ("ordered_units", "orderedUnits", INT),
        ("shipped_cogs", "shippedCogs", MONEY),
        ("shipped_revenue", "shippedRevenue", MONEY),
        ("shipped_units", "shippedUnits", INT),
    ),
    ReportType.TRAFFIC: (("glance_views", "glanceViews", INT),),
    ReportType.INVENTORY: (
        ("procurable_product_out_of_stock_rate", "procurableProductOutOfStockRate", FLOAT),
        ("uft", "uft", FLOAT),
        ("receive_fill_rate", "receiveFillRate", FLOAT),
        ("vendor_confirmation_rate", "vendorConfirmationRate", FLOAT),
        ("net_received_inventory_cost", "netReceivedInventoryCost", MONEY),
        ("net_received_inventory_units", "netReceivedInventoryUnits", INT),
        ("open_purchase_order_units", "openPurchaseOrderUnits", INT),
        ("average_vendor_lead_time_days", "averageVendorLeadTimeDays", FLOAT),
        ("sell_through_rate", "sellThroughRate", FLOAT),
        ("unfilled_customer_ordered_units", "unfilledCustomerOrderedUnits", INT),
        ("sellable_on_hand_inventory_cost", "sellableOnHandInventoryCost", MONEY),
        ("sellable_on_hand_inventory_units", "sellableOnHandInventoryUnits", INT),
        ("unsellable_on_hand_inventory_cost", "unsellableOnHandInventoryCost", MONEY),
        ("unsellable_on_hand_inventory_units", "unsellableOnHandInventoryUnits", INT),
        ("aged_90_plus_days_sellable_inventory_cost", "aged90PlusDaysSellableInventoryCost", MONEY),
        ("aged_90_plus_days_sellable_inventory_units", "aged90PlusDaysSellableInventoryUnits", INT),
        ("unhealthy_inventory_cost", "unhealthyInventoryCost", MONEY),
        ("unhealthy_inventory_units", "unhealthyInventoryUnits", INT),
    ),
    ReportType.NET_PURE_PRODUCT_MARGIN: (("net_pure_product_margin", "netPureProductMargin", FLOAT),),
    ReportType.FORECASTING: (
        ("mean_forecast_units", "meanForecastUnits", FLOAT),
        ("p70_forecast_units", "p70ForecastUnits", FLOAT),
        ("p80_forecast_units", "p80ForecastUnits", FLOAT),
        ("p90_forecast_units", "p90ForecastUnits", FLOAT),
    ),
}

_COMMON = [("asin", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32())]
_INT64 = [
    "customer_returns",
    "ordered_units",
    "shipped_units",
    "glance_views",
    "net_received_inventory_units",
    "open_purchase_order_units",
    "unfilled_customer_ordered_units",
    "sellable_on_hand_inventory_units",
    "unsellable_on_hand_inventory_units",
    "aged_90_plus_days_sellable_inventory_units",
    "unhealthy_inventory_units",
]

# Column order of the expected by-ASIN tables (the pipeline's raw Parquet columns).
TRUTH_COLUMNS: dict[ReportType, list[str]] = {
    ReportType.SALES: [
        "customer_returns",
        "ordered_units",
        "shipped_units",
        "ordered_revenue",
        "shipped_revenue",
        "shipped_cogs",
        "currency_code",
    ],
    ReportType.TRAFFIC: ["glance_views"],
    ReportType.INVENTORY: [
        "procurable_product_out_of_stock_rate",
        "uft",
        "receive_fill_rate",
        "vendor_confirmation_rate",
        "average_vendor_lead_time_days",
        "sell_through_rate",
        "net_received_inventory_cost",
        "sellable_on_hand_inventory_cost",
        "unsellable_on_hand_inventory_cost",
        "aged_90_plus_days_sellable_inventory_cost",
        "unhealthy_inventory_cost",
        "net_received_inventory_units",
        "open_purchase_order_units",
        "unfilled_customer_ordered_units",
        "sellable_on_hand_inventory_units",
        "unsellable_on_hand_inventory_units",
        "aged_90_plus_days_sellable_inventory_units",
        "unhealthy_inventory_units",
        "currency_code",
    ],
    ReportType.NET_PURE_PRODUCT_MARGIN: ["net_pure_product_margin"],
    ReportType.FORECASTING: [
        "forecast_generation_date",
        "mean_forecast_units",
        "p70_forecast_units",
        "p80_forecast_units",
        "p90_forecast_units",
    ],
}


def truth_schema(report_type: str) -> pa.Schema:
    """Arrow schema of `expected_by_asin_rows` for a report type."""
    fields = list(_COMMON)
    for name in TRUTH_COLUMNS[ReportType(report_type)]:
        if name == "currency_code":
            fields.append((name, pa.string()))
        elif name == "forecast_generation_date":
            fields.append((name, pa.date32()))
        else:
            fields.append((name, pa.int64() if name in _INT64 else pa.float64()))
    return pa.schema(fields)


def _check_marketplace(sim: VendorSimulator, marketplace_id: str) -> None:
    if marketplace_id != sim.marketplace_id:
        raise ValueError(
            f"the simulated vendor sells in marketplace {sim.marketplace_id}, not {marketplace_id}"
        )


def _values(
    sim: VendorSimulator,
    report_type: str,
    report_options: dict[str, str],
    marketplace_id: str,
    start: date | None,
    end: date | None,
    last_updated: date,
) -> ReportValues:
    _check_marketplace(sim, marketplace_id)
    try:
        check_report_options(amazon_report_type(report_type), report_options)
    except ReportRejected as exc:
        raise ValueError(str(exc)) from None
    return compute_report_values(sim, report_type, report_options, start, end, last_updated)


def _json_rows(
    sim: VendorSimulator, rows: RowValues, report_type: ReportType, generation_date: date | None
) -> list[dict[str, Any]]:
    fields = [
        (column, key, kind) for column, key, kind in DOCUMENT_FIELDS[report_type] if column in rows.columns
    ]
    values = {column: rows.columns[column].tolist() for column, _, _ in fields}
    present = {column: rows.present[column].tolist() for column, _, _ in fields if column in rows.present}
    dates: dict[int, str] = {}

    def iso(ordinal: int) -> str:
        text = dates.get(ordinal)
        if text is None:
            text = dates[ordinal] = date.fromordinal(ordinal).isoformat()
        return text

    out: list[dict[str, Any]] = []
    for i, (asin_index, start, end) in enumerate(
        zip(rows.asin_index.tolist(), rows.start.tolist(), rows.end.tolist(), strict=True)
    ):
        row: dict[str, Any] = {}
        if generation_date is not None:
            row["forecastGenerationDate"] = generation_date.isoformat()
        if report_type == ReportType.FORECASTING:
            row["asin"] = sim.asins[asin_index]
        row["startDate"] = iso(start)
        row["endDate"] = iso(end)
        if asin_index >= 0 and report_type != ReportType.FORECASTING:
            row["asin"] = sim.asins[asin_index]
        for column, key, kind in fields:
            if column in present and not present[column][i]:
                continue
            value = values[column][i]
            row[key] = {"amount": value, "currencyCode": sim.currency} if kind == MONEY else value
        out.append(row)
    return out


def build_report_document(
    sim: VendorSimulator,
    report_type: str,
    report_options: dict[str, str],
    marketplace_id: str,
    start: date | None,
    end: date | None,
    last_updated: date,
) -> dict[str, Any]:
    """The JSON document Amazon would serve for this request, as refreshed on `last_updated` (options must be
    valid for the type; start and end are ignored for GET_VENDOR_FORECASTING_REPORT)."""
    values = _values(sim, report_type, report_options, marketplace_id, start, end, last_updated)
    spec = amazon_report_type(report_type)
    specification: dict[str, Any] = {
        "reportType": spec.report_type,
        "reportOptions": dict(report_options),
        "lastUpdatedDate": last_updated.isoformat(),
    }
    if spec.dated:
        specification["dataStartTime"] = start.isoformat()
        specification["dataEndTime"] = end.isoformat()
    specification["marketplaceIds"] = [marketplace_id]
    document: dict[str, Any] = {"reportSpecification": specification}
    if spec.aggregate_key is not None and values.aggregate is not None:
        document[spec.aggregate_key] = _json_rows(sim, values.aggregate, values.report_type, None)
    document[spec.by_asin_key] = _json_rows(sim, values.by_asin, values.report_type, values.generation_date)
    return document


def _date_array(ordinals: np.ndarray) -> pa.Array:
    epoch = date(1970, 1, 1).toordinal()
    return pa.array((np.asarray(ordinals, dtype=np.int64) - epoch).astype(np.int32), pa.int32()).cast(
        pa.date32()
    )


def expected_by_asin_rows(
    sim: VendorSimulator,
    report_type: str,
    report_options: dict[str, str],
    marketplace_id: str,
    start: date | None,
    end: date | None,
    last_updated: date,
) -> pa.Table:
    """The simulator's truth for the by-ASIN rows of that document, one row per document row."""
    values = _values(sim, report_type, report_options, marketplace_id, start, end, last_updated)
    rows = values.by_asin
    count = len(rows)
    schema = truth_schema(report_type)
    asins = np.array(sim.asins, dtype=object)[rows.asin_index] if count else np.array([], dtype=object)
    arrays: list[pa.Array] = [
        pa.array(asins.tolist(), pa.string()),
        _date_array(rows.start),
        _date_array(rows.end),
    ]
    for field in list(schema)[3:]:
        if field.name == "currency_code":
            arrays.append(pa.array([sim.currency] * count, pa.string()))
        elif field.name == "forecast_generation_date":
            generated = values.generation_date.toordinal() if values.generation_date else 0
            arrays.append(_date_array(np.full(count, generated)))
        elif field.name not in rows.columns:
            arrays.append(pa.nulls(count, field.type))
        else:
            column = rows.columns[field.name].astype(np.int64 if field.type == pa.int64() else np.float64)
            mask = ~rows.present[field.name] if field.name in rows.present else None
            arrays.append(pa.array(column, field.type, mask=mask))
    return pa.Table.from_arrays(arrays, schema=schema)
