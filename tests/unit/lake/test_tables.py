"""The curated table contract holds together: names, keys and partitions are consistent, every SQL file yields
exactly the contract's columns and types, the SQL places rows in the partitions the job expects, and
docs/data-dictionary.md is the contract's own rendering."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import sqlglot

from vendorcast.lake.dictionary import other_sections, render_data_dictionary, update_data_dictionary
from vendorcast.lake.engines import DuckDBEngine, EngineInputs
from vendorcast.lake.raw_files import partition_id, raw_file_partitions, tables_reading
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CURATED_TABLES, RAW_INPUTS, arrow_schema, curated_table

REPO_ROOT = Path(__file__).resolve().parents[3]
TABLES = list(CURATED_TABLES.values())


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_keys_and_partitions_are_columns_of_the_table(table):
    data, partitions = set(table.column_names), set(table.partition_names)
    assert not data & partitions, "Glue and Athena forbid a partition key that is also a data column"
    assert set(table.business_key) <= data | partitions
    # A partition holds whole business keys, so that rebuilding a partition sees every restatement of a key.
    assert partitions <= set(table.business_key) | {"start_week", "detected_date", "order_week"}
    assert len(set(table.column_names)) == len(table.columns)
    assert "last_updated_date" in data


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_inputs_are_known_views_published_earlier(table):
    order = list(CURATED_TABLES)
    for view in table.inputs:
        assert view in RAW_INPUTS or order.index(view) < order.index(table.name)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_sql_is_spark_sql_that_duckdb_runs_with_the_contract_schema(table, tmp_path):
    sql = table.sql()
    assert sqlglot.parse_one(sql, read="spark") is not None
    engine = DuckDBEngine(LakeStorage.local(tmp_path))
    try:
        result = engine.run(table, EngineInputs(raw_files={}, curated_partitions={}))
    finally:
        engine.close()
    assert result.schema == arrow_schema(table, with_partitions=True)


def test_sql_yields_exactly_the_contract_columns_before_any_cast(tmp_path):
    """run() casts to the contract; here the SQL's own output names are checked, in order."""
    import duckdb

    from vendorcast.lake.engines import duckdb_sql, publish_parameters

    connection = duckdb.connect()
    for view, raw in RAW_INPUTS.items():
        connection.register(view, pa.schema([*raw.schema, pa.field("account", pa.string())]).empty_table())
    for table in TABLES:
        connection.register(table.name, arrow_schema(table, with_partitions=True).empty_table())
    connection.register("publish_parameters", publish_parameters())
    for table in TABLES:
        names = connection.sql(duckdb_sql(table.name)).columns
        assert tuple(names) == tuple(c.name for c in table.all_columns), table.name


def test_python_partitioning_matches_the_sql(lake: LakeStorage):
    """The job decides which raw files rebuild a partition from raw_file_partitions; the SQL must put every row
    in one of those partitions."""
    engine = DuckDBEngine(lake)
    try:
        for raw in RAW_INPUTS.values():
            keys = [o.key for o in lake.list(f"{raw.prefix}/", ".parquet")]
            assert keys, f"the fixture lake has no {raw.table} files"
            for table in tables_reading(raw):
                expected = set()
                for key in keys:
                    expected.update(raw_file_partitions(lake, raw, key)[table.name])
                result = engine.run(table, EngineInputs(raw_files={raw.view: keys}, curated_partitions={}))
                produced = {partition_id(table, row) for row in
                            result.select(list(table.partition_names)).to_pylist()}
                assert produced == expected, table.name
    finally:
        engine.close()


def test_data_dictionary_is_rendered_from_the_contract():
    document = (REPO_ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    rest = other_sections(document)
    section = document[:len(document) - len(rest)]
    assert section == render_data_dictionary() + ("\n" if rest else ""), (
        "the curated tables' section of docs/data-dictionary.md is stale: python -m vendorcast.lake.dictionary")
    for table in TABLES:
        assert f"## {table.name}\n" in document
        for column in table.all_columns:
            assert f"| `{column.name}` | {column.type} |" in document


def test_updating_the_dictionary_keeps_other_sections(tmp_path):
    page = tmp_path / "data-dictionary.md"
    page.write_text("# Data dictionary: old\n\nstale\n\n# Forecast tables\n\nkept\n", encoding="utf-8")
    update_data_dictionary(page)
    assert page.read_text(encoding="utf-8") == render_data_dictionary() + "\n# Forecast tables\n\nkept\n"


def test_unknown_table_names_the_known_ones():
    with pytest.raises(KeyError, match="vendor_sales"):
        curated_table("vendor_salez")
