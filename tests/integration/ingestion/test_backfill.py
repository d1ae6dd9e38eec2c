"""A two-year backfill of 50 ASINs, every catalogue report, through moto server + the SP-API emulator with
realistic faults: every requested window lands exactly once and reconciles row by row with the emulator's
truth; the DLQ stays empty; every ledger entry ends terminal; Amazon's rate limits are never exceeded; no
credential reaches a log line."""

from __future__ import annotations

import io
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vendorcast import resources as r
from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.ingestion.ledger import RequestStatus
from vendorcast.local.reconcile import reconcile_with_truth
from vendorcast.local.runtime import LocalPipeline
from vendorcast.reports.periods import periods_between
from vendorcast.reports.windows import PULL_INITIAL, period_is_published
from vendorcast.sandbox.settings import FaultSettings, SandboxSettings
from vendorcast.vocabulary.report_catalogue import ReportPeriod

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 21, 6, tzinfo=UTC)
BACKFILL_WEEKS = 104


class SecretWatch(logging.Handler):
    """Sees every record of the run (root at DEBUG) and remembers any that shows a credential."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.secrets = secrets
        self.records = 0
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        text = record.getMessage()
        if any(secret in text for secret in self.secrets):
            self.leaks.append(f"{record.name}: {text[:200]}")


@pytest.fixture(scope="module")
def backfill():
    config = parse_config({
        "accounts": [{
            "name": "acme-us", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"],
            "secret_name": "vendorcast/acme-us/spapi",
            "backfill_start": (START.date() - timedelta(weeks=BACKFILL_WEEKS)).isoformat(),
        }],
        # Retries of "not yet available" after one simulated hour keep the run short.
        "schedules": {"retry_not_available_after_hours": 1},
    })
    sandbox = SandboxSettings(seed=11, n_asins=50, history_start=date(2024, 1, 1),
                              faults=FaultSettings.realistic())
    watch = SecretWatch([sandbox.refresh_token, sandbox.lwa_client_secret])
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(watch)
    root.setLevel(logging.DEBUG)
    try:
        with LocalPipeline(config, sandbox, ScaledClock.starting_at(START, 600)) as pipeline:
            progress = pipeline.run_until_settled(timeout=900)
            yield pipeline, progress, watch
    finally:
        root.removeHandler(watch)
        root.setLevel(previous_level)


def raw_table(pipeline: LocalPipeline, key: str):
    body = pipeline.aws.client("s3").get_object(Bucket=r.LAKE_BUCKET, Key=key)["Body"].read()
    return pq.read_table(io.BytesIO(body))


def list_keys(pipeline: LocalPipeline, prefix: str) -> list[str]:
    s3 = pipeline.aws.client("s3")
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=r.LAKE_BUCKET, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def test_every_ledger_entry_is_terminal_and_nothing_failed(backfill) -> None:
    pipeline, _, _ = backfill
    entries = pipeline.entries()
    statuses = Counter(e.status for e in entries)
    assert all(e.status.terminal for e in entries), statuses
    assert statuses[RequestStatus.FAILED] == 0, [e.reason for e in entries if e.status is RequestStatus.FAILED]
    assert statuses[RequestStatus.LANDED] >= 90


def test_every_requested_window_lands_exactly_once(backfill) -> None:
    pipeline, _, _ = backfill
    landed = [e for e in pipeline.entries() if e.status is RequestStatus.LANDED]
    raw_keys = set(list_keys(pipeline, f"{r.RAW_PREFIX}/"))
    landing_keys = set(list_keys(pipeline, f"{r.LANDING_PREFIX}/"))
    assert raw_keys == {e.raw_key for e in landed}, "one raw file per landed window, and no other"
    assert landing_keys == {e.landing_key for e in landed}, "the original document of each, and no other"
    assert len({e.request_key for e in landed}) == len(landed)


def test_initial_pulls_cover_the_whole_backfill_without_gaps_or_overlaps(backfill) -> None:
    pipeline, _, _ = backfill
    by_stream: dict[str, list] = {}
    for entry in pipeline.entries():
        if entry.window.pull == PULL_INITIAL:
            by_stream.setdefault(entry.stream, []).append(entry.window)
    assert len(by_stream) == 6, "every dated stream of the config"  # the forecast stream has snapshots only
    backfill_start = START.date() - timedelta(weeks=BACKFILL_WEEKS)
    for stream, windows in by_stream.items():
        period = windows[0].period
        periods = sorted(p for w in windows for p in w.periods())
        assert len(periods) == len(set(periods)), f"{stream}: a period requested twice"
        expected = [p for p in periods_between(backfill_start, START.date(), period)
                    if p[0] >= backfill_start and period_is_published(p[1], period, START)]
        assert periods[: len(expected)] == expected, f"{stream}: a gap in the backfill"
        assert all(len(w.periods()) <= (15 if period is ReportPeriod.DAY else 13) for w in windows)


def test_raw_rows_reconcile_row_by_row_with_the_emulators_truth(backfill) -> None:
    pipeline, _, _ = backfill
    result = reconcile_with_truth(pipeline)
    assert result.mismatches == []
    assert result.exact and result.rows > 50_000


def test_reconciliation_names_a_window_whose_raw_rows_differ_from_the_report(backfill) -> None:
    pipeline, _, _ = backfill
    s3 = pipeline.aws.client("s3")
    entry = next(e for e in pipeline.entries()
                 if e.status is RequestStatus.LANDED and e.window.report_type.value == "GET_VENDOR_SALES_REPORT")
    original = s3.get_object(Bucket=r.LAKE_BUCKET, Key=entry.raw_key)["Body"].read()
    raw = pq.read_table(io.BytesIO(original))
    units = raw.column("ordered_units").to_pylist()
    levels = raw.column("row_level").to_pylist()
    row = next(i for i, value in enumerate(units) if value is not None and levels[i] == "asin")
    units[row] += 1
    changed = io.BytesIO()
    pq.write_table(raw.set_column(raw.schema.get_field_index("ordered_units"), "ordered_units",
                                  pa.array(units, raw.schema.field("ordered_units").type)), changed)
    s3.put_object(Bucket=r.LAKE_BUCKET, Key=entry.raw_key, Body=changed.getvalue())
    try:
        result = reconcile_with_truth(pipeline)
    finally:
        s3.put_object(Bucket=r.LAKE_BUCKET, Key=entry.raw_key, Body=original)
    assert not result.exact
    assert [m.split(":")[0] for m in result.mismatches] == [entry.request_key]


def test_the_dead_letter_queue_is_empty_and_the_queue_drained(backfill) -> None:
    pipeline, _, _ = backfill
    assert pipeline.queue_depth(pipeline.aws.dlq_url) == 0
    assert pipeline.queue_depth() == 0


def test_the_realistic_faults_really_happened(backfill) -> None:
    pipeline, _, _ = backfill
    served = pipeline.sandbox.served_reports
    report_faults = Counter(f for report in served.values() for f in report.faults)
    notification_faults = Counter(f for n in pipeline.sandbox.notifications.values() for f in n.faults)
    stats = pipeline.sandbox.stats
    assert report_faults["fatal_not_available"] >= 1
    assert report_faults["truncated_download"] == 1
    assert notification_faults["lost_notification"] >= 3
    assert notification_faults["duplicate_notification"] >= 3
    assert sum(s.injected_throttles for s in stats.values()) >= 5
    assert sum(s.server_errors for s in stats.values()) >= 2
    # A window whose first report failed "not yet available" was requested again and landed.
    retried = [e for e in pipeline.entries() if len(e.report_ids) > 1]
    assert retried and all(e.status is RequestStatus.LANDED for e in retried)
    fatal_ids = {rid for rid, rep in served.items() if "fatal_not_available" in rep.faults}
    assert any(set(e.report_ids) & fatal_ids for e in retried)


def test_amazons_rate_limits_were_never_exceeded(backfill) -> None:
    pipeline, _, _ = backfill
    stats = pipeline.sandbox.stats
    assert stats["createReport"].calls >= 90
    for operation, s in stats.items():
        assert s.throttled == 0, f"{operation}: {s.throttled} calls hit an empty token bucket"


def test_no_credential_reaches_any_log_line(backfill) -> None:
    _, _, watch = backfill
    assert watch.records > 1000, "the run was logged at DEBUG"
    assert watch.leaks == []
