"""The vendor's own supply inputs (CSV or Parquet files under the lake's inputs/supply/ prefix), validated row by
row: a bad row becomes one InputProblem naming file, row and field, and the good rows are kept; then every planned
ASIN gets a value for each field, from its row or from the config's defaults, and `defaults_used` says which.

Signatures (no I/O; vendorcast.lake.planning_inputs reads the files):
- `validate_supply_rows(rows, file, sku_to_asin) -> (valid rows, problems)`: rows as read (any dtypes).
- `apply_defaults(valid, asins, settings) -> frame` with VENDOR_COLUMNS, one row per account, marketplace, ASIN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from vendorcast.planning.settings import PlanningSettings


@dataclass(frozen=True)
class InputProblem:
    """One bad row of a vendor input file: its key, the row number (1-based, header excluded), the field, what is
    wrong and what to write instead."""

    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file} row {self.row}: {self.field}: {self.message}"


# Which rows a file's row applies to: an ASIN, or a vendor SKU (mapped to its ASIN through the PO lines' vendor
# product identifier); account and marketplace_id narrow it (empty: every account and marketplace).
KEY_FIELDS = ("account", "marketplace_id", "asin", "vendor_sku")
# The vendor's stock and production: finished goods on hand as of a date, units in production ready by a date.
STOCK_FIELDS = ("on_hand_units", "on_hand_as_of", "in_production_units", "in_production_ready")
# The fields with a config default (PlanningSettings), by name.
DEFAULTED_FIELDS = ("lead_time_weeks", "lot_size", "min_order_units", "weekly_capacity_units", "unit_cost",
                    "holding_cost_rate", "shortage_cost")
INPUT_FIELDS = (*KEY_FIELDS, *STOCK_FIELDS, *DEFAULTED_FIELDS)
# PlanningInputs.po_lines: curated purchase_order_items with each line's window, judged as v_purchase_order_lines
# judges it (is_open, units_to_deliver, lead_time_days from order to last receipt).
PO_LINE_COLUMNS = ("account", "marketplace_id", "purchase_order_number", "item_sequence_number", "asin",
                   "vendor_sku", "ship_to", "order_date", "window_start", "window_end", "unit_size",
                   "confirmation_status", "ordered_units", "accepted_units", "received_units", "units_to_deliver",
                   "is_open", "lead_time_days", "last_receive_date")
# PlanningInputs.amazon_position: Amazon's side of each ASIN at the origin (amazon_revision_elasticity: how its
# forecast moves with a surprise, vendorcast.planning.sell_in.learn_revision_elasticity; missing: 0).
AMAZON_POSITION_COLUMNS = ("account", "marketplace_id", "asin", "amazon_on_hand_units", "amazon_open_po_units",
                           "amazon_lead_time_weeks", "case_pack", "amazon_cover_weeks", "amazon_revision_elasticity")
# PlanningInputs.amazon_forecast: Amazon's latest retail forecast snapshot before the origin, weeks from the origin.
AMAZON_FORECAST_COLUMNS = ("account", "marketplace_id", "asin", "week_start", "mean")
# PlanningInputs.sell_through: the selected forecast rows of the run planned from.
SELL_THROUGH_COLUMNS = ("account", "marketplace_id", "asin", "week_start", "mean", "p10", "p50", "p70", "p80", "p90")
# The vendor frame of PlanningInputs: one row per account, marketplace and ASIN planned.
VENDOR_COLUMNS = ("account", "marketplace_id", "asin", "vendor_sku", "on_hand_units", "on_hand_as_of",
                  "in_production_units", "in_production_ready", *DEFAULTED_FIELDS, "defaults_used", "input_file",
                  "input_row")


@dataclass
class PlanningInputs:
    """Everything a plan needs (vendorcast.lake.planning_inputs.read_planning_inputs reads it from a lake; the
    supply simulation builds it week by week)."""

    origin: date  # the forecast run's origin (a Sunday): plan week 1 starts on it
    run_id: str | None  # the forecast run planned from
    sell_through: pd.DataFrame  # SELL_THROUGH_COLUMNS, weeks from the origin on
    po_lines: pd.DataFrame  # PO_LINE_COLUMNS, lines ordered before the origin (history and open)
    amazon_position: pd.DataFrame  # AMAZON_POSITION_COLUMNS (amazon_cover_weeks NaN: lead time + 1 week)
    vendor: pd.DataFrame  # VENDOR_COLUMNS, defaults applied
    problems: list[InputProblem]
    # AMAZON_FORECAST_COLUMNS: what Amazon orders up to; without it, the sell-through forecast's mean stands in.
    amazon_forecast: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(AMAZON_FORECAST_COLUMNS)))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip()) or value is pd.NaT


def _number(minimum: float, *, strict: bool = False, whole: bool = False) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        try:
            number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if math.isnan(number) or math.isinf(number):
            raise ValueError(f"{value!r} is not a number")
        if number < minimum or (strict and number == minimum):
            raise ValueError(f"{value!r} must be {'above' if strict else 'at least'} {minimum:g}")
        if whole and number != int(number):
            raise ValueError(f"{value!r} must be a whole number of weeks")
        return number
    return parse


def _date(value: Any) -> date:
    if isinstance(value, pd.Timestamp | date):
        return pd.Timestamp(value).date()
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD") from None


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "on_hand_units": _number(0),
    "on_hand_as_of": _date,
    "in_production_units": _number(0),
    "in_production_ready": _date,
    "lead_time_weeks": _number(0, whole=True),
    "lot_size": _number(0, strict=True),
    "min_order_units": _number(0),
    "weekly_capacity_units": _number(0, strict=True),
    "unit_cost": _number(0, strict=True),
    "holding_cost_rate": _number(0, strict=True),
    "shortage_cost": _number(0, strict=True),
}


def validate_supply_rows(rows: pd.DataFrame, file: str, sku_to_asin: Mapping[str, str]
                         ) -> tuple[pd.DataFrame, list[InputProblem]]:
    """The rows of one vendor file that are valid, each keyed by its ASIN (a vendor SKU resolved through
    `sku_to_asin`), with `file` and `row` kept; and one problem per bad row (its first bad field). Unknown columns
    are a problem of the file (row 0), since a misspelt column would otherwise be silently ignored."""
    problems: list[InputProblem] = []
    unknown = [c for c in rows.columns if c not in INPUT_FIELDS]
    if unknown:
        problems.append(InputProblem(file, 0, unknown[0], f"unknown column; the columns are {', '.join(INPUT_FIELDS)}"))
    if "asin" not in rows.columns and "vendor_sku" not in rows.columns:
        problems.append(InputProblem(file, 0, "asin", "the file needs an asin or a vendor_sku column"))
        return pd.DataFrame(columns=[*INPUT_FIELDS, "file", "row"]), problems
    valid: list[dict[str, Any]] = []
    for number, record in enumerate(rows.to_dict("records"), start=1):
        parsed: dict[str, Any] = {"file": file, "row": number}
        problem = None
        for key in ("account", "marketplace_id", "vendor_sku", "asin"):
            value = record.get(key)
            parsed[key] = None if _blank(value) else str(value).strip()
        if parsed["asin"] is None:
            if parsed["vendor_sku"] is None:
                problem = InputProblem(file, number, "asin", "give an asin or a vendor_sku")
            elif parsed["vendor_sku"] not in sku_to_asin:
                problem = InputProblem(file, number, "vendor_sku",
                                       f"{parsed['vendor_sku']!r} is on no purchase-order line, so its ASIN is "
                                       "unknown; give the asin instead")
            else:
                parsed["asin"] = sku_to_asin[parsed["vendor_sku"]]
        for name, parse in _PARSERS.items():
            if problem is not None:
                break
            value = record.get(name)
            try:
                parsed[name] = None if _blank(value) else parse(value)
            except ValueError as exc:
                problem = InputProblem(file, number, name, str(exc))
        if problem is not None:
            problems.append(problem)
        else:
            valid.append(parsed)
    return pd.DataFrame(valid, columns=[*INPUT_FIELDS, "file", "row"]), problems


def _applies(row: pd.Series, account: str, marketplace_id: str) -> bool:
    return row["account"] in (None, account) and row["marketplace_id"] in (None, marketplace_id)


def apply_defaults(valid: pd.DataFrame, asins: pd.DataFrame, settings: PlanningSettings
                   ) -> tuple[pd.DataFrame, list[InputProblem]]:
    """One row per (account, marketplace_id, asin) of `asins` (vendor_sku optional), each field from the vendor's
    row for that ASIN or from `settings`; `defaults_used` lists the defaulted fields (on hand and in production
    default to 0). An ASIN given by two rows keeps the first and reports the second."""
    problems: list[InputProblem] = []
    by_asin: dict[str, list[pd.Series]] = {}
    for _, row in valid.iterrows():
        by_asin.setdefault(row["asin"], []).append(row)
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for item in asins.to_dict("records"):
        matches = [r for r in by_asin.get(item["asin"], []) if _applies(r, item["account"], item["marketplace_id"])]
        for extra in matches[1:]:
            if (extra["file"], extra["row"]) not in seen:
                seen.add((extra["file"], extra["row"]))
                first = matches[0]
                problems.append(InputProblem(extra["file"], int(extra["row"]), "asin",
                                             f"{item['asin']} is given again ({first['file']} row {first['row']} "
                                             "is used); keep one row per ASIN"))
        given = matches[0] if matches else None
        row: dict[str, Any] = {"account": item["account"], "marketplace_id": item["marketplace_id"],
                               "asin": item["asin"], "vendor_sku": item.get("vendor_sku")}
        if given is not None and given["vendor_sku"] is not None:
            row["vendor_sku"] = given["vendor_sku"]
        used: list[str] = []
        for name in ("on_hand_units", "in_production_units"):
            value = None if given is None else given[name]
            if _blank(value):
                used.append(name)
            row[name] = 0.0 if _blank(value) else float(value)
        for name in ("on_hand_as_of", "in_production_ready"):
            value = None if given is None else given[name]
            row[name] = None if _blank(value) else value
        for name in DEFAULTED_FIELDS:
            value = None if given is None else given[name]
            default = getattr(settings, name)
            if _blank(value):
                used.append(name)
                value = default
            row[name] = None if value is None else float(value)
        row["lead_time_weeks"] = int(row["lead_time_weeks"])
        row["defaults_used"] = ",".join(used)
        row["input_file"], row["input_row"] = (None, None) if given is None else (given["file"], int(given["row"]))
        out.append(row)
    return pd.DataFrame(out, columns=list(VENDOR_COLUMNS)), problems


__all__ = [
    "AMAZON_FORECAST_COLUMNS",
    "AMAZON_POSITION_COLUMNS",
    "DEFAULTED_FIELDS",
    "INPUT_FIELDS",
    "KEY_FIELDS",
    "PO_LINE_COLUMNS",
    "SELL_THROUGH_COLUMNS",
    "STOCK_FIELDS",
    "VENDOR_COLUMNS",
    "InputProblem",
    "PlanningInputs",
    "apply_defaults",
    "validate_supply_rows",
]
