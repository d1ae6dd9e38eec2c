"""One look at one catalog item, by either path (the polled watch or a pushed notification): compare what Amazon
serves with the stored snapshot, and move the snapshot on with the alerting changes in one conditional step. The first
sighting of an ASIN is its baseline, never a change."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vendorcast.alerts.digest import ChangeAlert
from vendorcast.catalog.snapshot import CatalogSnapshot, FieldChange, diff_snapshots
from vendorcast.catalog.store import CatalogStore, SnapshotConflict, StoredSnapshot
from vendorcast.vocabulary.catalog_fields import CatalogField

log = logging.getLogger(__name__)

# Racing observers of one item settle within a couple of rounds; more means something else is wrong.
MAX_CONFLICTS = 5


@dataclass(frozen=True)
class WatchRules:
    """What the config says about alerting: which fields alert, which ASINs never do, which fields are kept."""

    alert_fields: frozenset[CatalogField]
    ignore_asins: frozenset[str]
    tracked: frozenset[CatalogField]

    def alerting(self, asin: str, changes: list[FieldChange]) -> list[FieldChange]:
        if asin in self.ignore_asins:
            return []
        return [c for c in changes if c.field in self.alert_fields]


@dataclass(frozen=True)
class Observation:
    current: StoredSnapshot
    changes: tuple[FieldChange, ...] = ()  # what this observation changed (empty: unchanged, or a baseline)
    alerts: tuple[ChangeAlert, ...] = ()
    # Versions whose rows the lake still lacks: this observation's, and one an interrupted observer left behind.
    to_lake: tuple[StoredSnapshot, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ObservationContext:
    account: str
    marketplace_id: str
    batch_id: str  # the alert batch that collects the changes
    source: str  # catalog_watch, or the notification type that pushed it
    request_key: str  # lineage of the lake rows
    now: datetime


def observe_item(store: CatalogStore, rules: WatchRules, where: ObservationContext, asin: str,
                 item: dict[str, Any] | None) -> Observation:
    """Record what getCatalogItem returned for `asin` (None: not found)."""
    for _ in range(MAX_CONFLICTS):
        stored = store.snapshot(where.account, where.marketplace_id, asin)
        pending = (stored,) if stored is not None and not stored.lake_written else ()
        previous = stored.snapshot if stored else None
        seen = (CatalogSnapshot.from_item(item, where.marketplace_id, rules.tracked) if item is not None
                else CatalogSnapshot.not_found(asin, where.marketplace_id, previous))
        if stored is None:
            baseline = _version(where, seen, 1, ())
            try:
                store.save_baseline(baseline)
            except SnapshotConflict:
                continue
            return Observation(baseline, to_lake=(baseline,))
        changes = diff_snapshots(stored.snapshot, seen)
        if not changes:
            return Observation(stored, to_lake=pending)
        new = _version(where, seen, stored.version + 1, tuple(changes))
        alerts = [ChangeAlert(where.account, where.marketplace_id, asin, seen.title or stored.snapshot.title,
                              c.field, c.before, c.after, where.now, where.source)
                  for c in rules.alerting(asin, changes)]
        try:
            store.save_change(stored, new, alerts, where.batch_id, where.now)
        except SnapshotConflict:
            continue
        log.info("%s %s changed: %s", where.account, asin, ", ".join(c.field.value for c in changes))
        return Observation(new, tuple(changes), tuple(alerts), (*pending, new))
    raise RuntimeError(f"the snapshot of {asin} ({where.account}, {where.marketplace_id}) kept changing under "
                       f"{MAX_CONFLICTS} attempts to record it; the message is retried")


def _version(where: ObservationContext, snapshot: CatalogSnapshot, version: int,
             changes: tuple[FieldChange, ...]) -> StoredSnapshot:
    return StoredSnapshot(account=where.account, snapshot=snapshot, version=version, changed_at=where.now,
                          changes=changes, source=where.source, request_key=where.request_key, lake_written=False)


__all__ = ["Observation", "ObservationContext", "WatchRules", "observe_item"]
