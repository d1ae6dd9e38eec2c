"""The purchase orders pull through moto server and the SP-API emulator, the way AWS runs it (the schedule's
function, hourly-ish runs over five weeks, 429s and 5xx, paging, POs moving New -> Acknowledged -> Closed between
reads): every PO line the emulator shows lands with its latest state, a repeat run writes nothing, each alert is sent
once, the calls stay within Amazon's usage plan; and a document that breaks Amazon's model goes to the dead-letter
queue once, with its PO and field, while the rest of its page lands."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from vendorcast import resources as r
from vendorcast.config import parse_config
from vendorcast.dead_letters import FAILURE_REASON_ATTRIBUTE
from vendorcast.lake.query import LocalLake
from vendorcast.lake.storage import LakeStorage
from vendorcast.local.outbox import published_messages
from vendorcast.local.runtime import LocalPipeline
from vendorcast.orders.context import OrdersContext
from vendorcast.orders.pull import PagePuller, PullSummary
from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.settings import FaultSettings, SandboxSettings
from vendorcast.sandbox.truth import purchase_order_items_table
from vendorcast.spapi.vendor_orders import OrdersFeed, OrdersPage

pytestmark = pytest.mark.integration

SEED = 11
N_ASINS = 12
US = "ATVPDKIKX0DER"
HISTORY_START = date(2025, 1, 5)
# The vendor deploys on a Wednesday at 03:00 UTC (no PO is placed, acknowledged or received at that hour).
DEPLOYED = datetime(2026, 3, 4, 3, tzinfo=UTC)
DAYS = 35
FAULTS = FaultSettings(throttle_rate=0.15, server_error_rate=0.08)


@dataclass
class Period:
    pipeline: LocalPipeline
    runs: list[dict[str, Any]]
    repeat: dict[str, Any]
    alerts: list[dict[str, Any]]


def advance_to(clock: ManualClock, moment: datetime) -> None:
    clock.advance(max(0.0, (moment - clock.now()).total_seconds()))


@pytest.fixture(scope="module")
def period():
    config = parse_config({
        "accounts": [{"name": "acme-us", "region": "NA", "marketplace_ids": [US], "reports": [],
                      "secret_name": "vendorcast/acme-us/spapi", "backfill_start": "2025-06-01"}],
        "alerts": {"purchase_orders": {"unacknowledged_hours": 48, "at_risk_days": 3, "otif_threshold": 0.95}},
    })
    sandbox = SandboxSettings(seed=SEED, n_asins=N_ASINS, history_start=HISTORY_START, faults=FAULTS)
    clock = ManualClock(DEPLOYED)
    with LocalPipeline(config, sandbox, clock) as pipeline:
        pipeline.stop_event_source()
        runs = [pipeline.pull_purchase_orders()[0]]  # the backfill
        for offset in range(1, DAYS + 1):
            for hour in (3, 15):  # twice a day: the receipts at 16:00 fall between runs
                advance_to(clock, datetime.combine(DEPLOYED.date() + timedelta(days=offset), time(hour), UTC))
                runs.append(pipeline.pull_purchase_orders()[0])
        repeat = pipeline.pull_purchase_orders()[0]
        alerts = [json.loads(m.structure()["default"]) for m in published_messages(pipeline.aws.alert_topic_arn)]
        yield Period(pipeline, runs, repeat, alerts)


def latest_lines(storage: LakeStorage) -> dict[tuple[str, str], dict[str, Any]]:
    """Each PO line's latest status read in the raw zone, by (PO, line)."""
    tables = [storage.path(o.key) for o in storage.list(f"{r.RAW_PREFIX}/purchase_order_status/", ".parquet")]
    rows = pa.concat_tables([pa.parquet.read_table(p, filesystem=storage.filesystem) for p in tables])
    rows = rows.sort_by([("read_at", "ascending")]).to_pylist()
    return {(row["purchase_order_number"], row["item_sequence_number"]): row for row in rows}


def truth_lines(pipeline: LocalPipeline) -> dict[tuple[str, str], dict[str, Any]]:
    """The emulator's truth export of every PO line at the clock's now."""
    truth = purchase_order_items_table(pipeline.sandbox.simulator, pipeline.clock.now())
    return {(row["purchase_order_number"], row["item_sequence_number"]): row for row in truth.to_pylist()}


def test_every_po_line_lands_with_its_latest_state(period: Period) -> None:
    pipeline = period.pipeline
    storage = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url)
    landed = latest_lines(storage)
    truth = truth_lines(pipeline)
    assert len(truth) > 100
    assert set(truth) <= set(landed)

    def state(row: dict[str, Any]) -> tuple[Any, ...]:
        return (row["ordered_units"], row["accepted_units"] or 0, row["received_units"], row["last_receive_date"])

    mismatched = [(key, state(truth[key]), state(landed[key])) for key in truth
                  if state(truth[key]) != state(landed[key])
                  or (truth[key]["purchase_order_state"] == "Closed") != (landed[key]["purchase_order_status"]
                                                                          == "CLOSED")]
    assert not mismatched, mismatched[:3]
    states = Counter(v["purchase_order_state"] for v in truth.values())
    assert states["Acknowledged"] and states["Closed"], "the period sees lines open and closed"


def test_every_page_lands_as_served(period: Period) -> None:
    storage = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=period.pipeline.aws.endpoint_url)
    landing = storage.list(f"{r.LANDING_PREFIX}/purchase_orders/", ".json")
    pages = sum(feed["pages"] for run in [*period.runs, period.repeat] for feed in run["feeds"].values())
    assert len(landing) == pages
    served = json.loads(storage.read_bytes(landing[-1].key))
    assert set(served) == {"payload"}


def test_faults_were_absorbed_and_the_backfill_read_in_windows(period: Period) -> None:
    stats = period.pipeline.sandbox.stats
    assert sum(stats[op].injected_throttles + stats[op].server_errors
               for op in ("getPurchaseOrders", "getPurchaseOrdersStatus")) > 5
    backfill = period.runs[0]["feeds"]["acme-us/ATVPDKIKX0DER/status"]
    assert backfill["windows"] >= 4, "the backfill reads months in windows of at most 7 days"


def test_a_repeat_run_reads_nothing_new_and_alerts_nothing(period: Period) -> None:
    assert period.repeat["rows"] == {}
    assert period.repeat["alerts"] == 0 and period.repeat["dead_lettered"] == 0


def test_each_alert_is_sent_once(period: Period) -> None:
    told = Counter()
    for message in period.alerts:
        for condition in message["conditions"]:
            for item in condition["items"]:
                told[(condition["kind"], condition.get("week"), item["key"])] += 1
    assert told, "the period has POs due with units missing, and weeks below 95% OTIF"
    assert {kind for kind, _, _ in told} >= {"po_at_risk", "otif_below_target"}
    # The account line of the weekly digest repeats once per week; everything else once.
    repeated = {key: n for key, n in told.items() if n > 1}
    assert not repeated, repeated


def test_calls_stay_within_the_usage_plan(period: Period) -> None:
    """Paced by the shared token buckets: the emulator's bucket (10 a second, burst 10) never ran dry."""
    for operation in ("getPurchaseOrders", "getPurchaseOrdersStatus"):
        stats = period.pipeline.sandbox.stats[operation]
        assert stats.calls > 0 and stats.throttled == 0 and stats.max_burst <= 10


def test_a_bad_document_is_dead_lettered_once_and_the_rest_of_its_page_lands(period: Period) -> None:
    pipeline = period.pipeline
    ctx = OrdersContext.from_environment()
    account = ctx.config.accounts[0]
    summary = PullSummary()
    puller = PagePuller(ctx, account, US, summary)
    good = {"purchaseOrderNumber": "GOOD0001", "purchaseOrderState": "New", "orderDetails": {
        "purchaseOrderDate": "2026-04-06T08:00:00Z", "purchaseOrderStateChangedDate": "2026-04-06T08:00:00Z",
        "items": [{"itemSequenceNumber": "1", "amazonProductIdentifier": "B0GOOD0001", "isBackOrderAllowed": False,
                   "orderedQuantity": {"amount": 2, "unitOfMeasure": "CASES", "unitSize": 6}}]}}
    bad = json.loads(json.dumps(good).replace("GOOD0001", "BAD00001").replace('"CASES"', '"Pallets"'))
    page = OrdersPage(OrdersFeed.CREATED, {"orders": [good, bad]}, pipeline.clock.now(), None)
    start, end = pipeline.clock.now() - timedelta(hours=1), pipeline.clock.now()
    puller.store_page(page, start, end, None, 0)
    later = OrdersPage(OrdersFeed.CREATED, page.payload, page.read_at + timedelta(minutes=5), None)
    puller.store_page(later, start, end, None, 0)  # read again: lands again, not queued again
    sqs = pipeline.aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=pipeline.aws.purchase_orders_dlq_url, MaxNumberOfMessages=10,
                                   MessageAttributeNames=["All"]).get("Messages", [])
    assert len(messages) == 1
    reason = messages[0]["MessageAttributes"][FAILURE_REASON_ATTRIBUTE]["StringValue"]
    assert "BAD00001" in reason and "orderDetails.items[0].orderedQuantity.unitOfMeasure" in reason
    assert "'Pallets' is not one of" in reason
    body = json.loads(messages[0]["Body"])
    assert body["document"]["purchaseOrderNumber"] == "BAD00001" and body["landing_key"].startswith("landing/")
    storage = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url)
    landed = [storage.path(o.key) for o in storage.list(f"{r.RAW_PREFIX}/purchase_order_items/", ".parquet")]
    items = pa.concat_tables([pa.parquet.read_table(p, filesystem=storage.filesystem) for p in landed])
    good_rows = items.filter(pc.equal(items["purchase_order_number"], "GOOD0001"))
    assert good_rows.num_rows == 2 and good_rows["ordered_units"].to_pylist() == [12, 12]  # two reads, one line
    assert items.filter(pc.equal(items["purchase_order_number"], "BAD00001")).num_rows == 0


def independent_otif(truth: pa.Table, as_of: datetime) -> dict[tuple[str, date], tuple[int, int, int, int]]:
    """docs/otif.md computed here from the emulator's truth, line by line, without the lake's SQL: per ASIN and the
    retail week a line is due, (ordered, accepted, received, on-time-in-full units) over settled lines."""
    out: dict[tuple[str, date], list[int]] = {}
    for line in truth.to_pylist():
        due = line["delivery_window_end"]
        acknowledged = line["purchase_order_state"] != "New"
        accepted = line["accepted_units"] if acknowledged else None
        received = line["received_units"]
        fully_received = accepted is not None and accepted > 0 and received >= accepted
        if not (due < as_of or fully_received):
            continue
        in_full = accepted is not None and received >= accepted
        on_time = received > 0 and line["last_receive_date"] <= due
        week = due.date() - timedelta(days=(due.date().weekday() + 1) % 7)
        sums = out.setdefault((line["asin"], week), [0, 0, 0, 0])
        for i, units in enumerate((line["ordered_units"], accepted or 0, received, received if in_full and on_time
                                   else 0)):
            sums[i] += units
    return {key: tuple(value) for key, value in out.items()}


def test_otif_in_the_lake_equals_an_independent_computation_from_the_truth(period: Period) -> None:
    pipeline = period.pipeline
    pipeline.publish_lake()
    storage = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=pipeline.aws.endpoint_url)
    truth = purchase_order_items_table(pipeline.sandbox.simulator, pipeline.clock.now())
    with LocalLake.open(storage) as lake:
        as_of = lake.connection.execute("SELECT max(status_read_at) FROM purchase_order_items").fetchone()[0]
        weekly = lake.connection.execute(
            "SELECT asin, week_start, ordered_units, accepted_units, received_units, on_time_in_full_units, "
            "otif_rate FROM v_otif_weekly").fetchall()
    expected = independent_otif(truth, as_of)
    # The lake also holds lines Amazon no longer shows (older than its six months): compare the weeks whose lines
    # were all ordered within what the truth still shows.
    first_order = min(truth["order_date"].to_pylist()).date()
    compared = {(asin, week): (ordered, accepted, received, otif)
                for asin, week, ordered, accepted, received, otif, _ in weekly
                if week >= first_order + timedelta(weeks=6)}
    assert len(compared) > 20
    assert compared == {key: value for key, value in expected.items() if key[1] >= first_order + timedelta(weeks=6)}
    rates = {round(rate, 2) for *_, rate in weekly if rate is not None}
    assert len(rates) > 3, "OTIF varies across ASINs and weeks"
