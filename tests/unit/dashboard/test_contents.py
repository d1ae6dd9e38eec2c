"""The dashboard's definition: each dataset returns exactly the columns it declares (the QuickSight datasets are
declared from them), reads only the lake's views and tables, and qualifies them for Athena; every visual reads a
dataset and has a builder on the local page."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from vendorcast.dashboard.contents import SECTIONS, ColumnType, VisualKind, dataset, datasets, visuals
from vendorcast.dashboard.visuals import FIGURES, TABLES
from vendorcast.lake.analyst_views import analyst_views
from vendorcast.lake.query import LAKE_TABLES, LocalLake


def _column_type(arrow_type: pa.DataType) -> ColumnType:
    if pa.types.is_string(arrow_type):
        return ColumnType.STRING
    if pa.types.is_integer(arrow_type):
        return ColumnType.INTEGER
    if pa.types.is_floating(arrow_type):
        return ColumnType.DECIMAL
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return ColumnType.DATETIME
    if pa.types.is_boolean(arrow_type):
        return ColumnType.BOOLEAN
    raise AssertionError(f"{arrow_type} has no QuickSight type: cast it in the SQL")


@pytest.mark.parametrize("name", list(datasets()))
def test_each_dataset_returns_the_columns_it_declares(fixture_lake: Path, name: str) -> None:
    with LocalLake.open(fixture_lake) as lake:
        result = lake.query(dataset(name).sql)
    assert result.num_rows > 0, f"{name}: the fixture lake should give every dataset rows"
    returned = [(field.name, _column_type(field.type)) for field in result.schema]
    assert returned == [(c.name, c.type) for c in dataset(name).columns]


def test_datasets_run_on_an_empty_lake(tmp_path: Path) -> None:
    with LocalLake.open(tmp_path) as lake:
        for name, found in datasets().items():
            assert lake.query(found.sql).schema.names == list(found.column_names), name


def test_datasets_read_the_views_where_the_lake_has_one() -> None:
    views = {view.name for view in analyst_views()}
    reads = {name: found.tables() for name, found in datasets().items()}
    for name, tables in reads.items():
        assert tables <= views | set(LAKE_TABLES), f"{name} reads {tables - views - set(LAKE_TABLES)}"
    # The numbers QuickSight shows come from the same views: forecasts, inventory and sales through them.
    assert reads["fan_chart"] == {"v_demand_weekly", "v_forecast_latest", "v_forecast_vs_amazon"}
    assert reads["stockout_risk"] == {"v_inventory_health"}
    assert reads["otif_weekly"] == reads["otif_worst_asins"] == {"v_otif_weekly"}
    assert reads["open_po_risk"] == {"v_open_purchase_orders"}
    assert reads["accuracy_vs_amazon"] == {"v_forecast_vs_amazon"}
    assert reads["sales_trend"] == {"v_sales_trend"}


def test_athena_sql_names_the_database_for_tables_but_not_for_its_own_ctes() -> None:
    sql = dataset("otif_worst_asins").sql_in_database("acme_lake")
    tree = sqlglot.parse_one(sql, read="trino")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    assert ctes == {"recent"}
    tables = {(t.db, t.name) for t in tree.find_all(exp.Table)}
    assert tables == {("acme_lake", "v_otif_weekly"), ("", "recent")}


def test_descriptions_come_from_the_sql_files() -> None:
    for name, found in datasets().items():
        assert found.description and not found.sql.startswith("--"), name
    assert dataset("stockout_risk").description.startswith("Which ASINs may run out")
    with pytest.raises(KeyError, match="unknown dashboard dataset 'nope'; known: fan_chart"):
        dataset("nope")


def test_every_visual_reads_a_dataset_and_has_a_builder() -> None:
    ids = [visual.id for visual in visuals()]
    assert len(ids) == len(set(ids))
    for visual in visuals():
        assert visual.dataset in datasets(), visual.id
        # QuickSight's VisualId pattern.
        assert re.fullmatch(r"[\w\-]+", visual.id)
        if visual.kind is VisualKind.TABLE:
            assert visual.id in TABLES
        elif visual.kind is not VisualKind.FAN_CHART:
            assert visual.id in FIGURES
    assert set(FIGURES) | set(TABLES) | {"fan_chart"} == set(ids)
    assert [section.id for section in SECTIONS] == ["forecast", "inventory", "plan", "otif", "accuracy", "sales",
                                                    "catalog", "ingestion"]
