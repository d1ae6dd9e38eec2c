"""Five weeks of a simulated vendor's catalog, watched daily through moto server + the SP-API emulator the way AWS
runs it (catalog_watch on a schedule, catalog_item on the queue in two concurrent environments, the emulator pushing
BRANDED_ITEM_CONTENT_CHANGE / ITEM_PRODUCT_TYPE_CHANGE onto the partner bus with lost, late and duplicated
deliveries): every change the emulator made alerts exactly once with its before and after, whichever path saw it
first; days without changes (image links moving host included) and repeated runs send nothing; getCatalogItem stays
within 2 requests a second; e-mails land in the outbox; the lake gets each change and each new snapshot once."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from itertools import pairwise
from typing import Any

import pyarrow.parquet as pq
import pytest

from vendorcast import resources as r
from vendorcast.catalog.messages import WATCH_SOURCE
from vendorcast.config import parse_config
from vendorcast.local.outbox import published_messages
from vendorcast.local.runtime import LocalPipeline
from vendorcast.sandbox.catalog import CatalogChange, image_link_style
from vendorcast.sandbox.catalog_events import BRANDED_ITEM_CONTENT_CHANGE, ITEM_PRODUCT_TYPE_CHANGE
from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.settings import FaultSettings, SandboxSettings
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.spapi.ratelimit import USAGE_PLANS
from vendorcast.vocabulary.catalog_fields import CatalogField, image_id

pytestmark = pytest.mark.integration

# Chosen so that the five weeks hold every kind of change, a delisting and a move of the image links to another host.
SEED = 77
N_ASINS = 10
HISTORY_START = date(2025, 9, 1)
START = datetime(2026, 3, 31, 6, tzinfo=UTC)  # the first watch: a baseline
DAYS = 35
MARKETPLACE = "ATVPDKIKX0DER"
CHANGE_DAYS = 15.0  # the emulator changes each page every two weeks or so, instead of twice a year
PARTNER_SOURCE = "aws.partner/sellingpartnerapi.amazon.com/123456789012/amzn1.sellerapps.app.sandbox"
# Pushed notifications: some lost, some late (08:05, after the day's 06:00 watch), some twice.
FAULTS = FaultSettings(lost_notification_rate=0.25, delayed_notification_rate=0.3,
                       duplicate_notification_rate=0.3, notification_delay_seconds=8 * 3600)
REPEAT_EVERY = 5  # days on which the watch runs twice


@dataclass
class Run:
    day: date
    kind: str  # watch | repeat | pushed
    messages: list[dict[str, Any]] = field(default_factory=list)  # the alert digests published (JSON)


@dataclass
class Period:
    pipeline: LocalPipeline
    runs: list[Run]
    truth: list[CatalogChange]
    asins: list[str]

    @property
    def entries(self) -> list[dict[str, Any]]:
        return [change for run in self.runs for message in run.messages for change in message["changes"]]


def alert_digests(pipeline: LocalPipeline, seen: set[str]) -> list[dict[str, Any]]:
    new = [m for m in published_messages(pipeline.aws.alert_topic_arn) if m.message_id not in seen]
    seen.update(m.message_id for m in new)
    return [json.loads(m.structure()["default"]) for m in new]


def advance_to(clock: ManualClock, moment: datetime) -> None:
    # Waits inside a run (pacing, backoff) moved the clock already; never go back.
    clock.advance(max(0.0, (moment - clock.now()).total_seconds()))


@pytest.fixture(scope="module")
def period(tmp_path_factory: pytest.TempPathFactory):
    history = VendorSimulator(SEED, N_ASINS, HISTORY_START, START.date() + timedelta(days=DAYS + 30), MARKETPLACE)
    asins = sorted(p.asin for p in history.products)
    config = parse_config({
        "accounts": [{"name": "acme-us", "region": "NA", "marketplace_ids": [MARKETPLACE],
                      "secret_name": "vendorcast/acme-us/spapi", "backfill_start": "2026-01-04"}],
        # No reports are pulled here: the configured list is the watch list.
        "alerts": {"emails": ["planning@acme.example"],
                   "catalog": {"asins": asins, "partner_event_source": PARTNER_SOURCE}},
    })
    sandbox = SandboxSettings(seed=SEED, n_asins=N_ASINS, history_start=HISTORY_START, faults=FAULTS,
                              catalog_change_days=CHANGE_DAYS)
    clock = ManualClock(START)
    outbox = tmp_path_factory.mktemp("outbox")
    with LocalPipeline(config, sandbox, clock, outbox=outbox) as pipeline:
        pipeline.stop_event_source()
        seen: set[str] = set()
        runs = [Run(START.date(), "watch")]
        pipeline.run_catalog_watch()
        runs[0].messages = alert_digests(pipeline, seen)
        for offset in range(1, DAYS + 1):
            day = START.date() + timedelta(days=offset)
            # Notifications of the night's changes come in before the morning's watch, late ones after it.
            for hour, kind in ((3, "pushed"), (6, "watch"), (9, "pushed")):
                advance_to(clock, datetime.combine(day, time(hour), UTC))
                if kind == "pushed":
                    pipeline.deliver_catalog_events()
                    pipeline.process_catalog_items()
                else:
                    pipeline.run_catalog_watch()
                runs.append(Run(day, kind, alert_digests(pipeline, seen)))
                if kind == "watch" and offset % REPEAT_EVERY == 0:
                    pipeline.run_catalog_watch()
                    runs.append(Run(day, "repeat", alert_digests(pipeline, seen)))
        pipeline.deliver_emails()
        end = START.date() + timedelta(days=DAYS)
        truth = [c for c in pipeline.sandbox.catalog.changes() if START.date() < c.day <= end]
        yield Period(pipeline, runs, truth, asins)


def test_the_period_has_every_kind_of_change_and_both_paths_saw_some(period: Period) -> None:
    """The scenario is the one intended (else the other tests prove less than they say)."""
    kinds = {str(c.attribute) for c in period.truth}
    assert kinds == {f.value for f in (CatalogField.ITEM_NAME, CatalogField.MAIN_IMAGE, CatalogField.BULLET_POINT,
                                       CatalogField.BROWSE_CLASSIFICATION, CatalogField.PRODUCT_TYPE,
                                       CatalogField.PACKAGE_DIMENSIONS, CatalogField.LISTING)}
    styles = {image_link_style(START.date() + timedelta(days=d)) for d in range(DAYS + 1)}
    assert len(styles) == 2, "the image links move to another host during the period"
    faults = Counter(f for record in period.pipeline.sandbox.catalog_events for f in record.faults)
    assert faults["lost_notification"] and faults["delayed_notification"] and faults["duplicate_notification"]
    sources = Counter(e["source"] for e in period.entries)
    assert sources[WATCH_SOURCE] and sources[BRANDED_ITEM_CONTENT_CHANGE] and sources[ITEM_PRODUCT_TYPE_CHANGE] + \
        sources[BRANDED_ITEM_CONTENT_CHANGE] >= 3


def test_every_change_alerts_exactly_once(period: Period) -> None:
    alerted = Counter((e["asin"], e["field"], date.fromisoformat(e["detected_at"][:10])) for e in period.entries)
    expected = Counter((c.asin, str(c.attribute), c.day) for c in period.truth)
    assert alerted == expected


def test_each_alert_has_the_right_before_and_after(period: Period) -> None:
    catalog = period.pipeline.sandbox.catalog
    by_key = {(e["asin"], e["field"], e["detected_at"][:10]): e for e in period.entries}
    for change in period.truth:
        entry = by_key[(change.asin, str(change.attribute), change.day.isoformat())]
        before, after = entry["before"], entry["after"]
        match CatalogField(str(change.attribute)):
            case CatalogField.ITEM_NAME | CatalogField.PRODUCT_TYPE | CatalogField.BROWSE_CLASSIFICATION:
                assert (before, after) == (change.old_value, change.new_value)
            case CatalogField.MAIN_IMAGE:
                old, new = (int(v.removeprefix("image v")) for v in (change.old_value, change.new_value))
                assert image_id(before).endswith(f"MAIN{old:02d}") and image_id(after).endswith(f"MAIN{new:02d}")
            case CatalogField.BULLET_POINT:
                old, new = (v.removeprefix("bullets v") for v in (change.old_value, change.new_value))
                assert f"(v{old})" in json.loads(before)[0] and f"(v{new})" in json.loads(after)[0]
            case CatalogField.PACKAGE_DIMENSIONS:
                on_the_day, the_day_before = (
                    catalog.item(change.asin, ["dimensions"], day)["dimensions"][0]["package"]
                    for day in (change.day, change.day - timedelta(days=1)))
                assert (json.loads(before), json.loads(after)) == (the_day_before, on_the_day)
                assert before != after
            case CatalogField.LISTING:
                assert (before, after) == ("listed", "not found")
        assert entry["title"], "the alert names the product"
        assert entry["url"] == f"https://www.amazon.com/dp/{change.asin}"


def test_runs_without_a_change_send_nothing(period: Period) -> None:
    change_days = {c.day for c in period.truth}
    baseline, *rest = period.runs
    assert baseline.messages == [], "the first sighting of each ASIN is a baseline, not a change"
    repeats = [run for run in rest if run.kind == "repeat"]
    assert len(repeats) == DAYS // REPEAT_EVERY
    assert all(run.messages == [] for run in repeats), "a repeated run finds nothing new"
    quiet_days = [run for run in rest if run.day not in change_days]
    assert quiet_days and all(run.messages == [] for run in quiet_days)
    flip = next(START.date() + timedelta(days=d) for d in range(1, DAYS + 1)
                if image_link_style(START.date() + timedelta(days=d))
                != image_link_style(START.date() + timedelta(days=d - 1)))
    images = (CatalogField.MAIN_IMAGE.value, CatalogField.OTHER_IMAGES.value)
    alerted = [e for e in period.entries if e["detected_at"][:10] == flip.isoformat() and e["field"] in images]
    swapped = [c for c in period.truth if c.day == flip and c.attribute == CatalogField.MAIN_IMAGE.value]
    assert len(alerted) == len(swapped), "image links on another host are the same images"


def test_one_message_per_run_with_all_of_its_changes(period: Period) -> None:
    for run in period.runs:
        if run.kind == "watch":
            assert len(run.messages) <= 1
            polled = [c for m in run.messages for c in m["changes"]]
            assert all(c["source"] == WATCH_SOURCE for c in polled)
    # The watch's digest holds the day's changes no notification reported first, whatever the ASIN.
    multi = [m for run in period.runs for m in run.messages if len({c["asin"] for c in m["changes"]}) > 1]
    assert multi, "some run found changes on several ASINs and sent them in one message"


def test_get_catalog_item_never_exceeds_two_requests_a_second(period: Period) -> None:
    stats = period.pipeline.sandbox.stats["getCatalogItem"]
    plan = USAGE_PLANS["getCatalogItem"]
    assert stats.throttled == 0, f"the emulator throttled {stats.throttled} getCatalogItem call(s)"
    assert stats.max_burst <= plan.burst
    # Every watch looked at every ASIN (a pushed notification adds one look at its ASIN).
    watches = sum(run.kind in ("watch", "repeat") for run in period.runs)
    pushed = sum(1 for e in period.entries if e["source"] != WATCH_SOURCE)
    assert stats.accepted >= watches * len(period.asins) + pushed


def test_nothing_was_dead_lettered(period: Period) -> None:
    assert period.pipeline.queue_depth(period.pipeline.aws.catalog_dlq_url) == 0


def test_each_digest_is_an_email_in_the_outbox(period: Period) -> None:
    digests = [m for run in period.runs for m in run.messages]
    emails = sorted(period.pipeline.outbox_dir.glob("*.eml"))
    assert len(emails) == len(digests) > 0
    parsed = [message_from_bytes(path.read_bytes(), policy=default_policy) for path in emails]
    assert all(e["To"] == "planning@acme.example" for e in parsed)
    assert all(e["From"].addresses[0].addr_spec == "no-reply@sns.amazonaws.com" for e in parsed)
    bodies = [email.get_content() for email in parsed]
    assert [str(e["Subject"]) for e in parsed if not e["Subject"].startswith("vendorcast: ")] == []
    assert [b for b in bodies if not ("CATALOG CHANGES" in b and "https://www.amazon.com/dp/" in b)] == []
    assert any(" → " in body for body in bodies) and any("    after: " in body for body in bodies)


def _raw_rows(pipeline: LocalPipeline, table: str) -> list[dict[str, Any]]:
    s3 = pipeline.aws.client("s3")
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=r.LAKE_BUCKET, Prefix=f"{r.RAW_PREFIX}/{table}/"):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=r.LAKE_BUCKET, Key=obj["Key"])["Body"].read()
            rows += pq.read_table(io.BytesIO(body)).to_pylist()
    return rows


def test_the_lake_gets_each_change_and_each_new_snapshot_once(period: Period) -> None:
    # Raw files are at-least-once (two deliveries of a notification at once may both write the version they saw):
    # a row is identified by its curated table's business key, and copies of a row are equal.
    changes = _unique(_raw_rows(period.pipeline, "catalog_changes"), ("asin", "field", "detected_at"))
    assert Counter((c["asin"], c["field"], c["detected_at"].date()) for c in changes) == \
        Counter((c.asin, str(c.attribute), c.day) for c in period.truth)
    snapshots = _unique(_raw_rows(period.pipeline, "catalog_items"), ("asin", "snapshot_at"))
    # A snapshot at each ASIN's first sighting, then one per change of its content hash, never for a re-hosted image.
    versions = Counter(c["asin"] for c in snapshots)
    changed_days = Counter({asin: len(days) for asin, days in
                            _group((c.asin, c.day) for c in period.truth).items()})
    assert versions == Counter(period.asins) + changed_days
    for asin in period.asins:
        hashes = [s["content_hash"] for s in sorted(snapshots, key=lambda s: s["snapshot_at"]) if s["asin"] == asin]
        assert all(a != b for a, b in pairwise(hashes)), f"{asin}: a snapshot without a change"


def _unique(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    lineage = ("ingested_at",)
    for row in rows:
        content = {k: v for k, v in row.items() if k not in lineage}
        first = by_key.setdefault(tuple(row[k] for k in key), content)
        assert first == content, f"two different rows for {key}: {first} / {content}"
    return list(by_key.values())


def _group(pairs: Any) -> dict[str, set[date]]:
    out: dict[str, set[date]] = {}
    for asin, day in pairs:
        out.setdefault(asin, set()).add(day)
    return out
