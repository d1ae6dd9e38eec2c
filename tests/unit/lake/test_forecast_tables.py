"""The forecast table contract is well formed, shares the curated contract's terms, and is the data dictionary's
"Forecast tables" section."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from vendorcast.lake.forecast_dictionary import (
    forecast_section_bounds,
    render_forecast_dictionary,
    update_forecast_dictionary,
)
from vendorcast.lake.forecast_rows import planning_rows
from vendorcast.lake.forecast_tables import (
    ACCURACY_METRICS,
    FORECAST,
    FORECAST_QUANTILES,
    FORECAST_TABLES,
    PLANNING_TABLES,
    PO_ADVICE,
    PO_FORECAST,
    SUPPLY_PLAN,
    ForecastTable,
    forecast_table,
)
from vendorcast.lake.tables import ARROW_TYPES, CURATED_TABLES, DEMAND_WEEKLY
from vendorcast.planning.plan import PO_ADVICE_COLUMNS, PO_FORECAST_COLUMNS, SUPPLY_PLAN_COLUMNS

DATA_DICTIONARY = Path(__file__).parents[3] / "docs" / "data-dictionary.md"


@pytest.mark.parametrize("table", FORECAST_TABLES.values(), ids=lambda t: t.name)
def test_table_is_well_formed(table: ForecastTable) -> None:
    names = [c.name for c in table.all_columns]
    assert len(names) == len(set(names)), "a column twice (or a partition column also in the files)"
    assert all(name == name.lower() and name.isidentifier() for name in names)
    assert set(table.business_key) <= set(names)
    assert all(c.type in ARROW_TYPES and c.description for c in table.all_columns)
    assert table.prefix == f"forecast/{table.name}"
    assert table.partition_names == ("forecast_origin",)
    assert table.name not in CURATED_TABLES


def test_forecast_speaks_the_curated_tables_terms() -> None:
    # Joins between forecast and demand_weekly need the same names and types on both sides.
    demand = {c.name: c.type for c in DEMAND_WEEKLY.all_columns}
    forecast = {c.name: c.type for c in FORECAST.all_columns}
    for name in ("account", "marketplace_id", "asin", "week_start", "week_end", "units_source"):
        assert forecast[name] == demand[name], name
    assert set(FORECAST_QUANTILES) | {"mean"} <= set(forecast)
    assert all(forecast[q] == "double" for q in FORECAST_QUANTILES)


def test_accuracy_metrics_cover_every_quantile() -> None:
    assert {f"wql_{q}" for q in FORECAST_QUANTILES} <= set(ACCURACY_METRICS)
    assert {"wql_mean", "wape", "mase", "bias", "coverage_p10_p90"} <= set(ACCURACY_METRICS)


def test_forecast_table_by_name() -> None:
    assert forecast_table("forecast_runs").business_key == ("run_id",)
    with pytest.raises(KeyError, match="known: forecast, forecast_accuracy, forecast_runs, po_forecast"):
        forecast_table("forecasts")


@pytest.mark.parametrize(("table", "planned"), [(PO_FORECAST, PO_FORECAST_COLUMNS), (SUPPLY_PLAN, SUPPLY_PLAN_COLUMNS),
                                                (PO_ADVICE, PO_ADVICE_COLUMNS)], ids=lambda t: getattr(t, "name", ""))
def test_the_plan_tables_hold_what_the_planner_makes_and_the_run(table: ForecastTable, planned: tuple) -> None:
    # The Plan step writes the planner's frames with the run's id and start (lake/forecast_rows.planning_rows).
    assert set(table.column_names) == {*planned, "run_id", "generated_at"}
    assert table.partition_names == ("forecast_origin",) and table in PLANNING_TABLES.values()


def test_planning_rows_type_each_column_and_refuse_a_missing_one() -> None:
    frame = pd.DataFrame([{"account": "acme-us", "marketplace_id": "ATVPDKIKX0DER", "purchase_order_number": "P1",
                           "item_sequence_number": "1", "asin": "B0KETTLE01", "vendor_sku": None,
                           "ship_to_party_id": "ABE8",
                           "order_date": pd.Timestamp("2026-11-30 09:00", tz="UTC"),
                           "window_start": "2026-12-03T07:00:00+00:00", "window_end": pd.Timestamp("2026-12-08 07:00"),
                           "ordered_units": 12, "confirm_units": 12.0, "available_units": 40.0,
                           "shortfall_units": 0.0, "reason": "in stock"}], columns=list(PO_ADVICE_COLUMNS))
    rows = planning_rows(PO_ADVICE, frame, "weekly-2026-11-29", datetime(2026, 12, 2, 7, tzinfo=UTC))
    assert rows.schema == PO_ADVICE.data_schema
    (row,) = rows.to_pylist()
    assert row["order_date"] == date(2026, 11, 30) and row["run_id"] == "weekly-2026-11-29"
    assert row["window_end"] == datetime(2026, 12, 8, 7, tzinfo=UTC) and row["ordered_units"] == 12.0
    with pytest.raises(ValueError, match="po_advice rows lack column reason"):
        planning_rows(PO_ADVICE, frame.drop(columns="reason"), "r", datetime(2026, 12, 2, tzinfo=UTC))


def test_data_dictionary_has_the_forecast_tables_section() -> None:
    page = DATA_DICTIONARY.read_text()
    bounds = forecast_section_bounds(page)
    assert bounds is not None, "add it: python -m vendorcast.lake.forecast_dictionary"
    start, end = bounds
    assert page[start:end].rstrip("\n") == render_forecast_dictionary().rstrip("\n"), \
        "stale: python -m vendorcast.lake.forecast_dictionary"
    for table in FORECAST_TABLES.values():
        assert all(f"| `{c.name}` |" in page[start:end] for c in table.all_columns)


def test_updating_the_section_keeps_the_others(tmp_path: Path) -> None:
    page = tmp_path / "data-dictionary.md"
    page.write_text("# Curated tables\n\ncurated text\n")
    update_forecast_dictionary(page)
    once = page.read_text()
    assert once == "# Curated tables\n\ncurated text\n\n" + render_forecast_dictionary()
    update_forecast_dictionary(page)
    assert page.read_text() == once
    page.write_text(once.replace("## forecast_runs", "## old name") + "\n# Later section\n\nlater text\n")
    update_forecast_dictionary(page)
    assert page.read_text() == once + "\n# Later section\n\nlater text\n"
