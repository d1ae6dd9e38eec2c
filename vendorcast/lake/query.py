"""`vendorcast query`: SQL over the lake. Locally DuckDB plays Athena: every curated and forecast table of a lake
(a folder such as demo-output/lake, or an S3 bucket) is registered from its Parquet, the analysts' views are
created from the same Trino text as on Athena (translated by sqlglot), and the query runs there; with --athena
the query runs in the deployed workgroup instead. Results go to the terminal, or to CSV, Parquet or JSON."""

from __future__ import annotations

import io
import json
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import sqlglot
from rich.console import Console
from rich.table import Table

from vendorcast.lake.analyst_views import LOCAL_DIALECT, VIEW_DIALECT, analyst_views
from vendorcast.lake.forecast_tables import FORECAST_TABLES, ForecastTable
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CURATED_TABLES, Column, CuratedTable
from vendorcast.resources import CURATED_PREFIX, FORECAST_PREFIX

# Where `vendorcast demo` leaves the lake: the default of a local query.
DEFAULT_LOCAL_LAKE = Path("demo-output/lake")
IN_MEMORY = ":memory:"
# The terminal shows this many rows; the file formats write every row.
TERMINAL_ROW_LIMIT = 200

LAKE_TABLES: dict[str, CuratedTable | ForecastTable] = {**CURATED_TABLES, **FORECAST_TABLES}


class QueryError(ValueError):
    """A query that cannot run: bad SQL, an unknown table or column, or a lake that is not there."""


class OutputFormat(StrEnum):
    TABLE = "table"  # a table in the terminal
    CSV = "csv"
    PARQUET = "parquet"
    JSON = "json"  # an array of objects, dates and timestamps in ISO 8601


class SqlDialect(StrEnum):
    TRINO = VIEW_DIALECT  # Athena's: the same query text runs locally and with --athena
    DUCKDB = LOCAL_DIALECT  # DuckDB's own, passed through untranslated


def query_schema(table: CuratedTable | ForecastTable) -> pa.Schema:
    """The Arrow schema of a lake table as a query sees it: data columns, then partition columns."""
    return pa.schema([pa.field(c.name, c.arrow_type) for c in table.all_columns])


def _partition_schema(columns: tuple[Column, ...]) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.arrow_type) for c in columns])


@dataclass(frozen=True)
class RegisteredTable:
    """A table of the local lake: where it was read from and how many Parquet files it has (0: absent from the
    lake, registered empty with its contract schema so the views still run)."""

    name: str
    prefix: str
    files: int
    in_contract: bool


def lake_storage(lake: str | Path | LakeStorage) -> LakeStorage:
    """A lake folder, or `s3://bucket` (the AWS emulator when AWS_ENDPOINT_URL[_S3] is set, as boto3 does)."""
    if isinstance(lake, LakeStorage):
        return lake
    text = str(lake)
    if text.startswith("s3://"):
        bucket, _, prefix = text.removeprefix("s3://").partition("/")
        if prefix.strip("/"):
            raise QueryError(f"{text}: give the lake bucket itself (s3://{bucket}); curated/ and forecast/ are "
                             "found at its top")
        return LakeStorage.s3_from_environment(bucket)
    directory = Path(lake)
    if not directory.is_dir():
        raise QueryError(f"no lake folder at {directory}: run `vendorcast demo` to make one, or pass --lake")
    return LakeStorage.local(directory)


def _table_folders(storage: LakeStorage, zone: str) -> list[str]:
    selector = pafs.FileSelector(storage.path(zone), recursive=False, allow_not_found=True)
    infos = storage.filesystem.get_file_info(selector)
    return sorted(info.base_name for info in infos
                  if info.type == pafs.FileType.Directory and not info.base_name.startswith(("_", ".")))


def _dataset(storage: LakeStorage, prefix: str, table: CuratedTable | ForecastTable | None) -> ds.Dataset | None:
    path = storage.path(prefix)
    if storage.filesystem.get_file_info(path).type != pafs.FileType.Directory:
        return None
    if table is None:
        return ds.dataset(path, filesystem=storage.filesystem, format="parquet", partitioning="hive")
    partitioning = ds.partitioning(_partition_schema(table.partition_columns), flavor="hive")
    return ds.dataset(path, schema=query_schema(table), filesystem=storage.filesystem, format="parquet",
                      partitioning=partitioning)


class LocalLake:
    """A DuckDB database over a lake: its tables registered, the analysts' views created.

    In memory (the default) the tables stay Parquet, scanned lazily by DuckDB through pyarrow datasets; in a
    database file they are copied in, so the file answers queries on its own later (open it again to refresh).
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection, storage: LakeStorage,
                 tables: dict[str, RegisteredTable]) -> None:
        self.connection = connection
        self.storage = storage
        self.tables = tables

    @classmethod
    def open(cls, lake: str | Path | LakeStorage, database: str | Path = IN_MEMORY) -> LocalLake:
        storage = lake_storage(lake)
        connection = duckdb.connect(str(database))
        # Timestamps in the lake are UTC; show them in UTC whatever the machine's time zone.
        connection.execute("SET TimeZone = 'UTC'")
        materialize = str(database) != IN_MEMORY
        tables: dict[str, RegisteredTable] = {}
        for name, table in LAKE_TABLES.items():
            dataset = _dataset(storage, table.prefix, table)
            # An absent table is registered empty with its contract schema, so the views still run.
            source = dataset if dataset is not None else query_schema(table).empty_table()
            _register(connection, name, source, materialize)
            tables[name] = RegisteredTable(name, table.prefix, len(dataset.files) if dataset else 0, in_contract=True)
        for zone in (CURATED_PREFIX, FORECAST_PREFIX):
            for name in _table_folders(storage, zone):
                if name in tables:
                    continue
                # A table outside the contracts (newer than this code) is queryable with its files' schema.
                found = _dataset(storage, f"{zone}/{name}", None)
                if found is not None and found.files:
                    _register(connection, name, found, materialize)
                    tables[name] = RegisteredTable(name, f"{zone}/{name}", len(found.files), in_contract=False)
        for view in analyst_views():
            connection.execute(view.duckdb_statement)
        return cls(connection, storage, tables)

    def query(self, sql: str, dialect: SqlDialect | str = SqlDialect.TRINO) -> pa.Table:
        """Run one statement; Trino SQL (Athena's) is translated to DuckDB first."""
        statement = translate_to_duckdb(sql) if SqlDialect(dialect) is SqlDialect.TRINO else sql
        try:
            return self.connection.sql(statement).to_arrow_table()
        except duckdb.Error as exc:
            raise QueryError(f"query failed on the local lake: {exc}") from exc

    @property
    def views(self) -> list[str]:
        return [view.name for view in analyst_views()]

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> LocalLake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _register(connection: duckdb.DuckDBPyConnection, name: str, source: ds.Dataset | pa.Table,
              materialize: bool) -> None:
    if not materialize:
        connection.register(name, source)
        return
    staging = f"__arrow_{name}"
    connection.register(staging, source)
    connection.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{staging}"')
    connection.unregister(staging)


def translate_to_duckdb(sql: str) -> str:
    """One Trino statement as DuckDB SQL."""
    try:
        statements = sqlglot.transpile(sql, read=VIEW_DIALECT, write=LOCAL_DIALECT,
                                       error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as exc:
        raise QueryError(f"not valid Trino (Athena) SQL: {exc}; for DuckDB's own SQL use --dialect duckdb") from exc
    statements = [s for s in statements if s.strip()]
    if len(statements) != 1:
        raise QueryError(f"give one SQL statement, not {len(statements)}")
    return statements[0]


# --- output -----------------------------------------------------------------------------------------------

def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _json_rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    for row in table.to_pylist():
        yield {key: _json_value(value) for key, value in row.items()}


def _write_bytes(content: bytes, output_path: Path | None, stdout: IO[bytes] | None) -> None:
    if output_path is not None:
        output_path.parent.mkdir(parents=True, exist_ok=True)
        output_path.write_bytes(content)
        return
    target = stdout or sys.stdout.buffer
    target.write(content)
    target.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if math.isfinite(value) else str(value)
    return str(value)


def render_result(table: pa.Table, console: Console | None = None, limit: int = TERMINAL_ROW_LIMIT) -> None:
    """The rows as a table in the terminal, the first `limit` of them."""
    console = console or Console()
    view = Table(show_lines=False)
    for field in table.schema:
        numeric = pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
        view.add_column(field.name, justify="right" if numeric else "left")
    for row in table.slice(0, limit).to_pylist():
        view.add_row(*(_cell(value) for value in row.values()))
    console.print(view)
    more = f", showing the first {limit}; use --format csv|parquet|json for all" if table.num_rows > limit else ""
    console.print(f"{table.num_rows} row(s){more}")


def write_result(table: pa.Table, output_format: OutputFormat | str, output_path: Path | None = None, *,
                 console: Console | None = None, stdout: IO[bytes] | None = None) -> None:
    """Write the rows in a format: to `output_path`, else to standard output (`stdout`, for tests)."""
    output_format = OutputFormat(output_format)
    if output_format is OutputFormat.TABLE:
        if output_path is not None:
            raise QueryError("--output needs --format csv, parquet or json")
        render_result(table, console)
        return
    buffer = io.BytesIO()
    if output_format is OutputFormat.CSV:
        pacsv.write_csv(table, buffer)
    elif output_format is OutputFormat.PARQUET:
        pq.write_table(table, buffer)
    else:
        buffer.write(json.dumps(list(_json_rows(table)), indent=1).encode() + b"\n")
    _write_bytes(buffer.getvalue(), Path(output_path) if output_path is not None else None, stdout)


def run_query(sql: str, *, lake: str | Path | LakeStorage | None = None, athena: bool = False,
              workgroup: str | None = None, database: str | None = None,
              output_format: OutputFormat | str = OutputFormat.TABLE, output_path: Path | str | None = None,
              dialect: SqlDialect | str = SqlDialect.TRINO, console: Console | None = None,
              stdout: IO[bytes] | None = None) -> pa.Table:
    """Run one query on the local lake (default: demo-output/lake) or, with `athena`, in the Athena workgroup
    (database and workgroup default to the deployment's); write the rows; return them."""
    path = Path(output_path) if output_path is not None else None
    if OutputFormat(output_format) is OutputFormat.TABLE and path is not None:
        raise QueryError("--output needs --format csv, parquet or json")
    if athena:
        if lake is not None:
            raise QueryError("--lake reads a local lake; with --athena the query runs on the deployed lake")
        if SqlDialect(dialect) is not SqlDialect.TRINO:
            raise QueryError("Athena runs Trino SQL only; drop --dialect duckdb with --athena")
        # awswrangler takes a while to import; a local query does without it.
        from vendorcast.lake.athena import AthenaTarget, run_athena_query

        result = run_athena_query(sql, AthenaTarget.resolve(database, workgroup))
    else:
        if workgroup is not None or database is not None:
            raise QueryError("--workgroup and --database apply to --athena only")
        with LocalLake.open(lake if lake is not None else DEFAULT_LOCAL_LAKE) as local:
            result = local.query(sql, dialect)
    write_result(result, output_format, path, console=console, stdout=stdout)
    return result


__all__ = [
    "DEFAULT_LOCAL_LAKE",
    "LAKE_TABLES",
    "LocalLake",
    "OutputFormat",
    "QueryError",
    "RegisteredTable",
    "SqlDialect",
    "lake_storage",
    "query_schema",
    "render_result",
    "run_query",
    "translate_to_duckdb",
    "write_result",
]
