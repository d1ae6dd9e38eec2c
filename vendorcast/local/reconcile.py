"""The lake against the SP-API emulator's truth: each landed window's raw rows, row by row, against the rows the
simulated vendor's report held, and one raw file per landed window. What injected faults must never change."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vendorcast import resources as r
from vendorcast.ingestion.ledger import RequestStatus
from vendorcast.lake.layout import table_name
from vendorcast.sandbox.documents import expected_by_asin_rows
from vendorcast.vocabulary.report_catalogue import ReportType

if TYPE_CHECKING:
    from vendorcast.local.runtime import LocalPipeline


@dataclass(frozen=True)
class Reconciliation:
    """Windows and rows compared; each difference found, by request key."""

    windows: int
    rows: int
    mismatches: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.windows > 0 and not self.mismatches


def reconcile_with_truth(pipeline: LocalPipeline) -> Reconciliation:
    assert pipeline.aws is not None and pipeline.sandbox is not None
    s3 = pipeline.aws.client("s3")
    landed = [e for e in pipeline.entries() if e.status is RequestStatus.LANDED]
    mismatches: list[str] = []
    # The report streams' raw tables (the purchase orders pull and the catalog watch write their own beside them).
    report_prefixes = tuple(f"{r.RAW_PREFIX}/{table_name(report_type)}/" for report_type in ReportType)
    raw_keys = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=r.LAKE_BUCKET, Prefix=f"{r.RAW_PREFIX}/") for o in page.get("Contents", [])
        if o["Key"].startswith(report_prefixes)}
    if raw_keys != {e.raw_key for e in landed}:
        mismatches.append(f"raw files are not one per landed window: {len(raw_keys)} files, {len(landed)} windows")
    rows = 0
    for entry in landed:
        raw = pq.read_table(io.BytesIO(s3.get_object(Bucket=r.LAKE_BUCKET, Key=entry.raw_key)["Body"].read()))
        by_asin = raw.filter(pc.equal(raw["row_level"], "asin"))
        window = entry.window
        simulator = pipeline.simulator_of(entry.marketplace_id)
        truth = expected_by_asin_rows(simulator, window.report_type.value, window.options, entry.marketplace_id,
                                      window.start if window.period else None,
                                      window.end if window.period else None,
                                      date.fromisoformat(entry.last_updated_date))
        order = [("asin", "ascending"), ("start_date", "ascending")]
        ours: pa.Table = by_asin.select(truth.column_names).sort_by(order)
        expected = truth.sort_by(order)
        # Arrow compares same-typed tables without building Python rows; rows decide when the types differ.
        same = ours.schema == expected.schema and ours.equals(expected)
        if not same and ours.to_pylist() != expected.to_pylist():
            mismatches.append(f"{entry.request_key}: {ours.num_rows} rows in the lake, {truth.num_rows} in the report")
        if set(by_asin.column("report_id").to_pylist()) != {entry.report_id} or \
                set(by_asin.column("request_key").to_pylist()) != {entry.request_key}:
            mismatches.append(f"{entry.request_key}: rows carry another report id or request key")
        rows += ours.num_rows
    return Reconciliation(len(landed), rows, mismatches)


# What a PO line says, compared between the lake and the emulator's truth export (units throughout).
PO_LINE_FIELDS = ("asin", "ordered_units", "accepted_units", "rejected_units", "received_units", "last_receive_date",
                  "delivery_window_end", "purchase_order_state")


@dataclass(frozen=True)
class PurchaseOrderReconciliation:
    """PO lines compared, those the lake lacks or holds twice, and each that differs."""

    lines: int
    mismatches: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.lines > 0 and not self.mismatches


def reconcile_purchase_orders(lake_lines: pa.Table, truth: pa.Table) -> PurchaseOrderReconciliation:
    """The curated purchase_order_items (one row per line, its latest read) against the emulator's truth export of
    the same moment: every line Amazon shows is in the lake once, with the same state. An unconfirmed line is
    null in the lake (not yet known) where the truth says 0."""
    key = ("purchase_order_number", "item_sequence_number")

    def by_key(table: pa.Table) -> dict[tuple[str, str], dict[str, object]]:
        rows = table.select([*key, *PO_LINE_FIELDS]).to_pylist()
        return {(r["purchase_order_number"], r["item_sequence_number"]): r for r in rows}

    ours, expected = by_key(lake_lines), by_key(truth)
    mismatches = []
    if lake_lines.num_rows != len(ours):
        mismatches.append(f"{lake_lines.num_rows - len(ours)} PO line(s) held twice in the lake")
    missing = sorted(set(expected) - set(ours))
    if missing:
        mismatches.append(f"{len(missing)} PO line(s) Amazon shows are not in the lake, e.g. {missing[:3]}")
    for line in sorted(set(expected) & set(ours)):
        lake, true = ours[line], expected[line]
        differing = [name for name in PO_LINE_FIELDS
                     if (lake[name] if lake[name] is not None or name not in ("accepted_units", "rejected_units")
                         else 0) != true[name]]
        if differing:
            mismatches.append(f"PO {line[0]} line {line[1]}: " + ", ".join(
                f"{name} {lake[name]!r} in the lake, {true[name]!r} at Amazon" for name in differing))
    return PurchaseOrderReconciliation(len(expected), mismatches)
