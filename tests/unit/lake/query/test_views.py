"""Every analyst view, run by DuckDB over the fixture lake (conftest.py), returns the rows worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vendorcast.lake.analyst_views import analyst_views
from vendorcast.lake.query import LocalLake
from vendorcast.lake.tables import DEMAND_WEEKLY


@pytest.fixture(scope="module")
def lake(fixture_lake: Path) -> Iterator[LocalLake]:
    with LocalLake.open(fixture_lake) as local:
        yield local


def select(lake: LocalLake, sql: str) -> list[dict[str, Any]]:
    return lake.query(sql).to_pylist()


def one(lake: LocalLake, sql: str) -> dict[str, Any]:
    rows = select(lake, sql)
    assert len(rows) == 1, rows
    return rows[0]


# --- v_demand_weekly ----------------------------------------------------------------------------------------

def test_demand_weekly_carries_catalog_attributes_and_conversion(lake: LocalLake, fx: ModuleType) -> None:
    row = one(lake, f"SELECT * FROM v_demand_weekly WHERE account = '{fx.US}' AND asin = '{fx.KETTLE}' "
                    f"AND week_start = DATE '{fx.week(53)}'")
    assert row["item_name"] == "Electric Kettle 1.7 L" and row["brand"] == "Acme"
    assert row["units"] == 63 and row["revenue"] == 63 * 25.0 and row["glance_views"] == 630
    assert row["units_per_glance_view"] == pytest.approx(0.1)
    assert row["week_end"] == date(2024, 1, 13) and row["censored"] is False
    # The UK kettle shares the ASIN, not the US title: the catalog join keeps to the account.
    uk = one(lake, f"SELECT item_name FROM v_demand_weekly WHERE account = '{fx.UK}' "
                   f"AND week_start = DATE '{fx.week(53)}'")
    assert uk["item_name"] == "Electric Kettle 1.7 L (UK)"


def test_demand_weekly_has_one_row_per_demand_row(lake: LocalLake, fx: ModuleType) -> None:
    assert one(lake, "SELECT count(*) AS n FROM v_demand_weekly")["n"] == \
        one(lake, "SELECT count(*) AS n FROM demand_weekly")["n"] == 71
    toaster = one(lake, f"SELECT item_name, units_per_glance_view FROM v_demand_weekly WHERE asin = '{fx.TOASTER}' "
                        f"AND week_start = DATE '{fx.week(53)}'")
    assert toaster == {"item_name": None, "units_per_glance_view": pytest.approx(0.1)}
    spatula = one(lake, f"SELECT units, units_per_glance_view FROM v_demand_weekly WHERE asin = '{fx.SPATULA}' "
                        f"AND week_start = DATE '{fx.week(53)}'")
    assert spatula == {"units": None, "units_per_glance_view": None}


# --- v_sales_trend -----------------------------------------------------------------------------------------

def trend(lake: LocalLake, account: str, asin: str, week_start: date) -> dict[str, Any]:
    return one(lake, f"SELECT * FROM v_sales_trend WHERE account = '{account}' AND asin = '{asin}' "
                     f"AND week_start = DATE '{week_start}'")


def test_sales_trend_week_over_week(lake: LocalLake, fx: ModuleType) -> None:
    row = trend(lake, fx.US, fx.KETTLE, fx.week(51))
    assert row["units"] == 61 and row["units_previous_week"] == 60
    assert row["units_wow_change"] == 1
    assert row["units_wow_change_rate"] == pytest.approx(1 / 60)
    assert row["revenue_wow_change_rate"] == pytest.approx(1 / 60)
    # After the stockout week (30 units) the kettle is back at 63.
    row = trend(lake, fx.US, fx.KETTLE, fx.week(53))
    assert (row["units_previous_week"], row["units_wow_change"]) == (30, 33)
    assert row["units_wow_change_rate"] == pytest.approx(1.1)
    assert trend(lake, fx.US, fx.KETTLE, fx.week(52))["censored"] is True


def test_sales_trend_year_over_year_needs_a_year_of_history(lake: LocalLake, fx: ModuleType) -> None:
    # 52 weeks before 2024-01-07 is 2023-01-08 (week 1): the same retail week, weekdays aligned.
    row = trend(lake, fx.US, fx.KETTLE, fx.week(53))
    assert row["units_last_year"] == fx.kettle_units(1) == 11
    assert row["units_yoy_change"] == 52
    assert row["units_yoy_change_rate"] == pytest.approx(52 / 11)
    assert row["revenue_last_year"] == 275.0
    assert row["revenue_yoy_change_rate"] == pytest.approx((63 * 25 - 275) / 275)
    # Week 51 would compare with week -1, before the history: no year-over-year figures.
    row = trend(lake, fx.US, fx.KETTLE, fx.week(51))
    assert row["units_last_year"] is None and row["units_yoy_change_rate"] is None


def test_sales_trend_compares_within_an_account_and_without_gaps(lake: LocalLake, fx: ModuleType) -> None:
    uk = trend(lake, fx.UK, fx.KETTLE, fx.week(53))
    assert (uk["units_previous_week"], uk["units_wow_change"], uk["units_last_year"]) == (7, 2, None)
    first = trend(lake, fx.US, fx.KETTLE, fx.week(0))
    assert first["units_previous_week"] is None and first["units_wow_change_rate"] is None
    # No sales row: the spatula's changes are unknown, not zero.
    spatula = trend(lake, fx.US, fx.SPATULA, fx.week(53))
    assert spatula["units_wow_change"] is None and spatula["units_wow_change_rate"] is None


def test_sales_trend_rate_is_null_after_a_week_without_sales(tmp_path: Path, fx: ModuleType) -> None:
    fx.write_table(tmp_path, DEMAND_WEEKLY, [
        {"account": fx.US, "marketplace_id": fx.US_MARKET, "asin": fx.MUG, "week_start": fx.week(k), "units": units,
         "revenue": units * 4.0}
        for k, units in ((51, 3), (52, 0), (53, 5))
    ])
    with LocalLake.open(tmp_path) as lake:
        down = trend(lake, fx.US, fx.MUG, fx.week(52))
        up = trend(lake, fx.US, fx.MUG, fx.week(53))
    assert (down["units_wow_change"], down["units_wow_change_rate"]) == (-3, pytest.approx(-1.0))
    # From 0 to 5: a change of 5 units, but no rate (not a division by zero, not infinity).
    assert (up["units_wow_change"], up["units_wow_change_rate"], up["revenue_wow_change_rate"]) == (5, None, None)


# --- v_inventory_health --------------------------------------------------------------------------------------

def health(lake: LocalLake, account: str, asin: str) -> dict[str, Any]:
    return one(lake, f"SELECT * FROM v_inventory_health WHERE account = '{account}' AND asin = '{asin}'")


def test_inventory_health_checks_p90_demand_over_lead_time_and_review(lake: LocalLake, fx: ModuleType) -> None:
    row = health(lake, fx.US, fx.KETTLE)
    assert row["inventory_week_start"] == fx.week(53)
    # No purchase-order lines in this lake: open PO units are the inventory report's.
    assert (row["sellable_on_hand_units"], row["open_purchase_order_units"], row["inventory_position_units"],
            row["open_purchase_order_units_source"]) == (120, 60, 180, "inventory_report")
    # Weeks 50..53 sold 60, 61, 30 (censored), 63: recent demand is the mean of the three uncensored weeks.
    demand = (60 + 61 + 63) / 3
    assert row["avg_weekly_units_4w"] == pytest.approx(demand)
    assert row["weeks_of_cover"] == pytest.approx(120 / demand)
    assert row["weeks_of_cover_with_open_po"] == pytest.approx(180 / demand)
    # No receipts to learn from: RETAIL weekly rows of the last 4 weeks (14 days in both views), not FRESH, monthly
    # or old ones; 2 weeks of lead time and a review week.
    assert (row["lead_time_days"], row["lead_time_source"], row["lead_time_weeks"], row["protection_weeks"]) == \
        (pytest.approx(14.0), "inventory_report", 2, 3)
    # R2 forecast weeks 53..55 (P90 85, 86, 87); the position is as of week 53's end, so weeks 54 and 55 count.
    assert (row["forecast_origin"], row["forecast_weeks"], row["p90_demand_units"]) == (fx.week(53), 2, 173.0)
    assert (row["shortfall_units"], row["stockout_risk"]) == (-7.0, "covered")


def test_inventory_health_risk_levels(lake: LocalLake, fx: ModuleType) -> None:
    risks = {(r["account"], r["asin"]): r["stockout_risk"]
             for r in select(lake, "SELECT account, asin, stockout_risk FROM v_inventory_health")}
    assert risks == {
        (fx.US, fx.KETTLE): "covered",
        (fx.US, fx.TOASTER): "at_risk",  # 15 on hand against R1's week-54 P90 of 25
        (fx.US, fx.MUG): "no_forecast",
        (fx.US, fx.GRINDER): "no_forecast",
        (fx.US, fx.SPATULA): "no_forecast",
        (fx.UK, fx.KETTLE): "covered",  # 100 on hand against 28 + 28
    }
    toaster = health(lake, fx.US, fx.TOASTER)
    assert (toaster["lead_time_days"], toaster["lead_time_source"], toaster["lead_time_weeks"]) == \
        (14.0, "default", 2)
    assert (toaster["forecast_weeks"], toaster["p90_demand_units"], toaster["shortfall_units"]) == (1, 25.0, 10.0)


def test_inventory_health_uses_the_latest_week_with_inventory(lake: LocalLake, fx: ModuleType) -> None:
    # The grinder's week-53 inventory is missing: its health is as of week 52, demand over weeks 49..52.
    row = health(lake, fx.US, fx.GRINDER)
    assert row["inventory_week_start"] == fx.week(52)
    assert row["sellable_on_hand_units"] == 240
    assert row["avg_weekly_units_4w"] == pytest.approx(6.0)
    assert row["weeks_of_cover"] == pytest.approx(40.0)


def test_inventory_health_when_every_recent_week_is_censored(tmp_path: Path, fx: ModuleType) -> None:
    # A lower bound beats no estimate: with only censored weeks, their mean is the recent demand.
    fx.write_table(tmp_path, DEMAND_WEEKLY, [
        {"account": fx.US, "marketplace_id": fx.US_MARKET, "asin": fx.MUG, "week_start": fx.week(k), "units": units,
         "sellable_on_hand_units": 3, "censored": True, "out_of_stock_rate": 0.5}
        for k, units in ((52, 4), (53, 2))
    ])
    with LocalLake.open(tmp_path) as lake:
        row = health(lake, fx.US, fx.MUG)
    assert row["avg_weekly_units_4w"] == pytest.approx(3.0)
    assert row["weeks_of_cover"] == pytest.approx(1.0) and row["stockout_risk"] == "no_forecast"


# --- v_forecast_latest ---------------------------------------------------------------------------------------

def test_forecast_latest_takes_the_latest_successful_run_per_asin(lake: LocalLake, fx: ModuleType) -> None:
    rows = select(lake, "SELECT account, asin, run_id, week_start, horizon, model, mean, p10, p90 "
                        "FROM v_forecast_latest ORDER BY account, asin, week_start")
    by_series = {}
    for row in rows:
        by_series.setdefault((row["account"], row["asin"]), []).append(row)
    # US kettle: R2 (origin week 53). Not R3 (failed), not R4 (a later start, but an older origin), not R1.
    kettle = by_series[(fx.US, fx.KETTLE)]
    assert {r["run_id"] for r in kettle} == {fx.R2[0]}
    assert [(r["week_start"], r["horizon"], r["mean"]) for r in kettle] == [
        (fx.week(53), 1, 65.0), (fx.week(54), 2, 66.0), (fx.week(55), 3, 67.0)]
    assert (kettle[0]["p10"], kettle[0]["p90"]) == (45.0, 85.0)
    # The toaster was forecast by R1 only: its latest is R1, whatever other ASINs' runs are.
    assert {r["run_id"] for r in by_series[(fx.US, fx.TOASTER)]} == {fx.R1[0]}
    assert {r["run_id"] for r in by_series[(fx.UK, fx.KETTLE)]} == {fx.R2[0]}
    # Only the selected model's rows: no seasonal naive component, no duplicates.
    assert {r["model"] for r in rows} == {"ensemble"}
    assert len(rows) == 9


# --- v_forecast_vs_actual ------------------------------------------------------------------------------------

def vs_actual(lake: LocalLake, run_id: str, account: str, asin: str, week_start: date) -> dict[str, Any]:
    return one(lake, f"SELECT * FROM v_forecast_vs_actual WHERE run_id = '{run_id}' AND account = '{account}' "
                     f"AND asin = '{asin}' AND week_start = DATE '{week_start}'")


def test_forecast_vs_actual_joins_the_weeks_actual_units(lake: LocalLake, fx: ModuleType) -> None:
    row = vs_actual(lake, fx.R2[0], fx.US, fx.KETTLE, fx.week(53))
    assert (row["mean"], row["actual_units"], row["actual_known"], row["actual_censored"]) == (65.0, 63, True, False)
    assert (row["error"], row["absolute_error"], row["within_p10_p90"]) == (2.0, 2.0, True)
    # Quantiles 45 / 65 / 70 / 75 / 85 against 63 units.
    assert row["pinball_p10"] == pytest.approx(0.1 * 18)
    assert row["pinball_p50"] == pytest.approx(0.5 * 2)
    assert row["pinball_p70"] == pytest.approx(0.3 * 7)
    assert row["pinball_p80"] == pytest.approx(0.2 * 12)
    assert row["pinball_p90"] == pytest.approx(0.1 * 22)
    assert row["generated_at"] == datetime(2024, 1, 8, 6, tzinfo=UTC)


def test_forecast_vs_actual_flags_censored_weeks_and_misses(lake: LocalLake, fx: ModuleType) -> None:
    # R1 forecast 60 (P10 40) for week 52, when a stockout cut sales to 30.
    row = vs_actual(lake, fx.R1[0], fx.US, fx.KETTLE, fx.week(52))
    assert (row["actual_units"], row["actual_censored"], row["within_p10_p90"]) == (30, True, False)
    assert row["pinball_p10"] == pytest.approx(0.9 * 10)
    assert row["pinball_p90"] == pytest.approx(0.1 * 50)


def test_forecast_vs_actual_leaves_future_weeks_unknown(lake: LocalLake, fx: ModuleType) -> None:
    row = vs_actual(lake, fx.R2[0], fx.US, fx.KETTLE, fx.week(55))
    assert row["actual_known"] is False
    assert row["actual_units"] is None and row["error"] is None and row["pinball_p50"] is None
    runs = {r["run_id"] for r in select(lake, "SELECT DISTINCT run_id FROM v_forecast_vs_actual")}
    assert runs == {fx.R1[0], fx.R2[0], fx.R4[0]}  # every successful run, the failed one left out
    assert one(lake, "SELECT count(*) AS n FROM v_forecast_vs_actual")["n"] == 15  # selected rows only


def test_forecast_vs_actual_wql_from_the_pinball_columns(lake: LocalLake, fx: ModuleType) -> None:
    # wQL at P50 of R2's US kettle over its known weeks (only week 53): 2 * 1.0 / 63.
    row = one(lake, f"SELECT 2 * sum(pinball_p50) / sum(abs(actual_units)) AS wql_p50 FROM v_forecast_vs_actual "
                    f"WHERE run_id = '{fx.R2[0]}' AND account = '{fx.US}' AND actual_known")
    assert row["wql_p50"] == pytest.approx(2 * 1.0 / 63)


# --- v_forecast_vs_amazon ------------------------------------------------------------------------------------

def test_forecast_vs_amazon_aligns_origin_and_target_week(lake: LocalLake, fx: ModuleType) -> None:
    rows = select(lake, f"SELECT run_id, week_start, horizon, amazon_generation_date, amazon_horizon, amazon_mean "
                        f"FROM v_forecast_vs_amazon WHERE account = '{fx.US}' ORDER BY forecast_origin, week_start")
    # Amazon's snapshot of week g has mean g. Each run meets the latest snapshot generated on or before its
    # origin: R1 (origin 52) -> 52, R2 (53) -> 53 (not 54, generated after R2's origin), R4 (51) -> 51.
    assert [(r["run_id"], r["week_start"], r["horizon"], r["amazon_generation_date"], r["amazon_horizon"],
             r["amazon_mean"]) for r in rows] == [
        (fx.R4[0], fx.week(51), 1, fx.week(51), 1, 51.0), (fx.R4[0], fx.week(52), 2, fx.week(51), 2, 51.0),
        (fx.R4[0], fx.week(53), 3, fx.week(51), 3, 51.0),
        (fx.R1[0], fx.week(52), 1, fx.week(52), 1, 52.0), (fx.R1[0], fx.week(53), 2, fx.week(52), 2, 52.0),
        (fx.R1[0], fx.week(54), 3, fx.week(52), 3, 52.0),
        (fx.R2[0], fx.week(53), 1, fx.week(53), 1, 53.0), (fx.R2[0], fx.week(54), 2, fx.week(53), 2, 53.0),
        (fx.R2[0], fx.week(55), 3, fx.week(53), 3, 53.0),
    ]


def test_forecast_vs_amazon_compares_quantiles_against_the_actual(lake: LocalLake, fx: ModuleType) -> None:
    row = one(lake, f"SELECT * FROM v_forecast_vs_amazon WHERE run_id = '{fx.R2[0]}' AND account = '{fx.US}' "
                    f"AND week_start = DATE '{fx.week(53)}'")
    assert (row["mean"], row["p70"], row["p80"], row["p90"]) == (65.0, 70.0, 75.0, 85.0)
    assert (row["amazon_mean"], row["amazon_p70"], row["amazon_p80"], row["amazon_p90"]) == (53.0, 56.0, 59.0, 63.0)
    assert (row["actual_units"], row["absolute_error"], row["amazon_absolute_error"]) == (63, 2.0, 10.0)
    assert row["pinball_p70"] == pytest.approx(0.3 * 7)
    assert row["pinball_p80"] == pytest.approx(0.2 * 12)
    assert row["pinball_p90"] == pytest.approx(0.1 * 22)
    assert row["amazon_pinball_p70"] == pytest.approx(0.7 * 7)
    assert row["amazon_pinball_p80"] == pytest.approx(0.8 * 4)
    assert row["amazon_pinball_p90"] == pytest.approx(0.0)


def test_forecast_vs_amazon_reads_the_retail_program_within_the_account(lake: LocalLake, fx: ModuleType) -> None:
    means = {(r["account"], r["amazon_mean"]) for r in select(
        lake, "SELECT account, amazon_mean FROM v_forecast_vs_amazon")}
    assert (fx.US, 777.0) not in means  # the FRESH snapshot
    assert (fx.US, 54.0) not in means  # generated after every successful run's origin
    uk = select(lake, f"SELECT week_start, amazon_mean, mean FROM v_forecast_vs_amazon WHERE account = '{fx.UK}' "
                      "ORDER BY week_start")
    assert [(r["week_start"], r["amazon_mean"], r["mean"]) for r in uk] == [
        (fx.week(53), 8.5, 8.0), (fx.week(54), 8.5, 8.0), (fx.week(55), 8.5, 8.0)]
    assert {r["marketplace_id"] for r in select(
        lake, f"SELECT marketplace_id FROM v_forecast_vs_amazon WHERE account = '{fx.UK}'")} == {fx.UK_MARKET}
    # The toaster has no Amazon forecast: nothing to compare, no row.
    assert not select(lake, f"SELECT * FROM v_forecast_vs_amazon WHERE asin = '{fx.TOASTER}'")


# --- the views on a lake that has not got every table yet ----------------------------------------------------

def test_views_run_on_a_lake_without_forecasts(tmp_path: Path, fx: ModuleType) -> None:
    fx.write_table(tmp_path, DEMAND_WEEKLY, [
        {"account": fx.US, "marketplace_id": fx.US_MARKET, "asin": fx.KETTLE, "week_start": fx.week(k),
         "units": fx.kettle_units(k), "sellable_on_hand_units": 50}
        for k in (52, 53)
    ])
    with LocalLake.open(tmp_path) as lake:
        assert lake.tables["forecast"].files == 0
        counts = {view.name: one(lake, f"SELECT count(*) AS n FROM {view.name}")["n"] for view in analyst_views()}
    assert counts == {"v_demand_weekly": 2, "v_sales_trend": 2, "v_inventory_health": 1, "v_forecast_latest": 0,
                      "v_forecast_vs_actual": 0, "v_forecast_vs_amazon": 0, "v_purchase_order_lines": 0,
                      "v_otif_weekly": 0, "v_open_purchase_orders": 0, "v_supply_plan_latest": 0,
                      "v_po_advice_open": 0}
