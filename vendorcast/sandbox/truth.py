"""The simulator's ground truth as Parquet: the catalogue, daily demand (unconstrained and censored), sales,
traffic, prices and promotions, inventory, Amazon's forecast snapshots, purchase orders and catalog changes,
so forecasts and pipeline outputs can be scored against what really happened."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vendorcast.sandbox.catalog import SimulatedCatalog
from vendorcast.sandbox.simulator import FORECAST_WEEKS, FULFILMENT_CENTERS, VendorSimulator

CATALOGUE_FILE = "catalogue.parquet"
DAILY_FILE = "daily.parquet"
FORECASTS_FILE = "forecasts.parquet"
PURCHASE_ORDERS_FILE = "purchase_order_lines.parquet"
CATALOG_CHANGES_FILE = "catalog_changes.parquet"

_EPOCH = date(1970, 1, 1).toordinal()


def _dates(ordinals: np.ndarray) -> pa.Array:
    return pa.array((np.asarray(ordinals, dtype=np.int64) - _EPOCH).astype(np.int32)).cast(pa.date32())


def catalogue_table(sim: VendorSimulator) -> pa.Table:
    products = sim.products
    return pa.table(
        {
            "asin": [p.asin for p in products],
            "parent_asin": [p.parent_asin for p in products],
            "title": [p.title for p in products],
            "brand": [p.brand for p in products],
            "category": [p.category.name for p in products],
            "product_type": [p.category.product_type for p in products],
            "model_number": [p.model_number for p in products],
            "upc": [p.upc for p in products],
            "ean": [p.ean for p in products],
            "launch_date": pa.array([p.launch_date for p in products], pa.date32()),
            "discontinue_date": pa.array([p.discontinue_date for p in products], pa.date32()),
            "base_price": [p.base_price for p in products],
            "unit_cost": [p.unit_cost for p in products],
            "case_size": pa.array([p.case_size for p in products], pa.int64()),
            "fresh": [bool(s > 0) for s in sim.fresh_share],
        }
    )


def daily_table(sim: VendorSimulator) -> pa.Table:
    """One row per ASIN and day on which the ASIN is sold (launched and not discontinued)."""
    day, asin = np.nonzero(sim.active)
    ordinal = sim.start.toordinal() + day
    asins = np.array(sim.asins, dtype=object)

    def at(values: np.ndarray) -> np.ndarray:
        return values[day, asin]

    columns: dict[str, pa.Array | np.ndarray | list] = {
        "date": _dates(ordinal),
        "asin": pa.array(asins[asin].tolist(), pa.string()),
        "expected_demand": at(sim.expected_demand),
        "demand": at(sim.demand),
        "ordered_units": at(sim.ordered_units),
        "censored": at(sim.censored),
        "out_of_stock_fraction": at(sim.oos_fraction),
        "shipped_units": at(sim.shipped_units),
        "customer_returns": at(sim.customer_returns),
        "glance_views": at(sim.glance_views),
        "list_price": at(sim.list_price),
        "price": at(sim.price),
        "discount": at(sim.discount),
        "promotion": at(sim.promotion),
        "ordered_revenue": at(sim.ordered_revenue),
        "shipped_revenue": at(sim.shipped_revenue),
        "shipped_cogs": at(sim.shipped_cogs),
        "vendor_funded_coop": at(sim.coop),
        "sellable_on_hand_units": at(sim.sellable_on_hand),
        "unsellable_on_hand_units": at(sim.unsellable_on_hand),
        "open_purchase_order_units": at(sim.open_po_units),
        "received_units": at(sim.received_units),
        "returned_to_vendor_units": at(sim.rtv_units),
        "unfilled_customer_ordered_units": at(sim.unfilled_units),
        "aged_90_plus_days_units": at(sim.aged_90_plus_units),
        "unhealthy_units": at(sim.unhealthy_units),
        "supply_outage": at(sim.supply_outage),
    }
    return pa.table(columns)


def forecasts_table(sim: VendorSimulator) -> pa.Table:
    """Every weekly forecast Amazon generated: one row per generation date, ASIN and weekly bucket."""
    active_generation, active_asin = np.nonzero(sim.forecast_active)
    k = np.repeat(active_generation, FORECAST_WEEKS)
    a = np.repeat(active_asin, FORECAST_WEEKS)
    h = np.tile(np.arange(FORECAST_WEEKS), len(active_generation))
    generated = np.array([d.toordinal() for d in sim.generation_dates], dtype=np.int64)[k]
    start = generated + 7 * h
    return pa.table(
        {
            "forecast_generation_date": _dates(generated),
            "asin": pa.array(np.array(sim.asins, dtype=object)[a].tolist(), pa.string()),
            "horizon_week": h.astype(np.int64),
            "start_date": _dates(start),
            "end_date": _dates(start + 6),
            "mean_forecast_units": sim.forecast_mean[k, h, a],
            "p70_forecast_units": sim.forecast_p70[k, h, a],
            "p80_forecast_units": sim.forecast_p80[k, h, a],
            "p90_forecast_units": sim.forecast_p90[k, h, a],
        }
    )


def purchase_order_lines_table(sim: VendorSimulator) -> pa.Table:
    lines = sim.purchase_orders
    ordinal = sim.start.toordinal()
    return pa.table(
        {
            "order_date": _dates(ordinal + lines.day),
            "asin": pa.array(np.array(sim.asins, dtype=object)[lines.asin_index].tolist(), pa.string()),
            "fulfilment_center": pa.array(
                [FULFILMENT_CENTERS[c] for c in lines.fulfilment_center], pa.string()
            ),
            "requested_units": lines.requested_cases * lines.case_size,
            "confirmed_units": lines.confirmed_cases * lines.case_size,
            "received_units": lines.received_cases * lines.case_size,
            "case_size": lines.case_size,
            "receipt_date": _dates(ordinal + lines.receipt_day),
        }
    )


def catalog_changes_table(sim: VendorSimulator) -> pa.Table:
    changes = SimulatedCatalog(sim).changes()
    return pa.table(
        {
            "asin": pa.array([c.asin for c in changes], pa.string()),
            "date": pa.array([c.day for c in changes], pa.date32()),
            "attribute": pa.array([c.attribute for c in changes], pa.string()),
            "old_value": pa.array([c.old_value for c in changes], pa.string()),
            "new_value": pa.array([c.new_value for c in changes], pa.string()),
        }
    )


def export_truth(seed: int, n_asins: int, start: date, end: date, output_dir: str | Path) -> list[Path]:
    """Simulate the vendor and write its ground truth as Parquet files into `output_dir`."""
    sim = VendorSimulator(seed, n_asins, start, end)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        CATALOGUE_FILE: catalogue_table(sim),
        DAILY_FILE: daily_table(sim),
        FORECASTS_FILE: forecasts_table(sim),
        PURCHASE_ORDERS_FILE: purchase_order_lines_table(sim),
        CATALOG_CHANGES_FILE: catalog_changes_table(sim),
    }
    paths = []
    for name, table in tables.items():
        path = out / name
        pq.write_table(table, path)
        paths.append(path)
    return paths
