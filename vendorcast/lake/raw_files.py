"""Raw files as the curated SQL sees them: read with the contract's schema (plus `account`, from the key), checked
for required columns, and mapped to the curated partitions their rows land in.

The partition of a raw row is a function of the curated table's business key, so a curated partition can be
rebuilt from exactly the raw files that have rows in it. The SQL computes the same partition columns; the parity
and restatement tests hold the two to each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import quote, unquote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import ACCOUNT_COLUMN, CURATED_TABLES, CuratedTable, RawInput
from vendorcast.reports.schemas import ROW_LEVEL_ASIN

# Amazon's retail weeks start on Sunday; 1970-01-04 was one.
_A_SUNDAY = date(1970, 1, 4)
_ACCOUNT_IN_KEY = re.compile(r"/account=([^/]+)/")


class RawFileError(ValueError):
    """A raw file the publishing job cannot read into its curated table(s)."""

    def __init__(self, key: str, raw: RawInput, problem: str) -> None:
        self.key = key
        self.raw = raw
        self.tables = tuple(t.name for t in tables_reading(raw))
        super().__init__(f"{key}: {problem} (raw table {raw.table}, read by curated table "
                         f"{', '.join(self.tables)}); its partitions are not published until the file is fixed")


class MissingRequiredColumn(RawFileError):
    def __init__(self, key: str, raw: RawInput, column: str) -> None:
        self.column = column
        super().__init__(key, raw, f"lacks required column '{column}'")


def tables_reading(raw: RawInput) -> list[CuratedTable]:
    """The curated tables whose SQL reads this raw input."""
    return [t for t in CURATED_TABLES.values() if raw.view in t.inputs]


def account_of(key: str) -> str:
    """The account a raw file belongs to, from its key (raw/<table>/account=<account>/...)."""
    found = _ACCOUNT_IN_KEY.search(f"/{key}")
    if found is None:
        raise ValueError(f"{key}: not a raw file key (no account=<account> partition)")
    return unquote(found.group(1))


def read_raw_file(storage: LakeStorage, raw: RawInput, key: str, columns: list[str] | None = None,
                  check_required: bool = True) -> pa.Table:
    """A raw file's rows with `raw.schema`'s columns (or `columns` of them) in the contract's types, plus
    `account`. A missing optional column reads as null, extra columns are dropped; MissingRequiredColumn or
    RawFileError when the file cannot be read so (with check_required=False, only a missing column of `columns`
    is an error)."""
    wanted = list(raw.schema.names) if columns is None else columns
    try:
        with storage.filesystem.open_input_file(storage.path(key)) as source:
            parquet = pq.ParquetFile(source)
            present = set(parquet.schema_arrow.names)
            required = raw.required_columns if check_required else wanted
            for column in required:
                if column not in present:
                    raise MissingRequiredColumn(key, raw, column)
            _check_types(parquet.schema_arrow, raw, key)
            table = parquet.read(columns=[c for c in wanted if c in present])
    except (pa.ArrowInvalid, OSError) as exc:
        raise RawFileError(key, raw, f"is not a readable Parquet file: {exc}") from None
    arrays = []
    for name in wanted:
        field = raw.schema.field(name)
        if name not in table.column_names:
            arrays.append(pa.nulls(table.num_rows, field.type))
            continue
        try:
            arrays.append(table.column(name).cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise RawFileError(
                key, raw, f"column '{name}' is {table.schema.field(name).type}, not {field.type}"
            ) from None
    arrays.append(constant_string(account_of(key), table.num_rows))
    schema = pa.schema([*(raw.schema.field(n) for n in wanted), pa.field(ACCOUNT_COLUMN, pa.string())])
    return pa.Table.from_arrays(arrays, schema=schema)


def _check_types(file_schema: pa.Schema, raw: RawInput, key: str) -> None:
    """Every contract column the file has is of the contract's kind of type (an int32 reads as int64, a string
    never does)."""
    for field in raw.schema:
        if field.name in file_schema.names and not _same_kind(file_schema.field(field.name).type, field.type):
            found = file_schema.field(field.name).type
            raise RawFileError(key, raw, f"column '{field.name}' is {found}, not {field.type}")


def _same_kind(found: pa.DataType, wanted: pa.DataType) -> bool:
    if pa.types.is_dictionary(found):
        found = found.value_type
    kinds = (pa.types.is_integer, pa.types.is_floating, pa.types.is_timestamp, pa.types.is_date,
             pa.types.is_boolean, lambda t: pa.types.is_string(t) or pa.types.is_large_string(t))
    return found == wanted or any(kind(found) and kind(wanted) for kind in kinds)


def constant_string(value: str, length: int) -> pa.Array:
    """`length` copies of a string."""
    # A one-entry dictionary decoded: pa.repeat copies a string scalar one row at a time.
    indices = pa.array(np.zeros(length, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array([value], pa.string())).cast(pa.string())


# --- partitions -------------------------------------------------------------------------------------------


def start_week(day: date) -> date:
    """The Sunday on or before `day`."""
    return day - timedelta(days=(day - _A_SUNDAY).days % 7)


def partition_id(table: CuratedTable, values: dict[str, object]) -> str:
    """`account=acme-us/marketplace_id=ATVPDKIKX0DER/start_week=2024-01-07`: a partition's path under the table,
    and its id in the publishing manifest."""
    return "/".join(f"{name}={quote(_text(values[name]), safe='')}" for name in table.partition_names)


def partition_values(table: CuratedTable, pid: str) -> dict[str, str]:
    """The partition column values of a partition id, as text."""
    values = dict(part.split("=", 1) for part in pid.split("/"))
    if tuple(values) != table.partition_names:
        raise ValueError(f"{pid!r} is not a partition of {table.name} ({', '.join(table.partition_names)})")
    return {name: unquote(value) for name, value in values.items()}


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _distinct(rows: pa.Table, columns: list[str]) -> list[dict[str, object]]:
    """The distinct value combinations of `columns` (rows with a null among them have no partition).

    By dictionary codes and numpy: Arrow's group_by costs a second and a half to start in a fresh process."""
    for column in columns:
        rows = rows.filter(pc.is_valid(rows.column(column)))
    if rows.num_rows == 0:
        return []
    encoded = [pc.dictionary_encode(rows.column(c).combine_chunks()) for c in columns]
    # One integer per row (mixed radix over the columns' dictionary codes), so numpy's 1-D unique does the work.
    combined = np.zeros(rows.num_rows, dtype=np.int64)
    for column in encoded:
        combined = combined * len(column.dictionary) + column.indices.to_numpy(zero_copy_only=False)
    out = []
    for code in np.unique(combined).tolist():
        values = {}
        for name, column in zip(reversed(columns), reversed(encoded), strict=True):
            code, index = divmod(code, len(column.dictionary))
            values[name] = column.dictionary[index].as_py()
        out.append(values)
    return out


def _asin_rows(rows: pa.Table) -> pa.Table:
    return rows.filter(pc.equal(rows.column("row_level"), ROW_LEVEL_ASIN))


def _period_partitions(rows: pa.Table) -> list[dict[str, object]]:
    found = _distinct(_asin_rows(rows), [ACCOUNT_COLUMN, "marketplace_id", "start_date"])
    return [{**row, "start_week": start_week(row["start_date"])} for row in found if row["start_date"] is not None]


def _forecast_partitions(rows: pa.Table) -> list[dict[str, object]]:
    return _distinct(_asin_rows(rows), [ACCOUNT_COLUMN, "marketplace_id", "forecast_generation_date"])


def _catalog_item_partitions(rows: pa.Table) -> list[dict[str, object]]:
    return _distinct(rows, [ACCOUNT_COLUMN, "marketplace_id"])


def _catalog_change_partitions(rows: pa.Table) -> list[dict[str, object]]:
    # UTC timestamps: the UTC day, as the SQL's CAST(detected_at AS DATE) in a UTC session.
    days = pc.cast(rows.column("detected_at"), pa.date32())
    return _distinct(rows.append_column("detected_date", days), [ACCOUNT_COLUMN, "marketplace_id", "detected_date"])


def _order_week_partitions(rows: pa.Table) -> list[dict[str, object]]:
    # The UTC day of the order, as the SQL's CAST(order_date AS DATE) in a UTC session, then its week.
    days = pc.cast(rows.column("order_date"), pa.date32())
    found = _distinct(rows.append_column("order_day", days), [ACCOUNT_COLUMN, "marketplace_id", "order_day"])
    weeks = {(row[ACCOUNT_COLUMN], row["marketplace_id"], start_week(row["order_day"])) for row in found}
    return [{ACCOUNT_COLUMN: a, "marketplace_id": m, "order_week": w} for a, m, w in sorted(weeks)]


# curated table -> (raw columns needed, raw rows -> partition values)
_PARTITIONERS: dict[str, tuple[tuple[str, ...], Callable[[pa.Table], list[dict[str, object]]]]] = {
    "vendor_sales": (("marketplace_id", "row_level", "start_date"), _period_partitions),
    "vendor_traffic": (("marketplace_id", "row_level", "start_date"), _period_partitions),
    "vendor_inventory": (("marketplace_id", "row_level", "start_date"), _period_partitions),
    "vendor_net_ppm": (("marketplace_id", "row_level", "start_date"), _period_partitions),
    "amazon_forecast": (("marketplace_id", "row_level", "forecast_generation_date"), _forecast_partitions),
    "catalog_items": (("marketplace_id",), _catalog_item_partitions),
    "catalog_changes": (("marketplace_id", "detected_at"), _catalog_change_partitions),
    "purchase_orders": (("marketplace_id", "order_date"), _order_week_partitions),
    "purchase_order_items": (("marketplace_id", "order_date"), _order_week_partitions),
}


def raw_file_partitions(storage: LakeStorage, raw: RawInput, key: str,
                        check_required: bool = True) -> dict[str, list[str]]:
    """For each curated table reading `raw`, the sorted ids of the partitions that the file has rows in.
    Raises RawFileError (MissingRequiredColumn) like read_raw_file; with check_required=False only when the
    columns that place a row in its partition are missing."""
    out: dict[str, list[str]] = {}
    for table in tables_reading(raw):
        columns, partitioner = _PARTITIONERS[table.name]
        rows = read_raw_file(storage, raw, key, list(columns), check_required=check_required)
        out[table.name] = sorted({partition_id(table, values) for values in partitioner(rows)})
    return out


__all__ = [
    "MissingRequiredColumn",
    "RawFileError",
    "account_of",
    "partition_id",
    "partition_values",
    "raw_file_partitions",
    "read_raw_file",
    "start_week",
    "tables_reading",
]
