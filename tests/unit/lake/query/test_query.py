"""The local query engine: the lake's tables and views in DuckDB, Trino SQL translated, and the rows written as a
terminal table, CSV, Parquet or JSON."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from vendorcast.lake.forecast_tables import FORECAST_TABLES
from vendorcast.lake.query import (
    LAKE_TABLES,
    LocalLake,
    QueryError,
    query_schema,
    render_result,
    run_query,
    translate_to_duckdb,
    write_result,
)
from vendorcast.lake.tables import CURATED_TABLES

LATEST_KETTLE = ("SELECT asin, week_start, horizon, mean, p90, generated_at FROM v_forecast_latest "
                 "WHERE account = 'acme-us' AND asin = 'B0KETTLE01' ORDER BY week_start")


def test_every_contract_table_is_registered_with_its_schema(fixture_lake: Path) -> None:
    with LocalLake.open(fixture_lake) as lake:
        assert set(lake.tables) == set(CURATED_TABLES) | set(FORECAST_TABLES)
        for name, table in LAKE_TABLES.items():
            assert lake.query(f"SELECT * FROM {name} LIMIT 0").schema.names == query_schema(table).names, name
        # Absent from the fixture lake: registered empty, queryable all the same.
        assert lake.tables["vendor_net_ppm"].files == 0
        assert lake.query("SELECT count(*) AS n FROM vendor_net_ppm").to_pylist() == [{"n": 0}]
        assert lake.tables["demand_weekly"].files > 0
        # Partition values come back typed from the keys (forecast_origin=2024-01-07 is a date).
        origins = lake.query("SELECT DISTINCT forecast_origin FROM forecast_runs ORDER BY 1").column(0).to_pylist()
        assert origins == [date(2023, 12, 24), date(2023, 12, 31), date(2024, 1, 7), date(2024, 1, 14)]


def test_a_table_outside_the_contracts_is_registered_too(tmp_path: Path) -> None:
    folder = tmp_path / "curated" / "promotions" / "account=acme-us"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"asin": ["B0KETTLE01"], "discount": [0.2]}), folder / "part-0.parquet")
    with LocalLake.open(tmp_path) as lake:
        assert lake.tables["promotions"].in_contract is False
        assert lake.query("SELECT account, asin, discount FROM promotions").to_pylist() == [
            {"account": "acme-us", "asin": "B0KETTLE01", "discount": 0.2}]


def test_trino_sql_is_translated_and_duckdb_sql_passes_through(fixture_lake: Path) -> None:
    trino = ("SELECT date_add('day', 7, week_start) AS next_week FROM demand_weekly "
             "WHERE asin = 'B0TOASTER1' AND week_start = DATE '2024-01-07'")
    assert "INTERVAL" in translate_to_duckdb(trino)
    with LocalLake.open(fixture_lake) as lake:
        [row] = lake.query(trino).to_pylist()
        assert row["next_week"].date() == date(2024, 1, 14)
        assert lake.query("SELECT 7 // 2 AS q", dialect="duckdb").to_pylist() == [{"q": 3}]
        with pytest.raises(QueryError, match="no_such_table"):
            lake.query("SELECT * FROM no_such_table")


def test_bad_sql_is_one_clear_error() -> None:
    with pytest.raises(QueryError, match="not valid Trino"):
        translate_to_duckdb("SELECT (1")
    with pytest.raises(QueryError, match="one SQL statement, not 2"):
        translate_to_duckdb("SELECT 1; SELECT 2")


def test_a_database_file_keeps_the_tables_and_views(fixture_lake: Path, tmp_path: Path) -> None:
    database = tmp_path / "lake.duckdb"
    with LocalLake.open(fixture_lake, database=database) as lake:
        expected = lake.query(LATEST_KETTLE)
    # The file answers on its own: the tables were copied in, the views stored.
    with duckdb.connect(str(database), read_only=True) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        assert connection.sql(translate_to_duckdb(LATEST_KETTLE)).to_arrow_table().equals(expected)


def test_run_query_writes_csv(fixture_lake: Path, tmp_path: Path) -> None:
    output = tmp_path / "latest.csv"
    result = run_query(LATEST_KETTLE, lake=fixture_lake, output_format="csv", output_path=output)
    back = pacsv.read_csv(output)
    assert back.column_names == result.column_names
    assert back.column("mean").to_pylist() == [65.0, 66.0, 67.0]
    assert back.column("week_start").to_pylist() == [date(2024, 1, 7), date(2024, 1, 14), date(2024, 1, 21)]


def test_run_query_writes_parquet_with_types_intact(fixture_lake: Path, tmp_path: Path) -> None:
    output = tmp_path / "out" / "latest.parquet"
    result = run_query(LATEST_KETTLE, lake=fixture_lake, output_format="parquet", output_path=output)
    back = pq.read_table(output)
    assert back.equals(result)
    assert back.schema.field("generated_at").type == pa.timestamp("us", tz="UTC")
    assert back.column("horizon").to_pylist() == [1, 2, 3]


def test_run_query_writes_json_to_stdout(fixture_lake: Path) -> None:
    stdout = io.BytesIO()
    run_query(LATEST_KETTLE, lake=fixture_lake, output_format="json", stdout=stdout)
    rows = json.loads(stdout.getvalue())
    assert rows[0] == {"asin": "B0KETTLE01", "week_start": "2024-01-07", "horizon": 1, "mean": 65.0, "p90": 85.0,
                       "generated_at": "2024-01-08T06:00:00+00:00"}
    assert len(rows) == 3


def test_json_has_no_nan_and_numbers_for_decimals() -> None:
    stdout = io.BytesIO()
    table = pa.table({"x": [float("nan"), 1.5], "d": pa.array([1, 2], pa.decimal128(10, 2)),
                      "t": [datetime(2024, 1, 1, tzinfo=UTC), None]})
    write_result(table, "json", stdout=stdout)
    assert json.loads(stdout.getvalue()) == [{"x": None, "d": 1.0, "t": "2024-01-01T00:00:00+00:00"},
                                             {"x": 1.5, "d": 2.0, "t": None}]


def test_run_query_shows_a_table_in_the_terminal(fixture_lake: Path) -> None:
    console = Console(file=io.StringIO(), width=200)
    run_query(LATEST_KETTLE, lake=fixture_lake, console=console)
    text = console.file.getvalue()
    assert "week_start" in text and "2024-01-21" in text and "3 row(s)" in text


def test_the_terminal_shows_the_first_rows_only() -> None:
    console = Console(file=io.StringIO(), width=80)
    render_result(pa.table({"asin": ["alpha", "beta", "gamma", "delta", "epsilon"]}), console, limit=2)
    text = console.file.getvalue()
    assert "alpha" in text and "beta" in text and "gamma" not in text
    assert "5 row(s), showing the first 2" in text


def test_run_query_option_errors(fixture_lake: Path, tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="--output needs --format"):
        run_query("SELECT 1", lake=fixture_lake, output_path=tmp_path / "x.txt")
    with pytest.raises(QueryError, match="apply to --athena only"):
        run_query("SELECT 1", lake=fixture_lake, workgroup="primary")
    with pytest.raises(QueryError, match="with --athena the query runs on the deployed lake"):
        run_query("SELECT 1", lake=fixture_lake, athena=True)
    with pytest.raises(QueryError, match="Athena runs Trino SQL only"):
        run_query("SELECT 1", athena=True, dialect="duckdb")
    with pytest.raises(QueryError, match="no lake folder at"):
        run_query("SELECT 1", lake=tmp_path / "missing")
    with pytest.raises(QueryError, match=r"give the lake bucket itself \(s3://bucket\)"):
        run_query("SELECT 1", lake="s3://bucket/curated")


def test_fixture_lake_follows_the_contracts(fixture_lake: Path, fx: ModuleType) -> None:
    # Partition columns live in the keys only, as the contracts say, so Glue and Athena accept the files.
    for table in (fx.DEMAND_WEEKLY, fx.FORECAST):
        [first, *_] = sorted((fixture_lake / table.prefix).rglob("*.parquet"))
        assert pq.read_schema(first).names == list(table.column_names)
