"""A small fixture lake with known values: curated and forecast tables written as the contracts say (Parquet under
curated/<table>/ and forecast/<table>/, Hive partitions in the keys only), so every view's answer can be worked
out by hand. The numbers and why they are chosen sit next to the tests that check them (test_views.py)."""

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
    RUN_STATUS_FAILED,
    RUN_STATUS_SUCCEEDED,
    RUN_TRIGGER_MANUAL,
    RUN_TRIGGER_SCHEDULED,
    ForecastTable,
)
from vendorcast.lake.query import query_schema
from vendorcast.lake.tables import (
    AMAZON_FORECAST,
    CATALOG_ITEMS,
    DEMAND_SELLING_PROGRAM,
    DEMAND_WEEKLY,
    UNITS_SOURCE_ORDERED,
    VENDOR_INVENTORY,
    CuratedTable,
)

US, US_MARKET = "acme-us", "ATVPDKIKX0DER"
UK, UK_MARKET = "acme-uk", "A1F83G8C2ARO7P"
KETTLE, TOASTER, MUG, GRINDER, SPATULA = "B0KETTLE01", "B0TOASTER1", "B0MUG00001", "B0GRINDER1", "B0SPATULA1"
FIRST_WEEK = date(2023, 1, 1)  # a Sunday: retail weeks run Sunday to Saturday


def week(k: int) -> date:
    """Start of the k-th fixture week: week(52) = 2023-12-31, week(53) = 2024-01-07."""
    return FIRST_WEEK + timedelta(weeks=k)


# Forecast runs: (run id, origin week, generated at, status, trigger).
R1 = ("2024-01-01-weekly", 52, datetime(2024, 1, 1, 6, tzinfo=UTC), RUN_STATUS_SUCCEEDED, RUN_TRIGGER_SCHEDULED)
R2 = ("2024-01-08-weekly", 53, datetime(2024, 1, 8, 6, tzinfo=UTC), RUN_STATUS_SUCCEEDED, RUN_TRIGGER_SCHEDULED)
R3 = ("2024-01-15-weekly", 54, datetime(2024, 1, 15, 6, tzinfo=UTC), RUN_STATUS_FAILED, RUN_TRIGGER_SCHEDULED)
# A backfill of an older origin, started after R2: newer, yet not the latest forecast.
R4 = ("2024-01-10-manual", 51, datetime(2024, 1, 10, 12, tzinfo=UTC), RUN_STATUS_SUCCEEDED, RUN_TRIGGER_MANUAL)
RUNS = (R1, R2, R3, R4)

# Selected forecast means per (run, account, asin): one per week from the origin on.
SELECTED_MEANS: dict[tuple[str, str, str], tuple[float, ...]] = {
    (R1[0], US, KETTLE): (60.0, 62.0, 64.0),
    (R1[0], US, TOASTER): (5.0, 5.0, 5.0),
    (R2[0], US, KETTLE): (65.0, 66.0, 67.0),
    (R2[0], UK, KETTLE): (8.0, 8.0, 8.0),
    (R3[0], US, KETTLE): (999.0, 999.0, 999.0),
    (R4[0], US, KETTLE): (58.0, 59.0, 60.0),
}
# Quantiles sit at fixed distances from the mean (never below 0), so pinball losses are easy to work out.
QUANTILE_OFFSETS = {"p10": -20.0, "p50": 0.0, "p70": 5.0, "p80": 10.0, "p90": 20.0}
# Amazon's snapshots for the US kettle: generated on week(g), mean g (a tag), covering weeks g..g+3.
AMAZON_GENERATIONS = (51, 52, 53, 54)
AMAZON_P_OFFSETS = {"p70": 3.0, "p80": 6.0, "p90": 10.0}


def kettle_units(k: int) -> int:
    """The US kettle sells 10 + k units in week k, except week 52, cut to 30 by a stockout."""
    return 30 if k == 52 else 10 + k


def write_table(root: Path, table: CuratedTable | ForecastTable, rows: Iterable[dict[str, Any]]) -> None:
    """Rows (missing columns null) as the table's Parquet: partition columns in the keys, not in the files."""
    schema = query_schema(table)
    rows = list(rows)
    data = pa.Table.from_pylist([{name: row.get(name) for name in schema.names} for row in rows], schema=schema)
    ds.write_dataset(
        data, root / table.prefix, format="parquet",
        partitioning=ds.partitioning(pa.schema([schema.field(n) for n in table.partition_names]), flavor="hive"),
        existing_data_behavior="overwrite_or_ignore",
    )


def _demand(account: str, marketplace: str, asin: str, k: int, units: int | None, *, on_hand: int | None,
            open_po: int | None = 0, out_of_stock_rate: float = 0.0, glance_views: int | None = None) -> dict:
    return {
        "account": account, "marketplace_id": marketplace, "asin": asin, "week_start": week(k),
        "week_end": week(k) + timedelta(days=6), "units": units, "units_source": UNITS_SOURCE_ORDERED,
        "revenue": None if units is None else units * 25.0,
        "average_selling_price": 25.0 if units else None, "currency_code": "USD",
        "glance_views": units * 10 if glance_views is None and units is not None else glance_views or 0,
        "out_of_stock_rate": out_of_stock_rate, "sellable_on_hand_units": on_hand,
        "open_purchase_order_units": open_po, "censored": out_of_stock_rate >= 0.10,
        "last_updated_date": week(k) + timedelta(days=9),
    }


def demand_rows() -> list[dict]:
    rows = [
        _demand(US, US_MARKET, KETTLE, k, kettle_units(k), on_hand=120 if k == 53 else 200, open_po=60,
                out_of_stock_rate=0.4 if k == 52 else 0.0)
        for k in range(54)
    ]
    rows += [_demand(US, US_MARKET, TOASTER, k, 5, on_hand=15) for k in range(49, 54)]
    rows += [_demand(US, US_MARKET, MUG, k, units, on_hand=on_hand, out_of_stock_rate=rate)
             for k, units, on_hand, rate in ((50, 4, 8, 0.0), (51, 4, 4, 0.0), (52, 2, 0, 0.5), (53, 0, 0, 1.0))]
    # The grinder's inventory row for week 53 is missing: its health is as of week 52.
    rows += [_demand(US, US_MARKET, GRINDER, k, 6, on_hand=None if k == 53 else 240) for k in range(50, 54)]
    # The spatula had page views but no sales row.
    rows += [_demand(US, US_MARKET, SPATULA, k, None, on_hand=30, glance_views=0) for k in (52, 53)]
    rows += [_demand(UK, UK_MARKET, KETTLE, k, units, on_hand=100) for k, units in ((52, 7), (53, 9))]
    return rows


def inventory_rows() -> list[dict]:
    def row(k: int, lead_days: float, *, view: str = "MANUFACTURING", program: str = DEMAND_SELLING_PROGRAM,
            period: str = "WEEK", start: date | None = None) -> dict:
        start = start or week(k)
        return {
            "account": US, "marketplace_id": US_MARKET, "start_week": week(k), "distributor_view": view,
            "selling_program": program, "report_period": period, "asin": KETTLE, "start_date": start,
            "end_date": start + timedelta(days=6), "average_vendor_lead_time_days": lead_days,
            "sellable_on_hand_inventory_units": 120, "currency_code": "USD",
            "last_updated_date": start + timedelta(days=9),
        }

    return [
        row(52, 14.0),
        row(53, 14.0, view="SOURCING"),
        # Not read for lead time: another program, a monthly row, a week outside the last four.
        row(53, 70.0, program="FRESH"),
        row(52, 70.0, period="MONTH", start=date(2024, 1, 1)),
        row(40, 70.0),
    ]


def catalog_rows() -> list[dict]:
    return [
        {"account": US, "marketplace_id": US_MARKET, "asin": KETTLE, "item_name": "Electric Kettle 1.7 L",
         "brand": "Acme", "product_type": "KITCHEN", "snapshot_at": datetime(2024, 1, 2, tzinfo=UTC),
         "last_updated_date": date(2024, 1, 2)},
        {"account": UK, "marketplace_id": UK_MARKET, "asin": KETTLE, "item_name": "Electric Kettle 1.7 L (UK)",
         "brand": "Acme", "product_type": "KITCHEN", "snapshot_at": datetime(2024, 1, 2, tzinfo=UTC),
         "last_updated_date": date(2024, 1, 2)},
    ]


def amazon_rows() -> list[dict]:
    def snapshot(account: str, marketplace: str, generation: int, mean: float, program: str) -> list[dict]:
        return [
            {"account": account, "marketplace_id": marketplace, "forecast_generation_date": week(generation),
             "selling_program": program, "asin": KETTLE, "target_week_start": week(generation + j),
             "target_week_end": week(generation + j) + timedelta(days=6), "mean_forecast_units": mean,
             **{f"{name}_forecast_units": mean + offset for name, offset in AMAZON_P_OFFSETS.items()},
             "last_updated_date": week(generation)}
            for j in range(4)
        ]

    rows = [r for g in AMAZON_GENERATIONS for r in snapshot(US, US_MARKET, g, float(g), DEMAND_SELLING_PROGRAM)]
    rows += snapshot(US, US_MARKET, 53, 777.0, "FRESH")  # another program: never compared
    rows += snapshot(UK, UK_MARKET, 53, 8.5, DEMAND_SELLING_PROGRAM)
    return rows


def _market(account: str) -> str:
    return US_MARKET if account == US else UK_MARKET


def forecast_rows() -> list[dict]:
    runs = {run[0]: run for run in RUNS}
    rows = []
    for (run_id, account, asin), means in SELECTED_MEANS.items():
        _, origin, generated_at, _, _ = runs[run_id]
        models = [("ensemble", True, means)]
        if run_id == R1[0] and asin == KETTLE:
            models.append(("seasonal_naive", False, (1000.0,) * len(means)))  # a component: never shown
        for model, selected, values in models:
            for h, mean in enumerate(values, start=1):
                start = week(origin + h - 1)
                rows.append({
                    "run_id": run_id, "generated_at": generated_at, "account": account,
                    "marketplace_id": _market(account), "asin": asin, "week_start": start,
                    "week_end": start + timedelta(days=6), "horizon": h, "model": model, "selected": selected,
                    "mean": mean, **{q: max(0.0, mean + offset) for q, offset in QUANTILE_OFFSETS.items()},
                    "units_source": UNITS_SOURCE_ORDERED, "cold_start": False,
                    "forecast_origin": week(origin),
                })
    return rows


def run_rows() -> list[dict]:
    rows = []
    for run_id, origin, started, status, trigger in RUNS:
        failed = status == RUN_STATUS_FAILED
        rows.append({
            "run_id": run_id, "run_trigger": trigger, "started_at": started,
            "finished_at": started + timedelta(minutes=4), "status": status,
            "failed_state": "ForecastShards" if failed else None,
            "error": "States.TaskFailed: shard 3 ran out of memory" if failed else None,
            "horizon": 3, "quantiles": "0.1,0.5,0.7,0.8,0.9", "models": "seasonal_naive,ets,lightgbm_global",
            "backtest_windows": 3, "series_count": 3, "items_forecast": 0 if failed else 2, "items_cold_start": 0,
            "shards": 1, "wql_mean": None if failed else 0.31, "seasonal_naive_wql_mean": None if failed else 0.52,
            "forecast_origin": week(origin),
        })
    return rows


def accuracy_rows() -> list[dict]:
    return [
        {"run_id": R2[0], "generated_at": R2[2], "model": model, "segment": "all", "metric": metric,
         "value": value, "items": 3, "weeks": 27, "actual_units": 1450.0, "forecast_origin": week(R2[1])}
        for model, metric, value in (("ensemble", "wql_mean", 0.31), ("seasonal_naive", "wql_mean", 0.52),
                                     ("amazon", "wql_p90", 0.44))
    ]


def build_fixture_lake(root: Path) -> Path:
    write_table(root, DEMAND_WEEKLY, demand_rows())
    write_table(root, VENDOR_INVENTORY, inventory_rows())
    write_table(root, CATALOG_ITEMS, catalog_rows())
    write_table(root, AMAZON_FORECAST, amazon_rows())
    write_table(root, FORECAST, forecast_rows())
    write_table(root, FORECAST_RUNS, run_rows())
    write_table(root, FORECAST_ACCURACY, accuracy_rows())
    return root


@pytest.fixture(scope="session")
def fixture_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_lake(tmp_path_factory.mktemp("lake"))


@pytest.fixture(scope="session")
def fx() -> ModuleType:
    """This module: the fixture lake's names, numbers and writers, for the tests to refer to (test modules cannot
    import a conftest under --import-mode=importlib)."""
    return sys.modules[__name__]
