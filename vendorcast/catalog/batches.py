"""Alert batches: when every chunk of a watch run (or a pushed notification) is done, its findings go out as one
SNS message; a batch left open by chunks that never finished (dead-lettered, a crashed run) goes out with what it
has once it is stale."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from vendorcast.alerts.digest import AlertDigest
from vendorcast.alerts.publisher import AlertPublisher
from vendorcast.catalog.store import CatalogStore

log = logging.getLogger(__name__)

# A claim older than this is taken to be a crashed sender's.
STALE_CLAIM = timedelta(minutes=15)
# A batch still open after this long will not complete: a chunk's message is retried for at most five visibility
# timeouts (30 minutes each) before it is dead-lettered.
STALE_BATCH = timedelta(hours=6)


@dataclass(frozen=True)
class SentDigest:
    batch_id: str
    message_id: str | None  # None: the batch found nothing, so nothing was sent
    changes: int
    conditions: int


def send_batch_digest(store: CatalogStore, publisher: AlertPublisher, batch_id: str, now: datetime, *,
                      force: bool = False) -> SentDigest | None:
    """Send the batch's digest if its chunks are all done (or `force`) and nobody else is sending it; None if not
    sent now. A batch that found nothing is closed without a message."""
    batch = store.claim_batch(batch_id, now, force=force, stale_claim=STALE_CLAIM)
    if batch is None:
        return None
    entries = store.batch_entries(batch_id)
    digest = AlertDigest(batch_id, batch.created_at, tuple(entries.changes), tuple(entries.conditions))
    message_id = publisher.publish(digest)
    store.finish_batch(batch_id, now, message_id)
    return SentDigest(batch_id, message_id, len(digest.changes), len(digest.conditions))


def flush_stale_batches(store: CatalogStore, publisher: AlertPublisher, now: datetime) -> list[SentDigest]:
    """Send what batches that will never complete have found, and batches whose sender never came or crashed
    (the claim decides: a complete batch, a stale claim, or with `force` a stale batch)."""
    sent = []
    for batch in store.unsent_batches():
        result = send_batch_digest(store, publisher, batch.batch_id, now, force=batch.created_at <= now - STALE_BATCH)
        if result is not None:
            log.warning("sent the digest of batch %s (%d of %d chunks done)", batch.batch_id, batch.done,
                        batch.expected)
            sent.append(result)
    return sent
