"""Files the vendor uploads under the lake's inputs/ prefix (promotion and price plans, supply plans): CSV or
Parquet, read and checked row by row against the columns of their kind. A bad row becomes one problem naming the
file, the row and the field, and the good rows are used."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vendorcast.lake.storage import LakeStorage
from vendorcast.resources import INPUTS_PREFIX

log = logging.getLogger(__name__)

FORMATS = (".csv", ".parquet")
# The columns every kept row carries besides its own: where it came from, so later checks can name it too.
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"


class BadValue(ValueError):
    """A value a column cannot take; the message says what to write instead."""


@dataclass(frozen=True)
class InputColumn:
    """One column of a vendor file: `parse` turns a cell into its value or raises BadValue; an empty cell is None
    (a required column's empty cell is a problem)."""

    name: str
    parse: Callable[[Any], Any]
    required: bool = True


@dataclass(frozen=True)
class InputProblem:
    """Something to fix in a vendor file: the file, the row (counted from 1 under the header; None for the whole
    file) and the field."""

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


# A cross-field check of one parsed row: the (field, message) of each problem found.
RowCheck = Callable[[dict[str, Any]], Iterable[tuple[str, str]]]


@dataclass
class VendorInput:
    """The good rows of every file of one kind (its columns plus SOURCE_FILE and SOURCE_ROW), and the problems."""

    rows: pd.DataFrame
    problems: list[InputProblem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or bool(pd.isna(value))


def _table(name: str, content: bytes) -> pd.DataFrame:
    if name.lower().endswith(".csv"):
        # Every cell as text, nothing guessed: each column's parser decides what its text means.
        return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, skipinitialspace=True)
    return pq.read_table(pa.BufferReader(content)).to_pandas()


def parse_vendor_file(name: str, content: bytes, columns: Sequence[InputColumn],
                      check: RowCheck | None = None) -> VendorInput:
    """The good rows of one file and a problem for each bad one (or one for the whole file when it cannot be read
    or lacks a required column)."""
    names = [c.name for c in columns]
    empty = pd.DataFrame(columns=[*names, SOURCE_FILE, SOURCE_ROW])
    if not name.lower().endswith(FORMATS):
        return VendorInput(empty, [InputProblem(name, None, None, "not a .csv or .parquet file; ignored")], [name])
    try:
        table = _table(name, content)
    except (ValueError, OSError, pa.ArrowException) as exc:
        return VendorInput(empty, [InputProblem(name, None, None, f"cannot be read ({exc}); ignored")], [name])
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c.name for c in columns if c.required and c.name not in table.columns]
    if missing:
        return VendorInput(empty, [InputProblem(
            name, None, None, f"missing column(s) {', '.join(missing)}; the file needs {', '.join(names)} "
            "(see docs/operations.md); ignored")], [name])
    problems = []
    if unknown := [c for c in table.columns if c not in names]:
        problems.append(InputProblem(name, None, None, f"column(s) {', '.join(unknown)} unknown, ignored; the "
                                     f"columns are {', '.join(names)}"))
    kept = []
    for position, record in enumerate(table.to_dict("records"), start=1):
        row, bad = {}, []
        for column in columns:
            value = record.get(column.name)
            if _empty(value):
                row[column.name] = None
                if column.required:
                    bad.append((column.name, "empty; a value is required"))
                continue
            try:
                row[column.name] = column.parse(value)
            except BadValue as exc:
                bad.append((column.name, str(exc)))
        if not bad and check is not None:
            bad = list(check(row))
        if bad:
            problems += [InputProblem(name, position, column, message) for column, message in bad]
            continue
        kept.append({**row, SOURCE_FILE: name, SOURCE_ROW: position})
    return VendorInput(pd.DataFrame(kept, columns=empty.columns) if kept else empty, problems, [name])


def read_vendor_inputs(storage: LakeStorage, kind: str, columns: Sequence[InputColumn],
                       check: RowCheck | None = None) -> VendorInput:
    """Every file under inputs/<kind>/ of the lake, parsed; each problem is logged as a warning too."""
    parts = [parse_vendor_file(o.key, storage.read_bytes(o.key) or b"", columns, check)
             for o in storage.list(f"{INPUTS_PREFIX}/{kind}/")]
    found = merge_inputs(parts, columns)
    for problem in found.problems:
        log.warning("vendor input: %s", problem)
    return found


def merge_inputs(parts: Sequence[VendorInput], columns: Sequence[InputColumn]) -> VendorInput:
    frames = [p.rows for p in parts if len(p.rows)]
    rows = (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=[*(c.name for c in columns), SOURCE_FILE, SOURCE_ROW]))
    return VendorInput(rows, [p for part in parts for p in part.problems], [f for part in parts for f in part.files])


# --------------------------------------------------------------------------------------------- cell parsers
def parse_text(value: Any) -> str:
    return str(value).strip()


def parse_date(value: Any) -> date:
    """A calendar day: YYYY-MM-DD text, or a date or timestamp cell of a Parquet file."""
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadValue(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-07-08") from None


def number_between(low: float, high: float, unit: str = "") -> Callable[[Any], float]:
    """A parser of numbers in [low, high] (`unit` names them in the message, e.g. "a percent")."""

    def parse(value: Any) -> float:
        try:
            number = float(str(value).strip().rstrip("%")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise BadValue(f"{value!r} is not a number; write {unit or 'a number'} from {low:g} to {high:g}") from None
        if not low <= number <= high:
            raise BadValue(f"{number:g} is out of range; write {unit or 'a number'} from {low:g} to {high:g}")
        return number

    return parse


def one_of(values: Sequence[str]) -> Callable[[Any], str]:
    """A parser of one of `values` (case and spaces forgiven: "Lightning Deal" is lightning_deal)."""

    def parse(value: Any) -> str:
        text = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        if text not in values:
            raise BadValue(f"{value!r} is not one of {', '.join(values)}")
        return text

    return parse
