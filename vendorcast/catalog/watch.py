"""catalog_watch: one scheduled run. It lists the ASINs to watch (every ASIN of the vendor's recent reports, every
ASIN watched before, the configured ones), finds the data conditions, opens one alert batch for the run, and fans the
ASINs out in chunks through the catalog-items queue; catalog_item sends the batch's digest when the last chunk is
done. Batches that never completed are flushed first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from vendorcast.catalog.batches import SentDigest, flush_stale_batches, send_batch_digest
from vendorcast.catalog.context import CatalogContext
from vendorcast.catalog.data_conditions import (
    DemandWeek,
    FoundCondition,
    failed_report_marker,
    failed_report_streams,
    gone_from_sales,
    out_of_stock_crossings,
    read_recent_demand,
)
from vendorcast.catalog.messages import CHUNK_SIZE, WatchChunk, chunk_message
from vendorcast.config import AccountConfig
from vendorcast.ingestion.ledger import LedgerEntry, RequestStatus

# SQS SendMessageBatch takes ten messages.
_SEND_BATCH = 10


@dataclass
class WatchSummary:
    batch_id: str
    asins: int = 0
    chunks: int = 0
    conditions: int = 0
    flushed: list[str] = field(default_factory=list)  # stale batches sent
    digest: SentDigest | None = None  # sent at once when there was nothing to fan out


# A watch run's batch id starts with this and its UTC start time, so the latest run's sorts last.
WATCH_BATCH_PREFIX = "watch-"


def new_batch_id(now: datetime) -> str:
    return f"{WATCH_BATCH_PREFIX}{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def watch_list(report_asins: set[str], known: set[str], configured: list[str]) -> list[str]:
    """What one account and marketplace watches, sorted: its recent report ASINs, the items already watched (a
    vanished ASIN stays watched, so that a relisting shows), and the configured list."""
    return sorted(report_asins | known | set(configured))


def find_conditions(ctx: CatalogContext, account: AccountConfig, marketplace_id: str, demand: list[DemandWeek],
                    titles: dict[str, str | None], failed: list[LedgerEntry]) -> list[FoundCondition]:
    settings = ctx.config.alerts.conditions
    found: list[FoundCondition] = []
    if settings.out_of_stock_rate > 0:
        crossing = out_of_stock_crossings(demand, settings.out_of_stock_rate, account.name, marketplace_id, titles)
        found += [crossing] if crossing else []
    if settings.gone_from_sales:
        gone = gone_from_sales(demand, account.name, marketplace_id, titles)
        found += [gone] if gone else []
    if settings.failed_reports and failed:
        markers = {failed_report_marker(e.stream) for e in failed}
        alerted = {m: ctx.store.condition_progress(account.name, marketplace_id, m) for m in markers}
        found += failed_report_streams(failed, account.name, marketplace_id, alerted)
    return found


def run_catalog_watch(ctx: CatalogContext) -> WatchSummary:
    now = ctx.clock.now()
    flushed = flush_stale_batches(ctx.store, ctx.publisher, now)
    summary = WatchSummary(new_batch_id(now), flushed=[f.batch_id for f in flushed])
    watch = ctx.config.alerts.catalog
    failed = ctx.ledger.due(RequestStatus.FAILED, now) if ctx.ledger is not None else []
    chunks: list[WatchChunk] = []
    conditions: list[FoundCondition] = []
    for account in ctx.config.accounts:
        for marketplace_id in account.marketplace_ids:
            # Two weeks at least: the conditions compare the latest week with the one before.
            demand = read_recent_demand(ctx.lake, account.name, marketplace_id, max(watch.report_weeks, 2))
            latest = sorted({d.week_start for d in demand})[-watch.report_weeks:]
            report_asins = {d.asin for d in demand if d.week_start in latest}
            titles = ctx.store.watched_titles(account.name, marketplace_id)
            asins = watch_list(report_asins, set(titles), watch.asins)
            for start in range(0, len(asins), CHUNK_SIZE):
                chunks.append(WatchChunk(batch_id=summary.batch_id, chunk=len(chunks), account=account.name,
                                         marketplace_id=marketplace_id, asins=asins[start:start + CHUNK_SIZE]))
            summary.asins += len(asins)
            conditions += find_conditions(ctx, account, marketplace_id, demand, titles, failed)
    # The batch exists before its first chunk can finish, so that the last chunk finds it to send.
    ctx.store.open_batch(summary.batch_id, len(chunks), now)
    summary.conditions = sum(ctx.store.record_condition(summary.batch_id, c.alert, c.marker, c.progress, now)
                             for c in conditions)
    for start in range(0, len(chunks), _SEND_BATCH):
        group = chunks[start:start + _SEND_BATCH]
        response = ctx.sqs.send_message_batch(QueueUrl=ctx.queue_url, Entries=[
            {"Id": str(c.chunk), "MessageBody": chunk_message(c)} for c in group])
        if response.get("Failed"):
            failures = "; ".join(f"{f['Id']}: {f.get('Message', f.get('Code'))}" for f in response["Failed"])
            raise RuntimeError(f"could not queue chunks of {summary.batch_id}: {failures}")
    summary.chunks = len(chunks)
    if not chunks:
        summary.digest = send_batch_digest(ctx.store, ctx.publisher, summary.batch_id, now)
    return summary


__all__ = ["WATCH_BATCH_PREFIX", "WatchSummary", "find_conditions", "new_batch_id", "run_catalog_watch", "watch_list"]
