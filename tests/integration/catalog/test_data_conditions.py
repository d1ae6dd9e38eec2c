"""Data-condition alerts end to end: the ingestion pulls eight weeks of sales and inventory for a marketplace the
emulated vendor sells in and one it does not (Amazon fails those reports: wrong marketplace), the lake is published,
and the catalog watch's digest tells of the failed report streams with Amazon's reason, the ASINs that crossed the
out-of-stock threshold and the ASINs gone from the sales report in the latest week (as the curated tables say), and of
each once; the ASINs of the reports are watched from then on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.ingestion.ledger import RequestStatus
from vendorcast.lake.curated import read_curated_table
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CURATED_TABLES
from vendorcast.local.outbox import published_messages
from vendorcast.local.runtime import LocalPipeline
from vendorcast.resources import LAKE_BUCKET
from vendorcast.sandbox.settings import SandboxSettings

pytestmark = pytest.mark.integration

START = datetime(2026, 6, 10, 7, tzinfo=UTC)
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
# Low enough that the simulated vendor (seed 167) has ASINs crossing it in the latest week: its Amazon orders ahead
# of its deals, so it rarely runs out of stock for long.
THRESHOLD = 0.1
WEEKLY = {"report_period": "WEEK", "distributor_view": "MANUFACTURING", "selling_program": "RETAIL"}


@pytest.fixture(scope="module")
def watched():
    config = parse_config({
        "accounts": [{
            "name": "acme-us", "region": "NA", "marketplace_ids": [US, CA], "secret_name": "vendorcast/acme-us/spapi",
            "backfill_start": (START.date() - timedelta(weeks=8)).isoformat(),
            "reports": [{"report_type": "GET_VENDOR_SALES_REPORT", **WEEKLY},
                        {"report_type": "GET_VENDOR_INVENTORY_REPORT", **WEEKLY}],
        }],
        "alerts": {"conditions": {"out_of_stock_rate": THRESHOLD}},
    })
    # Seed 167: one ASIN is discontinued in the week before the latest, so it leaves the sales report.
    sandbox = SandboxSettings(seed=167, n_asins=40)
    with LocalPipeline(config, sandbox, ScaledClock.starting_at(START, 600)) as pipeline:
        pipeline.run_until_settled(timeout=300)
        pipeline.publish_lake()
        first = pipeline.run_catalog_watch()
        digests = [json.loads(m.structure()["default"]) for m in published_messages(pipeline.aws.alert_topic_arn)]
        repeat = pipeline.run_catalog_watch()
        yield pipeline, first, digests, repeat


def demand(pipeline: LocalPipeline) -> list[dict[str, Any]]:
    storage = LakeStorage.s3(LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url)
    rows = read_curated_table(storage, CURATED_TABLES["demand_weekly"]).to_pylist()
    return [r for r in rows if r["marketplace_id"] == US]


def conditions(digests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [c for d in digests for c in d["conditions"] if c["kind"] == kind]


def test_reports_for_a_marketplace_the_vendor_does_not_sell_in_fail_with_amazons_reason(watched) -> None:
    pipeline, _, digests, _ = watched
    failed = [e for e in pipeline.entries() if e.status is RequestStatus.FAILED]
    assert failed and {e.marketplace_id for e in failed} == {CA}
    alerts = conditions(digests, "report_failed")
    assert sorted(c["items"][0]["key"] for c in alerts) == [
        "GET_VENDOR_INVENTORY_REPORT (WEEK, MANUFACTURING, RETAIL)",
        "GET_VENDOR_SALES_REPORT (WEEK, MANUFACTURING, RETAIL)"]
    for alert in alerts:
        assert alert["marketplace_id"] == CA
        detail = alert["items"][0]["detail"]
        assert "WRONG_MARKETPLACE" in detail and "do not match the marketplace of the selling partner" in detail


def test_out_of_stock_crossings_are_the_curated_tables(watched) -> None:
    pipeline, _, digests, _ = watched
    rows = demand(pipeline)
    latest = max(r["week_start"] for r in rows if r["out_of_stock_rate"] is not None)
    before = {r["asin"]: r["out_of_stock_rate"] for r in rows if r["week_start"] == latest - timedelta(weeks=1)}
    expected = sorted(r["asin"] for r in rows if r["week_start"] == latest and r["out_of_stock_rate"] is not None
                      and r["out_of_stock_rate"] >= THRESHOLD and (before.get(r["asin"]) or 0) < THRESHOLD)
    [alert] = conditions(digests, "out_of_stock")
    assert alert["week"] == latest.isoformat()
    assert [i["key"] for i in alert["items"]] == expected and expected


def test_asins_gone_from_the_latest_sales_week_are_the_curated_tables(watched) -> None:
    pipeline, _, digests, _ = watched
    rows = demand(pipeline)
    latest = max(r["week_start"] for r in rows if r["units"] is not None)
    selling = {r["asin"] for r in rows if r["week_start"] == latest and r["units"] is not None}
    expected = sorted(r["asin"] for r in rows if r["week_start"] == latest - timedelta(weeks=1)
                      and r["units"] is not None and r["asin"] not in selling)
    [alert] = conditions(digests, "gone_from_sales")
    assert [i["key"] for i in alert["items"]] == expected and expected
    assert alert["week"] == latest.isoformat()


def test_the_report_asins_are_watched_and_a_first_look_is_a_baseline(watched) -> None:
    pipeline, first, digests, _ = watched
    asins = {r["asin"] for r in demand(pipeline)}
    assert first.summary["asins"] == len(asins) and first.summary["conditions"] >= 3
    assert [d["changes"] for d in digests] == [[]], "one message, with no catalog change"
    [email] = [e for e in first.emails if e.topic_arn == pipeline.aws.alert_topic_arn]
    assert "DATA CONDITIONS" in email.path.read_text()
    [out_of_stock] = conditions(digests, "out_of_stock")
    crossed = len(out_of_stock["items"])  # as many as the curated tables say (see above)
    assert email.subject == (f"vendorcast: {crossed} ASIN{'s' if crossed > 1 else ''} out of stock; 1 ASIN gone "
                             "from sales; 2 report streams failed")


def test_a_repeated_watch_tells_nothing_again(watched) -> None:
    pipeline, _, digests, repeat = watched
    assert repeat.summary["conditions"] == 0 and repeat.emails == []
    assert len(published_messages(pipeline.aws.alert_topic_arn)) == len(digests)
