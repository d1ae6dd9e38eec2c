"""One local Spark session for the lake's integration tests (Spark starts in seconds, so only once), and the
fixture lake of tests/unit/lake built the same way."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from vendorcast.lake.storage import LakeStorage
from vendorcast.synthetic_lake import SyntheticLake, write_synthetic_lake

FIXTURE = SyntheticLake(purchase_orders=True)


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("vendorcast-lake-tests")
        .config("spark.ui.enabled", "false")
        # A test lake is tiny: one shuffle partition instead of 200 keeps each job to one task.
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def fixture_raw_zone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fixture-raw-zone")
    write_synthetic_lake(LakeStorage.local(root), FIXTURE)
    return root


def copy_lake(raw_zone: Path, target: Path) -> LakeStorage:
    shutil.copytree(raw_zone, target)
    return LakeStorage.local(target)
