"""Data conditions from the lake and the ledger: out-of-stock crossings (from below, in the latest week), ASINs gone
from the latest week of sales, report streams given up (once per failure, with Amazon's reason), and demand_weekly
read back as the functions read it (pyarrow only) equal to the curated table."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from vendorcast.alerts.digest import ConditionKind
from vendorcast.catalog.data_conditions import (
    DemandWeek,
    failed_report_marker,
    failed_report_streams,
    gone_from_sales,
    out_of_stock_crossings,
    read_recent_demand,
)
from vendorcast.ingestion.ledger import LedgerEntry, RequestStatus
from vendorcast.lake.curated import read_curated_table
from vendorcast.lake.engines import DuckDBEngine
from vendorcast.lake.publish import publish_lake
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CURATED_TABLES
from vendorcast.reports.windows import PULL_INITIAL, ReportWindow
from vendorcast.synthetic_lake import WEEKLY_STREAMS, SyntheticLake, write_synthetic_lake
from vendorcast.vocabulary.report_catalogue import ReportPeriod, ReportType

W1, W2, W3 = date(2026, 3, 15), date(2026, 3, 22), date(2026, 3, 29)
US = "ATVPDKIKX0DER"
TITLES = {"B0000000A1": "Bottle", "B0000000A2": "Cup"}


def week(asin: str, start: date, units: int | None, rate: float | None) -> DemandWeek:
    return DemandWeek(asin, start, units, rate)


def test_an_asin_crossing_the_threshold_in_the_latest_week_alerts() -> None:
    demand = [
        week("B0000000A1", W2, 10, 0.05), week("B0000000A1", W3, 4, 0.31),  # crosses
        week("B0000000A2", W2, 10, 0.40), week("B0000000A2", W3, 2, 0.45),  # was above already
        week("B0000000A3", W2, 10, 0.10), week("B0000000A3", W3, 9, 0.19),  # stays below
        week("B0000000A4", W3, 1, 0.20),  # new, at the threshold
        week("B0000000A5", W1, 8, 0.01), week("B0000000A5", W2, 8, 0.50),  # crossed a week earlier
    ]
    found = out_of_stock_crossings(demand, 0.2, "acme-us", US, TITLES)
    assert found is not None and (found.marker, found.progress) == ("out_of_stock", W3.isoformat())
    alert = found.alert
    assert (alert.kind, alert.week) == (ConditionKind.OUT_OF_STOCK, W3)
    assert [(i.key, i.title, i.detail) for i in alert.items] == [
        ("B0000000A1", "Bottle", "5% → 31% of glance views out of stock"),
        ("B0000000A4", None, "no figure → 20% of glance views out of stock")]
    assert alert.summary == "2 ASINs reached an out-of-stock rate of 20% or more in the week of 2026-03-29"
    assert out_of_stock_crossings(demand, 0.6, "acme-us", US, TITLES) is None
    assert out_of_stock_crossings(demand, 0, "acme-us", US, TITLES) is None, "0 switches it off"


def test_an_asin_missing_from_the_latest_sales_week_alerts() -> None:
    demand = [
        week("B0000000A1", W2, 10, None), week("B0000000A1", W3, None, 0.9),  # inventory row only: gone from sales
        week("B0000000A2", W2, 3, None),  # no row at all in the latest week
        week("B0000000A3", W2, 5, None), week("B0000000A3", W3, 0, None),  # sold nothing, but is in the report
        week("B0000000A4", W1, 5, None),  # gone a week earlier
    ]
    found = gone_from_sales(demand, "acme-us", US, TITLES)
    assert found is not None and found.progress == W3.isoformat()
    assert [(i.key, i.detail) for i in found.alert.items] == [
        ("B0000000A1", "10 units in the week of 2026-03-22, not in the sales report of the week of 2026-03-29"),
        ("B0000000A2", "3 units in the week of 2026-03-22, not in the sales report of the week of 2026-03-29")]
    assert gone_from_sales([week("B0000000A1", W3, 1, None)], "acme-us", US, TITLES) is None
    assert gone_from_sales([], "acme-us", US, TITLES) is None


def failed(stream_options: tuple, start: date, due_at: str, reason: str, marketplace: str = US) -> LedgerEntry:
    window = ReportWindow(ReportType.INVENTORY, stream_options, ReportPeriod.WEEK, start, start + timedelta(days=6),
                          PULL_INITIAL)
    stream = "/".join(["acme-us", marketplace, ReportType.INVENTORY.value, *(v for _, v in stream_options)])
    return LedgerEntry(window.request_key("acme-us", marketplace), stream, "acme-us", marketplace, window,
                       RequestStatus.FAILED, due_at, reason=reason)


def test_failed_report_streams_alert_once_per_failure_with_amazons_reason() -> None:
    options = (("reportPeriod", "WEEK"), ("distributorView", "MANUFACTURING"), ("sellingProgram", "RETAIL"))
    entries = [
        failed(options, W1, "2026-03-20T10:00:00+00:00", "WRONG_MARKETPLACE: marketplaceIds ['A2EUQ1WTGCTBG2'] ..."),
        failed(options, W2, "2026-03-27T10:00:00+00:00", "WRONG_MARKETPLACE: marketplaceIds ['A2EUQ1WTGCTBG2'] do "
               "not match the marketplace of the selling partner account"),
        failed(options, W2, "2026-03-27T11:00:00+00:00", "ACCESS_DENIED: ...", marketplace="A2EUQ1WTGCTBG2"),
    ]
    [found] = failed_report_streams(entries, "acme-us", US, {})
    assert found.marker == failed_report_marker(entries[0].stream)
    assert found.progress == "2026-03-27T10:00:00+00:00"
    [item] = found.alert.items
    assert item.key == "GET_VENDOR_INVENTORY_REPORT (WEEK, MANUFACTURING, RETAIL)"
    assert item.detail == ("2 windows given up, the latest 2026-03-22..2026-03-28: WRONG_MARKETPLACE: marketplaceIds "
                           "['A2EUQ1WTGCTBG2'] do not match the marketplace of the selling partner account")
    # Alerted up to the first failure: only the later one is news.
    [later] = failed_report_streams(entries, "acme-us", US, {found.marker: "2026-03-20T10:00:00+00:00"})
    assert later.alert.items[0].detail.startswith("1 window given up")
    assert failed_report_streams(entries, "acme-us", US, {found.marker: found.progress}) == []


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> LakeStorage:
    storage = LakeStorage.local(Path(tmp_path_factory.mktemp("lake")))
    write_synthetic_lake(storage, SyntheticLake(n_asins=8, weeks=6, streams=WEEKLY_STREAMS, catalog=False))
    engine = DuckDBEngine(storage)
    try:
        publish_lake(storage, engine)
    finally:
        engine.close()
    return storage


def test_recent_demand_is_the_curated_tables_latest_weeks(published: LakeStorage) -> None:
    table = read_curated_table(published, CURATED_TABLES["demand_weekly"]).to_pylist()
    weeks = sorted({row["week_start"] for row in table})
    recent = read_recent_demand(published, "acme-us", US, 3)
    assert sorted((d.asin, d.week_start, d.units, d.out_of_stock_rate) for d in recent) == sorted(
        (row["asin"], row["week_start"], row["units"], row["out_of_stock_rate"])
        for row in table if row["week_start"] in weeks[-3:])
    assert read_recent_demand(published, "acme-eu", US, 3) == []
