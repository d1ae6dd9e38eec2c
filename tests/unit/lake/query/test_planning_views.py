"""The planning views over a small lake: the PO pages of tests/unit/lake/conftest.py published by the real SQL (open
lines B2, C1, C2, D1; POs A and E closed; as_of 2025-06-20 20:00 UTC), with forecast runs and plan rows of the
documented schema written next to them. Which run's plan is shown, which advice is still open, and a run that failed
in Plan keeping its forecast, each worked out by hand."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vendorcast.lake.forecast_tables import (
    FORECAST,
    FORECAST_RUNS,
    PO_ADVICE,
    RUN_STATUS_FAILED,
    RUN_STATUS_SUCCEEDED,
    SUPPLY_PLAN,
)
from vendorcast.lake.query import LocalLake
from vendorcast.lake.tables import CATALOG_ITEMS

# (run id, origin, started, status, failed state, forecast published, has a plan)
OLDER = ("2025-06-15-weekly", date(2025, 6, 15), datetime(2025, 6, 15, 6, tzinfo=UTC), RUN_STATUS_SUCCEEDED, None,
         True, True)
LATEST = ("2025-06-22-weekly", date(2025, 6, 22), datetime(2025, 6, 22, 6, tzinfo=UTC), RUN_STATUS_SUCCEEDED, None,
          True, True)
# Planned, then the digest could not be sent: FAILED, its plan is not the one to act on.
DIGEST_FAILED = ("2025-06-22-manual", date(2025, 6, 22), datetime(2025, 6, 22, 9, tzinfo=UTC), RUN_STATUS_FAILED,
                 "NotifyPlanDigest", True, True)
# Failed in Plan after publishing its forecast: no plan, and its forecast is still the latest.
PLAN_FAILED = ("2025-06-29-weekly", date(2025, 6, 29), datetime(2025, 6, 29, 6, tzinfo=UTC), RUN_STATUS_FAILED,
               "Plan", True, False)
# Failed before publishing: neither forecast nor plan.
SHARD_FAILED = ("2025-07-06-weekly", date(2025, 7, 6), datetime(2025, 7, 6, 6, tzinfo=UTC), RUN_STATUS_FAILED,
                "ForecastShard", False, False)
RUNS = (OLDER, LATEST, DIGEST_FAILED, PLAN_FAILED, SHARD_FAILED)
HORIZON = 3


def _plan_rows(run: tuple, asin: str, start_units: float) -> list[dict]:
    run_id, origin, started = run[:3]
    return [{
        "run_id": run_id, "generated_at": started, "forecast_origin": origin, "account": "acme-us",
        "marketplace_id": "ATVPDKIKX0DER", "asin": asin, "vendor_sku": f"SKU-{asin}",
        "week_start": origin + timedelta(weeks=h - 1), "week_end": origin + timedelta(weeks=h - 1, days=6),
        "horizon": h, "start_units": start_units if h == 1 else 0.0,
        "arrival_week_start": origin + timedelta(weeks=h + 1), "lead_time_weeks": 2, "order_up_to_units": 300.0,
        "inventory_position_units": 120.0, "projected_on_hand_units": 80.0, "expected_orders_units": 40.0,
        "expected_fill_rate": 0.9 if asin == "B0MUG00001" else 1.0, "critical_ratio": 0.95, "unit_cost": 10.0,
        "holding_cost_rate": 0.25, "shortage_cost": 5.0, "defaults_used": "" if asin == "B0KETTLE01" else "unit_cost",
        "reason": f"start {start_units:.0f}",
    } for h in range(1, HORIZON + 1)]


def _advice(run: tuple, po: str, line: str, asin: str, ordered: float, confirm: float) -> dict:
    run_id, origin, started = run[:3]
    return {"run_id": run_id, "generated_at": started, "forecast_origin": origin, "account": "acme-us",
            "marketplace_id": "ATVPDKIKX0DER", "purchase_order_number": po, "item_sequence_number": line,
            "asin": asin, "vendor_sku": f"SKU-{asin}",
            "ship_to_party_id": "ABE8", "order_date": date(2025, 6, 16), "ordered_units": ordered,
            "confirm_units": confirm, "available_units": confirm, "shortfall_units": ordered - confirm,
            "reason": f"{confirm:.0f} of {ordered:.0f}"}


@pytest.fixture(scope="module")
def lake(purchase_order_lake: Path, tmp_path_factory: pytest.TempPathFactory, fx: ModuleType,
         po: ModuleType) -> Iterator[LocalLake]:
    root = tmp_path_factory.mktemp("planning-views") / "lake"
    shutil.copytree(purchase_order_lake, root)
    fx.write_table(root, FORECAST_RUNS, [
        {"run_id": run_id, "forecast_origin": origin, "started_at": started, "status": status,
         "failed_state": failed_state, "forecast_published": published}
        for run_id, origin, started, status, failed_state, published, _ in RUNS])
    fx.write_table(root, FORECAST, [
        {"run_id": run_id, "generated_at": started, "forecast_origin": origin, "account": "acme-us",
         "marketplace_id": "ATVPDKIKX0DER", "asin": po.KETTLE, "week_start": origin, "horizon": 1,
         "model": "ensemble", "selected": True, "mean": float(origin.day)}
        for run_id, origin, started, *_ in RUNS])
    fx.write_table(root, SUPPLY_PLAN, [
        *_plan_rows(OLDER, po.KETTLE, 999.0),
        *_plan_rows(LATEST, po.KETTLE, 240.0), *_plan_rows(LATEST, po.MUG, 30.0),
        *_plan_rows(DIGEST_FAILED, po.KETTLE, 777.0),
    ])
    fx.write_table(root, PO_ADVICE, [
        _advice(OLDER, "D0000004", "1", po.KETTLE, 48.0, 0.0),
        _advice(LATEST, "A0000001", "1", po.KETTLE, 120.0, 120.0),  # PO A closed since: not shown
        _advice(LATEST, "B0000002", "1", po.KETTLE, 60.0, 60.0),  # line B1 received in full since: not shown
        _advice(LATEST, "B0000002", "2", po.MUG, 24.0, 24.0),
        _advice(LATEST, "C0000003", "1", po.TOASTER, 40.0, 30.0),
        _advice(LATEST, "C0000003", "2", po.KETTLE, 36.0, 36.0),
        _advice(LATEST, "D0000004", "1", po.KETTLE, 48.0, 48.0),
        _advice(DIGEST_FAILED, "C0000003", "1", po.TOASTER, 40.0, 1.0),
    ])
    fx.write_table(root, CATALOG_ITEMS, [{"account": "acme-us", "marketplace_id": "ATVPDKIKX0DER",
                                          "asin": po.KETTLE, "item_name": "Electric Kettle 1.7 L"}])
    with LocalLake.open(root) as local:
        yield local


def select(lake: LocalLake, sql: str) -> list[dict[str, Any]]:
    return lake.query(sql).to_pylist()


def test_the_plan_shown_is_the_latest_succeeded_run_that_planned(lake: LocalLake, po: ModuleType) -> None:
    rows = select(lake, "SELECT * FROM v_supply_plan_latest ORDER BY asin, horizon")
    # Not OLDER (superseded), not DIGEST_FAILED (FAILED), not PLAN_FAILED or SHARD_FAILED (no plan).
    assert {r["run_id"] for r in rows} == {LATEST[0]}
    assert [(r["asin"], r["horizon"], r["start_units"]) for r in rows] == [
        (po.KETTLE, 1, 240.0), (po.KETTLE, 2, 0.0), (po.KETTLE, 3, 0.0),
        (po.MUG, 1, 30.0), (po.MUG, 2, 0.0), (po.MUG, 3, 0.0)]
    assert {r["asin"]: r["item_name"] for r in rows} == {po.KETTLE: "Electric Kettle 1.7 L", po.MUG: None}
    assert rows[0]["week_start"] == LATEST[1] and rows[0]["arrival_week_start"] == LATEST[1] + timedelta(weeks=2)
    assert set(SUPPLY_PLAN.column_names) | {"forecast_origin", "item_name"} == set(rows[0])


def test_the_advice_shown_is_the_latest_plans_for_lines_still_open(lake: LocalLake, po: ModuleType) -> None:
    rows = {(r["purchase_order_number"], r["item_sequence_number"]): r
            for r in select(lake, "SELECT * FROM v_po_advice_open")}
    assert {r["run_id"] for r in rows.values()} == {LATEST[0]}
    # PO A closed and line B1 received since the plan: their advice is not shown. The open lines' risk and units
    # come from v_open_purchase_orders as of 06-20 20:00.
    assert {k: (r["asin"], r["ordered_units"], r["confirm_units"], r["shortfall_units"], r["confirm_short"],
                r["units_to_deliver"], r["risk"]) for k, r in rows.items()} == {
        ("B0000002", "2"): (po.MUG, 24.0, 24.0, 0.0, False, 24, "overdue"),
        ("C0000003", "1"): (po.TOASTER, 40.0, 30.0, 10.0, True, 40, "unconfirmed"),
        ("C0000003", "2"): (po.KETTLE, 36.0, 36.0, 0.0, False, 36, "due_soon"),
        ("D0000004", "1"): (po.KETTLE, 48.0, 48.0, 0.0, False, 48, "on_track"),
    }
    assert rows[("D0000004", "1")]["days_left"] == 10


def test_a_run_that_failed_in_plan_keeps_its_forecast_in_v_forecast_latest(lake: LocalLake) -> None:
    (row,) = select(lake, "SELECT run_id, mean FROM v_forecast_latest")
    # PLAN_FAILED published its forecast before Plan failed; SHARD_FAILED, later still, published none.
    assert row == {"run_id": PLAN_FAILED[0], "mean": 29.0}
