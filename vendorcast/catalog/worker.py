"""catalog_item: one message of the catalog-items queue, end to end. A watch chunk or a pushed notification names
ASINs; each is fetched with getCatalogItem (paced within its usage plan, retried on 429), compared with its snapshot,
and moved on with its changes; new snapshot versions go to the lake's raw zone; the chunk is counted done once; the
batch's digest goes out when its last chunk is done. A message that keeps failing is dead-lettered with its reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from vendorcast.catalog.batches import SentDigest, send_batch_digest
from vendorcast.catalog.context import CatalogContext
from vendorcast.catalog.messages import (
    WATCH_SOURCE,
    CatalogNotification,
    MalformedCatalogMessage,
    WatchChunk,
    parse_catalog_message,
)
from vendorcast.catalog.observe import ObservationContext, observe_item
from vendorcast.catalog.records import LakeRecords
from vendorcast.catalog.store import BatchStatus
from vendorcast.dead_letters import dead_letter
from vendorcast.resources import CATALOG_ITEMS_MAX_RECEIVE_COUNT

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemsOutcome:
    action: str  # observed | duplicate | not_watched | expired
    batch_id: str | None = None
    items: int = 0
    changed: int = 0  # items whose content changed
    alerts: int = 0
    digest: SentDigest | None = None


def notification_batch_id(notification: CatalogNotification, account: str) -> str:
    """A notification delivered twice is the same batch (its NotificationId), so it is observed once."""
    return f"notification-{notification.notification_id}-{account}"


def process_watch_chunk(ctx: CatalogContext, chunk: WatchChunk, attempt: int) -> ItemsOutcome:
    return _observe_chunk(ctx, chunk.batch_id, chunk.chunk, chunk.account, chunk.marketplace_id, chunk.asins,
                          WATCH_SOURCE, attempt)


def process_notification(ctx: CatalogContext, notification: CatalogNotification, attempt: int) -> list[ItemsOutcome]:
    """A pushed change: the item is looked at now, through the same diff as the watch, for every account watching
    it in that marketplace (the notification does not say which vendor account it concerns)."""
    outcomes = []
    for account in ctx.config.accounts:
        if notification.marketplace_id not in account.marketplace_ids:
            continue
        watched = (notification.asin in ctx.config.alerts.catalog.asins
                   or ctx.store.snapshot(account.name, notification.marketplace_id, notification.asin) is not None)
        if not watched:
            outcomes.append(ItemsOutcome("not_watched"))
            continue
        batch_id = notification_batch_id(notification, account.name)
        ctx.store.open_batch(batch_id, 1, ctx.clock.now())
        outcomes.append(_observe_chunk(ctx, batch_id, 0, account.name, notification.marketplace_id,
                                       [notification.asin], notification.notification_type, attempt))
    if not outcomes:
        log.info("%s for %s in %s: no account of this deployment sells there", notification.notification_type,
                 notification.asin, notification.marketplace_id)
    return outcomes


def _observe_chunk(ctx: CatalogContext, batch_id: str, chunk: int, account: str, marketplace_id: str,
                   asins: list[str], source: str, attempt: int) -> ItemsOutcome:
    if ctx.store.chunk_done(batch_id, chunk):
        return ItemsOutcome("duplicate", batch_id)
    batch = ctx.store.batch(batch_id)
    if batch is None:
        log.warning("batch %s is gone (older than the table keeps batches); chunk %d dropped", batch_id, chunk)
        return ItemsOutcome("expired", batch_id)
    alert_batch = batch_id
    if batch.status is not BatchStatus.OPEN:
        # The run's digest went out without this chunk (it was stale): its findings go out on their own.
        alert_batch = f"late-{batch_id}-{chunk:06d}"
        ctx.store.open_batch(alert_batch, 1, ctx.clock.now())
    api = ctx.catalog_api(ctx.config.account(account), marketplace_id)
    rules = ctx.rules
    records = LakeRecords(account, marketplace_id)
    request_key = f"{account}/{marketplace_id}/catalog/{batch_id}/{chunk}"
    changed = alerts = 0
    for asin in asins:
        item = api.get_item(asin)
        where = ObservationContext(account, marketplace_id, alert_batch, source, request_key, ctx.clock.now())
        observation = observe_item(ctx.store, rules, where, asin, item)
        changed += bool(observation.changes)
        alerts += len(observation.alerts)
        for version in observation.to_lake:
            records.add(version)
    now = ctx.clock.now()
    # One file per table and attempt: a retry never overwrites rows an earlier attempt wrote (the curated tables
    # keep one row per key).
    for key, body in records.files(f"{batch_id}-{chunk:06d}-a{attempt}", now).items():
        ctx.s3.put_object(Bucket=ctx.bucket, Key=key, Body=body, ContentType="application/vnd.apache.parquet")
    for version in records.versions:
        ctx.store.mark_lake_written(version)
    ctx.store.complete_chunk(batch_id, chunk, now)
    if alert_batch != batch_id:
        ctx.store.complete_chunk(alert_batch, 0, now)
    digest = send_batch_digest(ctx.store, ctx.publisher, alert_batch, ctx.clock.now())
    return ItemsOutcome("observed", alert_batch, len(asins), changed, alerts, digest)


def handle_catalog_record(ctx: CatalogContext, body: str, message_id: str, receive_count: int,
                          max_receives: int = CATALOG_ITEMS_MAX_RECEIVE_COUNT) -> list[ItemsOutcome]:
    """Process one message. Raising makes SQS deliver it again; on its last allowed receive a failing message is
    dead-lettered with its reason instead, and the rest of the batch is unaffected."""
    try:
        message = parse_catalog_message(body)
        if isinstance(message, WatchChunk):
            return [process_watch_chunk(ctx, message, receive_count)]
        return process_notification(ctx, message, receive_count)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, MalformedCatalogMessage) or receive_count >= max_receives:
            # A malformed message fails the same way every time: no point in waiting for the retries.
            dead_letter(ctx.sqs, ctx.dlq_url, body, message_id, reason, receive_count)
            return []
        raise


__all__ = ["ItemsOutcome", "handle_catalog_record", "notification_batch_id", "process_notification",
           "process_watch_chunk"]
