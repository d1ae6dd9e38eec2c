"""purchase_orders: one scheduled run. For each account and marketplace, each feed (new POs, POs Amazon changed, PO
status) is read from its watermark to now in windows of at most 7 days (Amazon's cap), page by page: every page
lands as served under landing/, its documents as typed rows under raw/ (one file per page and raw table), the
latest state of each PO in the purchase-orders table; a document that fails Amazon's model goes to the dead-letter
queue with its reason, once, and the rest of its page lands. A window's end becomes the feed's watermark only when
all its pages are stored, so a run cut short or retried reads it again; a re-read changes nothing downstream (the
curated tables keep each PO's latest read). Then the alerts: POs not acknowledged, lines due with units not
received, the weekly OTIF digest, each once.

Amazon keeps about six months of POs: the first run reads from the account's backfill_start or six months back,
whichever is later."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vendorcast.alerts.digest import AlertDigest, ConditionAlert, ConditionKind
from vendorcast.config import AccountConfig
from vendorcast.dead_letters import dead_letter
from vendorcast.lake.layout import orders_landing_key, work_raw_key
from vendorcast.orders.context import OrdersContext
from vendorcast.orders.documents import PageRows, page_rows
from vendorcast.orders.findings import at_risk, condition, last_complete_week, otif_digest, unacknowledged
from vendorcast.orders.store import OrderState, merge_header, merge_status
from vendorcast.reports.parsers import write_parquet
from vendorcast.spapi.vendor_orders import MAX_WINDOW_DAYS, OrdersFeed, OrdersPage, VendorOrdersApi

log = logging.getLogger(__name__)

# Amazon answers for the past six months; a day less keeps the first window clear of the edge.
RETENTION = timedelta(days=180)
# Windows end this long before now (Amazon's indexes settle), and each run starts this long before the watermark
# (a PO indexed late into a window already read is still found); re-reads are harmless.
SETTLE = timedelta(minutes=10)
OVERLAP = timedelta(hours=1)
# The batch ids of the pull's alert digests start with this (the catalog watch's with "watch-").
ORDERS_BATCH_PREFIX = "orders-"
# A run starts no new window with less time left than this (the function's timeout ends it otherwise).
WINDOW_TIME_RESERVE_SECONDS = 60.0


@dataclass
class FeedProgress:
    windows: int = 0
    pages: int = 0
    documents: int = 0
    through: str | None = None


@dataclass
class PullSummary:
    """What one run did, for the log and the local runtime."""

    feeds: dict[str, FeedProgress] = field(default_factory=dict)  # "<account>/<marketplace>/<feed>"
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # raw table -> rows written
    dead_lettered: list[str] = field(default_factory=list)  # the reasons
    alerts: int = 0
    alert_message_id: str | None = None
    complete: bool = True  # False when time ran out before every window was read

    def as_dict(self) -> dict[str, Any]:
        return {"feeds": {k: vars(v) for k, v in self.feeds.items()}, "rows": dict(self.rows),
                "dead_lettered": len(self.dead_lettered), "alerts": self.alerts,
                "alert_message_id": self.alert_message_id, "complete": self.complete}


def read_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end] cut into consecutive windows of at most Amazon's 7 days."""
    out = []
    step = timedelta(days=MAX_WINDOW_DAYS)
    while start < end:
        out.append((start, min(start + step, end)))
        start = out[-1][1]
    return out


def feed_start(ctx: OrdersContext, account: AccountConfig, marketplace_id: str, feed: OrdersFeed,
               now: datetime) -> datetime:
    """Where a feed's next read starts: just before its watermark, or the backfill's first day."""
    watermark = ctx.store.watermark(account.name, marketplace_id, feed)
    oldest = now - RETENTION
    if watermark is None:
        backfill = datetime.combine(account.backfill_start, datetime.min.time(), tzinfo=now.tzinfo)
        return max(backfill, oldest)
    return max(watermark - OVERLAP, oldest)


class PagePuller:
    """Reads one window of one feed for one account and marketplace, and stores what it read."""

    def __init__(self, ctx: OrdersContext, account: AccountConfig, marketplace_id: str, summary: PullSummary) -> None:
        self.ctx = ctx
        self.account = account
        self.marketplace_id = marketplace_id
        self.summary = summary
        codes = account.purchase_orders.vendor_codes.get(marketplace_id) or [None]
        self.apis = [VendorOrdersApi(ctx.sessions.session(account, marketplace_id), code) for code in codes]

    def read_window(self, feed: OrdersFeed, start: datetime, end: datetime) -> tuple[int, int]:
        """Every page of the window, stored; returns the pages and the documents read."""
        pages = documents = 0
        for api in self.apis:
            token: str | None = None
            while True:
                page = api.page(feed, start, end, token)
                self.store_page(page, start, end, api.vendor_code, pages)
                pages += 1
                documents += len(page.documents)
                token = page.next_token
                if not token:
                    break
        return pages, documents

    def store_page(self, page: OrdersPage, start: datetime, end: datetime, vendor_code: str | None,
                   number: int) -> None:
        ctx, account, marketplace_id = self.ctx, self.account.name, self.marketplace_id
        request_key = (f"{page.feed.value}/{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}/{vendor_code or 'all'}/"
                       f"p{number:04d}")
        stem = f"{request_key.replace('/', '_')}_read{page.read_at:%Y%m%dT%H%M%S%fZ}"
        landing = orders_landing_key(account, marketplace_id, page.feed.value, stem)
        ctx.lake.write_bytes(landing, json.dumps({"payload": page.payload}).encode())
        ingested_at = ctx.clock.now()
        lineage = {"request_key": request_key, "read_at": page.read_at, "ingested_at": ingested_at,
                   "marketplace_id": marketplace_id}
        rows = page_rows(page.feed, page.documents, lineage)
        for table, arrow in rows.tables().items():
            sink = io.BytesIO()
            write_parquet(arrow, sink, arrow.schema)
            ctx.lake.write_bytes(work_raw_key(table, account, marketplace_id, stem), sink.getvalue())
            self.summary.rows[table] += arrow.num_rows
        self._update_states(rows)
        for document, error in rows.rejected:
            self._dead_letter(page.feed, landing, document, str(error), error.purchase_order_number)

    def _update_states(self, rows: PageRows) -> None:
        headers = {row["purchase_order_number"]: row for row in rows.orders}
        items: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows.items:
            items[row["purchase_order_number"]].append(row)
        status: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows.status:
            status[row["purchase_order_number"]].append(row)
        numbers = [*headers, *status]
        if not numbers:
            return
        known = self.ctx.store.states(self.account.name, self.marketplace_id, numbers)
        changed: dict[str, OrderState] = {}
        for number, header in headers.items():
            state = known.get(number) or OrderState(number, header["order_date"].isoformat())
            merge_header(state, header, items[number])
            changed[number] = known[number] = state
        for number, lines in status.items():
            state = known.get(number) or OrderState(number, lines[0]["order_date"].isoformat())
            merge_status(state, lines)
            changed[number] = known[number] = state
        self.ctx.store.save(self.account.name, self.marketplace_id, list(changed.values()))

    def _dead_letter(self, feed: OrdersFeed, landing: str, document: Any, reason: str, number: str | None) -> None:
        """Once per PO and content: a re-read of the same bad document does not queue it again."""
        body = json.dumps({"account": self.account.name, "marketplace_id": self.marketplace_id, "feed": feed.value,
                           "landing_key": landing, "purchase_order_number": number, "document": document},
                          sort_keys=True, default=str)
        digest = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()[:16]
        marker = f"dead_letter#{number or 'unnumbered'}#{digest}"
        now = self.ctx.clock.now()
        log.error("purchase order document refused (%s, %s): %s", self.account.name, self.marketplace_id, reason)
        if not self.ctx.store.mark_once(self.account.name, self.marketplace_id, marker, now):
            return
        try:
            dead_letter(self.ctx.sqs, self.ctx.dlq_url, body, marker, reason, 1)
        except Exception:
            self.ctx.store.unmark(self.account.name, self.marketplace_id, marker)
            raise
        self.summary.dead_lettered.append(reason)


def pull_account(ctx: OrdersContext, account: AccountConfig, summary: PullSummary,
                 time_left: Callable[[], float]) -> None:
    for marketplace_id in account.marketplace_ids:
        puller = PagePuller(ctx, account, marketplace_id, summary)
        for feed in OrdersFeed:
            now = ctx.clock.now()
            progress = summary.feeds.setdefault(f"{account.name}/{marketplace_id}/{feed.value}", FeedProgress())
            for start, end in read_windows(feed_start(ctx, account, marketplace_id, feed, now), now - SETTLE):
                if time_left() < WINDOW_TIME_RESERVE_SECONDS:
                    summary.complete = False
                    return
                pages, documents = puller.read_window(feed, start, end)
                progress.pages += pages
                progress.documents += documents
                progress.windows += 1
                ctx.store.advance_watermark(account.name, marketplace_id, feed, end)
                progress.through = end.isoformat()


def find_alerts(ctx: OrdersContext, account: AccountConfig, marketplace_id: str, now: datetime
                ) -> tuple[list[ConditionAlert], list[str]]:
    """The account and marketplace's new findings, and the markers they set (to forget if sending fails)."""
    settings = ctx.config.alerts.purchase_orders
    open_orders = ctx.store.open_orders(account.name, marketplace_id)
    alerts: list[ConditionAlert] = []
    markers: list[str] = []

    def once(findings: list[Any]) -> list[Any]:
        fresh = [f for f in findings if ctx.store.mark_once(account.name, marketplace_id, f.marker, now)]
        markers.extend(f.marker for f in fresh)
        return fresh

    late = once(unacknowledged(open_orders, now, settings.unacknowledged_hours))
    if late:
        alerts.append(condition(ConditionKind.PO_UNACKNOWLEDGED, account.name, marketplace_id,
                                f"{len(late)} PO(s) not acknowledged {settings.unacknowledged_hours} h after Amazon "
                                "placed them", [f.item for f in late]))
    due = once(at_risk(open_orders, now, settings.at_risk_days))
    if due:
        alerts.append(condition(ConditionKind.PO_AT_RISK, account.name, marketplace_id,
                                f"{len(due)} open line(s) due within {settings.at_risk_days} days (or late) with "
                                "units not yet received", [f.item for f in due]))
    week = last_complete_week(now)
    marker = f"otif_digest#{week.date().isoformat()}"
    digest = otif_digest(ctx.store.orders_due_in_week(account.name, marketplace_id, week.date()), week, settings)
    if digest is not None and ctx.store.mark_once(account.name, marketplace_id, marker, now):
        markers.append(marker)
        total, items = digest
        alerts.append(condition(ConditionKind.OTIF_BELOW_TARGET, account.name, marketplace_id,
                                f"week of {week:%Y-%m-%d}: OTIF {total.otif_rate or 0:.0%} (target "
                                f"{settings.otif_threshold:.0%})", items, week))
    return alerts, markers


def run_purchase_orders(ctx: OrdersContext, account_name: str | None = None,
                        time_left: Callable[[], float] = lambda: float("inf")) -> PullSummary:
    """One scheduled run, for one account (the schedule's input) or every account with purchase orders enabled."""
    accounts = [ctx.config.account(account_name)] if account_name else ctx.config.accounts
    summary = PullSummary()
    alerts: list[ConditionAlert] = []
    markers: list[tuple[str, str, str]] = []
    for account in accounts:
        if not account.pulls_purchase_orders:
            continue
        pull_account(ctx, account, summary, time_left)
        now = ctx.clock.now()
        for marketplace_id in account.marketplace_ids:
            found, set_markers = find_alerts(ctx, account, marketplace_id, now)
            alerts += found
            markers += [(account.name, marketplace_id, m) for m in set_markers]
    if alerts:
        now = ctx.clock.now()
        batch = f"{ORDERS_BATCH_PREFIX}{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        digest = AlertDigest(batch, now, conditions=tuple(alerts))
        try:
            summary.alert_message_id = ctx.publisher.publish(digest)
        except Exception:
            for account_name_, marketplace_id, marker in markers:
                ctx.store.unmark(account_name_, marketplace_id, marker)
            raise
        summary.alerts = sum(len(a.items) for a in alerts)
    log.info("purchase orders pulled", extra=summary.as_dict())
    return summary


__all__ = ["ORDERS_BATCH_PREFIX", "OVERLAP", "RETENTION", "SETTLE", "FeedProgress", "PagePuller", "PullSummary",
           "find_alerts", "read_windows", "run_purchase_orders"]
