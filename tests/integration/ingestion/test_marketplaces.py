"""Every region end to end: a European account with five marketplaces (UK, DE, FR, IT, ES), a Far East account
(JP) and a North American one (US), through the real ingestion path against one SP-API emulator per region (as
Amazon has one endpoint per region, and one Login with Amazon for all). Each marketplace's reports come from its
own simulated history in its own currency, reconcile row by row with it, stay within each region's rate limits,
and the published lake never adds money of two currencies together."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.dashboard.page import load_datasets
from vendorcast.ingestion.ledger import RequestStatus
from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage
from vendorcast.local.reconcile import reconcile_with_truth
from vendorcast.local.runtime import LocalPipeline
from vendorcast.resources import LAKE_BUCKET
from vendorcast.sandbox.settings import SandboxSettings

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 21, 6, tzinfo=UTC)
BACKFILL_WEEKS = 8
EU = {"A1F83G8C2ARO7P": "GBP", "A1PA6795UKMFR9": "EUR", "A13V1IB3VIYZZH": "EUR", "APJ6JRA9NG5V4": "EUR",
      "A1RKKUPIHCS9HS": "EUR"}
JP = {"A1VC38T7YXB528": "JPY"}
US = {"ATVPDKIKX0DER": "USD"}
CURRENCY = {**EU, **JP, **US}
REPORTS = [{"report_type": "GET_VENDOR_SALES_REPORT", "report_period": "WEEK", "distributor_view": "MANUFACTURING",
            "selling_program": "RETAIL"},
           {"report_type": "GET_VENDOR_TRAFFIC_REPORT", "report_period": "WEEK"}]


def _account(name: str, region: str, marketplaces: dict[str, str]) -> dict:
    return {"name": name, "region": region, "marketplace_ids": list(marketplaces),
            "secret_name": f"vendorcast/{name}/spapi", "reports": REPORTS,
            "backfill_start": (START.date() - timedelta(weeks=BACKFILL_WEEKS)).isoformat()}


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    config = parse_config({"accounts": [_account("acme-eu", "EU", EU), _account("acme-jp", "FE", JP),
                                        _account("acme-us", "NA", US)],
                           "schedules": {"retry_not_available_after_hours": 1}})
    sandbox = SandboxSettings(seed=5, n_asins=12, history_start=date(2025, 1, 1))
    with LocalPipeline(config, sandbox, ScaledClock.starting_at(START, 600)) as pipeline:
        pipeline.run_until_settled(timeout=600)
        pipeline.publish_lake()
        yield pipeline


def _lake(pipeline: LocalPipeline) -> LocalLake:
    return LocalLake.open(LakeStorage.s3(LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url))


def test_one_emulator_per_region_each_serving_its_own_marketplaces(regions) -> None:
    pipeline = regions
    assert set(pipeline.sandboxes) == {"EU", "FE", "NA"}
    for region, marketplaces in (("EU", EU), ("FE", JP), ("NA", US)):
        served = pipeline.sandboxes[region].served_reports.values()
        assert {m for report in served for m in report.marketplace_ids} == set(marketplaces), region
    # Report ids are unique only per selling partner: the regions' ids collide, and each still landed its own.
    assert set(pipeline.sandboxes["EU"].served_reports) & set(pipeline.sandboxes["FE"].served_reports)


def test_every_marketplace_lands_every_window_and_reconciles_with_its_own_history(regions) -> None:
    pipeline = regions
    entries = pipeline.entries()
    statuses = Counter(e.status for e in entries)
    assert all(e.status.terminal for e in entries), statuses
    assert statuses[RequestStatus.FAILED] == 0, [e.reason for e in entries if e.status is RequestStatus.FAILED]
    landed = Counter(e.marketplace_id for e in entries if e.status is RequestStatus.LANDED)
    assert set(landed) == set(CURRENCY)
    assert len(set(landed.values())) == 1, landed
    result = reconcile_with_truth(pipeline)
    assert result.mismatches == []
    assert result.exact


def test_each_marketplace_has_its_own_catalogue_and_currency(regions) -> None:
    pipeline = regions
    asins = {m: set(pipeline.simulator_of(m).asins) for m in CURRENCY}
    assert all(not asins[a] & asins[b] for a in CURRENCY for b in CURRENCY if a < b), "one history per marketplace"
    lake = _lake(pipeline)
    rows = lake.connection.execute(
        "SELECT marketplace_id, list(DISTINCT currency_code) FROM vendor_sales GROUP BY marketplace_id").fetchall()
    assert {marketplace: currencies for marketplace, currencies in rows} == {m: [c] for m, c in CURRENCY.items()}


def test_each_region_stays_within_its_own_rate_limits(regions) -> None:
    pipeline = regions
    for region, server in pipeline.sandboxes.items():
        stats = server.stats
        assert stats["createReport"].calls >= 2, region
        assert all(s.throttled == 0 for s in stats.values()), f"{region}: {stats}"


def test_no_query_adds_up_money_of_two_currencies(regions) -> None:
    """Every view and dashboard query that shows money shows its currency, one per row: an EU + JP + US lake is
    summed per currency (or per marketplace), never across them."""
    pipeline = regions
    lake = _lake(pipeline)
    views = [name for (name,) in lake.connection.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
    frames = {f"view {name}": lake.connection.execute(f"SELECT * FROM {name}").df() for name in views}
    frames |= {f"dashboard {name}": frame for name, frame in load_datasets(lake).items()}
    checked = 0
    for label, frame in frames.items():
        money = [c for c in frame.columns if any(w in c for w in ("revenue", "cogs", "cost", "amount"))]
        if not money or frame.empty:
            continue
        assert "currency_code" in frame.columns, f"{label}: {money} without currency_code"
        shown = frame.dropna(subset=money, how="all")
        assert shown["currency_code"].notna().all(), f"{label}: money without a currency"
        if "marketplace_id" in frame.columns:
            expected = shown["marketplace_id"].map(CURRENCY)
            assert (shown["currency_code"] == expected).all(), f"{label}: a row's money in another currency"
        checked += 1
    assert checked >= 2
    revenue = dict(lake.connection.execute(
        "SELECT currency_code, sum(revenue) FROM v_demand_weekly GROUP BY currency_code").fetchall())
    assert set(revenue) == {"GBP", "EUR", "JPY", "USD"}
