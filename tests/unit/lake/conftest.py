"""A fixture lake: a small raw zone of every curated report type, the catalog and purchase orders, built from the
sandbox's simulated vendor, once per session and copied per test; and a lake of hand-built purchase-order reads
whose numbers the PO tests work out by hand."""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pytest

from vendorcast.lake.publish import publish_lake_local
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import RAW_INPUTS
from vendorcast.synthetic_lake import SyntheticLake, write_raw_table, write_synthetic_lake

FIXTURE = SyntheticLake(purchase_orders=True)


@pytest.fixture(scope="session")
def fixture_raw_zone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fixture-raw-zone")
    write_synthetic_lake(LakeStorage.local(root), FIXTURE)
    return root


@pytest.fixture
def lake(fixture_raw_zone: Path, tmp_path: Path) -> LakeStorage:
    """A fresh copy of the fixture lake (raw zone only), for a test to publish and change."""
    shutil.copytree(fixture_raw_zone, tmp_path / "lake")
    return LakeStorage.local(tmp_path / "lake")


# --- purchase orders: hand-built raw reads (the numbers the PO tests and views check) ---------------------------
#
# Five POs of acme-us, read as Vendor Orders pages; as_of (the latest status read) is 2025-06-20 20:00 UTC.
# A: placed Mon 06-02, delivery window to 06-10 07:00; read New, then Acknowledged; a later status read finds it
#    CLOSED. Line 3 (MUG, cases of 10) is known from status reads only.
# B: placed Sun 06-08, a ship window (no delivery window) to 06-16 07:00; open. Line 2 (MUG) allows back orders and
#    nothing came; line 3 (TOASTER) arrived an hour late.
# C: placed 06-16, due 06-22 07:00; header New, a later status read has line 2 accepted (so: Acknowledged).
# D: placed 06-17, due 06-30 07:00.
# E: placed 06-03, due 06-06 07:00; an older read of it (header and status) was delivered again later, and must
#    not win over the newer one.

PO_ACCOUNT, PO_MARKET = "acme-us", "ATVPDKIKX0DER"
KETTLE, TOASTER, MUG, SPATULA = "B0KETTLE01", "B0TOASTER1", "B0MUG00001", "B0SPATULA1"
AS_OF = datetime(2025, 6, 20, 20, tzinfo=UTC)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of June 2025 (UTC)."""
    return datetime(2025, 6, day, hour, minute, tzinfo=UTC)


def _line(seq: int, asin: str, ordered: int, *, cases: int | None = None, back_order: bool | None = None) -> dict:
    return {"item_sequence_number": str(seq), "asin": asin, "vendor_sku": f"SKU-{asin}",
            "unit_of_measure": "Cases" if cases else "Eaches", "unit_size": cases or 1, "ordered_units": ordered,
            "is_back_order_allowed": back_order, "net_cost": 5.0, "list_price": 9.0, "currency_code": "USD"}


def _status(line: dict, confirmation: str, accepted: int | None, received: int = 0,
            last_receive: datetime | None = None, acknowledged: datetime | None = None) -> dict:
    received_status = ("NOT_RECEIVED" if not received else
                       "RECEIVED" if accepted is not None and received >= accepted else "PARTIALLY_RECEIVED")
    rejected = None if accepted is None else line["ordered_units"] - accepted
    return {**{k: v for k, v in line.items() if k != "is_back_order_allowed"}, "confirmation_status": confirmation,
            "accepted_units": accepted, "rejected_units": rejected,
            "cancelled_units": 0, "acknowledged_at": acknowledged, "receive_status": received_status,
            "received_units": received, "last_receive_date": last_receive}


A1 = _line(1, KETTLE, 120, cases=12, back_order=False)
A2 = _line(2, TOASTER, 30, back_order=True)
A3 = _line(3, MUG, 50, cases=10)
B1 = _line(1, KETTLE, 60, cases=12, back_order=False)
B2 = _line(2, MUG, 24, back_order=True)
B3 = _line(3, TOASTER, 12, back_order=False)
C1 = _line(1, TOASTER, 40, back_order=True)
C2 = _line(2, KETTLE, 36, cases=12, back_order=False)
D1 = _line(1, KETTLE, 48, cases=12, back_order=False)
E1 = _line(1, TOASTER, 10, back_order=False)
E2 = _line(2, SPATULA, 5, back_order=False)
ORDER_DATES = {"A0000001": at(2, 14, 10), "B0000002": at(8, 10), "C0000003": at(16, 9), "D0000004": at(17, 9),
               "E0000005": at(3, 10)}


def _header(po: str, state: str, state_changed: datetime, **window: datetime) -> dict:
    return {"purchase_order_number": po, "purchase_order_state": state, "purchase_order_type": "RegularOrder",
            "state_changed_date": state_changed, "ship_to": "PHX6" if po == "B0000002" else "ABE8",
            "selling_party": "ACMEV", "payment_method": "Invoice", **window}


A_WINDOW = {"delivery_window_start": at(5, 7), "delivery_window_end": at(10, 7)}
B_WINDOW = {"ship_window_start": at(9, 7), "ship_window_end": at(16, 7)}
C_WINDOW = {"delivery_window_start": at(19, 7), "delivery_window_end": at(22, 7)}
D_WINDOW = {"delivery_window_start": at(25, 7), "delivery_window_end": at(30, 7)}
E_WINDOW = {"delivery_window_start": at(4, 7), "delivery_window_end": at(6, 7)}

# Pages: (table, read_at, ingested_at, status of the PO for status pages, rows).
PO_PAGES: list[tuple[str, datetime, datetime | None, dict]] = [
    ("purchase_orders", at(2, 18), None, {"rows": [_header("A0000001", "New", at(2, 14, 10), **A_WINDOW)]}),
    ("purchase_order_items", at(2, 18), None, {"po": "A0000001", "rows": [A1, A2]}),
    ("purchase_order_status", at(2, 18), None, {"po": "A0000001", "status": "OPEN", "updated": at(2, 14, 10),
     "rows": [_status(A1, "UNCONFIRMED", None), _status(A2, "UNCONFIRMED", None), _status(A3, "UNCONFIRMED", None)]}),
    ("purchase_orders", at(3, 9), None, {"rows": [_header("A0000001", "Acknowledged", at(3, 8), **A_WINDOW)]}),
    ("purchase_order_status", at(11, 20), None, {"po": "A0000001", "status": "CLOSED", "updated": at(11, 18), "rows": [
        _status(A1, "ACCEPTED", 120, 120, at(8, 16, 45), at(3, 8)),
        _status(A2, "PARTIALLY_ACCEPTED", 20, 20, at(9, 16, 45), at(3, 8)),
        _status(A3, "ACCEPTED", 50, 40, at(10, 12), at(3, 8, 30))]}),
    ("purchase_orders", at(8, 12), None, {"rows": [_header("B0000002", "New", at(8, 10), **B_WINDOW)]}),
    ("purchase_order_items", at(8, 12), None, {"po": "B0000002", "rows": [B1, B2, B3]}),
    ("purchase_orders", at(9, 9), None, {"rows": [_header("B0000002", "Acknowledged", at(9, 8), **B_WINDOW)]}),
    ("purchase_order_status", AS_OF, None, {"po": "B0000002", "status": "OPEN", "updated": at(16, 8), "rows": [
        _status(B1, "ACCEPTED", 60, 60, at(13, 16, 45), at(9, 8)), _status(B2, "ACCEPTED", 24, 0, None, at(9, 8)),
        _status(B3, "ACCEPTED", 12, 12, at(16, 8), at(9, 8))]}),
    ("purchase_orders", at(16, 12), None, {"rows": [_header("C0000003", "New", at(16, 9), **C_WINDOW)]}),
    ("purchase_order_items", at(16, 12), None, {"po": "C0000003", "rows": [C1, C2]}),
    ("purchase_order_status", AS_OF, None, {"po": "C0000003", "status": "OPEN", "updated": at(19, 10), "rows": [
        _status(C1, "UNCONFIRMED", None), _status(C2, "ACCEPTED", 36, 0, None, at(19, 10))]}),
    ("purchase_orders", at(17, 12), None, {"rows": [_header("D0000004", "New", at(17, 9), **D_WINDOW)]}),
    ("purchase_order_items", at(17, 12), None, {"po": "D0000004", "rows": [D1]}),
    ("purchase_order_status", AS_OF, None, {"po": "D0000004", "status": "OPEN", "updated": at(18, 9), "rows": [
        _status(D1, "ACCEPTED", 48, 0, None, at(18, 9))]}),
    # E: the newer reads first, then the older reads delivered again a week later.
    ("purchase_orders", at(5, 20), None, {"rows": [_header("E0000005", "Closed", at(5, 10), **E_WINDOW)]}),
    ("purchase_order_status", at(5, 20), None, {"po": "E0000005", "status": "CLOSED", "updated": at(5, 10), "rows": [
        _status(E1, "ACCEPTED", 10, 10, at(5, 10), at(4, 8)), _status(E2, "ACCEPTED", 5, 5, at(5, 10), at(4, 8))]}),
    ("purchase_orders", at(4, 20), at(12, 6), {"rows": [_header("E0000005", "Acknowledged", at(4, 8), **E_WINDOW)]}),
    ("purchase_order_items", at(4, 20), at(12, 6), {"po": "E0000005", "rows": [E1, E2]}),
    ("purchase_order_status", at(4, 20), at(13, 6), {"po": "E0000005", "status": "OPEN", "updated": at(4, 8), "rows": [
        _status(E1, "ACCEPTED", 10, 0, None, at(4, 8)), _status(E2, "ACCEPTED", 5, 0, None, at(4, 8))]}),
]


def write_purchase_order_pages(storage: LakeStorage) -> list[str]:
    """PO_PAGES as raw files, one per page."""
    keys = []
    for number, (table, read_at, ingested_at, page) in enumerate(PO_PAGES):
        raw = RAW_INPUTS[f"raw_{table}"]
        rows = []
        for row in page["rows"]:
            po = row.get("purchase_order_number", page.get("po"))
            status = {"purchase_order_status": page["status"], "last_updated_at": page["updated"],
                      "ship_to": "PHX6" if po == "B0000002" else "ABE8"} if "status" in page else {}
            rows.append({"request_key": f"{table}/page-{number}", "read_at": read_at,
                         "ingested_at": ingested_at or read_at + timedelta(minutes=1), "marketplace_id": PO_MARKET,
                         "purchase_order_number": po, "order_date": ORDER_DATES[po], **status, **row})
        key = f"{raw.prefix}/account={PO_ACCOUNT}/marketplace_id={PO_MARKET}/page-{number:02d}.parquet"
        write_raw_table(storage, key, pa.Table.from_pylist(rows, schema=raw.schema), raw.schema)
        keys.append(key)
    return keys


@pytest.fixture(scope="session")
def purchase_order_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PO pages published into curated tables (and nothing else)."""
    root = tmp_path_factory.mktemp("purchase-order-lake")
    write_purchase_order_pages(LakeStorage.local(root))
    result = publish_lake_local(root)
    assert result.ok, result.failures
    return root


@pytest.fixture(scope="session")
def po() -> ModuleType:
    """This module: the PO fixture's names and numbers, for the tests to refer to."""
    return sys.modules[__name__]
