"""The publishing job on DuckDB over a local-directory lake: restatements, idempotent re-runs, partition-exact
rewrites, schema evolution and failures, demand_weekly's choices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from vendorcast.lake.curated import read_curated_table
from vendorcast.lake.engines import DuckDBEngine
from vendorcast.lake.manifest import MANIFEST_KEY, load_manifest
from vendorcast.lake.publish import PublishResult, publish_lake
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import (
    CENSORED_OUT_OF_STOCK_RATE,
    CURATED_TABLES,
    RAW_INPUTS,
    UNITS_SOURCE_ORDERED,
    UNITS_SOURCE_SHIPPED,
)
from vendorcast.reports.windows import PULL_RESTATE_PREFIX
from vendorcast.synthetic_lake import ReportStream, SyntheticLake, write_raw_table, write_report
from vendorcast.vocabulary.report_catalogue import ReportPeriod, ReportType

from .conftest import FIXTURE

SALES_WEEK_RETAIL = ReportStream(ReportType.SALES, (("reportPeriod", "WEEK"), ("distributorView", "MANUFACTURING"),
                                                    ("sellingProgram", "RETAIL")))
SALES_WEEK_SOURCING = ReportStream(ReportType.SALES, (("reportPeriod", "WEEK"), ("distributorView", "SOURCING"),
                                                      ("sellingProgram", "RETAIL")))
SALES_METRICS = ["ordered_units", "ordered_revenue", "shipped_units", "shipped_revenue", "shipped_cogs",
                 "customer_returns"]


def publish(storage: LakeStorage, full_refresh: bool = False) -> PublishResult:
    engine = DuckDBEngine(storage)
    try:
        return publish_lake(storage, engine, full_refresh=full_refresh)
    finally:
        engine.close()


def objects(storage: LakeStorage, prefix: str = "curated/") -> dict[str, tuple[int, int]]:
    return {o.key: (o.size, o.mtime_ns) for o in storage.list(prefix)}


def curated(storage: LakeStorage, name: str) -> pa.Table:
    table = CURATED_TABLES[name]
    return read_curated_table(storage, table).sort_by([(c, "ascending") for c in table.business_key])


def asin_rows(storage: LakeStorage, key: str) -> pa.Table:
    rows = pq.read_table(storage.path(key), filesystem=storage.filesystem)
    return rows.filter(pc.equal(rows.column("row_level"), "asin")).sort_by([("asin", "ascending"),
                                                                          ("start_date", "ascending")])


def assert_one_row_per_business_key(storage: LakeStorage) -> None:
    for table in CURATED_TABLES.values():
        rows = read_curated_table(storage, table)
        keys = rows.group_by(list(table.business_key)).aggregate([([], "count_all")])
        assert keys.num_rows == rows.num_rows, table.name


# --- the fixture lake ---------------------------------------------------------------------------------------


def test_fixture_lake_publishes_every_table(lake):
    result = publish(lake)

    assert result.ok, result.failures
    assert result.new_raw_files == result.raw_files > 0
    for name, publication in result.tables.items():
        assert publication.written, f"{name} has no rows in the fixture lake"
        assert sum(publication.written.values()) == curated(lake, name).num_rows
    assert_one_row_per_business_key(lake)
    # No aggregate row and no row without an ASIN reaches a curated table.
    for name in ("vendor_sales", "vendor_traffic", "vendor_inventory", "vendor_net_ppm", "amazon_forecast"):
        assert curated(lake, name).column("asin").null_count == 0
    # Every forecast snapshot is kept: one partition per generation date.
    generations = set(curated(lake, "amazon_forecast").column("forecast_generation_date").to_pylist())
    assert len(generations) == FIXTURE.weeks


def test_a_rerun_with_nothing_new_changes_nothing(lake):
    publish(lake)
    before = objects(lake, "")
    manifest = lake.read_bytes(MANIFEST_KEY)

    result = publish(lake)

    assert result.ok
    assert result.new_raw_files == 0 and result.partitions_written == 0 and not result.manifest_written
    assert objects(lake, "") == before  # no object written, deleted or touched, the manifest included
    assert lake.read_bytes(MANIFEST_KEY) == manifest


def test_a_new_raw_file_for_one_week_rewrites_only_that_weeks_partitions(lake):
    publish(lake)
    before = objects(lake)
    sim = FIXTURE.simulator()
    week = FIXTURE.first_week + timedelta(weeks=2)
    updated = FIXTURE.last_day + timedelta(days=30)  # later than every delivery of the fixture
    write_report(lake, sim, FIXTURE, SALES_WEEK_RETAIL, week, week + timedelta(days=6),
                 f"{PULL_RESTATE_PREFIX}{updated}", updated)

    result = publish(lake)

    after = objects(lake)
    changed = sorted(k for k in after if before.get(k) != after[k])
    assert sorted(before) == sorted(after)
    week_partition = f"account={FIXTURE.account}/marketplace_id={FIXTURE.marketplace_id}"
    assert changed == [
        f"curated/demand_weekly/{week_partition}/week_start={week}/part-00000.parquet",
        f"curated/vendor_sales/{week_partition}/start_week={week}/part-00000.parquet",
    ]
    assert result.new_raw_files == 1
    assert {name: list(p.written) for name, p in result.tables.items() if p.written} == {
        "vendor_sales": [f"{week_partition}/start_week={week}"],
        "demand_weekly": [f"{week_partition}/week_start={week}"],
    }
    sales = curated(lake, "vendor_sales")
    rows = [r for r in sales.to_pylist() if (r["start_date"], r["report_period"], r["distributor_view"],
                                              r["selling_program"]) == (week, "WEEK", "MANUFACTURING", "RETAIL")]
    assert rows and {r["last_updated_date"] for r in rows} == {updated}


def test_full_refresh_rebuilds_the_same_tables(lake):
    publish(lake)
    first = {name: curated(lake, name) for name in CURATED_TABLES}

    result = publish(lake, full_refresh=True)

    assert result.partitions_written == sum(len(p.written) for p in result.tables.values()) > 0
    for name, rows in first.items():
        assert curated(lake, name).equals(rows), name


def test_publishing_in_small_batches_gives_the_same_tables(lake, tmp_path, fixture_raw_zone):
    import shutil

    publish(lake)
    shutil.copytree(fixture_raw_zone, tmp_path / "batched")
    batched = LakeStorage.local(tmp_path / "batched")
    engine = DuckDBEngine(batched)
    engine.batch_input_bytes = 1  # every partition a batch of its own
    try:
        result = publish_lake(batched, engine)
    finally:
        engine.close()

    assert result.ok
    for name in CURATED_TABLES:
        assert curated(batched, name).equals(curated(lake, name)), name


# --- restatements -------------------------------------------------------------------------------------------


@pytest.fixture
def restated(tmp_path):
    """One two-week sales window delivered three times, each time preliminary with a later lastUpdatedDate."""
    storage = LakeStorage.local(tmp_path / "lake")
    spec = SyntheticLake(weeks=2, streams=(SALES_WEEK_RETAIL,), catalog=False)
    sim = spec.simulator()
    start, end = spec.first_week, spec.last_day
    keys = [write_report(storage, sim, spec, SALES_WEEK_RETAIL, start, end, f"{PULL_RESTATE_PREFIX}{updated}",
                         updated)
            for updated in (end + timedelta(days=1), end + timedelta(days=2), end + timedelta(days=3))]
    return storage, keys


def test_three_deliveries_end_as_one_row_per_key_with_the_last_values(restated):
    storage, keys = restated
    first, last = asin_rows(storage, keys[0]), asin_rows(storage, keys[-1])
    assert not first.select(SALES_METRICS).equals(last.select(SALES_METRICS)), "the fixture restates nothing"

    publish(storage)

    sales = curated(storage, "vendor_sales")
    assert sales.num_rows == last.num_rows
    for column in [*SALES_METRICS, "asin", "start_date", "last_updated_date", "report_id", "ingested_at"]:
        assert sales.column(column).to_pylist() == last.column(column).to_pylist(), column


def _redeliver(storage: LakeStorage, key: str, suffix: str, **columns: object) -> str:
    """A copy of a raw file under a new key, with some lineage columns changed."""
    rows = pq.read_table(storage.path(key), filesystem=storage.filesystem)
    for name, value in columns.items():
        index = rows.schema.get_field_index(name)
        rows = rows.set_column(index, name, pa.repeat(pa.scalar(value, rows.schema.field(name).type),
                                                      rows.num_rows))
    new_key = key.replace(".parquet", f"-{suffix}.parquet")
    write_raw_table(storage, new_key, rows, rows.schema)
    return new_key


def test_the_latest_update_wins_over_a_later_ingestion_of_older_figures(restated):
    storage, keys = restated
    late = datetime(2030, 1, 1, tzinfo=UTC)
    _redeliver(storage, keys[0], "late", ingested_at=late, report_id="late-copy-of-first")

    publish(storage)

    sales = curated(storage, "vendor_sales")
    last = asin_rows(storage, keys[-1])
    assert sales.column("report_id").to_pylist() == last.column("report_id").to_pylist()


def test_the_latest_ingestion_breaks_a_tie_of_last_updated_date(restated):
    storage, keys = restated
    last = asin_rows(storage, keys[-1])
    _redeliver(storage, keys[0], "tie", ingested_at=datetime(2030, 1, 1, tzinfo=UTC), report_id="tie",
               last_updated_date=last.column("last_updated_date")[0].as_py())

    publish(storage)

    assert set(curated(storage, "vendor_sales").column("report_id").to_pylist()) == {"tie"}


def test_a_restatement_arriving_in_a_later_run_replaces_the_row(restated):
    storage, keys = restated
    late_key = keys.pop()
    moved = storage.read_bytes(late_key)
    storage.delete([late_key])
    publish(storage)
    assert set(curated(storage, "vendor_sales").column("report_id").to_pylist()) == \
        set(asin_rows(storage, keys[-1]).column("report_id").to_pylist())

    storage.write_bytes(late_key, moved)
    result = publish(storage)

    assert result.new_raw_files == 1
    assert curated(storage, "vendor_sales").column("shipped_units").to_pylist() == \
        asin_rows(storage, late_key).column("shipped_units").to_pylist()


# --- schema evolution ---------------------------------------------------------------------------------------


def _new_week_file(lake: LakeStorage, weeks_after_first: int) -> str:
    sim = FIXTURE.simulator()
    week = FIXTURE.first_week + timedelta(weeks=weeks_after_first)
    updated = FIXTURE.last_day + timedelta(days=30)
    return write_report(lake, sim, FIXTURE, SALES_WEEK_RETAIL, week, week + timedelta(days=6),
                        f"{PULL_RESTATE_PREFIX}{updated}", updated)


def _rewrite(lake: LakeStorage, key: str, rows: pa.Table) -> None:
    lake.delete([key])
    write_raw_table(lake, key, rows, rows.schema)


def test_a_field_amazon_adds_does_not_break_the_job(lake):
    publish(lake)
    key = _new_week_file(lake, 1)
    rows = pq.read_table(lake.path(key), filesystem=lake.filesystem)
    _rewrite(lake, key, rows.append_column("ordered_units_by_prime", pa.repeat(pa.scalar(1), rows.num_rows)))

    result = publish(lake)

    assert result.ok
    assert "vendor_sales" in [n for n, p in result.tables.items() if p.written]
    assert "ordered_units_by_prime" not in curated(lake, "vendor_sales").column_names


def test_a_missing_optional_column_reads_as_null(lake):
    publish(lake)
    key = _new_week_file(lake, 1)
    rows = pq.read_table(lake.path(key), filesystem=lake.filesystem)
    _rewrite(lake, key, rows.drop_columns(["customer_returns"]))

    result = publish(lake)

    assert result.ok
    sales = curated(lake, "vendor_sales")
    from_file = sales.filter(pc.equal(sales.column("report_id"), rows.column("report_id")[0]))
    assert from_file.num_rows > 0 and from_file.column("customer_returns").null_count == from_file.num_rows


def test_a_missing_required_column_fails_its_partitions_only_and_is_retried(lake):
    publish(lake)
    bad = _new_week_file(lake, 1)
    good = _new_week_file(lake, 4)
    rows = pq.read_table(lake.path(bad), filesystem=lake.filesystem)
    _rewrite(lake, bad, rows.drop_columns(["shipped_units"]))
    before = objects(lake)
    bad_week = FIXTURE.first_week + timedelta(weeks=1)
    good_week = FIXTURE.first_week + timedelta(weeks=4)
    place = f"account={FIXTURE.account}/marketplace_id={FIXTURE.marketplace_id}"

    result = publish(lake)

    assert not result.ok
    [failure] = result.failures
    assert failure.key == bad
    assert failure.tables == ("vendor_sales",)
    assert failure.partitions == (f"vendor_sales/{place}/start_week={bad_week}",)
    for named in (bad, "vendor_sales", "'shipped_units'"):
        assert named in failure.message
    assert result.summary()["failures"][0]["file"] == bad
    # The rest publishes: the good file's week, and nothing of the bad file's week.
    after = objects(lake)
    assert before[f"curated/vendor_sales/{place}/start_week={bad_week}/part-00000.parquet"] == \
        after[f"curated/vendor_sales/{place}/start_week={bad_week}/part-00000.parquet"]
    assert before[f"curated/vendor_sales/{place}/start_week={good_week}/part-00000.parquet"] != \
        after[f"curated/vendor_sales/{place}/start_week={good_week}/part-00000.parquet"]
    assert result.tables["vendor_sales"].held_back == (f"{place}/start_week={bad_week}",)
    # The manifest keeps the bad file unprocessed, so the next run tries it again.
    manifest = load_manifest(lake)
    assert bad not in manifest.files and good in manifest.files
    again = publish(lake)
    assert [f.key for f in again.failures] == [bad] and again.partitions_written == 0

    # Once the file is fixed (re-parsed from the landing zone, say), its week publishes.
    _rewrite(lake, bad, rows)
    fixed = publish(lake)
    assert fixed.ok
    assert f"{place}/start_week={bad_week}" in fixed.tables["vendor_sales"].written
    assert bad in load_manifest(lake).files


def test_a_raw_file_missing_the_column_that_places_its_rows_fails_alone(lake):
    publish(lake)
    bad = _new_week_file(lake, 1)
    rows = pq.read_table(lake.path(bad), filesystem=lake.filesystem)
    _rewrite(lake, bad, rows.drop_columns(["start_date"]))

    result = publish(lake)

    [failure] = result.failures
    assert "'start_date'" in failure.message and failure.partitions == ()


def test_a_column_of_another_type_fails_its_file(lake):
    publish(lake)
    bad = _new_week_file(lake, 2)
    rows = pq.read_table(lake.path(bad), filesystem=lake.filesystem)
    index = rows.schema.get_field_index("shipped_units")
    _rewrite(lake, bad, rows.set_column(index, "shipped_units", pa.repeat(pa.scalar("many"), rows.num_rows)))

    result = publish(lake)

    [failure] = result.failures
    assert "column 'shipped_units' is string, not int64" in failure.message
    assert result.partitions_written == 0


# --- demand_weekly --------------------------------------------------------------------------------------------


def test_demand_weekly_takes_ordered_units_of_the_manufacturing_view(lake):
    publish(lake)
    demand = curated(lake, "demand_weekly")
    sales = curated(lake, "vendor_sales")
    weekly = sales.filter(pc.and_(pc.and_(pc.equal(sales.column("report_period"), "WEEK"),
                                          pc.equal(sales.column("selling_program"), "RETAIL")),
                                  pc.equal(sales.column("distributor_view"), "MANUFACTURING")))
    expected = {(r["asin"], r["start_date"]): (r["ordered_units"], r["ordered_revenue"])
                for r in weekly.to_pylist()}
    got = {(r["asin"], r["week_start"]): (r["units"], r["revenue"]) for r in demand.to_pylist()}
    assert got == expected
    assert set(demand.column("units_source").to_pylist()) == {UNITS_SOURCE_ORDERED}
    for row in demand.to_pylist():
        assert row["week_end"] == row["week_start"] + timedelta(days=6)
        if row["units"]:
            assert row["average_selling_price"] == row["revenue"] / row["units"]


def test_demand_weekly_censors_weeks_with_stockouts(lake):
    publish(lake)
    demand = curated(lake, "demand_weekly").to_pylist()
    inventory = {(r["asin"], r["start_date"]): r for r in curated(lake, "vendor_inventory").to_pylist()
                 if r["report_period"] == ReportPeriod.WEEK}
    assert any(r["censored"] for r in demand), "the fixture has no stockout week"
    for row in demand:
        stock = inventory[(row["asin"], row["week_start"])]
        assert row["out_of_stock_rate"] == stock["procurable_product_out_of_stock_rate"]
        assert row["censored"] == (stock["procurable_product_out_of_stock_rate"] >= CENSORED_OUT_OF_STOCK_RATE)
        assert row["sellable_on_hand_units"] == stock["sellable_on_hand_inventory_units"]
        assert row["open_purchase_order_units"] == stock["open_purchase_order_units"]


def test_demand_weekly_falls_back_to_shipped_units_where_only_sourcing_exists(tmp_path):
    storage = LakeStorage.local(tmp_path / "lake")
    spec = SyntheticLake(weeks=3, streams=(SALES_WEEK_SOURCING,), catalog=False, restatements=0)
    from vendorcast.synthetic_lake import write_synthetic_lake

    write_synthetic_lake(storage, spec)
    publish(storage)

    demand = curated(storage, "demand_weekly").to_pylist()
    sales = {(r["asin"], r["start_date"]): r for r in curated(storage, "vendor_sales").to_pylist()}
    assert demand and {r["units_source"] for r in demand} == {UNITS_SOURCE_SHIPPED}
    for row in demand:
        source = sales[(row["asin"], row["week_start"])]
        assert (row["units"], row["revenue"]) == (source["shipped_units"], source["shipped_revenue"])
        assert row["glance_views"] is None and row["censored"] is False


def test_demand_weekly_ignores_other_selling_programs_and_days(lake):
    publish(lake)
    demand = curated(lake, "demand_weekly")
    weeks = {(r["asin"], r["week_start"]) for r in demand.to_pylist()}
    sales = curated(lake, "vendor_sales").to_pylist()
    assert any(r["selling_program"] == "BUSINESS" for r in sales)
    assert any(r["report_period"] == "DAY" for r in sales)
    assert weeks == {(r["asin"], r["start_date"]) for r in sales
                     if r["report_period"] == "WEEK" and r["selling_program"] == "RETAIL"}


def test_catalog_tables_keep_the_latest_snapshot_and_every_change(lake):
    publish(lake)
    items = curated(lake, "catalog_items").to_pylist()
    assert len(items) == FIXTURE.n_asins
    last_snapshot = FIXTURE.first_week + timedelta(weeks=FIXTURE.weeks - 1)
    assert {r["last_updated_date"] for r in items} == {last_snapshot}
    changes = curated(lake, "catalog_changes")
    raw_changes = sum(pq.read_metadata(lake.path(o.key), filesystem=lake.filesystem).num_rows
                      for o in lake.list(f"{RAW_INPUTS['raw_catalog_changes'].prefix}/"))
    assert changes.num_rows == raw_changes > 0
    assert all(r["detected_date"] == r["detected_at"].date() for r in changes.to_pylist())


def test_a_deleted_raw_file_republishes_its_partitions(lake):
    publish(lake)
    forecasts = sorted(o.key for o in lake.list(f"{RAW_INPUTS['raw_vendor_forecasting_report'].prefix}/"))
    lake.delete([forecasts[0]])

    result = publish(lake)

    assert len(result.tables["amazon_forecast"].deleted) == 1
    assert len({r for r in curated(lake, "amazon_forecast").column("forecast_generation_date").to_pylist()}) == \
        FIXTURE.weeks - 1
    assert date.fromisoformat(result.tables["amazon_forecast"].deleted[0].rsplit("=", 1)[1]) == FIXTURE.first_week


def test_a_rewritten_partition_keeps_only_its_new_file(lake):
    """A partition another writer left files in (Spark names its files part-00000-<uuid>.c000.snappy.parquet) holds
    only the new file once republished."""
    publish(lake)
    keys = sorted(objects(lake, "curated/demand_weekly/"))
    first, last = keys[0].rsplit("/", 1)[0], keys[-1].rsplit("/", 1)[0]
    left = [f"{first}/part-00000-1b2c3d4e.c000.snappy.parquet", f"{last}/part-00000-5f6a7b8c.c000.snappy.parquet"]
    for key in left:
        lake.write_bytes(key, lake.read_bytes(keys[0]))

    publish(lake, full_refresh=True)

    assert sorted(objects(lake, "curated/demand_weekly/")) == keys
