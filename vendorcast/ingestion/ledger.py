"""The request ledger (DynamoDB): one item per planned report window, keyed by its deterministic request
key. Every state change is a conditional write, so re-runs, duplicate events and racing functions never
request a window twice or land it twice.

States: REQUESTING (claimed, createReport in flight) -> REQUESTED (report id known) -> LANDED | NO_DATA |
FAILED (terminal), or RETRY_LATER (data not yet available, report lost) -> REQUESTING again when due.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from vendorcast.reports.windows import ReportWindow
from vendorcast.resources import (
    LEDGER_PARTITION_KEY,
    LEDGER_REPORT_INDEX,
    LEDGER_REPORT_KEY,
    LEDGER_STATUS_INDEX,
    LEDGER_STATUS_KEY,
    LEDGER_STATUS_SORT_KEY,
    LEDGER_STREAM_INDEX,
    LEDGER_STREAM_KEY,
)
from vendorcast.vocabulary.report_catalogue import ReportPeriod, ReportType


class RequestStatus(StrEnum):
    REQUESTING = "REQUESTING"
    REQUESTED = "REQUESTED"
    RETRY_LATER = "RETRY_LATER"
    LANDED = "LANDED"
    NO_DATA = "NO_DATA"
    FAILED = "FAILED"

    @property
    def terminal(self) -> bool:
        return self in (RequestStatus.LANDED, RequestStatus.NO_DATA, RequestStatus.FAILED)


OPEN_STATUSES = tuple(s for s in RequestStatus if not s.terminal)


class LedgerConflict(Exception):
    """A conditional write lost: someone else moved the entry first."""


@dataclass
class LedgerEntry:
    request_key: str
    stream: str
    account: str
    marketplace_id: str
    window: ReportWindow
    status: RequestStatus
    due_at: str  # ISO time at which the entry needs attention next (poll, retry) or ended
    attempts: int = 0
    report_id: str | None = None
    report_ids: list[str] = field(default_factory=list)  # every report created for this window
    reason: str | None = None
    landing_key: str | None = None
    raw_key: str | None = None
    rows: int | None = None
    last_updated_date: str | None = None
    created_at: str | None = None  # when the window was first claimed
    updated_at: str | None = None

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            LEDGER_PARTITION_KEY: self.request_key,
            LEDGER_STREAM_KEY: self.stream,
            "account": self.account,
            "marketplace_id": self.marketplace_id,
            "report_type": self.window.report_type.value,
            "report_options": dict(self.window.report_options),
            "period": self.window.period.value if self.window.period else None,
            "start": self.window.start.isoformat(),
            "end": self.window.end.isoformat(),
            "pull": self.window.pull,
            LEDGER_STATUS_KEY: self.status.value,
            LEDGER_STATUS_SORT_KEY: self.due_at,
            "attempts": self.attempts,
            "report_ids": self.report_ids,
            LEDGER_REPORT_KEY: self.report_id,
            "reason": self.reason,
            "landing_key": self.landing_key,
            "raw_key": self.raw_key,
            "rows": self.rows,
            "last_updated_date": self.last_updated_date,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        return {k: v for k, v in item.items() if v is not None}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> LedgerEntry:
        options = item.get("report_options") or {}
        window = ReportWindow(
            report_type=ReportType(item["report_type"]),
            report_options=tuple(options.items()),
            period=ReportPeriod(item["period"]) if item.get("period") else None,
            start=date.fromisoformat(item["start"]),
            end=date.fromisoformat(item["end"]),
            pull=item["pull"],
        )
        rows = item.get("rows")
        return cls(
            request_key=item[LEDGER_PARTITION_KEY],
            stream=item[LEDGER_STREAM_KEY],
            account=item["account"],
            marketplace_id=item["marketplace_id"],
            window=window,
            status=RequestStatus(item[LEDGER_STATUS_KEY]),
            due_at=item[LEDGER_STATUS_SORT_KEY],
            attempts=int(item.get("attempts", 0)),
            report_id=item.get(LEDGER_REPORT_KEY),
            report_ids=list(item.get("report_ids", [])),
            reason=item.get("reason"),
            landing_key=item.get("landing_key"),
            raw_key=item.get("raw_key"),
            rows=int(rows) if rows is not None else None,
            last_updated_date=item.get("last_updated_date"),
            created_at=item.get("created_at"),
            updated_at=item.get("updated_at"),
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class RequestLedger:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = (dynamodb or boto3.resource("dynamodb")).Table(table_name)

    # --- reads -------------------------------------------------------------------------------------
    def get(self, request_key: str) -> LedgerEntry | None:
        item = self.table.get_item(Key={LEDGER_PARTITION_KEY: request_key}, ConsistentRead=True).get("Item")
        return LedgerEntry.from_item(item) if item else None

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        while True:
            page = self.table.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def stream_entries(self, stream: str) -> list[LedgerEntry]:
        items = self._query(IndexName=LEDGER_STREAM_INDEX, KeyConditionExpression=Key(LEDGER_STREAM_KEY).eq(stream))
        # Index reads are eventually consistent; the planner's conditional claim is the real guard.
        return [LedgerEntry.from_item(i) for i in items]

    def find_by_report_id(self, report_id: str) -> list[LedgerEntry]:
        """The entries whose latest report has this id: several when accounts' ids collide (Amazon's report ids are
        unique only per selling partner)."""
        items = list(self._query(IndexName=LEDGER_REPORT_INDEX,
                                 KeyConditionExpression=Key(LEDGER_REPORT_KEY).eq(report_id)))
        # Re-read the base items: the index may lag behind the last transition.
        entries = (self.get(item[LEDGER_PARTITION_KEY]) for item in items)
        return [entry for entry in entries if entry is not None]

    def due(self, status: RequestStatus, now: datetime) -> list[LedgerEntry]:
        """Entries in `status` whose due time has come."""
        items = self._query(
            IndexName=LEDGER_STATUS_INDEX,
            KeyConditionExpression=Key(LEDGER_STATUS_KEY).eq(status.value) & Key(LEDGER_STATUS_SORT_KEY).lte(_iso(now)),
        )
        return [LedgerEntry.from_item(i) for i in items]

    def count_by_status(self, statuses: Iterable[RequestStatus] = tuple(RequestStatus)) -> dict[str, int]:
        """How many entries are in each of `statuses` (those with none left out), counted on the status index: no
        item is read out, so it stays cheap however long the ledger grows. The index is eventually consistent: a
        transition of the last moment may not be counted yet."""
        counts: dict[str, int] = {}
        for status in statuses:
            kwargs: dict[str, Any] = {"IndexName": LEDGER_STATUS_INDEX, "Select": "COUNT",
                                      "KeyConditionExpression": Key(LEDGER_STATUS_KEY).eq(status.value)}
            total = 0
            while True:
                page = self.table.query(**kwargs)
                total += page["Count"]
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            if total:
                counts[status.value] = total
        return counts

    def all_entries(self) -> list[LedgerEntry]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = self.table.scan(ConsistentRead=True, **kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return [LedgerEntry.from_item(i) for i in items]
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- transitions (all conditional) ---------------------------------------------------------------
    def claim(self, entry: LedgerEntry, now: datetime, stale_after: timedelta) -> LedgerEntry:
        """Create the entry in REQUESTING, or move a due RETRY_LATER one (or a REQUESTING one whose
        createReport was interrupted long ago) back to REQUESTING. Raises LedgerConflict otherwise."""
        entry.status = RequestStatus.REQUESTING
        entry.attempts += 1
        entry.due_at = _iso(now + stale_after)
        entry.updated_at = _iso(now)
        entry.created_at = entry.created_at or entry.updated_at
        condition = (
            Attr(LEDGER_PARTITION_KEY).not_exists()
            | (Attr(LEDGER_STATUS_KEY).is_in([RequestStatus.RETRY_LATER.value, RequestStatus.REQUESTING.value])
               & Attr(LEDGER_STATUS_SORT_KEY).lte(_iso(now)))
        )
        try:
            self.table.put_item(Item=entry.to_item(), ConditionExpression=condition)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise LedgerConflict(f"{entry.request_key} is already requested") from None
            raise
        return entry

    def _transition(self, request_key: str, expected: dict[str, Any], changes: dict[str, Any]) -> None:
        # boto3 names the condition's placeholders #n0/:v0...; ours must not collide with them.
        names = {f"#set{i}": k for i, k in enumerate(changes)}
        values = {f":set{i}": v for i, v in enumerate(changes.values())}
        sets = ", ".join(f"#set{i} = :set{i}" for i in range(len(changes)))
        condition = None
        for key, value in expected.items():
            clause = Attr(key).is_in(value) if isinstance(value, list) else Attr(key).eq(value)
            condition = clause if condition is None else condition & clause
        try:
            self.table.update_item(
                Key={LEDGER_PARTITION_KEY: request_key},
                UpdateExpression=f"SET {sets}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ConditionExpression=condition,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise LedgerConflict(f"{request_key} moved on before this change") from None
            raise

    def mark_requested(self, entry: LedgerEntry, report_id: str, now: datetime, poll_after: timedelta) -> None:
        report_ids = [*entry.report_ids, report_id]
        self._transition(
            entry.request_key,
            {LEDGER_STATUS_KEY: RequestStatus.REQUESTING.value},
            {LEDGER_STATUS_KEY: RequestStatus.REQUESTED.value, LEDGER_REPORT_KEY: report_id,
             "report_ids": report_ids, LEDGER_STATUS_SORT_KEY: _iso(now + poll_after),
             "updated_at": _iso(now)},
        )
        # The entry in hand follows the stored item only once the write succeeded.
        entry.status, entry.report_id, entry.report_ids = RequestStatus.REQUESTED, report_id, report_ids
        entry.due_at = _iso(now + poll_after)

    def _finish(self, entry: LedgerEntry, report_id: str | None, now: datetime, changes: dict[str, Any]) -> None:
        expected: dict[str, Any] = {LEDGER_STATUS_KEY: [RequestStatus.REQUESTED.value, RequestStatus.REQUESTING.value]}
        if report_id is not None:
            # A report id is current only while REQUESTED: once the window is claimed again (REQUESTING, the
            # old id still stored), a late event for the superseded report must not finish it.
            expected = {LEDGER_STATUS_KEY: RequestStatus.REQUESTED.value, LEDGER_REPORT_KEY: report_id}
        self._transition(entry.request_key, expected, {**changes, "updated_at": _iso(now)})

    def mark_landed(self, entry: LedgerEntry, report_id: str, now: datetime, *, landing_key: str, raw_key: str,
                    rows: int, last_updated_date: str | None) -> None:
        changes = {LEDGER_STATUS_KEY: RequestStatus.LANDED.value, LEDGER_STATUS_SORT_KEY: _iso(now),
                   "landing_key": landing_key, "raw_key": raw_key, "rows": rows, "reason": None}
        if last_updated_date:
            changes["last_updated_date"] = last_updated_date
        self._finish(entry, report_id, now, changes)

    def mark_no_data(self, entry: LedgerEntry, report_id: str, now: datetime, reason: str) -> None:
        self._finish(entry, report_id, now, {LEDGER_STATUS_KEY: RequestStatus.NO_DATA.value,
                                             LEDGER_STATUS_SORT_KEY: _iso(now), "reason": reason})

    def mark_failed(self, entry: LedgerEntry, report_id: str | None, now: datetime, reason: str) -> None:
        self._finish(entry, report_id, now, {LEDGER_STATUS_KEY: RequestStatus.FAILED.value,
                                             LEDGER_STATUS_SORT_KEY: _iso(now), "reason": reason})

    def mark_retry_later(self, entry: LedgerEntry, report_id: str | None, now: datetime, not_before: datetime,
                         reason: str) -> None:
        self._finish(entry, report_id, now, {LEDGER_STATUS_KEY: RequestStatus.RETRY_LATER.value,
                                             LEDGER_STATUS_SORT_KEY: _iso(not_before), "reason": reason})

    def postpone(self, entry: LedgerEntry, until: datetime) -> None:
        """Look at a REQUESTED entry again at `until` (the poller's next check)."""
        self._transition(
            entry.request_key,
            {LEDGER_STATUS_KEY: RequestStatus.REQUESTED.value, LEDGER_REPORT_KEY: entry.report_id},
            {LEDGER_STATUS_SORT_KEY: _iso(until)},
        )
