"""The views over what the publishing job really writes: curated tables published by the DuckDB engine from the
simulated vendor's raw zone (tests/unit/lake/conftest.py), plus one forecast run written to the forecast contract.
The expected rows come from the curated tables themselves, read independently of the views."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from vendorcast.lake.analyst_views import analyst_views
from vendorcast.lake.forecast_tables import FORECAST, FORECAST_RUNS, RUN_STATUS_SUCCEEDED
from vendorcast.lake.publish import publish_lake_local
from vendorcast.lake.query import LocalLake

ORIGIN = date(2025, 6, 22)  # the synthetic lake's 4th week; Amazon generates a snapshot every Sunday
HORIZON = 4
RUN_ID = "2025-06-23-weekly"


@pytest.fixture(scope="module")
def published(fixture_raw_zone: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("published") / "lake"
    shutil.copytree(fixture_raw_zone, root)
    assert publish_lake_local(root).ok
    return root


@pytest.fixture(scope="module")
def lake(published: Path, fx: ModuleType) -> Iterator[LocalLake]:
    with LocalLake.open(published) as before_forecast:
        history = before_forecast.query(
            f"SELECT account, marketplace_id, asin, units FROM demand_weekly "
            f"WHERE week_start = DATE '{ORIGIN - timedelta(weeks=1)}'").to_pylist()
    generated = datetime(2025, 6, 23, 5, tzinfo=UTC)
    fx.write_table(published, FORECAST, [
        {**series, "run_id": RUN_ID, "generated_at": generated, "forecast_origin": ORIGIN,
         "week_start": ORIGIN + timedelta(weeks=h - 1), "horizon": h, "model": "ensemble", "selected": True,
         "mean": float(series["units"] or 0), "p10": 0.0, "p50": float(series["units"] or 0),
         "p70": float(series["units"] or 0) + 1, "p80": float(series["units"] or 0) + 2,
         "p90": float(series["units"] or 0) + 3}
        for series in history for h in range(1, HORIZON + 1)
    ])
    fx.write_table(published, FORECAST_RUNS, [
        {"run_id": RUN_ID, "started_at": generated, "status": RUN_STATUS_SUCCEEDED, "forecast_origin": ORIGIN}])
    with LocalLake.open(published) as local:
        yield local


def test_every_view_runs_on_the_published_lake(lake: LocalLake) -> None:
    for view in analyst_views():
        if view.tables & {"supply_plan", "po_advice"}:
            continue  # this lake has no plan: test_planning_views.py and the workflow's emulator test run those
        assert lake.query(f"SELECT count(*) AS n FROM {view.name}").to_pylist()[0]["n"] > 0, view.name
    assert lake.query("SELECT count(*) AS n FROM v_demand_weekly").to_pylist() == \
        lake.query("SELECT count(*) AS n FROM demand_weekly").to_pylist()


def test_sales_trend_matches_the_published_weeks(lake: LocalLake) -> None:
    units = {(r["asin"], r["week_start"]): r["units"]
             for r in lake.query("SELECT asin, week_start, units FROM demand_weekly").to_pylist()}
    trend = lake.query("SELECT asin, week_start, units_previous_week, units_wow_change FROM v_sales_trend")
    for row in trend.to_pylist():
        previous = units.get((row["asin"], row["week_start"] - timedelta(weeks=1)))
        assert row["units_previous_week"] == previous
        now = units[(row["asin"], row["week_start"])]
        assert row["units_wow_change"] == (None if previous is None or now is None else now - previous)


def test_inventory_health_has_a_row_per_asin_with_stock_figures(lake: LocalLake) -> None:
    stocked = lake.query("SELECT DISTINCT asin FROM demand_weekly WHERE sellable_on_hand_units IS NOT NULL")
    health = lake.query("SELECT asin, stockout_risk, lead_time_days, lead_time_source FROM v_inventory_health")
    health = health.to_pylist()
    assert sorted(r["asin"] for r in health) == sorted(stocked.column("asin").to_pylist())
    assert {r["stockout_risk"] for r in health} <= {"at_risk", "covered", "no_forecast"}
    # The simulated vendor's POs were received into: every lead time is learned from receipts.
    assert {r["lead_time_source"] for r in health} <= {"asin_receipts", "account_receipts"}
    assert all(r["lead_time_days"] > 0 for r in health)


def test_forecast_vs_amazon_meets_the_published_snapshot_of_the_origin(lake: LocalLake) -> None:
    compared = lake.query("SELECT asin, week_start, amazon_generation_date, amazon_horizon, horizon, amazon_mean, "
                          "actual_units FROM v_forecast_vs_amazon").to_pylist()
    snapshot = {(r["asin"], r["target_week_start"]): r["mean_forecast_units"] for r in lake.query(
        f"SELECT asin, target_week_start, mean_forecast_units FROM amazon_forecast "
        f"WHERE forecast_generation_date = DATE '{ORIGIN}' AND selling_program = 'RETAIL'").to_pylist()}
    actual = {(r["asin"], r["week_start"]): r["units"]
              for r in lake.query("SELECT asin, week_start, units FROM demand_weekly").to_pylist()}
    forecast_weeks = lake.query("SELECT count(*) AS n FROM forecast").to_pylist()[0]["n"]
    assert len(compared) == forecast_weeks  # Amazon forecast every ASIN we did, for every week
    for row in compared:
        assert row["amazon_generation_date"] == ORIGIN and row["amazon_horizon"] == row["horizon"]
        assert row["amazon_mean"] == snapshot[(row["asin"], row["week_start"])]
        assert row["actual_units"] == actual.get((row["asin"], row["week_start"]))


def test_forecast_vs_actual_knows_the_published_weeks(lake: LocalLake) -> None:
    rows = lake.query("SELECT week_start, actual_known FROM v_forecast_vs_actual").to_pylist()
    last_week = lake.query("SELECT max(week_start) AS w FROM demand_weekly").to_pylist()[0]["w"]
    assert {r["actual_known"] for r in rows if r["week_start"] <= last_week} == {True}
    assert {r["actual_known"] for r in rows if r["week_start"] > last_week} == {False}
