"""A small lake with known values for the dashboard: curated and forecast tables written as their contracts say
(Parquet under curated/<table>/ and forecast/<table>/, partition columns in the keys only), chosen so that every
number the page shows can be worked out by hand.

- The kettle sold 100 + k units in week k (weeks 0 to 59; week 57 cut by a stockout). Run R1 (origin week 58)
  and run R2 (origin week 60) forecast it four weeks ahead: mean 150, P10 120, P50 150, P70 160, P80 170,
  P90 200 every week. It has 300 units on hand and 200 on open POs in week 59: P90 demand over R2's horizon is
  800, so it is 300 short: at risk.
- The toaster sold 10 units a week (weeks 50 to 59); P90 20 a week over four weeks is 80 against 100 on hand.
- The mug has no forecast and nothing on hand.
- Amazon's snapshots of the kettle: generated week 58 (mean 130, P70 140, P80 150, P90 165), week 60 (P70 158,
  P80 175, P90 190) and week 61 (P70 999: after R2's origin, so never shown next to it).
- Run R3 (origin week 61) failed.
- Two catalog changes in the week of week 59, one with HTML in its value.
- vendor_sales landed for weeks 56, 57 and 59 (58 missing), two documents.
- Purchase orders of another account (acme-de), read last on Friday of week 59 (as of then): P1 (closed) was due
  in week 58: 100 kettles received on time and in full, 40 of 50 toasters received late (OTIF 100 of 150).
  P2 is open: 60 kettles not yet acknowledged, 30 mugs overdue.
- R2's plan (R1's is older: never shown): start 600 kettles in week 60 (available week 62), none later; nothing for
  the toaster. Amazon is expected to order 160 kettles and 12 toasters a week; projected on hand falls by those
  from 400 and 100. The kettle's expected fill in week 60 is 80 %. Advice on P2: confirm 40 of the 60 kettles,
  all 30 mugs; P1's line (closed since) is not shown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from vendorcast.lake.forecast_tables import (
    FORECAST,
    FORECAST_ACCURACY,
    FORECAST_RUNS,
    PO_ADVICE,
    RUN_STATUS_FAILED,
    RUN_STATUS_SUCCEEDED,
    SUPPLY_PLAN,
    ForecastTable,
)
from vendorcast.lake.query import query_schema
from vendorcast.lake.tables import (
    AMAZON_FORECAST,
    CATALOG_CHANGES,
    CATALOG_ITEMS,
    DEMAND_WEEKLY,
    PURCHASE_ORDER_ITEMS,
    PURCHASE_ORDERS,
    UNITS_SOURCE_ORDERED,
    VENDOR_INVENTORY,
    VENDOR_SALES,
    CuratedTable,
)

ACCOUNT, MARKET = "acme-us", "ATVPDKIKX0DER"
KETTLE, TOASTER, MUG = "B0KETTLE01", "B0TOASTER1", "B0MUG00001"
FIRST_WEEK = date(2024, 1, 7)  # a Sunday
LAST_SALES_WEEK = 59
HORIZON = 4
STOCKOUT_WEEK = 57


def week(k: int) -> date:
    return FIRST_WEEK + timedelta(weeks=k)


def kettle_units(k: int) -> int:
    return 100 + k


# Runs: (run id, origin week, status).
R1 = ("r1-weekly", 58, RUN_STATUS_SUCCEEDED)
R2 = ("r2-weekly", 60, RUN_STATUS_SUCCEEDED)
R3 = ("r3-weekly", 61, RUN_STATUS_FAILED)
KETTLE_QUANTILES = {"mean": 150.0, "p10": 120.0, "p50": 150.0, "p70": 160.0, "p80": 170.0, "p90": 200.0}
TOASTER_QUANTILES = {"mean": 10.0, "p10": 5.0, "p50": 10.0, "p70": 13.0, "p80": 16.0, "p90": 20.0}
# Amazon's snapshots of the kettle by generation week: mean, P70, P80, P90 for four weeks from that week.
AMAZON_SNAPSHOTS = {58: (130.0, 140.0, 150.0, 165.0), 60: (150.0, 158.0, 175.0, 190.0), 61: (0.0, 999.0, 999.0, 999.0)}
KETTLE_ON_HAND, KETTLE_OPEN_PO, TOASTER_ON_HAND = 300, 200, 100
HTML_VALUE = "Kettle <b>2.0</b> & </script> more"


def write_table(root: Path, table: CuratedTable | ForecastTable, rows: Iterable[dict[str, Any]]) -> None:
    """Rows (missing columns null) as the table's Parquet: partition columns in the keys, not in the files."""
    schema = query_schema(table)
    data = pa.Table.from_pylist([{name: row.get(name) for name in schema.names} for row in rows], schema=schema)
    ds.write_dataset(
        data, root / table.prefix, format="parquet",
        partitioning=ds.partitioning(pa.schema([schema.field(n) for n in table.partition_names]), flavor="hive"),
        existing_data_behavior="overwrite_or_ignore",
    )


def _demand(asin: str, k: int, units: int, on_hand: int | None, open_po: int | None = None,
            out_of_stock_rate: float = 0.0) -> dict[str, Any]:
    return {"account": ACCOUNT, "marketplace_id": MARKET, "asin": asin, "week_start": week(k),
            "week_end": week(k) + timedelta(days=6), "units": units, "units_source": UNITS_SOURCE_ORDERED,
            "revenue": units * 20.0, "currency_code": "USD", "glance_views": units * 10,
            "out_of_stock_rate": out_of_stock_rate, "sellable_on_hand_units": on_hand,
            "open_purchase_order_units": open_po, "censored": out_of_stock_rate >= 0.10,
            "last_updated_date": week(k) + timedelta(days=9)}


def demand_rows() -> list[dict[str, Any]]:
    rows = [_demand(KETTLE, k, kettle_units(k), KETTLE_ON_HAND, KETTLE_OPEN_PO,
                    out_of_stock_rate=0.5 if k == STOCKOUT_WEEK else 0.0) for k in range(LAST_SALES_WEEK + 1)]
    rows += [_demand(TOASTER, k, 10, TOASTER_ON_HAND) for k in range(50, LAST_SALES_WEEK + 1)]
    rows += [_demand(MUG, k, 3, 0) for k in range(56, LAST_SALES_WEEK + 1)]
    return rows


def forecast_rows() -> list[dict[str, Any]]:
    rows = []
    for run_id, origin, _status in (R1, R2):
        generated_at = datetime.combine(week(origin), datetime.min.time(), tzinfo=UTC) + timedelta(hours=6)
        forecasts = [(KETTLE, "ensemble", True, KETTLE_QUANTILES),
                     # A component model: kept for comparison, never on the page.
                     (KETTLE, "seasonal_naive", False, {q: 1000.0 for q in KETTLE_QUANTILES}),
                     (TOASTER, "ensemble", True, TOASTER_QUANTILES)]
        for asin, model, selected, quantiles in forecasts:
            for h in range(1, HORIZON + 1):
                rows.append({"run_id": run_id, "generated_at": generated_at, "account": ACCOUNT,
                             "marketplace_id": MARKET, "asin": asin, "week_start": week(origin + h - 1),
                             "week_end": week(origin + h - 1) + timedelta(days=6), "horizon": h, "model": model,
                             "selected": selected, **quantiles, "units_source": UNITS_SOURCE_ORDERED,
                             "cold_start": False, "forecast_origin": week(origin)})
    return rows


def run_rows() -> list[dict[str, Any]]:
    rows = []
    for run_id, origin, status in (R1, R2, R3):
        started = datetime.combine(week(origin), datetime.min.time(), tzinfo=UTC) + timedelta(hours=6)
        failed = status == RUN_STATUS_FAILED
        rows.append({"run_id": run_id, "run_trigger": "scheduled", "started_at": started,
                     "finished_at": started + timedelta(minutes=5), "status": status,
                     "failed_state": "ForecastShards" if failed else None,
                     "error": "States.TaskFailed: shard 2 ran out of memory" if failed else None,
                     "horizon": HORIZON, "items_forecast": None if failed else 2,
                     "wql_mean": None if failed else 0.30 + origin / 1000,
                     "seasonal_naive_wql_mean": None if failed else 0.5,
                     "wql_p70_p90": None if failed else 0.2, "amazon_wql_p70_p90": None if failed else 0.25,
                     "forecast_origin": week(origin)})
    return rows


def accuracy_rows() -> list[dict[str, Any]]:
    def row(run: tuple[str, int, str], model: str, metric: str, value: float, **scope: Any) -> dict[str, Any]:
        return {"run_id": run[0], "model": model, "segment": "all", "metric": metric, "value": value, "items": 2,
                "weeks": 16, "actual_units": 1000.0, "forecast_origin": week(run[1]), **scope}

    return [
        row(R2, "ensemble", "wql_mean", 0.31), row(R2, "ensemble", "wql_p90", 0.21),
        row(R2, "seasonal_naive", "wql_mean", 0.52), row(R2, "seasonal_naive", "wql_p90", 0.40),
        row(R2, "amazon", "wql_p90", 0.44), row(R2, "ensemble", "mase", 0.9),
        # Not pooled (one ASIN, one window), or not the latest run: never on the chart.
        row(R2, "ensemble", "wql_mean", 9.0, segment="asin", asin=KETTLE),
        row(R2, "ensemble", "wql_mean", 8.0, backtest_window=1),
        row(R1, "ensemble", "wql_mean", 7.0),
    ]


def amazon_rows() -> list[dict[str, Any]]:
    return [{"account": ACCOUNT, "marketplace_id": MARKET, "forecast_generation_date": week(g),
             "selling_program": "RETAIL", "asin": KETTLE, "target_week_start": week(g + j),
             "target_week_end": week(g + j) + timedelta(days=6), "mean_forecast_units": mean,
             "p70_forecast_units": p70, "p80_forecast_units": p80, "p90_forecast_units": p90,
             "last_updated_date": week(g)}
            for g, (mean, p70, p80, p90) in AMAZON_SNAPSHOTS.items() for j in range(HORIZON)]


def inventory_rows() -> list[dict[str, Any]]:
    return [{"account": ACCOUNT, "marketplace_id": MARKET, "start_week": week(k), "distributor_view": "MANUFACTURING",
             "selling_program": "RETAIL", "report_period": "WEEK", "asin": KETTLE, "start_date": week(k),
             "end_date": week(k) + timedelta(days=6), "average_vendor_lead_time_days": 21.0,
             "sellable_on_hand_inventory_units": KETTLE_ON_HAND, "report_id": "inv-1",
             "ingested_at": datetime(2025, 3, 1, 6, tzinfo=UTC), "last_updated_date": week(k) + timedelta(days=9)}
            for k in range(56, LAST_SALES_WEEK + 1)]


def sales_rows() -> list[dict[str, Any]]:
    return [{"account": ACCOUNT, "marketplace_id": MARKET, "start_week": week(k), "distributor_view": "MANUFACTURING",
             "selling_program": "RETAIL", "report_period": "WEEK", "asin": asin, "start_date": week(k),
             "end_date": week(k) + timedelta(days=6), "ordered_units": 1, "report_id": document,
             "ingested_at": datetime(2025, 3, 2, 6, tzinfo=UTC) if document == "sales-2" else
             datetime(2025, 2, 20, 6, tzinfo=UTC),
             "last_updated_date": week(k) + timedelta(days=9)}
            for k, document in ((56, "sales-1"), (57, "sales-1"), (59, "sales-2")) for asin in (KETTLE, TOASTER)]


def catalog_item_rows() -> list[dict[str, Any]]:
    return [{"account": ACCOUNT, "marketplace_id": MARKET, "asin": KETTLE, "item_name": "Electric Kettle 1.7 L",
             "brand": "Acme", "snapshot_at": datetime(2025, 2, 28, tzinfo=UTC), "last_updated_date": date(2025, 2, 28)}]


def catalog_change_rows() -> list[dict[str, Any]]:
    detected = datetime.combine(week(LAST_SALES_WEEK) + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    return [{"account": ACCOUNT, "marketplace_id": MARKET, "asin": KETTLE, "field": field, "before_value": before,
             "after_value": after, "detected_at": detected + timedelta(hours=hour), "source": "catalog_watch",
             "detected_date": detected.date(), "last_updated_date": detected.date()}
            for field, before, after, hour in (("item_name", "Electric Kettle 1.7 L", HTML_VALUE, 4),
                                               ("bullet_point", "v1", "v2", 5))]


PO_ACCOUNT, PO_MARKET = "acme-de", "A1PA6795UKMFR9"


def _moment(k: int, day: int, hour: int = 12) -> datetime:
    """`day` days into week k, at `hour` UTC."""
    return datetime.combine(week(k) + timedelta(days=day), datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


PO_AS_OF = _moment(LAST_SALES_WEEK, 5)


def purchase_order_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(purchase_orders, purchase_order_items) rows."""
    orders = {"P0000001": (_moment(57, 1), "Closed", _moment(58, 4)), "P0000002": (_moment(59, 1), "Acknowledged",
                                                                                     _moment(59, 2))}
    headers = [{"account": PO_ACCOUNT, "marketplace_id": PO_MARKET, "order_week": week(57 if n.endswith("1") else 59),
                "purchase_order_number": n, "purchase_order_state": state, "state_changed_date": changed,
                "purchase_order_status": "CLOSED" if state == "Closed" else "OPEN", "order_date": ordered}
               for n, (ordered, state, changed) in orders.items()]
    lines = [
        ("P0000001", "1", KETTLE, 100, 100, 100, _moment(58, 1), _moment(58, 2), "ACCEPTED"),
        ("P0000001", "2", TOASTER, 50, 40, 40, _moment(58, 4), _moment(58, 2), "PARTIALLY_ACCEPTED"),
        ("P0000002", "1", KETTLE, 60, None, 0, None, _moment(61, 2), "UNCONFIRMED"),
        ("P0000002", "2", MUG, 30, 30, 0, None, _moment(59, 1, 20), "ACCEPTED"),
    ]
    header = {h["purchase_order_number"]: h for h in headers}
    items = [{"account": PO_ACCOUNT, "marketplace_id": PO_MARKET, "order_week": header[n]["order_week"],
              "purchase_order_number": n, "item_sequence_number": seq, "asin": asin, "ordered_units": ordered,
              "accepted_units": accepted, "received_units": received, "last_receive_date": received_at,
              "delivery_window_end": due, "confirmation_status": confirmation, "ship_to": "FRA7",
              "order_date": header[n]["order_date"], "purchase_order_state": header[n]["purchase_order_state"],
              "purchase_order_status": header[n]["purchase_order_status"], "status_read_at": PO_AS_OF,
              "read_at": PO_AS_OF}
             for n, seq, asin, ordered, accepted, received, received_at, due, confirmation in lines]
    return headers, items


# The plans: (run, asin) -> units to start in week 1, Amazon's expected orders a week, on hand at the start, fill.
PLANS = {(R1, KETTLE): (999.0, 150.0, 300.0, 0.5),
         (R2, KETTLE): (600.0, 160.0, 400.0, 0.8), (R2, TOASTER): (0.0, 12.0, 100.0, 1.0)}


def supply_plan_rows() -> list[dict[str, Any]]:
    rows = []
    for ((run_id, origin, _), asin), (start, orders, on_hand, fill) in PLANS.items():
        for h in range(1, HORIZON + 1):
            rows.append({
                "run_id": run_id, "forecast_origin": week(origin), "account": ACCOUNT, "marketplace_id": MARKET,
                "asin": asin, "week_start": week(origin + h - 1), "week_end": week(origin + h - 1) + timedelta(days=6),
                "horizon": h, "start_units": start if h == 1 else 0.0, "arrival_week_start": week(origin + h + 1),
                "lead_time_weeks": 2, "order_up_to_units": 1000.0, "inventory_position_units": on_hand,
                "projected_on_hand_units": on_hand - orders * h, "expected_orders_units": orders,
                "expected_fill_rate": fill if h == 1 else 1.0, "defaults_used": "unit_cost" if asin == TOASTER else "",
                "reason": f"start {start:.0f}"})
    return rows


def po_advice_rows() -> list[dict[str, Any]]:
    return [{"run_id": R2[0], "forecast_origin": week(R2[1]), "account": PO_ACCOUNT, "marketplace_id": PO_MARKET,
             "purchase_order_number": po, "item_sequence_number": line, "asin": asin, "ship_to_party_id": "FRA7",
             "ordered_units": ordered, "confirm_units": confirm, "available_units": confirm,
             "shortfall_units": ordered - confirm, "reason": f"confirm {confirm:.0f}"}
            for po, line, asin, ordered, confirm in (("P0000001", "2", TOASTER, 50.0, 50.0),
                                                     ("P0000002", "1", KETTLE, 60.0, 40.0),
                                                     ("P0000002", "2", MUG, 30.0, 30.0))]


def build_fixture_lake(root: Path, purchase_orders: bool = True) -> Path:
    write_table(root, DEMAND_WEEKLY, demand_rows())
    write_table(root, VENDOR_INVENTORY, inventory_rows())
    write_table(root, VENDOR_SALES, sales_rows())
    write_table(root, CATALOG_ITEMS, catalog_item_rows())
    write_table(root, CATALOG_CHANGES, catalog_change_rows())
    write_table(root, AMAZON_FORECAST, amazon_rows())
    write_table(root, FORECAST, forecast_rows())
    write_table(root, FORECAST_RUNS, run_rows())
    write_table(root, FORECAST_ACCURACY, accuracy_rows())
    if purchase_orders:
        headers, items = purchase_order_rows()
        write_table(root, PURCHASE_ORDERS, headers)
        write_table(root, PURCHASE_ORDER_ITEMS, items)
        write_table(root, SUPPLY_PLAN, supply_plan_rows())
        write_table(root, PO_ADVICE, po_advice_rows())
    return root


@pytest.fixture(scope="session")
def fixture_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_lake(tmp_path_factory.mktemp("dashboard-lake"))


@pytest.fixture(scope="session")
def fx() -> ModuleType:
    """This module, for the tests to refer to its names and numbers (a conftest cannot be imported under
    --import-mode=importlib)."""
    return sys.modules[__name__]
