"""`vendorcast status`: where a deployment stands. Per account, marketplace and report stream: the last period
landed, the requests still open and for how long, the windows given up with Amazon's reason; the depth of each
queue and its dead-letter queue; the last forecast run; the last catalog watch. As a table or as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from vendorcast import resources as r
from vendorcast.catalog.store import CatalogStore
from vendorcast.catalog.watch import WATCH_BATCH_PREFIX
from vendorcast.ingestion.ledger import LedgerEntry, RequestLedger, RequestStatus
from vendorcast.operations.deployment import OperatorContext
from vendorcast.operations.redrive import dead_letter_queue_url, queue_depth
from vendorcast.reports.windows import stream_key


@dataclass(frozen=True)
class OpenRequest:
    request_key: str
    status: str
    since: str  # when the window was first claimed
    open_seconds: float
    reason: str | None  # why it waits, for RETRY_LATER


@dataclass(frozen=True)
class FailedWindow:
    """A window given up and not landed since by a later request of the same periods (a repull)."""

    request_key: str
    failed_at: str
    reason: str


@dataclass(frozen=True)
class StreamStatus:
    account: str
    marketplace_id: str
    stream: str
    last_period_landed: date | None  # the last day of the latest window that landed
    windows_landed: int
    open_requests: list[OpenRequest] = field(default_factory=list)
    failures: list[FailedWindow] = field(default_factory=list)


@dataclass(frozen=True)
class QueueStatus:
    queue: str
    waiting: int  # messages waiting, in flight or delayed
    dead_letters: int


@dataclass(frozen=True)
class ForecastRun:
    run_id: str
    status: str
    forecast_origin: str
    started_at: str | None
    finished_at: str | None
    failed_state: str | None
    error: str | None


@dataclass(frozen=True)
class CatalogWatch:
    batch_id: str
    status: str
    started_at: str
    chunks_done: int
    chunks_expected: int


@dataclass(frozen=True)
class DeploymentStatus:
    deployment: str
    as_of: datetime
    streams: list[StreamStatus]
    queues: list[QueueStatus]
    forecast_run: ForecastRun | None
    catalog_watch: CatalogWatch | None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=_json_value)


def _json_value(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def collect_status(ctx: OperatorContext, account: str | None = None) -> DeploymentStatus:
    """The state of every stream of the config's accounts (or of `account`), the queues, the last forecast run and
    the last catalog watch."""
    names = ctx.account_names(account)
    now = ctx.clock.now()
    ledger = RequestLedger(ctx.deployment.name(r.ENV_LEDGER_TABLE), ctx.dynamodb)
    streams = [
        stream_status(account_config.name, marketplace_id, report.stream_name,
                      ledger.stream_entries(stream_key(account_config.name, marketplace_id, report)), now)
        for account_config in ctx.config.accounts if account_config.name in names
        for marketplace_id in account_config.marketplace_ids
        for report in account_config.reports
    ]
    sqs = ctx.client("sqs")
    queues = []
    for queue in ctx.deployment.queue_names:
        url = ctx.deployment.queue_url(queue)
        queues.append(QueueStatus(queue, queue_depth(sqs, url), queue_depth(sqs, dead_letter_queue_url(sqs, url))))
    return DeploymentStatus(ctx.deployment.source, now, streams, queues, last_forecast_run(ctx),
                            last_catalog_watch(ctx))


def stream_status(account: str, marketplace_id: str, stream: str, entries: list[LedgerEntry],
                  now: datetime) -> StreamStatus:
    landed = [e for e in entries if e.status is RequestStatus.LANDED]
    open_requests = [
        OpenRequest(e.request_key, e.status.value, e.created_at or e.updated_at or "",
                    (now - datetime.fromisoformat(e.created_at)).total_seconds() if e.created_at else 0.0,
                    e.reason if e.status is RequestStatus.RETRY_LATER else None)
        for e in sorted(entries, key=lambda e: e.created_at or "") if not e.status.terminal
    ]
    done = [e for e in entries if e.status in (RequestStatus.LANDED, RequestStatus.NO_DATA)]
    failures = [
        FailedWindow(e.request_key, e.updated_at or "", e.reason or "no reason recorded")
        for e in sorted(entries, key=lambda e: e.updated_at or "")
        if e.status is RequestStatus.FAILED and not any(
            d.window.start <= e.window.start and e.window.end <= d.window.end
            and (d.created_at or "") > (e.updated_at or "") for d in done)
    ]
    return StreamStatus(account, marketplace_id, stream, max((e.window.end for e in landed), default=None),
                        len(landed), open_requests, failures)


def last_forecast_run(ctx: OperatorContext) -> ForecastRun | None:
    """The run whose forecast_runs row was written last (a run writes its row once, when it ends)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vendorcast.lake.forecast_tables import FORECAST_RUNS
    from vendorcast.lake.storage import LakeStorage

    lake = LakeStorage.s3_from_environment(ctx.deployment.name(r.ENV_LAKE_BUCKET))
    files = lake.list(f"{FORECAST_RUNS.prefix}/", ".parquet")
    if not files:
        return None
    latest = max(files, key=lambda f: (f.mtime_ns, f.key))
    rows = pq.read_table(pa.BufferReader(lake.read_bytes(latest.key) or b"")).to_pylist()
    row = max(rows, key=lambda row: row["finished_at"] or row["started_at"])
    origin = latest.key.split("forecast_origin=", 1)[1].split("/", 1)[0]
    return ForecastRun(row["run_id"], row["status"], origin, _iso(row["started_at"]), _iso(row["finished_at"]),
                       row["failed_state"], row["error"])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def last_catalog_watch(ctx: OperatorContext) -> CatalogWatch | None:
    batch = CatalogStore(ctx.deployment.name(r.ENV_CATALOG_TABLE), ctx.dynamodb).latest_batch(WATCH_BATCH_PREFIX)
    if batch is None:
        return None
    return CatalogWatch(batch.batch_id, batch.status.value, _iso(batch.created_at) or "", batch.done, batch.expected)


def duration_text(seconds: float) -> str:
    """4 d 3 h, 2 h 10 min, 12 min, 40 s."""
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if days:
        return f"{days} d {hours - 24 * days} h"
    if hours:
        return f"{hours} h {minutes - 60 * hours} min"
    return f"{minutes} min" if minutes else f"{int(seconds)} s"


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def render_status_table(status: DeploymentStatus) -> str:
    """The status as text for a terminal: one line per stream, then failures, queues, forecast and catalog watch."""
    lines = [f"vendorcast status of {status.deployment}, as of {status.as_of:%Y-%m-%d %H:%M} UTC", ""]
    rows = [["account", "marketplace", "stream", "last period landed", "landed", "open", "oldest open", "failed"]]
    for stream in status.streams:
        oldest = max((o.open_seconds for o in stream.open_requests), default=None)
        rows.append([stream.account, stream.marketplace_id, stream.stream,
                     str(stream.last_period_landed or "-"), str(stream.windows_landed),
                     str(len(stream.open_requests)), duration_text(oldest) if oldest is not None else "-",
                     str(len(stream.failures))])
    lines += _columns(rows)
    failures = [f for stream in status.streams for f in stream.failures]
    if failures:
        lines += ["", "Given up (Amazon's reason); `vendorcast repull` requests a window again:"]
        lines += [f"  {f.request_key} at {f.failed_at}: {f.reason}" for f in failures]
    lines += ["", *_columns([["queue", "waiting", "dead-lettered"],
                             *([q.queue, str(q.waiting), str(q.dead_letters)] for q in status.queues)])]
    run = status.forecast_run
    lines.append("")
    if run is None:
        lines.append("Last forecast run: none yet")
    else:
        lines.append(f"Last forecast run: {run.run_id} {run.status}, origin {run.forecast_origin}, "
                     f"finished {run.finished_at}")
        if run.failed_state:
            lines.append(f"  failed in {run.failed_state}: {run.error}")
    watch = status.catalog_watch
    lines.append("Last catalog watch: none yet" if watch is None else
                 f"Last catalog watch: {watch.batch_id} {watch.status}, started {watch.started_at}, "
                 f"{watch.chunks_done} of {watch.chunks_expected} chunk(s) done")
    return "\n".join(lines)
