"""`vendorcast plan-supply` on a lake folder: the summary, the three tables as Parquet, or as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from vendorcast.cli import cli
from vendorcast.lake.storage import LakeStorage
from vendorcast.planning.plan import PO_ADVICE_COLUMNS, PO_FORECAST_COLUMNS, SUPPLY_PLAN_COLUMNS

EXAMPLE_CONFIG = str(Path(__file__).parents[3] / "vendorcast.example.toml")


def test_plan_supply_prints_a_summary_and_writes_the_tables(planned_lake: LakeStorage, tmp_path: Path) -> None:
    output = tmp_path / "plan"
    result = CliRunner().invoke(cli, ["plan-supply", "--lake", planned_lake.root, "--config", EXAMPLE_CONFIG,
                                      "--output", str(output)])

    assert result.exit_code == 0, result.output
    assert "Supply plan from forecast run manual-2025-05-25 (origin 2025-05-25)" in result.output
    assert "ASINs planned: start" in result.output and "open PO lines: confirm" in result.output
    for name, columns in (("po_forecast", PO_FORECAST_COLUMNS), ("supply_plan", SUPPLY_PLAN_COLUMNS),
                          ("po_advice", PO_ADVICE_COLUMNS)):
        table = pq.read_table(output / f"{name}.parquet")
        assert table.column_names == list(columns) and table.num_rows > 0


def test_plan_supply_prints_the_tables_as_json(planned_lake: LakeStorage) -> None:
    result = CliRunner().invoke(cli, ["plan-supply", "--lake", planned_lake.root, "--config", EXAMPLE_CONFIG,
                                      "--format", "json"])

    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["origin"] == "2025-05-25" and plan["problems"] == []
    first = plan["supply_plan"][0]
    assert first["week_start"] == "2025-05-25" and first["horizon"] == 1 and first["reason"].startswith("Amazon's P")
