"""A fixture lake: a small raw zone of every curated report type and the catalog, built from the sandbox's
simulated vendor through the real document builder and parser, once per session and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vendorcast.lake.storage import LakeStorage
from vendorcast.synthetic_lake import SyntheticLake, write_synthetic_lake

FIXTURE = SyntheticLake()


@pytest.fixture(scope="session")
def fixture_raw_zone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fixture-raw-zone")
    write_synthetic_lake(LakeStorage.local(root), FIXTURE)
    return root


@pytest.fixture
def lake(fixture_raw_zone: Path, tmp_path: Path) -> LakeStorage:
    """A fresh copy of the fixture lake (raw zone only), for a test to publish and change."""
    shutil.copytree(fixture_raw_zone, tmp_path / "lake")
    return LakeStorage.local(tmp_path / "lake")
