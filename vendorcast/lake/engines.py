"""The engines that run the curated SQL: Spark (the Glue job) and DuckDB (the embedded runtime; the SQL translated
with sqlglot). Both register the same input views, run the same SQL, keep the rows of the partitions they are
asked for, and replace exactly those partitions in the lake (dynamic partition overwrite).

Each engine imports its library when it is built, so the Glue job never needs DuckDB and the embedded runtime
never needs Spark.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vendorcast.lake.curated import partition_files, read_curated_table, typed_partition_values
from vendorcast.lake.raw_files import account_of, constant_string, partition_id
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import (
    ACCOUNT_COLUMN,
    ARROW_TYPES,
    CENSORED_OUT_OF_STOCK_RATE,
    CURATED_TABLES,
    DEMAND_SELLING_PROGRAM,
    PARAMETERS_VIEW,
    RAW_INPUTS,
    CuratedTable,
    RawInput,
    arrow_schema,
)

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import DataFrame, SparkSession

CURATED_COMPRESSION = "zstd"
# The one file a DuckDB-published partition holds (Spark names its files itself).
PARTITION_FILE = "part-00000.parquet"
# Partition files written at once: each write waits mostly on the object store (S3, or the emulator), so a few in
# flight overlap those waits (Arrow encodes and uploads outside the interpreter's lock).
PARTITION_WRITERS = 8

_SPARK_TYPES = {arrow_type: name for name, arrow_type in ARROW_TYPES.items()}


@dataclass(frozen=True)
class EngineInputs:
    """What one curated table's SQL reads in one run: raw files per raw view, curated partitions per table."""

    raw_files: dict[str, list[str]]
    curated_partitions: dict[str, list[str]]


class CuratedEngine(Protocol):
    name: str
    # The most input (bytes of raw Parquet) one publish() call should read, or None for no limit: the job splits
    # the partitions to rebuild into batches that keep to it.
    batch_input_bytes: int | None

    def publish(self, table: CuratedTable, inputs: EngineInputs, partitions: Sequence[str]) -> dict[str, int]:
        """Run `table`'s SQL over `inputs` and replace each partition of `partitions` with its rows (a partition
        left without rows is deleted). Returns the rows written per partition."""
        ...

    def close(self) -> None: ...


def publish_parameters() -> pa.Table:
    """The one-row view of named constants the SQL reads."""
    return pa.table({
        "censored_out_of_stock_rate": pa.array([CENSORED_OUT_OF_STOCK_RATE], pa.float64()),
        "demand_selling_program": pa.array([DEMAND_SELLING_PROGRAM], pa.string()),
    })


@functools.cache
def columns_read(table_name: str, view: str) -> list[str]:
    """The columns of a raw view that a table's SQL names: the only ones it can use (`r.*` passes through just
    the ones named later)."""
    import sqlglot
    from sqlglot import expressions

    named = {c.name for c in sqlglot.parse_one(CURATED_TABLES[table_name].sql(), read="spark")
             .find_all(expressions.Column)}
    return [name for name in RAW_INPUTS[view].schema.names if name in named]


@functools.cache
def duckdb_sql(table_name: str) -> str:
    """A curated table's Spark SQL in DuckDB's dialect."""
    import sqlglot

    return sqlglot.transpile(CURATED_TABLES[table_name].sql(), read="spark", write="duckdb")[0]


def _sort_keys(table: CuratedTable) -> list[tuple[str, str]]:
    """Rows in a partition's file in business-key order, so that a partition's content has one layout."""
    return [(name, "ascending") for name in table.business_key if name not in table.partition_names]


def _delete_partition(storage: LakeStorage, table: CuratedTable, pid: str) -> None:
    storage.delete([o.key for o in storage.list(f"{table.prefix}/{pid}/")])


# --- DuckDB -----------------------------------------------------------------------------------------------


class DuckDBEngine:
    """The curated SQL on DuckDB, over raw files read with pyarrow from any LakeStorage (DuckDB's own S3 support
    needs an extension that cannot be installed offline)."""

    name = "duckdb"
    # Raw Parquet expands about tenfold in memory; batches of this much input measured fastest and keep a
    # 2,000-ASIN, two-year lake under 1 GiB (docs/benchmarks.md).
    batch_input_bytes: int | None = 8 * 1024 * 1024

    def __init__(self, storage: LakeStorage, threads: int | None = None) -> None:
        import duckdb

        self.storage = storage
        self._connection: duckdb.DuckDBPyConnection = duckdb.connect()
        # Timestamps are UTC everywhere; the Spark session is set to UTC too.
        self._connection.execute("SET TimeZone = 'UTC'")
        if threads is not None:
            self._connection.execute(f"SET threads = {int(threads)}")

    def close(self) -> None:
        self._connection.close()

    def publish(self, table: CuratedTable, inputs: EngineInputs, partitions: Sequence[str]) -> dict[str, int]:
        result = self.run(table, inputs, ordered=True)
        targets = set(partitions)
        written = self._write_partitions(table, result, targets)
        for pid in targets - set(written):
            _delete_partition(self.storage, table, pid)
        return {pid: written.get(pid, 0) for pid in sorted(targets)}

    def run(self, table: CuratedTable, inputs: EngineInputs, ordered: bool = False) -> pa.Table:
        """The table's SQL over `inputs`: every row it yields, in the contract's schema (partition columns last);
        `ordered` sorts them by partition and business key, as the partition files hold them."""
        connection = self._connection.cursor()
        try:
            for view in table.inputs:
                if view in RAW_INPUTS:
                    source = self._read_raw(RAW_INPUTS[view], inputs.raw_files.get(view, []),
                                            columns_read(table.name, view))
                else:
                    source = self._read_curated(CURATED_TABLES[view], inputs.curated_partitions.get(view, []))
                connection.register(view, source)
            connection.register(PARAMETERS_VIEW, publish_parameters())
            query = duckdb_sql(table.name)
            if ordered:
                order = ", ".join([*table.partition_names, *(name for name, _ in _sort_keys(table))])
                query = f"SELECT * FROM ({query}) AS curated ORDER BY {order}"
            result = connection.sql(query).to_arrow_table()
        finally:
            connection.close()
        schema = arrow_schema(table, with_partitions=True)
        return result.select(schema.names).cast(schema)

    def _read_raw(self, raw: RawInput, keys: list[str], columns: list[str]) -> pa.Table:
        """The raw files as one table of `columns` + account. Arrow's dataset scanner reads them in parallel and
        conforms each to the contract (a missing optional column is null); the files were checked for required
        columns and types when the job first saw them."""
        import pyarrow.dataset as ds  # a second to import: only when raw files are read

        schema = pa.schema([raw.schema.field(c) for c in columns])
        by_account: dict[str, list[str]] = {}
        for key in keys:
            by_account.setdefault(account_of(key), []).append(self.storage.path(key))
        parts = []
        for account, paths in sorted(by_account.items()):
            rows = ds.dataset(paths, schema=schema, filesystem=self.storage.filesystem, format="parquet").to_table()
            parts.append(rows.append_column(ACCOUNT_COLUMN, constant_string(account, rows.num_rows)))
        if not parts:
            return pa.schema([*schema, pa.field(ACCOUNT_COLUMN, pa.string())]).empty_table()
        return pa.concat_tables(parts)

    def _read_curated(self, table: CuratedTable, pids: list[str]) -> pa.Table:
        return read_curated_table(self.storage, table, pids)

    def _write_partitions(self, table: CuratedTable, result: pa.Table, targets: set[str]) -> dict[str, int]:
        data_columns = list(table.column_names)
        # What an earlier run left, listed once for the table (not once per partition).
        existing = [o.key for o in self.storage.list(f"{table.prefix}/")]
        partitions: list[tuple[str, pa.Table]] = []
        for first, length in _runs(result, list(table.partition_names)):
            pid = partition_id(table, result.slice(first, 1).select(list(table.partition_names)).to_pylist()[0])
            if pid in targets:
                partitions.append((pid, result.slice(first, length).select(data_columns)))

        def write(partition: tuple[str, pa.Table]) -> tuple[str, int]:
            pid, rows = partition
            key = f"{table.prefix}/{pid}/{PARTITION_FILE}"
            self.storage.write_parquet(key, rows, compression=CURATED_COMPRESSION)
            # Objects an earlier run left (Spark's file names, say) go once the new file is in place.
            self.storage.delete([k for k in existing if k.startswith(f"{table.prefix}/{pid}/") and k != key])
            return pid, rows.num_rows

        with ThreadPoolExecutor(max_workers=PARTITION_WRITERS, thread_name_prefix="partition-writer") as pool:
            return dict(pool.map(write, partitions))


def _runs(rows: pa.Table, columns: list[str]) -> list[tuple[int, int]]:
    """(first row, length) of each run of equal `columns` values in rows sorted by them."""
    if rows.num_rows == 0:
        return []
    changes = np.zeros(rows.num_rows - 1, dtype=bool)
    for column in columns:
        values = rows.column(column).combine_chunks()
        differs = pc.not_equal(values.slice(1), values.slice(0, rows.num_rows - 1))
        changes |= differs.fill_null(True).to_numpy(zero_copy_only=False)
    starts = [0, *(np.flatnonzero(changes) + 1).tolist()]
    return [(start, end - start) for start, end in zip(starts, [*starts[1:], rows.num_rows], strict=True)]


# --- Spark ------------------------------------------------------------------------------------------------


def configure_spark(spark: SparkSession) -> None:
    """Session settings the publishing job relies on, whoever built the session."""
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    spark.conf.set("spark.sql.parquet.compression.codec", CURATED_COMPRESSION)
    # No _SUCCESS marker objects among the curated partitions.
    spark.sparkContext._jsc.hadoopConfiguration().set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")


def spark_ddl(schema: pa.Schema) -> str:
    """An Arrow schema of contract types as a Spark DDL string."""
    return ", ".join(f"`{f.name}` {_SPARK_TYPES[f.type]}" for f in schema)


def _literal(value: Any, arrow_type: pa.DataType) -> str:
    """A Spark SQL literal of a contract type."""
    if value is None:
        return f"CAST(NULL AS {_SPARK_TYPES[arrow_type]})"
    if pa.types.is_string(arrow_type):
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
    if pa.types.is_date(arrow_type):
        return f"DATE '{value.isoformat()}'"
    if pa.types.is_floating(arrow_type):
        return f"CAST('{value!r}' AS DOUBLE)"
    if pa.types.is_boolean(arrow_type):
        return "TRUE" if value else "FALSE"
    if pa.types.is_integer(arrow_type):
        return f"CAST({int(value)} AS BIGINT)"
    raise TypeError(f"no Spark literal for {arrow_type}")


class SparkEngine:
    """The curated SQL on Spark: raw files read and curated partitions written by Spark itself (on Glue, S3
    through EMRFS), with dynamic partition overwrite."""

    name = "spark"
    # Spark spills what does not fit: one batch, however large.
    batch_input_bytes: int | None = None

    def __init__(self, spark: SparkSession, storage: LakeStorage) -> None:
        self.spark = spark
        self.storage = storage
        configure_spark(spark)

    def close(self) -> None:
        self.spark.catalog.clearCache()

    def publish(self, table: CuratedTable, inputs: EngineInputs, partitions: Sequence[str]) -> dict[str, int]:
        from pyspark.sql import functions as F

        names = list(table.partition_names)
        result = self.run(table, inputs)
        partition_schema = pa.schema([pa.field(c.name, c.arrow_type) for c in table.partition_columns])
        targets = self._values([typed_partition_values(table, pid) for pid in partitions], partition_schema)
        result = result.join(F.broadcast(targets), on=names, how="left_semi")
        sort_columns = [n for n, _ in _sort_keys(table)]
        (result.repartition(*names).sortWithinPartitions(*names, *sort_columns)
         .select(*table.column_names, *names)
         .write.mode("overwrite").partitionBy(*names).parquet(self.storage.uri(table.prefix)))
        # Dynamic overwrite replaced the partitions that have rows; the others are deleted here. Row counts come
        # from the written files' footers: cheaper than a second pass over the data.
        written = {}
        for pid in sorted(set(partitions)):
            files = partition_files(self.storage, table, pid)
            if files:
                written[pid] = sum(self.storage.parquet_rows(key) for key in files)
            else:
                _delete_partition(self.storage, table, pid)
                written[pid] = 0
        return written

    def run(self, table: CuratedTable, inputs: EngineInputs) -> DataFrame:
        """The table's SQL over `inputs` as a DataFrame in the contract's schema (partition columns last)."""
        from pyspark.sql import functions as F

        for view in table.inputs:
            if view in RAW_INPUTS:
                source = self._read_raw(RAW_INPUTS[view], inputs.raw_files.get(view, []))
            else:
                source = self._read_curated(CURATED_TABLES[view], inputs.curated_partitions.get(view, []))
            source.createOrReplaceTempView(view)
        parameters = publish_parameters()
        self._values(parameters.to_pylist(), parameters.schema).createOrReplaceTempView(PARAMETERS_VIEW)
        result = self.spark.sql(table.sql())
        return result.select(*[F.col(c.name).cast(c.type).alias(c.name) for c in table.all_columns])

    def _values(self, rows: list[dict[str, Any]], schema: pa.Schema) -> DataFrame:
        """Literal rows as a DataFrame, built in SQL: createDataFrame would start Python workers."""
        if not rows:
            return self.spark.createDataFrame([], schema=spark_ddl(schema))
        tuples = ", ".join("(" + ", ".join(_literal(row[f.name], f.type) for f in schema) + ")" for row in rows)
        names = ", ".join(f"`{f.name}`" for f in schema)
        return self.spark.sql(f"SELECT * FROM VALUES {tuples} AS literal_rows({names})")

    def _read_raw(self, raw: RawInput, keys: list[str]) -> DataFrame:
        from pyspark.sql import functions as F

        by_account: dict[str, list[str]] = {}
        for key in keys:
            by_account.setdefault(account_of(key), []).append(self.storage.uri(key))
        schema = spark_ddl(raw.schema)
        frames = [
            # Files named one by one: Spark then discovers no partitions in their paths, so marketplace_id and
            # the options are read from the files, and a column a file lacks reads as null.
            self.spark.read.schema(schema).parquet(*uris).withColumn(ACCOUNT_COLUMN, F.lit(account))
            for account, uris in sorted(by_account.items())
        ]
        if not frames:
            return self.spark.createDataFrame([], schema=f"{schema}, `{ACCOUNT_COLUMN}` string")
        return functools.reduce(lambda a, b: a.unionByName(b), frames)

    def _read_curated(self, table: CuratedTable, pids: list[str]) -> DataFrame:
        schema = spark_ddl(arrow_schema(table, with_partitions=True))
        uris = [self.storage.uri(f"{table.prefix}/{pid}") for pid in pids
                if partition_files(self.storage, table, pid)]
        if not uris:
            return self.spark.createDataFrame([], schema=schema)
        return (self.spark.read.schema(schema).option("basePath", self.storage.uri(table.prefix))
                .parquet(*uris))


__all__ = [
    "CURATED_COMPRESSION",
    "CuratedEngine",
    "DuckDBEngine",
    "EngineInputs",
    "SparkEngine",
    "configure_spark",
    "duckdb_sql",
    "publish_parameters",
    "spark_ddl",
]
