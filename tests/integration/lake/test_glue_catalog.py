"""The embedded runtime publishes what it ingested: the AWS emulator's S3 through pyarrow, DuckDB as the engine,
and every curated table with its partitions registered in the emulator's Glue Data Catalog."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from vendorcast import resources as r
from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.lake.curated import partition_ids, read_curated_table
from vendorcast.lake.glue_catalog import PARQUET_SERDE
from vendorcast.lake.raw_files import partition_values
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CURATED_TABLES
from vendorcast.local.runtime import LocalPipeline
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.synthetic_lake import SyntheticLake, write_synthetic_lake

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 21, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def pipeline():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    config = parse_config({
        "accounts": [{
            "name": "acme-us", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"],
            "secret_name": "vendorcast/acme-us/spapi",
            "backfill_start": (START.date() - timedelta(weeks=4)).isoformat(),
        }],
        "schedules": {"retry_not_available_after_hours": 1},
    })
    sandbox = SandboxSettings(seed=11, n_asins=5, history_start=date(2025, 1, 1))
    with LocalPipeline(config, sandbox, ScaledClock.starting_at(START, 600)) as running:
        running.run_until_settled(timeout=300)
        yield running


def storage_of(pipeline: LocalPipeline) -> LakeStorage:
    return LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url)


def registered_partitions(glue, table) -> set[str]:
    paginator = glue.get_paginator("get_partitions")
    values = [p["Values"] for page in paginator.paginate(DatabaseName=r.GLUE_DATABASE, TableName=table.name)
              for p in page["Partitions"]]
    return {"/".join(f"{n}={v}" for n, v in zip(table.partition_names, vs, strict=True)) for vs in values}


def test_the_embedded_runtime_publishes_and_registers_every_table(pipeline):
    storage = storage_of(pipeline)
    # The catalog watcher and the purchase_orders function do not write here: their raw files come from the
    # simulated vendor.
    write_synthetic_lake(storage, SyntheticLake(n_asins=5, seed=11, first_week=date(2026, 10, 25), weeks=2,
                                                streams=(), purchase_orders=True))

    result = pipeline.publish_lake()

    assert result.ok, result.failures
    glue = pipeline.aws.client("glue")
    for table in CURATED_TABLES.values():
        definition = glue.get_table(DatabaseName=r.GLUE_DATABASE, Name=table.name)["Table"]
        descriptor = definition["StorageDescriptor"]
        assert [(c["Name"], c["Type"]) for c in descriptor["Columns"]] == [(c.name, c.type) for c in table.columns]
        assert [(c["Name"], c["Type"]) for c in definition["PartitionKeys"]] == \
            [(c.name, c.type) for c in table.partition_columns]
        assert descriptor["Location"] == f"s3://{r.LAKE_BUCKET}/{table.prefix}/"
        assert descriptor["SerdeInfo"]["SerializationLibrary"] == PARQUET_SERDE
        in_s3 = set(partition_ids(storage, table))
        assert in_s3, f"{table.name} has no partitions"
        assert registered_partitions(glue, table) == in_s3, table.name
        one = glue.get_partition(DatabaseName=r.GLUE_DATABASE, TableName=table.name,
                                 PartitionValues=list(partition_values(table, sorted(in_s3)[0]).values()))
        assert one["Partition"]["StorageDescriptor"]["Location"] == \
            f"s3://{r.LAKE_BUCKET}/{table.prefix}/{sorted(in_s3)[0]}/"
    demand = read_curated_table(storage, CURATED_TABLES["demand_weekly"])
    sales = read_curated_table(storage, CURATED_TABLES["vendor_sales"])
    assert demand.num_rows > 0
    assert set(demand.column("asin").to_pylist()) <= set(sales.column("asin").to_pylist())


def test_a_rerun_changes_neither_the_lake_nor_the_catalog(pipeline):
    storage = storage_of(pipeline)
    glue = pipeline.aws.client("glue")
    before = {o.key: (o.size, o.mtime_ns) for o in storage.list("")}
    tables_before = {t.name: glue.get_table(DatabaseName=r.GLUE_DATABASE, Name=t.name)["Table"].get("UpdateTime")
                     for t in CURATED_TABLES.values()}

    result = pipeline.publish_lake()

    assert result.ok and result.partitions_written == 0 and not result.manifest_written
    assert {o.key: (o.size, o.mtime_ns) for o in storage.list("")} == before
    assert {t.name: glue.get_table(DatabaseName=r.GLUE_DATABASE, Name=t.name)["Table"].get("UpdateTime")
            for t in CURATED_TABLES.values()} == tables_before


def test_a_partition_whose_raw_files_are_gone_leaves_the_catalog(pipeline):
    storage = storage_of(pipeline)
    glue = pipeline.aws.client("glue")
    table = CURATED_TABLES["catalog_changes"]
    [first, *_] = sorted(o.key for o in storage.list("raw/catalog_changes/"))
    registered = registered_partitions(glue, table)
    storage.delete([first])

    result = pipeline.publish_lake()

    [gone] = result.tables["catalog_changes"].deleted
    assert registered_partitions(glue, table) == registered - {gone}
    assert gone not in partition_ids(storage, table)
