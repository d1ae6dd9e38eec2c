"""The simulator's ground truth as Parquet: the catalogue, daily demand (unconstrained and censored), sales,
traffic, prices and promotions, inventory, Amazon's forecast snapshots, purchase orders and catalog changes,
so forecasts and pipeline outputs can be scored against what really happened.

`purchase_order_items_table(sim, now)` (written as purchase_order_items.parquet) is what the Vendor Orders API
says of every PO line at the moment `now`: one row per (purchase_order_number, item_sequence_number) of the POs
placed by then and within Amazon's six-month retention, with the columns
- purchase_order_number, item_sequence_number (string, as served: "1", "2", ...);
- purchase_order_state: New, Acknowledged or Closed at `now`;
- order_date, delivery_window_start, delivery_window_end (timestamp UTC);
- ship_to (the fulfilment center's party id), asin, vendor_sku (vendorProductIdentifier);
- unit_of_measure ("Cases" or "Eaches", whatever the case served) and unit_size (int64);
- ordered_units, accepted_units, rejected_units, received_units (int64 units = amount x unit size; accepted and
  rejected are 0 until the PO is acknowledged, received counts the receipts by `now`);
- last_receive_date (timestamp UTC, null before the first receipt);
- net_cost and list_price (float, per unit as served) and currency.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vendorcast.sandbox.catalog import SimulatedCatalog
from vendorcast.sandbox.purchase_orders import NO_RECEIPT, SimulatedPurchaseOrders, epoch_seconds
from vendorcast.sandbox.simulator import FORECAST_WEEKS, VendorSimulator
from vendorcast.sandbox.supply import FULFILMENT_CENTERS

CATALOGUE_FILE = "catalogue.parquet"
DAILY_FILE = "daily.parquet"
FORECASTS_FILE = "forecasts.parquet"
PURCHASE_ORDERS_FILE = "purchase_order_lines.parquet"
PURCHASE_ORDER_ITEMS_FILE = "purchase_order_items.parquet"
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
    """Every PO line the simulator placed, as it ends (all receipts done), whatever Amazon still shows."""
    lines = sim.purchase_orders
    ordinal = sim.start.toordinal()
    return pa.table(
        {
            "order_date": _dates(ordinal + lines.day),
            "asin": pa.array(np.array(sim.asins, dtype=object)[lines.asin_index].tolist(), pa.string()),
            "fulfilment_center": pa.array(
                [FULFILMENT_CENTERS[c] for c in lines.fulfilment_center], pa.string()
            ),
            "requested_units": lines.ordered_units,
            "confirmed_units": lines.accepted_units,
            "received_units": lines.received_units,
            "unit_size": lines.unit_size,
            "back_order_allowed": lines.back_order_allowed,
            "first_receipt_date": _dates(ordinal + lines.first_receipt_day),
            "receipt_date": _dates(ordinal + lines.last_receipt_day),
        }
    )


PURCHASE_ORDER_ITEMS_SCHEMA = pa.schema(
    [
        ("purchase_order_number", pa.string()),
        ("item_sequence_number", pa.string()),
        ("purchase_order_state", pa.string()),
        ("order_date", pa.timestamp("us", tz="UTC")),
        ("delivery_window_start", pa.timestamp("us", tz="UTC")),
        ("delivery_window_end", pa.timestamp("us", tz="UTC")),
        ("ship_to", pa.string()),
        ("asin", pa.string()),
        ("vendor_sku", pa.string()),
        ("unit_of_measure", pa.string()),
        ("unit_size", pa.int64()),
        ("ordered_units", pa.int64()),
        ("accepted_units", pa.int64()),
        ("rejected_units", pa.int64()),
        ("received_units", pa.int64()),
        ("last_receive_date", pa.timestamp("us", tz="UTC")),
        ("net_cost", pa.float64()),
        ("list_price", pa.float64()),
        ("currency", pa.string()),
    ]
)


def purchase_order_items_table(sim: VendorSimulator, now: datetime) -> pa.Table:
    """Every PO line Amazon shows at `now` and what it says of it then (columns: see the module docstring)."""
    orders = SimulatedPurchaseOrders(sim)
    visible = orders.visible(now)
    counts = [len(o.lines) for o in visible]
    lines = np.concatenate([o.lines for o in visible]) if visible else np.zeros(0, dtype=np.int64)
    po = sim.purchase_orders
    states = orders.line_states(lines, now)
    size = po.unit_size[lines]
    accepted = np.where(states.acknowledged, po.accepted[lines], 0)
    rejected = np.where(states.acknowledged, po.ordered[lines] - po.accepted[lines], 0)
    unit_cost = np.array([p.unit_cost for p in sim.products])[po.asin_index[lines]]

    def per_order(values: list) -> list:
        return [value for value, count in zip(values, counts, strict=True) for _ in range(count)]

    def moments(values: list[datetime]) -> pa.Array:
        return pa.array(per_order([epoch_seconds(v) * 1_000_000 for v in values]), pa.timestamp("us", tz="UTC"))

    columns = {
        "purchase_order_number": per_order([o.number for o in visible]),
        "item_sequence_number": [str(i) for count in counts for i in range(1, count + 1)],
        "purchase_order_state": per_order([orders.state(o, now)[0] for o in visible]),
        "order_date": moments([o.placed_at for o in visible]),
        "delivery_window_start": moments([o.delivery_window[0] for o in visible]),
        "delivery_window_end": moments([o.delivery_window[1] for o in visible]),
        "ship_to": per_order([o.fulfilment_center for o in visible]),
        "asin": np.array(sim.asins, dtype=object)[po.asin_index[lines]].tolist(),
        "vendor_sku": [sim.products[a].ean for a in po.asin_index[lines].tolist()],
        "unit_of_measure": np.where(po.eaches[lines], "Eaches", "Cases").tolist(),
        "unit_size": size,
        "ordered_units": po.ordered[lines] * size,
        "accepted_units": accepted * size,
        "rejected_units": rejected * size,
        "received_units": states.received * size,
        "last_receive_date": pa.array(
            states.last_receipt * 1_000_000, pa.timestamp("us", tz="UTC"), mask=states.last_receipt == NO_RECEIPT
        ),
        "net_cost": np.round(unit_cost, 2),
        "list_price": np.round(po.list_price[lines].astype(np.float64), 2),
        "currency": [sim.currency] * len(lines),
    }
    return pa.table(columns, schema=PURCHASE_ORDER_ITEMS_SCHEMA)


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


def export_truth(
    seed: int, n_asins: int, start: date, end: date, output_dir: str | Path, as_of: datetime | None = None
) -> list[Path]:
    """Simulate the vendor and write its ground truth as Parquet files into `output_dir`; the PO items are as
    of `as_of` (default: midnight UTC at the end of `end`, the latest moment the simulation knows)."""
    latest = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    as_of = as_of or latest
    if as_of.tzinfo is None or not start <= as_of.date() or as_of > latest:
        raise ValueError(
            f"as_of must be a UTC moment between {start} and the end of {end} (the simulated days), got {as_of}"
        )
    sim = VendorSimulator(seed, n_asins, start, end)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        CATALOGUE_FILE: catalogue_table(sim),
        DAILY_FILE: daily_table(sim),
        FORECASTS_FILE: forecasts_table(sim),
        PURCHASE_ORDERS_FILE: purchase_order_lines_table(sim),
        PURCHASE_ORDER_ITEMS_FILE: purchase_order_items_table(sim, as_of),
        CATALOG_CHANGES_FILE: catalog_changes_table(sim),
    }
    paths = []
    for name, table in tables.items():
        path = out / name
        pq.write_table(table, path)
        paths.append(path)
    return paths
