"""The Glue job's transformation on Spark (local mode, through the job script's own entry) and on DuckDB over the
same raw input give identical curated tables: every table, row and column, after a full and an incremental run."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vendorcast.lake.curated import read_curated_table
from vendorcast.lake.engines import DuckDBEngine
from vendorcast.lake.manifest import load_manifest
from vendorcast.lake.publish import PublishIncomplete, publish_lake
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CURATED_TABLES, arrow_schema
from vendorcast.reports.windows import PULL_RESTATE_PREFIX
from vendorcast.synthetic_lake import (
    ReportStream,
    SyntheticLake,
    write_raw_table,
    write_report,
    write_synthetic_lake,
)
from vendorcast.vocabulary.report_catalogue import ReportType

from .conftest import FIXTURE, copy_lake

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[3]
TRAFFIC_WEEK = ReportStream(ReportType.TRAFFIC, (("reportPeriod", "WEEK"),))
SALES_WEEK = ReportStream(ReportType.SALES, (("reportPeriod", "WEEK"), ("distributorView", "MANUFACTURING"),
                                             ("sellingProgram", "RETAIL")))


def load_job_script():
    spec = importlib.util.spec_from_file_location("publish_lake_job", REPO_ROOT / "glue_jobs" / "publish_lake.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def publish_duckdb(storage: LakeStorage):
    engine = DuckDBEngine(storage)
    try:
        return publish_lake(storage, engine)
    finally:
        engine.close()


def tables(storage: LakeStorage) -> dict[str, pa.Table]:
    return {name: read_curated_table(storage, table).sort_by([(c, "ascending") for c in table.business_key])
            for name, table in CURATED_TABLES.items()}


def assert_identical(spark_lake: LakeStorage, duckdb_lake: LakeStorage) -> None:
    on_spark, on_duckdb = tables(spark_lake), tables(duckdb_lake)
    for name, table in CURATED_TABLES.items():
        left, right = on_spark[name], on_duckdb[name]
        assert left.num_rows > 0, f"{name} is empty"
        assert left.schema == right.schema == arrow_schema(table, with_partitions=True)
        for column in left.column_names:
            assert left.column(column).to_pylist() == right.column(column).to_pylist(), f"{name}.{column}"


def test_spark_and_duckdb_publish_identical_tables(spark, fixture_raw_zone, tmp_path):
    job = load_job_script()
    spark_lake = copy_lake(fixture_raw_zone, tmp_path / "spark")
    duckdb_lake = copy_lake(fixture_raw_zone, tmp_path / "duckdb")

    on_spark = job.run_publish_job(spark, spark_lake, catalog=None)
    on_duckdb = publish_duckdb(duckdb_lake)

    assert on_spark.ok and on_duckdb.ok
    assert on_spark.engine == "spark"
    assert {n: t.written for n, t in on_spark.tables.items()} == {n: t.written for n, t in on_duckdb.tables.items()}
    assert_identical(spark_lake, duckdb_lake)
    # Spark's dynamic partition overwrite leaves no marker objects among the partitions.
    assert not [o.key for o in spark_lake.list("curated/") if o.key.rsplit("/", 1)[1].startswith("_")]

    # Incremental, on both: one new week of traffic rewrites that week's traffic and demand partitions only.
    before = {o.key: (o.size, o.mtime_ns) for o in spark_lake.list("curated/") if o.key.endswith(".parquet")}
    week = FIXTURE.first_week + timedelta(weeks=3)
    updated = FIXTURE.last_day + timedelta(days=30)
    for storage in (spark_lake, duckdb_lake):
        write_report(storage, FIXTURE.simulator(), FIXTURE, TRAFFIC_WEEK, week, week + timedelta(days=6),
                     f"{PULL_RESTATE_PREFIX}{updated}", updated)
    again = job.run_publish_job(spark, spark_lake, catalog=None)
    publish_duckdb(duckdb_lake)

    assert {n: list(t.written) for n, t in again.tables.items() if t.written} == {
        "vendor_traffic": [f"account={FIXTURE.account}/marketplace_id={FIXTURE.marketplace_id}/start_week={week}"],
        "demand_weekly": [f"account={FIXTURE.account}/marketplace_id={FIXTURE.marketplace_id}/week_start={week}"],
    }
    after = {o.key: (o.size, o.mtime_ns) for o in spark_lake.list("curated/") if o.key.endswith(".parquet")}
    changed = {k.split("/")[1] + "/" + k.split("/")[4] for k in set(after) ^ set(before)
               | {k for k in after if k in before and after[k] != before[k]}}
    assert changed == {f"vendor_traffic/start_week={week}", f"demand_weekly/week_start={week}"}
    assert_identical(spark_lake, duckdb_lake)

    # And a re-run with nothing new writes nothing.
    settled = {o.key: (o.size, o.mtime_ns) for o in spark_lake.list("")}
    noop = job.run_publish_job(spark, spark_lake, catalog=None)
    assert noop.partitions_written == 0 and not noop.manifest_written
    assert {o.key: (o.size, o.mtime_ns) for o in spark_lake.list("")} == settled


def test_the_job_fails_the_run_after_publishing_what_it_could(spark, tmp_path):
    lake = LakeStorage.local(tmp_path / "lake")
    write_synthetic_lake(lake, SyntheticLake(weeks=1, weeks_per_document=1, restatements=0, catalog=False,
                                             streams=(SALES_WEEK, TRAFFIC_WEEK)))
    [bad] = [o.key for o in lake.list("raw/vendor_traffic_report/")]
    rows = pq.read_table(lake.path(bad), filesystem=lake.filesystem).drop_columns(["glance_views"])
    lake.delete([bad])
    write_raw_table(lake, bad, rows, rows.schema)

    with pytest.raises(PublishIncomplete, match="glance_views") as failed:
        load_job_script().run_publish_job(spark, lake, catalog=None)

    result = failed.value.result
    assert [f.key for f in result.failures] == [bad]
    assert result.tables["vendor_sales"].written and result.tables["vendor_traffic"].held_back
    assert result.manifest_written and bad not in load_manifest(lake).files


def test_full_refresh_parameter():
    job = load_job_script()
    assert job.parse_full_refresh(None) is False
    assert job.parse_full_refresh("TRUE") is True
    with pytest.raises(ValueError, match="FULL_REFRESH"):
        job.parse_full_refresh("yes")
