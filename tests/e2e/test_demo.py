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
