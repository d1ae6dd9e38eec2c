"""Report documents into typed Arrow tables: one JSON document (plain or gzip) in, one table with the explicit
schema of its report type out, checked against what was requested; and the one way to write raw Parquet."""

from __future__ import annotations

import functools
import gzip
import json
import os
import struct
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from vendorcast.reports.schemas import (
    METADATA_REPORT_TYPE,
    OPTION_COLUMNS,
    ROW_LEVEL_AGGREGATE,
    ROW_LEVEL_ASIN,
    TIMESTAMP_UTC,
    FieldKind,
    ReportLayout,
    RowField,
    report_layout,
    report_schema,
)
from vendorcast.vocabulary.report_catalogue import ReportType, report_spec

if TYPE_CHECKING:
    # Only a type here: the window module brings in the config (pydantic, sp_api), which parsing never needs.
    from vendorcast.reports.windows import ReportWindow

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_COMPRESSION = "zstd"
# Amazon's failure reason documents are a few hundred bytes; no report is this small and names errorDetails.
_FAILURE_DOCUMENT_MAX_BYTES = 64 * 1024
# pyarrow's JSON reader takes the whole document as one block, and a block's size is an int32.
_MAX_DOCUMENT_BYTES = 2**31 - 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OPTION_OF_COLUMN = {column: option for option, column in OPTION_COLUMNS.items()}


class ReportDocumentError(ValueError):
    """A report document that cannot be loaded into the lake."""


class MalformedReportDocument(ReportDocumentError):
    """Not a report of its type: not JSON, truncated, a failure reason, or a required field missing."""


class ReportSpecificationMismatch(ReportDocumentError):
    """The document's reportSpecification is not what was requested."""

    def __init__(self, report_type: str, differences: list[tuple[str, object, object]]) -> None:
        self.report_type = report_type
        self.differences = differences  # (field, expected, got)
        listed = "; ".join(f"{name}: expected {want!r}, got {got!r}" for name, want, got in differences)
        super().__init__(f"{report_type} document does not match the request: {listed}")


@dataclass(frozen=True)
class DocumentLineage:
    """Where a document's rows come from: the report, the ledger's request, and when they were ingested."""

    report_id: str
    request_key: str
    ingested_at: datetime


@dataclass(frozen=True)
class ExpectedSpecification:
    """What was requested, to compare with the reportSpecification that Amazon echoes in the document.

    `start`/`end` are None for report types whose data does not depend on dates (forecasting). For the hourly
    types a `datetime` is compared to the second and a `date` with the day of the document's date-time."""

    report_type: str
    report_options: dict[str, str]
    marketplace_id: str
    start: date | None
    end: date | None

    @classmethod
    def from_window(cls, window: ReportWindow, marketplace_id: str) -> ExpectedSpecification:
        dated = report_spec(window.report_type).dated
        return cls(
            report_type=window.report_type.value,
            report_options=window.options,
            marketplace_id=marketplace_id,
            start=window.start if dated else None,
            end=window.end if dated else None,
        )


@dataclass(frozen=True)
class DocumentSpecification:
    """A document's reportSpecification, typed."""

    report_type: str
    report_options: dict[str, str]
    marketplace_ids: list[str]
    last_updated_date: date | None
    data_start: date | datetime | None
    data_end: date | datetime | None


@dataclass(frozen=True)
class ParseSummary:
    """What `parse_report_file` wrote."""

    report_type: str
    output_path: Path
    rows: int
    asins: int  # distinct ASINs
    periods: int  # distinct periods: days, weeks, ..., hours, forecast buckets
    seconds: float  # wall time to read, parse and write


# --- entry points ---------------------------------------------------------------------------------------


def parse_report_document(
    document: bytes,
    report_type: str,
    lineage: DocumentLineage,
    expected: ExpectedSpecification | None = None,
) -> pa.Table:
    """One report document (JSON bytes, or gzip of them) as a table with its report type's raw schema.

    Raises UnknownReportType; MalformedReportDocument; ReportSpecificationMismatch when the document's
    reportSpecification differs from `expected` (not checked when None) or its reportType from `report_type`.
    Fields that Amazon adds and vendorcast does not know are ignored: the landing zone keeps the original.
    """
    layout = report_layout(report_type)
    if expected is not None and report_spec(expected.report_type).report_type is not layout.report_type:
        raise ValueError(f"asked to parse {layout.report_type} but expected {expected.report_type}")
    return _build_table(_read_document(document, layout), layout, lineage, expected)


def parse_report_file(
    report_type: str,
    input_path: Path,
    output_path: Path,
    *,
    report_id: str | None = None,
    request_key: str | None = None,
) -> ParseSummary:
    """`vendorcast parse-report`: a document file (.json or .json.gz) to a raw Parquet file (zstd).

    There is no request to compare the reportSpecification with. The report id defaults to the file's name
    and the request key to `file:<file name>`, so that the rows still say where they came from.
    """
    started = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    layout = report_layout(report_type)
    file_stem = input_path.name.removesuffix(".gz").removesuffix(".json")
    lineage = DocumentLineage(
        report_id=report_id if report_id is not None else file_stem,
        request_key=request_key if request_key is not None else f"file:{input_path.name}",
        ingested_at=datetime.now(UTC),
    )
    # Two steps instead of parse_report_document, so that the document's bytes are freed once parsed: the
    # peak memory is then the larger of parsing and building the table, not their sum.
    parsed = _read_document(input_path.read_bytes(), layout)
    table = _build_table(parsed, layout, lineage, expected=None)
    del parsed
    output_path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(table, output_path)

    # Within one document a period is identified by its first day (or hour).
    start_column = "start_time" if layout.hourly else "start_date"
    return ParseSummary(
        report_type=layout.report_type.value,
        output_path=output_path,
        rows=table.num_rows,
        asins=pc.count_distinct(table.column("asin")).as_py(),
        periods=pc.count_distinct(table.column(start_column)).as_py(),
        seconds=time.perf_counter() - started,
    )


def write_parquet(
    table: pa.Table,
    sink: str | os.PathLike[str] | pa.NativeFile | BinaryIO,
    schema: pa.Schema | None = None,
) -> None:
    """Write a raw table as Parquet (zstd) with an explicit schema: `schema`, or else the report schema that
    the table's metadata names (tables from parse_report_document carry it)."""
    if schema is None:
        report_type = (table.schema.metadata or {}).get(METADATA_REPORT_TYPE)
        if report_type is None:
            raise ValueError("write_parquet needs an explicit schema for a table that is not a report table")
        schema = report_schema(report_type.decode())
    if table.schema.names != schema.names:
        raise ValueError(f"table columns {table.schema.names} differ from the schema's {schema.names}")
    # cast() keeps the buffers when the types already match, and fails loudly when they cannot.
    pq.write_table(table.cast(schema), sink, compression=PARQUET_COMPRESSION)


# --- reading the document -------------------------------------------------------------------------------


def _read_document(document: bytes, layout: ReportLayout) -> pa.Table:
    """The document as one row of nested columns, holding only the fields vendorcast knows."""
    text = _decompress(document, layout.report_type)
    _reject_failure_document(text, layout.report_type)
    return _read_json(text, layout)


def _decompress(document: bytes, report_type: ReportType) -> bytes:
    if not document.startswith(GZIP_MAGIC):
        return document
    try:
        return gzip.decompress(document)
    except (EOFError, OSError, zlib.error) as exc:
        raise MalformedReportDocument(
            f"{report_type} document is gzip but cannot be decompressed (truncated or corrupt): {exc}"
        ) from None


def _reject_failure_document(text: bytes, report_type: ReportType) -> None:
    if len(text) > _FAILURE_DOCUMENT_MAX_BYTES or b"errorDetails" not in text:
        return
    try:
        content = json.loads(text)
    except ValueError:
        return  # not JSON: the reader says so in its own words
    if isinstance(content, dict) and "errorDetails" in content and "reportSpecification" not in content:
        raise MalformedReportDocument(
            f"{report_type} document is a failure reason document, not a report: "
            f"errorDetails={content['errorDetails']!r}"
        )


def _read_json(text: bytes, layout: ReportLayout) -> pa.Table:
    """Parse the document in Arrow's C++ JSON reader straight into columns: no Python object per row."""
    if not text or text.isspace():
        raise MalformedReportDocument(f"{layout.report_type} document is empty")
    if len(text) > _MAX_DOCUMENT_BYTES:
        raise ReportDocumentError(f"{layout.report_type} document of {len(text)} bytes is larger than 2 GiB")
    parse_options = pa_json.ParseOptions(
        explicit_schema=_reader_schema(layout.report_type),
        # Schema evolution: fields Amazon adds later are skipped, so the raw schema stays as declared.
        unexpected_field_behavior="ignore",
        # Documents may be pretty-printed: a newline does not end the object.
        newlines_in_values=True,
    )
    # One block for the whole document: a report is one JSON object, which a block boundary may not split.
    read_options = pa_json.ReadOptions(block_size=len(text) + 1, use_threads=False)
    try:
        table = pa_json.read_json(
            pa.BufferReader(text), read_options=read_options, parse_options=parse_options
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        # The reader counts top-level JSON values as rows; a report has one, so "in row 0" says nothing.
        reason = str(exc).removesuffix(" in row 0")
        raise MalformedReportDocument(
            f"{layout.report_type} document is not JSON of its schema (truncated, or a field of the wrong "
            f"type): {reason}"
        ) from None
    if table.num_rows != 1:
        raise MalformedReportDocument(
            f"{layout.report_type} document holds {table.num_rows} JSON values; a report is one JSON object"
        )
    return table


def _reader_type(kind: FieldKind) -> pa.DataType:
    """The type the JSON reader converts a field to; dates arrive as ISO strings, which it parses."""
    match kind:
        case FieldKind.INTEGER:
            return pa.int64()
        case FieldKind.NUMBER:
            return pa.float64()
        case FieldKind.AMOUNT:
            return pa.struct([("amount", pa.float64()), ("currencyCode", pa.string())])
        case FieldKind.DATE:
            return pa.timestamp("s")  # the reader cannot parse a date32 from a string
        case FieldKind.DATE_TIME:
            return TIMESTAMP_UTC
        case FieldKind.STRING:
            return pa.string()
    raise ValueError(f"unknown field kind {kind}")


def _row_fields(layout: ReportLayout, aggregate: bool) -> tuple[RowField, ...]:
    return tuple(f for f in layout.fields if not (aggregate and f.by_asin_only))


@functools.cache
def _reader_schema(report_type: ReportType) -> pa.Schema:
    """The explicit schema handed to the JSON reader: the fields vendorcast knows, typed."""
    layout = report_layout(report_type)

    def rows(aggregate: bool) -> pa.DataType:
        return pa.list_(pa.struct([(f.name, _reader_type(f.kind)) for f in _row_fields(layout, aggregate)]))

    options = sorted({*report_spec(report_type).options, *layout.required_options})
    # The specification stays strings, parsed in Python: one value each, and clearer errors.
    specification = pa.struct([
        ("reportType", pa.string()),
        ("reportOptions", pa.struct([(name, pa.string()) for name in options])),
        ("lastUpdatedDate", pa.string()),
        ("dataStartTime", pa.string()),
        ("dataEndTime", pa.string()),
        ("marketplaceIds", pa.list_(pa.string())),
    ])
    fields = [("reportSpecification", specification), (layout.by_asin_key, rows(aggregate=False))]
    if layout.aggregate_key is not None:
        fields.append((layout.aggregate_key, rows(aggregate=True)))
    return pa.schema(fields)


def _read_specification(parsed: pa.Table, layout: ReportLayout) -> DocumentSpecification:
    report_type = layout.report_type
    raw = parsed.column("reportSpecification")[0].as_py()
    if raw is None:
        raise MalformedReportDocument(f"{report_type} document lacks required field 'reportSpecification'")
    for name in ("reportType", "marketplaceIds", *layout.required_specification):
        if raw.get(name) is None:
            raise MalformedReportDocument(
                f"{report_type} document lacks required field 'reportSpecification.{name}'"
            )
    options = {name: value for name, value in (raw.get("reportOptions") or {}).items() if value is not None}
    for name in layout.required_options:
        if name not in options:
            raise MalformedReportDocument(
                f"{report_type} document lacks required field 'reportSpecification.reportOptions.{name}'"
            )
    parse_window = _parse_date_time if layout.hourly else _parse_date
    return DocumentSpecification(
        report_type=raw["reportType"],
        report_options=options,
        marketplace_ids=list(raw["marketplaceIds"]),
        last_updated_date=_parse_date(raw, "lastUpdatedDate", report_type),
        data_start=parse_window(raw, "dataStartTime", report_type),
        data_end=parse_window(raw, "dataEndTime", report_type),
    )


def _parse_date(raw: dict[str, str | None], name: str, report_type: ReportType) -> date | None:
    value = raw.get(name)
    if value is None:
        return None
    try:
        # Dates are YYYY-MM-DD; the time part of a date-time is ignored, as Amazon ignores it in requests.
        return date.fromisoformat(value[:10])
    except ValueError:
        raise MalformedReportDocument(
            f"{report_type} document: reportSpecification.{name}={value!r} is not a date (YYYY-MM-DD)"
        ) from None


def _parse_date_time(raw: dict[str, str | None], name: str, report_type: ReportType) -> datetime | None:
    value = raw.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedReportDocument(
            f"{report_type} document: reportSpecification.{name}={value!r} is not an ISO 8601 date-time"
        ) from None
    # SP-API's date-times are UTC; one without an offset is read as UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _check_specification(
    specification: DocumentSpecification, expected: ExpectedSpecification | None, layout: ReportLayout
) -> None:
    report_type = layout.report_type
    if specification.report_type != report_type.value:
        raise ReportSpecificationMismatch(
            report_type, [("reportType", report_type.value, specification.report_type)]
        )
    if expected is None:
        return
    differences: list[tuple[str, object, object]] = []
    # The options this type takes, and any the request named; other echoed options are not vendorcast's.
    for name in sorted({*report_spec(report_type).options, *expected.report_options}):
        want, got = expected.report_options.get(name), specification.report_options.get(name)
        if want != got:
            differences.append((f"reportOptions.{name}", want, got))
    if specification.marketplace_ids != [expected.marketplace_id]:
        differences.append(("marketplaceIds", [expected.marketplace_id], specification.marketplace_ids))
    for name, want, got in (
        ("dataStartTime", expected.start, specification.data_start),
        ("dataEndTime", expected.end, specification.data_end),
    ):
        if want is not None and not _same_time(want, got):
            differences.append((name, str(want), None if got is None else str(got)))
    if differences:
        raise ReportSpecificationMismatch(report_type, differences)


def _same_time(want: date, got: date | datetime | None) -> bool:
    """Compare to the precision of the less precise side (a datetime is a date)."""
    if got is None:
        return False
    if isinstance(want, datetime) and isinstance(got, datetime):
        return (want if want.tzinfo else want.replace(tzinfo=UTC)) == got
    as_day = [d.date() if isinstance(d, datetime) else d for d in (want, got)]
    return as_day[0] == as_day[1]


# --- building the table ---------------------------------------------------------------------------------


def _build_table(
    parsed: pa.Table, layout: ReportLayout, lineage: DocumentLineage, expected: ExpectedSpecification | None
) -> pa.Table:
    if lineage.ingested_at.tzinfo is None:
        raise ValueError("lineage.ingested_at must be timezone-aware")
    specification = _read_specification(parsed, layout)
    _check_specification(specification, expected, layout)
    # Aggregate rows first, then by-ASIN rows, each in document order.
    arrays = [(layout.aggregate_key, True)] if layout.aggregate_key is not None else []
    arrays.append((layout.by_asin_key, False))
    return pa.concat_tables([
        _rows_table(parsed, key, layout, specification, lineage, aggregate=aggregate)
        for key, aggregate in arrays
    ])


def _rows_table(
    parsed: pa.Table,
    key: str,
    layout: ReportLayout,
    specification: DocumentSpecification,
    lineage: DocumentLineage,
    *,
    aggregate: bool,
) -> pa.Table:
    """The rows of one array of the document (`salesAggregate`, `salesByAsin`, ...) in the raw schema."""
    array = parsed.column(key).chunk(0)
    if array.null_count:
        raise MalformedReportDocument(f"{layout.report_type} document lacks required field '{key}'")
    rows = array.flatten()  # the array's objects, as one struct array
    if rows.null_count:
        raise MalformedReportDocument(
            f"{layout.report_type} document: {key}[{_first_true(rows.is_null())}] is null, not an object"
        )
    asins = None if aggregate else pc.struct_field(rows, "asin")

    values: dict[str, pa.Array] = {}
    for field in _row_fields(layout, aggregate):
        values[field.column] = pc.struct_field(rows, field.name)
        _require_present(values[field.column], field, _RowsAt(layout.report_type, key, asins))
    currency = _row_currency(layout, values, _RowsAt(layout.report_type, key, asins))
    if currency is None and layout.has_currency:
        # Real-time sales: plain numbers, in the one currency that reportOptions names.
        currency = _constant(specification.report_options.get("currencyCode"), pa.string(), len(rows))

    columns: list[pa.Array] = []
    for column in layout.schema:
        if column.name in values:
            columns.append(_typed(values[column.name], column.type))
        elif column.name == "asin":  # aggregate rows
            columns.append(pa.nulls(len(rows), pa.string()))
        elif column.name == "currency_code":
            columns.append(currency)
        else:
            value = _lineage_value(column.name, specification, lineage, aggregate)
            columns.append(_constant(value, column.type, len(rows)))
    return pa.Table.from_arrays(columns, schema=layout.schema)


def _typed(values: pa.Array, column_type: pa.DataType) -> pa.Array:
    if pa.types.is_struct(values.type):  # an Amount: its number; the currency went to currency_code
        values = pc.struct_field(values, "amount")
    return values if values.type == column_type else values.cast(column_type)


def _lineage_value(
    name: str, specification: DocumentSpecification, lineage: DocumentLineage, aggregate: bool
) -> object:
    match name:
        case "report_id":
            return lineage.report_id
        case "request_key":
            return lineage.request_key
        case "ingested_at":
            return lineage.ingested_at
        case "report_type":
            return specification.report_type
        case "marketplace_id":
            # A vendor account has one marketplace, and a document covers it alone.
            return specification.marketplace_ids[0] if specification.marketplace_ids else None
        case "data_start_date" | "data_start_time":
            return specification.data_start
        case "data_end_date" | "data_end_time":
            return specification.data_end
        case "last_updated_date":
            return specification.last_updated_date
        case "row_level":
            return ROW_LEVEL_AGGREGATE if aggregate else ROW_LEVEL_ASIN
        case _ if name in _OPTION_OF_COLUMN:
            return specification.report_options.get(_OPTION_OF_COLUMN[name])
    raise AssertionError(f"no lineage value for column {name}")


def _constant(value: object, column_type: pa.DataType, length: int) -> pa.Array:
    """`length` copies of one value: the lineage columns are constant within a document.

    A string column decodes a one-entry dictionary, because pa.repeat copies strings one at a time (~100x
    slower on a large document)."""
    if value is None:
        return pa.nulls(length, column_type)
    single = _single_value_array(value, column_type)
    if pa.types.is_string(column_type):
        zero = _single_value_array(0, pa.int32())[0]
        return pa.DictionaryArray.from_arrays(pa.repeat(zero, length), single).cast(column_type)
    return pa.repeat(single[0], length)


def _single_value_array(value: object, column_type: pa.DataType) -> pa.Array:
    """A one-element array built from its raw buffers: pa.array and pa.scalar on Python values import pandas,
    a second and tens of MiB that a Lambda parsing documents does not need."""
    if isinstance(value, str):
        data = value.encode()
        offsets = struct.pack("<ii", 0, len(data))
        return pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    if isinstance(value, datetime):  # before date: a datetime is a date
        micros = (value - _EPOCH) // timedelta(microseconds=1)
        as_int64 = pa.Array.from_buffers(pa.int64(), 1, [None, pa.py_buffer(struct.pack("<q", micros))])
        return as_int64.cast(column_type)
    if isinstance(value, date):
        days = (value - _EPOCH.date()).days
        return pa.Array.from_buffers(pa.date32(), 1, [None, pa.py_buffer(struct.pack("<i", days))])
    if isinstance(value, int) and pa.types.is_int32(column_type):
        return pa.Array.from_buffers(pa.int32(), 1, [None, pa.py_buffer(struct.pack("<i", value))])
    raise TypeError(f"no constant {column_type} column from {value!r}")


# --- row checks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RowsAt:
    """Where rows come from, to name one in an error: `salesByAsin[12] (asin B0...)`."""

    report_type: ReportType
    key: str
    asins: pa.Array | None

    def error(self, row: int, problem: str) -> MalformedReportDocument:
        asin = self.asins[row].as_py() if self.asins is not None else None
        where = f"{self.key}[{row}]" + (f" (asin {asin})" if asin else "")
        return MalformedReportDocument(f"{self.report_type} document: {where} {problem}")


def _require_present(column: pa.Array, field: RowField, rows: _RowsAt) -> None:
    """A required field (per Amazon's schema) in every row, and both parts of every Amount present."""
    if field.required and column.null_count:
        raise rows.error(_first_true(column.is_null()), f"lacks required field '{field.name}'")
    if field.kind is FieldKind.AMOUNT:
        for part in ("amount", "currencyCode"):
            missing = pc.and_(column.is_valid(), pc.struct_field(column, part).is_null())
            if pc.any(missing).as_py():
                raise rows.error(_first_true(missing), f"lacks required field '{field.name}.{part}'")


def _row_currency(layout: ReportLayout, values: dict[str, pa.Array], rows: _RowsAt) -> pa.Array | None:
    """The one currency of each row's Amounts (None for types without Amounts); mixing them is an error."""
    if not layout.amount_fields:
        return None
    codes = {f.name: pc.struct_field(values[f.column], "currencyCode") for f in layout.amount_fields}
    currency = pc.coalesce(*codes.values())
    for code in codes.values():
        # Null where the row lacks this Amount; any() and indices_nonzero() pass over nulls.
        differs = pc.not_equal(code, currency)
        if pc.any(differs).as_py():
            row = _first_true(differs)
            found = {name: c[row].as_py() for name, c in codes.items() if c[row].is_valid}
            raise rows.error(row, f"mixes currencies: {found}")
    return currency


def _first_true(mask: pa.Array) -> int:
    """Index of the first true value (nulls count as false)."""
    return pc.indices_nonzero(mask)[0].as_py()
