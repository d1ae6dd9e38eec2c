"""A raw zone written straight from the sandbox's simulated vendor, without the ingestion pipeline: every document
is built as Amazon would serve it (vendorcast.sandbox.documents), parsed by the ingestion parser and stored under
the raw key the pipeline uses. For tests, fixtures, the dashboard's sample and the publishing benchmark; restatements
are real ones (each window delivered again with a later lastUpdatedDate), and catalog snapshots and changes come
from the simulated catalog. The promotion plan (optional) is what the vendor knows of its own promotions, past and
planned, as the file it uploads under inputs/promotions/. Purchase orders (optional) are the simulator's PO lines as
Vendor Orders would show them on each day something happened to them, written as raw rows of the contract (the
ingestion's own parser is not used). It joins the emulator and the pipeline, so it stands above both, beside the
embedded runtime and the dashboard that use it: the pipeline never imports it, and the emulator never imports the
pipeline."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from vendorcast.lake.layout import raw_key
from vendorcast.lake.promotions import PROMOTIONS
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import RAW_INPUTS
from vendorcast.reports.parsers import DocumentLineage, parse_report_document, write_parquet
from vendorcast.reports.windows import PULL_INITIAL, PULL_RESTATE_PREFIX, PULL_SNAPSHOT_PREFIX, ReportWindow
from vendorcast.resources import INPUTS_PREFIX
from vendorcast.sandbox.catalog import SimulatedCatalog
from vendorcast.sandbox.documents import build_report_document
from vendorcast.sandbox.retail_calendar import event_mask
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.supply import FULFILMENT_CENTERS, WINDOW_DAYS
from vendorcast.vocabulary.report_catalogue import ReportPeriod, ReportType

CATALOG_SOURCE = "synthetic"
HISTORY_WEEKS = 52
# The simulated vendor plans its promotions this many weeks ahead (more than a forecast's default horizon).
PROMOTION_PLAN_WEEKS = 13
PROMOTION_PLAN_FILE = "promotion_plan.csv"
# The simulator's event deals, as the vendor's plan names them; its other promotions are price discounts.
_EVENT_PROMOTIONS = {"prime_day": "prime_day_deal", "black_friday_cyber_monday": "best_deal"}

_M, _S = "MANUFACTURING", "SOURCING"


@dataclass(frozen=True)
class ReportStream:
    report_type: ReportType
    options: tuple[tuple[str, str], ...]

    @property
    def period(self) -> ReportPeriod | None:
        return next((ReportPeriod(v) for k, v in self.options if k == "reportPeriod"), None)


def _stream(report_type: ReportType, period: str | None = None, view: str | None = None,
            program: str | None = None) -> ReportStream:
    options = [("reportPeriod", period), ("distributorView", view), ("sellingProgram", program)]
    return ReportStream(report_type, tuple((k, v) for k, v in options if v is not None))


# Every curated report type, in the slices demand_weekly chooses between and ones it must leave alone.
ALL_STREAMS: tuple[ReportStream, ...] = (
    _stream(ReportType.SALES, "WEEK", _M, "RETAIL"),
    _stream(ReportType.SALES, "WEEK", _S, "RETAIL"),
    _stream(ReportType.SALES, "WEEK", _M, "BUSINESS"),
    _stream(ReportType.SALES, "DAY", _M, "RETAIL"),
    _stream(ReportType.TRAFFIC, "WEEK"),
    _stream(ReportType.INVENTORY, "WEEK", _M, "RETAIL"),
    _stream(ReportType.NET_PURE_PRODUCT_MARGIN, "WEEK"),
    _stream(ReportType.FORECASTING, program="RETAIL"),
)
# The weekly streams of a vendorcast default config (the benchmark's shape).
WEEKLY_STREAMS: tuple[ReportStream, ...] = (
    _stream(ReportType.SALES, "WEEK", _M, "RETAIL"),
    _stream(ReportType.SALES, "WEEK", _S, "RETAIL"),
    _stream(ReportType.TRAFFIC, "WEEK"),
    _stream(ReportType.INVENTORY, "WEEK", _M, "RETAIL"),
    _stream(ReportType.NET_PURE_PRODUCT_MARGIN, "WEEK"),
    _stream(ReportType.FORECASTING, program="RETAIL"),
)


@dataclass(frozen=True)
class SyntheticLake:
    """What to simulate: `weeks` retail weeks from `first_week` (a Sunday), documents of `weeks_per_document`
    weeks each delivered `1 + restatements` times (a week apart), a forecast snapshot every week, and catalog
    snapshots every week with the changes between them."""

    n_asins: int = 6
    first_week: date = date(2025, 6, 1)
    weeks: int = 6
    weeks_per_document: int = 3
    restatements: int = 1
    streams: tuple[ReportStream, ...] = ALL_STREAMS
    catalog: bool = True
    purchase_orders: bool = False
    promotions: bool = False
    account: str = "acme-us"
    marketplace_id: str = "ATVPDKIKX0DER"
    seed: int = 7

    def __post_init__(self) -> None:
        if self.first_week.weekday() != 6:
            raise ValueError(f"first_week must be a Sunday, got {self.first_week}")

    @property
    def last_day(self) -> date:
        return self.first_week + timedelta(weeks=self.weeks) - timedelta(days=1)

    def simulator(self) -> VendorSimulator:
        # History before the first week, so that most ASINs have launched and have stock and forecasts; days after
        # the last week for the restatements.
        ahead = max(self.restatements + 4, PROMOTION_PLAN_WEEKS if self.promotions else 0)
        return VendorSimulator(self.seed, self.n_asins, self.first_week - timedelta(weeks=HISTORY_WEEKS),
                               self.last_day + timedelta(weeks=ahead), self.marketplace_id)


def write_synthetic_lake(storage: LakeStorage, spec: SyntheticLake) -> list[str]:
    """Write the raw zone of `spec` into `storage`; returns the raw keys written."""
    sim = spec.simulator()
    keys: list[str] = []
    for stream in spec.streams:
        if stream.report_type is ReportType.FORECASTING:
            for week in range(spec.weeks):
                generated = spec.first_week + timedelta(weeks=week)
                keys.append(write_report(storage, sim, spec, stream, generated, generated,
                                         f"{PULL_SNAPSHOT_PREFIX}{generated}", generated + timedelta(days=1)))
            continue
        for first in range(0, spec.weeks, spec.weeks_per_document):
            start = spec.first_week + timedelta(weeks=first)
            end = min(start + timedelta(weeks=spec.weeks_per_document) - timedelta(days=1), spec.last_day)
            for delivery in range(1 + spec.restatements):
                updated = end + timedelta(days=3 + 7 * delivery)
                pull = PULL_INITIAL if delivery == 0 else f"{PULL_RESTATE_PREFIX}{updated}"
                keys.append(write_report(storage, sim, spec, stream, start, end, pull, updated))
    if spec.catalog:
        keys += _write_catalog(storage, sim, spec)
    if spec.purchase_orders:
        keys += _write_purchase_orders(storage, sim, spec)
    if spec.promotions:
        keys.append(write_promotion_plan(storage, sim, spec.account, spec.last_day + timedelta(
            weeks=PROMOTION_PLAN_WEEKS)))
    return keys


def promotion_plan(sim: VendorSimulator, account: str, until: date) -> pd.DataFrame:
    """What the vendor knows of its promotions from the simulation's start to `until` (past and planned), in the
    columns of the promotions file (docs/operations.md): one row per ASIN and run of days at one discount."""
    days = min(sim.n_days, sim.day_index(until) + 1)
    # The simulator draws discounts for every day; a vendor promotes only what is on sale.
    discount = np.where(sim.active[:days], sim.discount[:days], 0.0)
    events = {name: np.logical_or.reduce([event_mask(sim.start, days, year, event)
                                          for year in range(sim.start.year, sim.day(days - 1).year + 1)])
              for event, name in _EVENT_PROMOTIONS.items()}
    rows = []
    for column, asin in enumerate(sim.asins):
        values = discount[:, column]
        # A run starts where the discount changes to a positive value and ends before it changes again.
        edges = np.flatnonzero(np.diff(np.concatenate([[0.0], values, [0.0]])) != 0)
        for first, after in itertools.pairwise(edges):
            if values[first] <= 0:
                continue
            kind = next((name for name, mask in events.items() if mask[first:after].any()), "price_discount")
            rows.append({"account": account, "marketplace_id": sim.marketplace_id, "asin": asin,
                         "start_date": sim.day(first).isoformat(), "end_date": sim.day(after - 1).isoformat(),
                         "promotion_type": kind, "discount_percent": round(100 * float(values[first]), 2),
                         "planned_price": round(float(sim.price[first, column]), 2)})
    return pd.DataFrame(rows)


def write_promotion_plan(storage: LakeStorage, sim: VendorSimulator, account: str, until: date) -> str:
    """The vendor's promotion plan up to `until` as the CSV it uploads under inputs/promotions/; returns its key."""
    key = f"{INPUTS_PREFIX}/{PROMOTIONS}/{PROMOTION_PLAN_FILE}"
    storage.write_bytes(key, promotion_plan(sim, account, until).to_csv(index=False).encode())
    return key


def write_report(storage: LakeStorage, sim: VendorSimulator, spec: SyntheticLake, stream: ReportStream,
                 start: date, end: date, pull: str, last_updated: date) -> str:
    """One document of `stream` for the window, as refreshed on `last_updated`, parsed into its raw file."""
    window = ReportWindow(stream.report_type, stream.options, stream.period, start, end, pull)
    dated = stream.report_type is not ReportType.FORECASTING
    document = build_report_document(sim, stream.report_type, dict(stream.options), spec.marketplace_id,
                                     start if dated else None, end if dated else None, last_updated)
    report_id = hashlib.sha256(f"{window.request_key(spec.account, spec.marketplace_id)}".encode()).hexdigest()[:12]
    lineage = DocumentLineage(report_id=report_id, request_key=window.request_key(spec.account, spec.marketplace_id),
                              ingested_at=datetime.combine(last_updated, time(6), tzinfo=UTC))
    table = parse_report_document(json.dumps(document).encode(), stream.report_type, lineage)
    key = raw_key(spec.account, spec.marketplace_id, window, report_id)
    write_raw_table(storage, key, table)
    return key


def write_raw_table(storage: LakeStorage, key: str, table: pa.Table, schema: pa.Schema | None = None) -> None:
    """Store a raw table (Parquet, zstd) under `key` with its explicit schema."""
    sink = pa.BufferOutputStream()
    write_parquet(table, sink, schema)
    storage.write_bytes(key, sink.getvalue().to_pybytes())


def _write_catalog(storage: LakeStorage, sim: VendorSimulator, spec: SyntheticLake) -> list[str]:
    catalog = SimulatedCatalog(sim)
    items_input, changes_input = RAW_INPUTS["raw_catalog_items"], RAW_INPUTS["raw_catalog_changes"]
    partitions = f"account={spec.account}/marketplace_id={spec.marketplace_id}"
    keys = []
    previous = sim.start  # the first snapshot reports what changed over the simulated history
    for week in range(spec.weeks):
        day = spec.first_week + timedelta(weeks=week)
        taken = datetime.combine(day, time(4), tzinfo=UTC)
        request_key = f"{spec.account}/{spec.marketplace_id}/catalog/{day}"
        rows = [_item_row(catalog, asin, day, taken, request_key, spec) for asin in sorted(catalog.products)]
        key = f"{items_input.prefix}/{partitions}/{day}_catalog_items.parquet"
        write_raw_table(storage, key, pa.Table.from_pylist(rows, schema=items_input.schema), items_input.schema)
        keys.append(key)

        # What a diff of this snapshot against the previous one finds: one net change per ASIN and field.
        changes: dict[tuple[str, str], tuple[str, str]] = {}
        for change in sorted(catalog.changes(), key=lambda c: c.day):
            if previous < change.day <= day:
                before = changes.get((change.asin, change.attribute), (change.old_value, ""))[0]
                changes[(change.asin, change.attribute)] = (before, change.new_value)
        previous = day
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
        if changes:
            change_rows = [{
                "request_key": request_key, "ingested_at": taken, "marketplace_id": spec.marketplace_id,
                "asin": asin, "field": field, "before_value": before, "after_value": after,
                "detected_at": taken, "last_updated_date": day, "source": CATALOG_SOURCE,
            } for (asin, field), (before, after) in sorted(changes.items())]
            key = f"{changes_input.prefix}/{partitions}/{day}_catalog_changes.parquet"
            write_raw_table(storage, key, pa.Table.from_pylist(change_rows, schema=changes_input.schema),
                            changes_input.schema)
            keys.append(key)
    return keys


def _item_row(catalog: SimulatedCatalog, asin: str, day: date, taken: datetime, request_key: str,
              spec: SyntheticLake) -> dict[str, object]:
    product = catalog.products[asin]
    state = catalog.state_on(asin, day)
    watched = {
        "item_name": state.title,
        "main_image_url": f"https://m.media-amazon.com/images/I/{asin}-{state.image_version}.jpg",
        "bullet_points": json.dumps([f"{state.title}: feature {i} (v{state.bullet_version})" for i in (1, 2)]),
        "browse_classification_id": state.classification_id,
        "browse_classification_name": state.browse_node,
        "product_type": state.product_type,
        "item_package_dimensions": json.dumps({"version": state.dimension_version}),
    }
    content_hash = hashlib.sha256(json.dumps(watched, sort_keys=True).encode()).hexdigest()
    return {
        "request_key": request_key, "ingested_at": taken, "marketplace_id": spec.marketplace_id, "asin": asin,
        "snapshot_at": taken, "last_updated_date": day, "content_hash": content_hash,
        "brand": product.brand, "manufacturer": catalog.vendor.name, "model_number": product.model_number,
        "listed": catalog.is_listed(asin, day), **watched,
    }


# --- purchase orders --------------------------------------------------------------------------------------

# What the sample vendor's POs look like beyond the simulator's lines: POs to this fulfilment center are ordered in
# eaches (the others in cases), POs to that one carry a ship window instead of a delivery window, and every
# PO_DETAIL_GAP-th PO with several lines lacks its last line in the item-detail reads (known from status only).
EACHES_CENTER = "PHX6"
SHIP_WINDOW_CENTER = "ONT8"
PO_DETAIL_GAP = 7
ORDER_TIME, ACKNOWLEDGE_TIME, RECEIPT_TIME, READ_TIME = time(14, 10), time(8), time(16, 45), time(20)


def _last_po_read(spec: SyntheticLake) -> date:
    """The purchase orders pull's last run: the first Monday on or after the last report day, when Amazon places the
    week's POs, so the lake ends with POs still to be acknowledged beside lines in transit."""
    return spec.last_day + timedelta(days=(7 - spec.last_day.weekday()) % 7)


@dataclass(frozen=True)
class _PurchaseOrder:
    number: str
    day: date
    center: str
    window: tuple[datetime, datetime]
    lines: list[dict[str, Any]]  # per line: asin, case_size, ordered, accepted, received, receipt_day, list_price

    @property
    def closed_on(self) -> date:
        """Amazon closes a PO once every confirmed line was received into (a line confirmed at 0 has nothing to
        receive; the vendor acknowledges the day after the order)."""
        return max([self.day + timedelta(days=1), *(line["receipt_day"] for line in self.lines if line["accepted"])])

    def state_on(self, day: date) -> str:
        if day <= self.day:
            return "New"
        return "Closed" if day >= self.closed_on else "Acknowledged"


def _purchase_orders(sim: VendorSimulator, spec: SyntheticLake) -> list[_PurchaseOrder]:
    lines = sim.purchase_orders
    grouped: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for k in range(len(lines.day)):
        day = sim.day(int(lines.day[k]))
        if not spec.first_week <= day <= _last_po_read(spec):
            continue
        received = int(lines.received[k] * lines.unit_size[k])
        grouped.setdefault((int(lines.day[k]), int(lines.fulfilment_center[k])), []).append({
            "asin": sim.asins[int(lines.asin_index[k])],
            "case_size": int(lines.unit_size[k]),
            "ordered": int(lines.ordered[k] * lines.unit_size[k]),
            "accepted": int(lines.accepted[k] * lines.unit_size[k]),
            "received": received,
            # The last receipt, or the day Amazon gave up on accepted units that never came.
            "receipt_day": sim.day(int(lines.last_receipt_day[k] if received else lines.close_day[k])),
            "list_price": round(float(lines.list_price[k]), 2),
            "window_start_day": int(lines.window_start_day[k]),
        })
    orders = []
    for (day_index, center), po_lines in sorted(grouped.items()):
        day = sim.day(day_index)
        number = hashlib.sha256(f"{spec.account}/{day_index}/{center}".encode()).hexdigest()[:8].upper()
        # The emulator's own delivery window of the PO.
        start = datetime.combine(sim.day(po_lines[0]["window_start_day"]), time(7), tzinfo=UTC)
        window = (start, start + timedelta(days=WINDOW_DAYS))
        orders.append(_PurchaseOrder(number, day, FULFILMENT_CENTERS[center], window, po_lines))
    return orders


def _write_purchase_orders(storage: LakeStorage, sim: VendorSimulator, spec: SyntheticLake) -> list[str]:
    """A page per day and operation: every PO read on the day it was placed, the day it was acknowledged and each
    day units were received into it (the last of which closes it)."""
    reads: dict[date, list[tuple[int, _PurchaseOrder]]] = {}
    last = _last_po_read(spec)
    for index, order in enumerate(_purchase_orders(sim, spec)):
        days = {order.day, order.day + timedelta(days=1), order.closed_on,
                *(line["receipt_day"] for line in order.lines if line["received"])}
        if order.day <= last < order.closed_on:
            # The pull's last run reads every PO still open, so the lake's as-of day is the same for all of them.
            days.add(last)
        for day in sorted(d for d in days if d <= last):
            reads.setdefault(day, []).append((index, order))
    partitions = f"account={spec.account}/marketplace_id={spec.marketplace_id}"
    keys = []
    for day, read in sorted(reads.items()):
        read_at = datetime.combine(day, READ_TIME, tzinfo=UTC)
        pages = {
            "raw_purchase_orders": ("getPurchaseOrders", [_header_row(o, day) for _, o in read]),
            "raw_purchase_order_items": ("getPurchaseOrders", [row for i, o in read for row in _item_rows(o, i)]),
            "raw_purchase_order_status": ("getPurchaseOrdersStatus", [
                row for _, o in read for row in _status_rows(o, day)]),
        }
        for view, (operation, rows) in pages.items():
            raw = RAW_INPUTS[view]
            lineage = {"request_key": f"{spec.account}/{spec.marketplace_id}/{operation}/{day}/1",
                       "read_at": read_at, "ingested_at": read_at + timedelta(minutes=2),
                       "marketplace_id": spec.marketplace_id}
            key = f"{raw.prefix}/{partitions}/{day}_{operation}_1.parquet"
            table = pa.Table.from_pylist([{**lineage, **row} for row in rows], schema=raw.schema)
            write_raw_table(storage, key, table, raw.schema)
            keys.append(key)
    return keys


def _po_fields(order: _PurchaseOrder) -> dict[str, Any]:
    return {"purchase_order_number": order.number, "order_date": datetime.combine(order.day, ORDER_TIME, tzinfo=UTC)}


def _header_row(order: _PurchaseOrder, day: date) -> dict[str, Any]:
    state = order.state_on(day)
    entered = {"New": datetime.combine(order.day, ORDER_TIME, tzinfo=UTC),
               "Acknowledged": datetime.combine(order.day + timedelta(days=1), ACKNOWLEDGE_TIME, tzinfo=UTC),
               "Closed": datetime.combine(order.closed_on, RECEIPT_TIME, tzinfo=UTC)}[state]
    window = "ship_window" if order.center == SHIP_WINDOW_CENTER else "delivery_window"
    return {**_po_fields(order), "purchase_order_state": state, "purchase_order_type": "RegularOrder",
            "state_changed_date": entered, f"{window}_start": order.window[0], f"{window}_end": order.window[1],
            "ship_to": order.center, "selling_party": "ACMEV", "payment_method": "Invoice"}


def _quantity_fields(order: _PurchaseOrder, line: dict[str, Any]) -> dict[str, Any]:
    eaches = order.center == EACHES_CENTER
    return {"unit_of_measure": "Eaches" if eaches else "Cases", "unit_size": 1 if eaches else line["case_size"],
            "ordered_units": line["ordered"], "net_cost": round(line["list_price"] * 0.55, 2),
            "list_price": line["list_price"], "currency_code": "USD"}


def _item_rows(order: _PurchaseOrder, index: int) -> list[dict[str, Any]]:
    shown = order.lines[:-1] if index % PO_DETAIL_GAP == 0 and len(order.lines) > 1 else order.lines
    return [{**_po_fields(order), "item_sequence_number": str(n), "asin": line["asin"],
             "vendor_sku": f"SKU-{line['asin']}", "is_back_order_allowed": n % 2 == 0,
             **_quantity_fields(order, line)}
            for n, line in enumerate(shown, start=1)]


def _status_rows(order: _PurchaseOrder, day: date) -> list[dict[str, Any]]:
    state = order.state_on(day)
    confirmed = state != "New"
    acknowledged = datetime.combine(order.day + timedelta(days=1), ACKNOWLEDGE_TIME, tzinfo=UTC)
    rows = []
    for n, line in enumerate(order.lines, start=1):
        received = line["received"] if line["receipt_day"] <= day else 0
        if not confirmed:
            confirmation = "UNCONFIRMED"
        elif line["accepted"] == line["ordered"]:
            confirmation = "ACCEPTED"
        else:
            confirmation = "PARTIALLY_ACCEPTED" if line["accepted"] else "REJECTED"
        receive_status = ("NOT_RECEIVED" if not received else
                          "RECEIVED" if received >= line["accepted"] else "PARTIALLY_RECEIVED")
        rows.append({
            **_po_fields(order), "purchase_order_status": "CLOSED" if state == "Closed" else "OPEN",
            "last_updated_at": datetime.combine(day, RECEIPT_TIME if received else ACKNOWLEDGE_TIME, tzinfo=UTC),
            "ship_to": order.center, "item_sequence_number": str(n), "asin": line["asin"],
            "vendor_sku": f"SKU-{line['asin']}", "cancelled_units": 0, "confirmation_status": confirmation,
            "accepted_units": line["accepted"] if confirmed else None,
            "rejected_units": line["ordered"] - line["accepted"] if confirmed else None,
            "acknowledged_at": acknowledged if confirmed else None,
            "receive_status": receive_status, "received_units": received,
            "last_receive_date": datetime.combine(line["receipt_day"], RECEIPT_TIME, tzinfo=UTC) if received else None,
            **_quantity_fields(order, line),
        })
    return rows


__all__ = ["ALL_STREAMS", "WEEKLY_STREAMS", "ReportStream", "SyntheticLake", "write_raw_table",
           "write_report", "write_synthetic_lake"]
