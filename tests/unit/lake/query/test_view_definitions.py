"""The view files are valid Trino SQL (Athena engine v3) that reads only tables and columns the contracts define,
and DuckDB's translation of each answers with the same columns."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot.optimizer.qualify import qualify

from vendorcast.lake.analyst_views import (
    AnalystView,
    ViewDefinitionError,
    _in_creation_order,
    _load,
    analyst_view,
    analyst_views,
)
from vendorcast.lake.query import LAKE_TABLES, LocalLake

EXPECTED_VIEWS = {"v_demand_weekly", "v_sales_trend", "v_inventory_health", "v_forecast_latest",
                  "v_forecast_vs_actual", "v_forecast_vs_amazon", "v_purchase_order_lines", "v_otif_weekly",
                  "v_open_purchase_orders", "v_supply_plan_latest", "v_po_advice_open"}
SQL_TYPES = {"string": "VARCHAR", "bigint": "BIGINT", "double": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN",
             "timestamp": "TIMESTAMP"}
CONTRACT_SCHEMA = {name: {c.name: SQL_TYPES[c.type] for c in table.all_columns} for name, table in LAKE_TABLES.items()}

VIEWS = analyst_views()


def _schema_with_views() -> dict[str, dict[str, str]]:
    """The contracts' tables and, in creation order, each view's columns (their types do not matter to qualify)."""
    schema = dict(CONTRACT_SCHEMA)
    for view in VIEWS:
        names = qualify(view.parse().expression.copy(), schema=schema, dialect="trino").named_selects
        schema[view.name] = dict.fromkeys(names, "VARCHAR")
    return schema


SCHEMA = _schema_with_views()


def test_the_views_exist() -> None:
    assert {view.name for view in VIEWS} == EXPECTED_VIEWS


def test_views_come_after_the_views_they_read() -> None:
    names = [view.name for view in VIEWS]
    for view in VIEWS:
        for read in view.tables & set(names):
            assert names.index(read) < names.index(view.name), (view.name, read)


def test_views_that_read_each_other_in_a_cycle_are_refused() -> None:
    first = _load("v_a", "-- a\nCREATE OR REPLACE VIEW v_a AS SELECT x FROM v_b")
    second = _load("v_b", "-- b\nCREATE OR REPLACE VIEW v_b AS SELECT x FROM v_a")
    with pytest.raises(ViewDefinitionError, match="cycle: v_a, v_b"):
        _in_creation_order([first, second])


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_view_parses_as_trino(view: AnalystView) -> None:
    tree = sqlglot.parse_one(view.statement, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, sqlglot.exp.Create) and tree.kind == "VIEW" and tree.args["replace"]
    assert tree.this.name == view.name
    # Athena takes one statement, without a trailing semicolon; the file's comment is kept out of it.
    assert not view.statement.rstrip().endswith(";") and not view.statement.startswith("--")
    assert view.description


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_view_reads_only_contract_tables_views_and_columns(view: AnalystView) -> None:
    assert view.tables <= set(SCHEMA), view.tables - set(SCHEMA)
    # qualify resolves every column against the contracts' schemas and raises on one it cannot find.
    query = qualify(view.parse().expression.copy(), schema=SCHEMA, dialect="trino",
                    validate_qualify_columns=True)
    names = query.named_selects
    assert len(names) == len(set(names)), "duplicate output columns"
    assert all(name == name.lower() for name in names), "Athena stores view columns in lower case"


def test_a_column_outside_the_contract_is_caught() -> None:
    tree = sqlglot.parse_one("SELECT d.asin, d.ordered_units FROM demand_weekly AS d", read="trino")
    with pytest.raises(sqlglot.errors.OptimizeError, match="ordered_units"):
        qualify(tree, schema=CONTRACT_SCHEMA, dialect="trino", validate_qualify_columns=True)


def test_duckdb_translation_keeps_the_columns(tmp_path: Path) -> None:
    with LocalLake.open(tmp_path) as lake:
        for view in VIEWS:
            expected = qualify(view.parse().expression.copy(), schema=SCHEMA, dialect="trino").named_selects
            assert lake.query(f"SELECT * FROM {view.name}").column_names == expected, view.name


def test_view_files_are_checked_when_loaded() -> None:
    with pytest.raises(ViewDefinitionError, match="name the file after its view"):
        _load("v_other", "-- what it answers\nCREATE OR REPLACE VIEW v_sales AS SELECT 1 AS x")
    with pytest.raises(ViewDefinitionError, match="CREATE OR REPLACE VIEW"):
        _load("v_sales", "-- what it answers\nCREATE VIEW v_sales AS SELECT 1 AS x")
    with pytest.raises(ViewDefinitionError, match="start the file with a comment"):
        _load("v_sales", "CREATE OR REPLACE VIEW v_sales AS SELECT 1 AS x")
    with pytest.raises(ViewDefinitionError, match="not valid Trino SQL"):
        _load("v_sales", "-- what it answers\nCREATE OR REPLACE VIEW v_sales AS SELEC 1")
    with pytest.raises(sqlglot.errors.ParseError):
        _load("v_sales", "-- what it answers\nCREATE OR REPLACE VIEW v_sales AS SELECT (1")
    with pytest.raises(KeyError, match="v_sales_trend"):
        analyst_view("v_sales")
