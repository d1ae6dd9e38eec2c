"""The vendor's promotion plan under inputs/promotions/: each bad row is named by file, row and field and the good
rows are used; the plan becomes known-ahead covariates on the weekly grid, only over the weeks it covers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vendorcast.lake.promotions import (
    LAKE_COLUMNS,
    PROMOTION_DAYS,
    PROMOTION_DEPTH,
    check_terms,
    grid_weeks,
    read_promotion_plan,
)
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.vendor_inputs import parse_vendor_file

US = "ATVPDKIKX0DER"
HEADER = "account,marketplace_id,asin,start_date,end_date,promotion_type,discount_percent,planned_price\n"
SERIES = pd.DataFrame({"item_id": ["acme|US|B000000001", "acme|US|B000000002", "beta|US|B000000001"],
                       "account": ["acme", "acme", "beta"], "marketplace_id": US,
                       "asin": ["B000000001", "B000000002", "B000000001"]})
WEEKS = grid_weeks(date(2024, 12, 29), date(2025, 3, 30))


def _lake(tmp_path: Path, files: dict[str, bytes]) -> LakeStorage:
    storage = LakeStorage.local(tmp_path)
    for name, content in files.items():
        storage.write_bytes(f"inputs/promotions/{name}", content)
    return storage


def _week(frame: pd.DataFrame, item: str, week: str) -> pd.Series:
    rows = frame[(frame["item_id"] == item) & (frame["week_start"] == pd.Timestamp(week))]
    assert len(rows) == 1, f"{item} {week}: {len(rows)} rows"
    return rows.iloc[0]


def test_bad_rows_are_named_and_the_good_rows_used(tmp_path: Path) -> None:
    csv = HEADER + "\n".join([
        f"acme,{US},B000000001,2025-01-05,2025-01-11,Lightning Deal,20,",  # row 1: good
        f"acme,{US},B000000001,2025-02-09,2025-02-02,coupon,10,",  # row 2: ends before it starts
        f"acme,{US},B000000001,2025-02-09,2025-02-15,coupon,ten,",  # row 3: not a number
        f"acme,{US},B000000001,2025/02/09,2025-02-15,coupon,10,",  # row 4: not an ISO date
        f"acme,{US},B00000001,2025-02-09,2025-02-15,coupon,10,",  # row 5: not an ASIN
        f"acme,{US},B000000002,2025-02-09,2025-02-15,flash sale,10,",  # row 6: unknown type
        f"acme,{US},B000000002,2025-02-09,2025-02-15,coupon,,",  # row 7: neither discount nor price
        f"acme,{US},B000000009,2025-02-09,2025-02-15,coupon,10,",  # row 8: no such series
        f"acme,{US},B000000002,2025-03-02,2025-03-08,price_discount,15,",  # row 9: good
    ]) + "\n"
    storage = _lake(tmp_path, {"plan.csv": csv.encode(), "notes.txt": b"hello"})
    plan = read_promotion_plan(storage, SERIES, WEEKS)
    problems = "\n".join(plan.problems)
    for row, field, words in ((2, "end_date", "is before start_date"), (3, "discount_percent", "'ten' is not a number"),
                              (4, "start_date", "write it as YYYY-MM-DD"), (5, "asin", "is not an ASIN"),
                              (6, "promotion_type", "'flash sale' is not one of"),
                              (7, "discount_percent", "give discount_percent or planned_price")):
        assert f"inputs/promotions/plan.csv row {row}, {field}: " in problems and words in problems, (row, problems)
    assert "inputs/promotions/notes.txt: not a .csv or .parquet file" in problems
    assert len(plan.problems) == 7
    # Row 8 names an ASIN the lake has no sales of: not used, and noted (a new ASIN, or a typo).
    assert plan.notes == ["1 row(s) of 1 ASIN(s) with no weekly sales in the lake for their marketplace (and "
                          "account) were not used (not selling yet, or a typo?): B000000009"]
    assert plan.rows_used == 2
    # The good rows are used: row 1 for acme's B000000001 only (beta sells it too), row 9 for B000000002.
    assert _week(plan.covariates, "acme|US|B000000001", "2025-01-05")[PROMOTION_DAYS] == 1.0
    assert _week(plan.covariates, "acme|US|B000000001", "2025-01-05")[PROMOTION_DEPTH] == pytest.approx(0.2)
    assert _week(plan.covariates, "beta|US|B000000001", "2025-01-05")[PROMOTION_DAYS] == 0.0
    assert _week(plan.covariates, "acme|US|B000000002", "2025-03-02")[PROMOTION_DEPTH] == pytest.approx(0.15)
    summary = "\n".join(plan.summary())
    assert "Promotion plan: 2 row(s) used from 2 file(s) under inputs/promotions/, 7 problem(s)." in summary
    assert "B000000009" in summary
    assert "plan.csv row 6, promotion_type" in summary


def test_the_plan_covers_only_its_weeks(tmp_path: Path) -> None:
    """Inside the plan's first to last day a week without promotion is 0; outside it nothing is known (no row, so
    the panel holds NaN there), and partial weeks count their days, overlapping promotions once at the deepest."""
    csv = HEADER + "\n".join([
        f",{US},B000000001,2025-01-07,2025-01-09,coupon,10,",  # Tue-Thu: 3 of 7 days, every account
        f",{US},B000000001,2025-01-09,2025-01-10,best_deal,30,",  # Thu (deeper) and Fri
        f",{US},B000000002,2025-02-16,2025-02-22,price_discount,25,",
    ]) + "\n"
    plan = read_promotion_plan(_lake(tmp_path, {"plan.csv": csv.encode()}), SERIES, WEEKS)
    assert plan.problems == []
    covariates = plan.covariates
    assert set(covariates["week_start"]) == set(pd.date_range("2025-01-05", "2025-02-16", freq="7D"))
    week = _week(covariates, "acme|US|B000000001", "2025-01-05")
    assert week[PROMOTION_DAYS] == pytest.approx(4 / 7)
    assert week[PROMOTION_DEPTH] == pytest.approx((0.1 + 0.1 + 0.3 + 0.3) / 7)
    assert _week(covariates, "beta|US|B000000001", "2025-01-05")[PROMOTION_DAYS] == pytest.approx(4 / 7)
    assert _week(covariates, "acme|US|B000000001", "2025-01-26")[[PROMOTION_DAYS, PROMOTION_DEPTH]].tolist() == [0, 0]
    assert _week(covariates, "acme|US|B000000002", "2025-02-16")[PROMOTION_DAYS] == 1.0


def test_a_planned_price_is_measured_against_the_recent_price(tmp_path: Path) -> None:
    table = pa.table({"marketplace_id": [US, US], "asin": ["B000000002", "B000000001"],
                      "start_date": [date(2025, 2, 2), date(2025, 2, 2)], "end_date": [date(2025, 2, 8)] * 2,
                      "promotion_type": ["price_discount"] * 2, "planned_price": [7.5, 7.5]})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    # B000000002 sold at 10 in the weeks before (one promotional week at 6 does not move the median).
    prices = pd.DataFrame({"item_id": "acme|US|B000000002", "price": [10.0, 6.0, 10.0, 10.0],
                           "week_start": pd.date_range("2025-01-05", periods=4, freq="7D")})
    plan = read_promotion_plan(_lake(tmp_path, {"plan.parquet": sink.getvalue().to_pybytes()}), SERIES, WEEKS,
                               prices)
    assert _week(plan.covariates, "acme|US|B000000002", "2025-02-02")[PROMOTION_DEPTH] == pytest.approx(0.25)
    # B000000001 has no known price to compare with: its rows (one per account selling it) say what to give.
    assert plan.problems == [
        "inputs/promotions/plan.parquet row 2, planned_price: no selling price of acme|US|B000000001 is known "
        "before 2025-02-02 to compare it with; give discount_percent instead",
        "inputs/promotions/plan.parquet row 2, planned_price: no selling price of beta|US|B000000001 is known "
        "before 2025-02-02 to compare it with; give discount_percent instead"]


def test_a_file_without_a_required_column_is_named_and_ignored() -> None:
    found = parse_vendor_file("inputs/promotions/plan.csv", b"asin,start_date\nB000000001,2025-01-01\n",
                              LAKE_COLUMNS, check_terms)
    assert found.rows.empty
    assert [str(p) for p in found.problems] == [
        "inputs/promotions/plan.csv: missing column(s) marketplace_id, end_date, promotion_type; the file needs "
        "account, marketplace_id, asin, start_date, end_date, promotion_type, discount_percent, planned_price "
        "(see docs/operations.md); ignored"]


def test_no_plan_gives_no_covariates(tmp_path: Path) -> None:
    plan = read_promotion_plan(LakeStorage.local(tmp_path), SERIES, WEEKS)
    assert plan.covariates.empty and plan.problems == [] and plan.summary() == []
