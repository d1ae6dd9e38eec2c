"""`vendorcast publish-lake` on a lake folder: publishes, a re-run does nothing, a broken raw file fails the
command with its name while the rest is published."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from vendorcast.lake.storage import LakeStorage
from vendorcast.synthetic_lake import SyntheticLake, write_synthetic_lake

ROOT = Path(__file__).parents[3]


def publish(lake: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vendorcast.cli", "publish-lake", str(lake)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_publish_lake_command_publishes_once_and_reports_broken_files(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    keys = write_synthetic_lake(LakeStorage.local(lake), SyntheticLake(n_asins=3, weeks=3, catalog=False))

    first = publish(lake)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["ok"] and summary["new_raw_files"] == len(keys)
    assert summary["tables"]["vendor_sales"]["rows_written"] > 0
    assert any((lake / "curated" / "vendor_sales").rglob("*.parquet"))

    again = publish(lake)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["partitions_written"] == 0

    sales_key = next(k for k in keys if "vendor_sales_report" in k)
    broken = lake / sales_key.replace(".parquet", "-broken.parquet")
    pq.write_table(pq.read_table(lake / sales_key).drop_columns(["shipped_units"]), broken)
    failed = publish(lake)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1] == "Error: 1 raw file(s) could not be published; the rest was"
    assert "-broken.parquet: lacks required column 'shipped_units'" in failed.stderr
    failure = json.loads(failed.stdout)["failures"][0]
    assert failure["file"].endswith("-broken.parquet") and "shipped_units" in failure["error"]
