"""`vendorcast demo` end to end at a small size: it settles, lands every window, and leaves the lake on disk."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.integration


def test_small_demo_lands_everything_and_writes_the_lake(tmp_path: Path) -> None:
    output = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "vendorcast.cli", "demo", "--asins", "8", "--weeks", "12", "--faults", "realistic",
         "--output", str(output)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((output / "summary.json").read_text())
    assert set(summary["ledger"]) == {"LANDED"}
    assert summary["dead_letter_messages"] == 0
    assert summary["faults_absorbed"]["token-bucket 429s (should be 0)"] == 0
    raw = sorted((output / "lake" / "raw").rglob("*.parquet"))
    assert len(raw) == summary["ledger"]["LANDED"]
    sales = [p for p in raw if "vendor_sales_report" in str(p)]
    assert sales and pq.read_table(sales[0]).column("asin").null_count < pq.read_table(sales[0]).num_rows
    assert "What landed in the lake" in result.stdout


def test_the_demos_example_queries_answer_on_its_lake(tmp_path: Path) -> None:
    from vendorcast.lake.query import run_query
    from vendorcast.local.demo import EXAMPLE_QUERIES

    output = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "vendorcast.cli", "demo", "--asins", "6", "--weeks", "60", "--faults", "none",
         "--output", str(output)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for sql in EXAMPLE_QUERIES:
        table = run_query(sql, lake=output / "lake", athena=False, workgroup=None, database=None,
                          output_format="csv", output_path=tmp_path / "answer.csv")
        assert table.num_rows > 0, sql
    trend = run_query("SELECT count(*) AS n FROM v_sales_trend WHERE units_yoy_change IS NOT NULL",
                      lake=output / "lake", athena=False, workgroup=None, database=None, output_format="csv",
                      output_path=tmp_path / "n.csv")
    assert trend.column("n")[0].as_py() > 0, "60 weeks of history give year-over-year comparisons"
