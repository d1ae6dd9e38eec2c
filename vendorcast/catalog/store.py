"""The catalog table (DynamoDB): each watched item's current snapshot, and the alert batches that collect what one
watch run (or one pushed notification) found until its digest is sent.

Every write that decides something is conditional, so that at-least-once delivery never alerts twice:
- a snapshot moves from version n to n+1 only if it is still at n; the change entries of that step are written in
  the same transaction, so exactly one of two racing observers (the polled and the pushed path) records a change;
- a chunk of a batch counts as done once (a marker put only if absent, with the counter, in one transaction);
- a batch is claimed for sending once (OPEN -> SENDING), and a claim left by a crashed sender expires;
- a data condition is recorded once per week (or per failure time), by advancing a marker in the same transaction.

Keys (partition, sort):
- ITEMS#<account>#<marketplace>, <asin>: the item's snapshot
- BATCHES, <batch id>: a batch: status, chunks expected and done
- BATCH#<batch id>, CHANGE#... / CONDITION#... / DONE#<chunk>: its entries and done markers
- CONDITIONS#<account>#<marketplace>, <condition key>: how far a data condition has been alerted
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from vendorcast.alerts.digest import ChangeAlert, ConditionAlert
from vendorcast.catalog.snapshot import CatalogSnapshot, FieldChange
from vendorcast.resources import CATALOG_PARTITION_KEY, CATALOG_SORT_KEY, CATALOG_TTL_ATTRIBUTE
from vendorcast.vocabulary.catalog_fields import CatalogField

PK, SK = CATALOG_PARTITION_KEY, CATALOG_SORT_KEY
BATCHES = "BATCHES"
# Batches and their entries are kept this long, for whoever looks into a run afterwards.
BATCH_RETENTION = timedelta(days=30)



class SnapshotConflict(Exception):
    """Another observer moved the snapshot first: read it again and diff against that."""


class BatchStatus(StrEnum):
    OPEN = "OPEN"  # chunks still running
    SENDING = "SENDING"  # claimed by a sender
    SENT = "SENT"  # digest sent (or nothing to send)


@dataclass(frozen=True)
class StoredSnapshot:
    """An item's snapshot as stored, with the step that produced it."""

    account: str
    snapshot: CatalogSnapshot
    version: int
    changed_at: datetime  # when this version was observed first
    changes: tuple[FieldChange, ...]  # what this version changed (empty for a baseline)
    source: str
    request_key: str
    lake_written: bool  # this version's rows are in the lake's raw zone

    @property
    def asin(self) -> str:
        return self.snapshot.asin

    @property
    def marketplace_id(self) -> str:
        return self.snapshot.marketplace_id

    @property
    def content_hash(self) -> str:
        return self.snapshot.content_hash


@dataclass(frozen=True)
class Batch:
    batch_id: str
    status: BatchStatus
    expected: int
    done: int
    created_at: datetime
    claimed_at: datetime | None = None
    message_id: str | None = None

    @property
    def complete(self) -> bool:
        return self.done >= self.expected


@dataclass
class BatchEntries:
    changes: list[ChangeAlert] = field(default_factory=list)
    conditions: list[ConditionAlert] = field(default_factory=list)


def _items_key(account: str, marketplace_id: str) -> str:
    return f"ITEMS#{account}#{marketplace_id}"


def _batch_key(batch_id: str) -> str:
    return f"BATCH#{batch_id}"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _expiry(now: datetime) -> int:
    return int((now + BATCH_RETENTION).timestamp())


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals back to ints (the table stores no fractions)."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _cancelled_by_condition(error: ClientError, index: int) -> bool:
    """Whether a cancelled transaction failed on the condition of its `index`th action."""
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        return False
    reasons = error.response.get("CancellationReasons") or []
    return index < len(reasons) and reasons[index].get("Code") == "ConditionalCheckFailed"


class CatalogStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = (dynamodb or boto3.resource("dynamodb")).Table(table_name)
        # The resource's client: it takes and returns plain Python values, transactions included.
        self._client = self.table.meta.client
        self._name = table_name

    # ------------------------------------------------------------------ snapshots
    def snapshot(self, account: str, marketplace_id: str, asin: str) -> StoredSnapshot | None:
        item = self.table.get_item(Key={PK: _items_key(account, marketplace_id), SK: asin},
                                   ConsistentRead=True).get("Item")
        return _stored(item) if item else None

    def watched_titles(self, account: str, marketplace_id: str) -> dict[str, str | None]:
        """Every item watched so far in one account and marketplace: ASIN -> its title (only these two are read
        back, so that a large catalogue's snapshots do not fill the function's memory)."""
        items = self._query(KeyConditionExpression=Key(PK).eq(_items_key(account, marketplace_id)),
                            ProjectionExpression="asin, #v.item_name", ExpressionAttributeNames={"#v": "values"})
        return {item["asin"]: item.get("values", {}).get("item_name") for item in items}

    def save_baseline(self, stored: StoredSnapshot) -> None:
        """The first sighting of an item; SnapshotConflict when another observer saved one first."""
        try:
            self.table.put_item(Item=_snapshot_item(stored), ConditionExpression=Attr(PK).not_exists())
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise SnapshotConflict(stored.asin) from None
            raise

    def save_change(self, previous: StoredSnapshot, new: StoredSnapshot, alerts: list[ChangeAlert],
                    batch_id: str, now: datetime) -> None:
        """Move the snapshot from `previous` to `new` and record the alerting changes in the batch, atomically;
        SnapshotConflict when the snapshot is no longer at `previous.version`."""
        actions: list[dict[str, Any]] = [{"Put": {
            "TableName": self._name,
            "Item": _snapshot_item(new),
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": {":v": previous.version},
        }}]
        for alert in alerts:
            actions.append({"Put": {"TableName": self._name, "Item": {
                PK: _batch_key(batch_id),
                SK: f"CHANGE#{alert.account}#{alert.marketplace_id}#{alert.asin}#{alert.field.value}",
                "entry": alert.to_item(), CATALOG_TTL_ATTRIBUTE: _expiry(now)}}})
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if _cancelled_by_condition(exc, 0):
                raise SnapshotConflict(new.asin) from None
            raise

    def mark_lake_written(self, stored: StoredSnapshot) -> None:
        """This version's rows are in the lake (a newer version already there makes this a no-op)."""
        try:
            self.table.update_item(
                Key={PK: _items_key(stored.account, stored.marketplace_id), SK: stored.asin},
                UpdateExpression="SET lake_written = :t", ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":t": True, ":v": stored.version})
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # ------------------------------------------------------------------ batches
    def open_batch(self, batch_id: str, expected: int, now: datetime) -> bool:
        """Create a batch of `expected` chunks; False when it exists already (a duplicate notification)."""
        try:
            self.table.put_item(
                Item={PK: BATCHES, SK: batch_id, "status": BatchStatus.OPEN.value, "expected": expected, "done": 0,
                      "created_at": _iso(now), CATALOG_TTL_ATTRIBUTE: _expiry(now)},
                ConditionExpression=Attr(PK).not_exists())
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def batch(self, batch_id: str) -> Batch | None:
        item = self.table.get_item(Key={PK: BATCHES, SK: batch_id}, ConsistentRead=True).get("Item")
        return _batch(item) if item else None

    def chunk_done(self, batch_id: str, chunk: int) -> bool:
        item = self.table.get_item(Key={PK: _batch_key(batch_id), SK: f"DONE#{chunk:06d}"}, ConsistentRead=True)
        return "Item" in item

    def complete_chunk(self, batch_id: str, chunk: int, now: datetime) -> bool:
        """Count one chunk as done; False when it was counted before (a redelivered message)."""
        try:
            self._client.transact_write_items(TransactItems=[
                {"Put": {"TableName": self._name,
                         "Item": {PK: _batch_key(batch_id), SK: f"DONE#{chunk:06d}", "done_at": _iso(now),
                                  CATALOG_TTL_ATTRIBUTE: _expiry(now)},
                         "ConditionExpression": "attribute_not_exists(#pk)",
                         "ExpressionAttributeNames": {"#pk": PK}}},
                {"Update": {"TableName": self._name, "Key": {PK: BATCHES, SK: batch_id},
                            "UpdateExpression": "ADD #done :one", "ExpressionAttributeNames": {"#done": "done"},
                            "ExpressionAttributeValues": {":one": 1}}},
            ])
        except ClientError as exc:
            if _cancelled_by_condition(exc, 0):
                return False
            raise
        return True

    def record_condition(self, batch_id: str, condition: ConditionAlert, marker: str, progress: str,
                         now: datetime) -> bool:
        """Record a data condition in the batch unless it was alerted already: the condition's marker holds how far
        it has been alerted (`progress`: a week, a failure time; ISO text, so later sorts higher). False when the
        marker is at or past `progress`."""
        marker_key = {PK: f"CONDITIONS#{condition.account}#{condition.marketplace_id}", SK: marker}
        try:
            self._client.transact_write_items(TransactItems=[
                {"Update": {"TableName": self._name, "Key": marker_key,
                            "UpdateExpression": "SET #p = :p, updated_at = :now",
                            "ConditionExpression": "attribute_not_exists(#p) OR #p < :p",
                            "ExpressionAttributeNames": {"#p": "progress"},
                            "ExpressionAttributeValues": {":p": progress, ":now": _iso(now)}}},
                {"Put": {"TableName": self._name, "Item": {
                    PK: _batch_key(batch_id), SK: f"CONDITION#{marker}#{condition.account}#{condition.marketplace_id}",
                    "entry": condition.to_item(), CATALOG_TTL_ATTRIBUTE: _expiry(now)}}},
            ])
        except ClientError as exc:
            if _cancelled_by_condition(exc, 0):
                return False
            raise
        return True

    def condition_progress(self, account: str, marketplace_id: str, marker: str) -> str | None:
        item = self.table.get_item(Key={PK: f"CONDITIONS#{account}#{marketplace_id}", SK: marker},
                                   ConsistentRead=True).get("Item")
        return item.get("progress") if item else None

    def claim_batch(self, batch_id: str, now: datetime, *, force: bool, stale_claim: timedelta) -> Batch | None:
        """Claim a batch for sending: an OPEN batch whose chunks are all done (any OPEN batch with `force`), or one
        whose previous sender's claim is older than `stale_claim`. None when it is not to be sent now."""
        ready = "#s = :open" if force else "(#s = :open AND #done >= #expected)"
        names = {"#s": "status"} if force else {"#s": "status", "#done": "done", "#expected": "expected"}
        try:
            item = self.table.update_item(
                Key={PK: BATCHES, SK: batch_id},
                UpdateExpression="SET #s = :sending, claimed_at = :now",
                ConditionExpression=f"{ready} OR (#s = :sending AND claimed_at < :stale)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":open": BatchStatus.OPEN.value, ":sending": BatchStatus.SENDING.value,
                                           ":now": _iso(now), ":stale": _iso(now - stale_claim)},
                ReturnValues="ALL_NEW")["Attributes"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return _batch(item)

    def batch_entries(self, batch_id: str) -> BatchEntries:
        entries = BatchEntries()
        for item in self._query(KeyConditionExpression=Key(PK).eq(_batch_key(batch_id)), ConsistentRead=True):
            if item[SK].startswith("CHANGE#"):
                entries.changes.append(ChangeAlert.from_item(_plain(item["entry"])))
            elif item[SK].startswith("CONDITION#"):
                entries.conditions.append(ConditionAlert.from_item(_plain(item["entry"])))
        return entries

    def finish_batch(self, batch_id: str, now: datetime, message_id: str | None) -> None:
        values: dict[str, Any] = {":sent": BatchStatus.SENT.value, ":now": _iso(now)}
        update = "SET #s = :sent, sent_at = :now"
        if message_id:
            update += ", message_id = :m"
            values[":m"] = message_id
        self.table.update_item(Key={PK: BATCHES, SK: batch_id}, UpdateExpression=update,
                               ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues=values)

    def latest_batch(self, prefix: str) -> Batch | None:
        """The batch whose id is the highest of those starting with `prefix` (ids that start with their time)."""
        page = self.table.query(KeyConditionExpression=Key(PK).eq(BATCHES) & Key(SK).begins_with(prefix),
                                ScanIndexForward=False, Limit=1, ConsistentRead=True)
        return _batch(page["Items"][0]) if page.get("Items") else None

    def unsent_batches(self) -> list[Batch]:
        items = self._query(KeyConditionExpression=Key(PK).eq(BATCHES),
                            FilterExpression=Attr("status").ne(BatchStatus.SENT.value), ConsistentRead=True)
        return [_batch(i) for i in items]

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.table.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _snapshot_item(stored: StoredSnapshot) -> dict[str, Any]:
    return {
        PK: _items_key(stored.account, stored.marketplace_id), SK: stored.asin,
        "account": stored.account, "marketplace_id": stored.marketplace_id, "asin": stored.asin,
        "values": dict(stored.snapshot.values), "content_hash": stored.content_hash, "version": stored.version,
        "changed_at": _iso(stored.changed_at),
        "changes": [{"field": c.field.value, "before": c.before, "after": c.after} for c in stored.changes],
        "source": stored.source, "request_key": stored.request_key, "lake_written": stored.lake_written,
    }


def _stored(item: dict[str, Any]) -> StoredSnapshot:
    item = _plain(item)
    snapshot = CatalogSnapshot(item["asin"], item["marketplace_id"], dict(item["values"]))
    return StoredSnapshot(
        account=item["account"], snapshot=snapshot, version=item["version"],
        changed_at=datetime.fromisoformat(item["changed_at"]),
        changes=tuple(FieldChange(CatalogField(c["field"]), c.get("before"), c.get("after"))
                      for c in item.get("changes", [])),
        source=item["source"], request_key=item["request_key"], lake_written=bool(item.get("lake_written")),
    )


def _batch(item: dict[str, Any]) -> Batch:
    item = _plain(item)
    return Batch(batch_id=item[SK], status=BatchStatus(item["status"]), expected=item["expected"],
                 done=item.get("done", 0), created_at=datetime.fromisoformat(item["created_at"]),
                 claimed_at=datetime.fromisoformat(item["claimed_at"]) if item.get("claimed_at") else None,
                 message_id=item.get("message_id"))


__all__ = ["Batch", "BatchEntries", "BatchStatus", "CatalogStore", "SnapshotConflict", "StoredSnapshot"]
