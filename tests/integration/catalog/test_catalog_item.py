"""The catalog table's conditional writes and catalog_item's edges, against moto server and the SP-API emulator:
racing observers record a change once, a chunk counts once, a batch is sent once, a data condition is recorded once
per week; a malformed message is dead-lettered at once with its reason; a chunk that comes after its run's digest
went out sends its findings on their own."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from vendorcast.alerts.digest import ConditionAlert, ConditionItem, ConditionKind
from vendorcast.catalog.batches import STALE_BATCH, STALE_CLAIM, flush_stale_batches, send_batch_digest
from vendorcast.catalog.context import CatalogContext
from vendorcast.catalog.messages import WatchChunk, chunk_message
from vendorcast.catalog.observe import ObservationContext, observe_item
from vendorcast.catalog.snapshot import CatalogSnapshot
from vendorcast.catalog.store import BatchStatus, SnapshotConflict, StoredSnapshot
from vendorcast.catalog.worker import handle_catalog_record
from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.dead_letters import FAILURE_REASON_ATTRIBUTE
from vendorcast.local.outbox import published_messages
from vendorcast.local.runtime import LocalPipeline
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.vocabulary.catalog_fields import INCLUDED_DATA, CatalogField

pytestmark = pytest.mark.integration

START = datetime(2025, 6, 18, 6, tzinfo=UTC)
US = "ATVPDKIKX0DER"


@pytest.fixture(scope="module")
def pipeline():
    config = parse_config({"accounts": [{"name": "acme-us", "region": "NA", "marketplace_ids": [US],
                                         "secret_name": "vendorcast/acme-us/spapi", "backfill_start": "2025-05-04"}]})
    sandbox = SandboxSettings(seed=5, n_asins=6, history_start=date(2024, 1, 1))
    with LocalPipeline(config, sandbox, ScaledClock.starting_at(START, 600)) as running:
        running.stop_event_source()
        yield running


@pytest.fixture
def ctx(pipeline: LocalPipeline) -> CatalogContext:
    return CatalogContext.from_environment()


def emulator_item(pipeline: LocalPipeline, asin: str) -> dict[str, Any]:
    return pipeline.sandbox.catalog.item(asin, list(INCLUDED_DATA), pipeline.clock.now().date())


def listed_asin(pipeline: LocalPipeline, index: int = 0) -> str:
    return pipeline.sandbox.catalog.listed_asins(pipeline.clock.now().date())[index]


def test_racing_observers_record_a_change_once(pipeline: LocalPipeline, ctx: CatalogContext) -> None:
    asin = listed_asin(pipeline)
    item = emulator_item(pipeline, asin)
    now = ctx.clock.now()
    where = ObservationContext("acme-us", US, "race-batch", "catalog_watch", "key", now)
    ctx.store.open_batch("race-batch", 2, now)
    baseline = observe_item(ctx.store, ctx.rules, where, asin, item)
    assert baseline.current.version == 1 and not baseline.alerts
    retitled = json.loads(json.dumps(item))
    retitled["summaries"][0]["itemName"] += " (New Version)"
    # Both paths read version 1; the second one to write finds the snapshot moved and has nothing left to record.
    first = observe_item(ctx.store, ctx.rules, where, asin, retitled)
    second = observe_item(ctx.store, ctx.rules, where, asin, retitled)
    assert [a.field for a in first.alerts] == [CatalogField.ITEM_NAME]
    assert second.alerts == () and second.current.version == 2
    with pytest.raises(SnapshotConflict):
        ctx.store.save_change(baseline.current, first.current, [], "race-batch", now)
    assert [c.field for c in ctx.store.batch_entries("race-batch").changes] == [CatalogField.ITEM_NAME]
    with pytest.raises(SnapshotConflict):
        ctx.store.save_baseline(baseline.current)


def test_a_batch_counts_each_chunk_once_and_is_sent_once(pipeline: LocalPipeline, ctx: CatalogContext) -> None:
    now = ctx.clock.now()
    assert ctx.store.open_batch("count-batch", 2, now)
    assert not ctx.store.open_batch("count-batch", 2, now)
    assert ctx.store.complete_chunk("count-batch", 0, now)
    assert not ctx.store.complete_chunk("count-batch", 0, now), "a redelivered chunk"
    assert send_batch_digest(ctx.store, ctx.publisher, "count-batch", now) is None, "one chunk still running"
    assert ctx.store.complete_chunk("count-batch", 1, now)
    claimed = ctx.store.claim_batch("count-batch", now, force=False, stale_claim=STALE_CLAIM)
    assert claimed is not None and claimed.status is BatchStatus.SENDING and claimed.complete
    assert ctx.store.claim_batch("count-batch", now, force=False, stale_claim=STALE_CLAIM) is None
    # A sender that crashed after claiming: its claim expires and the batch is sent by the next one.
    later = now + STALE_CLAIM + timedelta(seconds=1)
    sent = send_batch_digest(ctx.store, ctx.publisher, "count-batch", later)
    assert sent is not None and sent.message_id is None, "nothing found, nothing sent"
    assert ctx.store.batch("count-batch").status is BatchStatus.SENT
    assert send_batch_digest(ctx.store, ctx.publisher, "count-batch", later, force=True) is None


def test_batches_that_never_complete_and_complete_ones_left_unsent_are_flushed(ctx: CatalogContext) -> None:
    now = ctx.clock.now()
    ctx.store.open_batch("stuck", 3, now - STALE_BATCH - timedelta(minutes=1))  # a chunk was dead-lettered
    ctx.store.open_batch("young", 3, now - timedelta(hours=1))  # still running
    ctx.store.open_batch("orphan", 1, now - timedelta(hours=1))  # done, but its sender never came
    ctx.store.complete_chunk("orphan", 0, now)
    condition = ConditionAlert(ConditionKind.OUT_OF_STOCK, "acme-us", US, "1 ASIN out of stock",
                               (ConditionItem("B0C1234567", None, "5% → 40%"),), date(2025, 6, 8))
    assert ctx.store.record_condition("stuck", condition, "flush-test", "2025-06-08", now)
    flushed = {d.batch_id: d for d in flush_stale_batches(ctx.store, ctx.publisher, now)}
    assert {"stuck", "orphan"} <= set(flushed) and "young" not in flushed
    assert flushed["stuck"].conditions == 1 and flushed["stuck"].message_id is not None
    assert flushed["orphan"].message_id is None
    assert {ctx.store.batch(b).status for b in ("stuck", "orphan")} == {BatchStatus.SENT}
    assert ctx.store.batch("young").status is BatchStatus.OPEN
    assert not {"stuck", "orphan"} & {d.batch_id for d in flush_stale_batches(ctx.store, ctx.publisher, now)}


def test_a_data_condition_is_recorded_once_per_week(ctx: CatalogContext) -> None:
    now = ctx.clock.now()
    condition = ConditionAlert(ConditionKind.GONE_FROM_SALES, "acme-us", US, "1 ASIN missing",
                               (ConditionItem("B0C1234567", None, "gone"),), date(2025, 6, 8))
    ctx.store.open_batch("conditions-1", 0, now)
    ctx.store.open_batch("conditions-2", 0, now)
    assert ctx.store.record_condition("conditions-1", condition, "gone_from_sales", "2025-06-08", now)
    assert not ctx.store.record_condition("conditions-2", condition, "gone_from_sales", "2025-06-08", now)
    assert not ctx.store.record_condition("conditions-2", condition, "gone_from_sales", "2025-06-01", now)
    assert ctx.store.record_condition("conditions-2", condition, "gone_from_sales", "2025-06-15", now)
    assert ctx.store.batch_entries("conditions-1").conditions == [condition]
    assert ctx.store.condition_progress("acme-us", US, "gone_from_sales") == "2025-06-15"


def test_a_malformed_message_is_dead_lettered_at_once_with_its_reason(pipeline: LocalPipeline) -> None:
    sqs = pipeline.aws.client("sqs")
    sqs.send_message(QueueUrl=pipeline.aws.catalog_queue_url, MessageBody='{"kind": "catalog_watch"}')
    assert pipeline.process_catalog_items(timeout=60) == 1
    [dead] = sqs.receive_message(QueueUrl=pipeline.aws.catalog_dlq_url, MessageAttributeNames=["All"])["Messages"]
    reason = dead["MessageAttributes"][FAILURE_REASON_ATTRIBUTE]["StringValue"]
    assert reason.startswith("MalformedCatalogMessage: batch_id: Field required")
    assert dead["MessageAttributes"]["receive_count"]["StringValue"] == "1"
    sqs.delete_message(QueueUrl=pipeline.aws.catalog_dlq_url, ReceiptHandle=dead["ReceiptHandle"])


def test_a_chunk_after_its_runs_digest_sends_its_findings_on_its_own(pipeline: LocalPipeline,
                                                                    ctx: CatalogContext) -> None:
    asin = listed_asin(pipeline, 1)
    now = ctx.clock.now()
    # What the table remembers of the item: an older title (the emulator's page has moved on since).
    old = CatalogSnapshot.from_item(emulator_item(pipeline, asin), US, ctx.rules.tracked)
    old = CatalogSnapshot(asin, US, {**old.values, "item_name": "An Older Title"})
    ctx.store.save_baseline(StoredSnapshot("acme-us", old, 1, now - timedelta(days=1), (), "catalog_watch", "seed",
                                           lake_written=True))
    # The run's digest went out without this chunk (stale); then the chunk arrives.
    ctx.store.open_batch("stale-run", 1, now - timedelta(hours=7))
    assert send_batch_digest(ctx.store, ctx.publisher, "stale-run", now, force=True) is not None
    chunk = WatchChunk(batch_id="stale-run", chunk=0, account="acme-us", marketplace_id=US, asins=[asin])
    [outcome] = handle_catalog_record(ctx, chunk_message(chunk), "m-1", 1)
    assert outcome.action == "observed" and outcome.batch_id == "late-stale-run-000000"
    assert outcome.digest is not None and outcome.digest.message_id is not None
    [message] = [m for m in published_messages(pipeline.aws.alert_topic_arn)
                 if m.message_id == outcome.digest.message_id]
    [entry] = json.loads(message.structure()["default"])["changes"]
    assert (entry["asin"], entry["field"], entry["before"]) == (asin, "item_name", "An Older Title")
    [again] = handle_catalog_record(ctx, chunk_message(chunk), "m-1", 2)
    assert again.action == "duplicate"
