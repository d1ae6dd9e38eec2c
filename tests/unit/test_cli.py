"""The `vendorcast` command: its commands exist, and bad input ends in one clear line and exit code 2."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from vendorcast.vocabulary.report_catalogue import report_spec

ROOT = Path(__file__).parents[2]


def vendorcast(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vendorcast.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_help_lists_the_commands() -> None:
    result = vendorcast("--help")
    assert result.returncode == 0
    for command in ("demo", "parse-report", "plan", "publish-views", "query", "sandbox", "validate-config"):
        assert command in result.stdout


def test_unknown_report_type_is_one_clear_error(tmp_path: Path) -> None:
    document = tmp_path / "doc.json"
    document.write_text("{}")
    result = vendorcast("parse-report", "--report-type", "GET_VENDOR_SALES", "--input", str(document),
                        "--output", str(tmp_path / "out.parquet"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown report type 'GET_VENDOR_SALES'; known report types: " + ", ".join(
            t.value for t in type(report_spec("GET_VENDOR_SALES_REPORT").report_type))]


def test_parse_report_writes_parquet_from_amazons_example(tmp_path: Path) -> None:
    example = report_spec("GET_VENDOR_SALES_REPORT").json_schema()["examples"][0]
    document = tmp_path / "sales.json.gz"
    document.write_bytes(gzip.compress(json.dumps(example).encode()))
    output = tmp_path / "sales.parquet"
    result = vendorcast("parse-report", "--report-type", "GET_VENDOR_SALES_REPORT", "--input", str(document),
                        "--output", str(output))
    assert result.returncode == 0, result.stderr
    table = pq.read_table(output)
    assert table.num_rows == len(example["salesAggregate"]) + len(example["salesByAsin"])
    assert "6 rows" in result.stdout


def test_bad_config_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "vendorcast.toml"
    config.write_text((ROOT / "vendorcast.example.toml").read_text().replace('region = "NA"', 'region = "US"'))
    result = vendorcast("validate-config", str(config))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "accounts[0] (acme-us).region: Input should be 'NA', 'EU' or 'FE'" in result.stderr


def test_plan_shows_the_backfill_calls() -> None:
    result = vendorcast("plan", "--now", "2026-11-21T12:00:00")
    assert result.returncode == 0, result.stderr
    assert "GET_VENDOR_SALES_REPORT/WEEK/MANUFACTURING/RETAIL: 9 request(s), 2024-11-03 .. 2026-11-14" in result.stdout
    assert "96 createReport call(s) in all" in result.stdout
