"""Reading curated tables back from the lake as Arrow tables, partition columns included (typed per the
contract): for demand_weekly's inputs, tests and local tools."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vendorcast.lake.raw_files import partition_values
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CuratedTable, arrow_schema


def partition_ids(storage: LakeStorage, table: CuratedTable) -> list[str]:
    """The partitions of a table that hold data files, sorted."""
    prefix = f"{table.prefix}/"
    return sorted({o.key[len(prefix):].rsplit("/", 1)[0] for o in storage.list(prefix, ".parquet")
                   if not o.key.rsplit("/", 1)[1].startswith((".", "_"))})


def partition_files(storage: LakeStorage, table: CuratedTable, pid: str) -> list[str]:
    """The data files of one partition (hidden and marker files left out, as Athena and Spark leave them)."""
    return [o.key for o in storage.list(f"{table.prefix}/{pid}/", ".parquet")
            if not o.key.rsplit("/", 1)[1].startswith((".", "_"))]


def read_curated_table(storage: LakeStorage, table: CuratedTable, pids: Iterable[str] | None = None) -> pa.Table:
    """The rows of `pids` (default: every partition) with the table's full schema, partition columns last."""
    schema = arrow_schema(table, with_partitions=True)
    parts = []
    for pid in partition_ids(storage, table) if pids is None else pids:
        values = typed_partition_values(table, pid)
        for key in partition_files(storage, table, pid):
            data = pq.read_table(storage.path(key), filesystem=storage.filesystem, schema=arrow_schema(table))
            for column in table.partition_columns:
                value = pa.scalar(values[column.name], column.arrow_type)
                data = data.append_column(column.name, pa.repeat(value, data.num_rows))
            parts.append(data.cast(schema))
    return pa.concat_tables(parts) if parts else schema.empty_table()


def typed_partition_values(table: CuratedTable, pid: str) -> dict[str, Any]:
    """A partition's values as Python values of the columns' types."""
    values: dict[str, Any] = dict(partition_values(table, pid))
    for column in table.partition_columns:
        if column.type == "date":
            values[column.name] = date.fromisoformat(values[column.name])
    return values


__all__ = ["partition_files", "partition_ids", "read_curated_table", "typed_partition_values"]
