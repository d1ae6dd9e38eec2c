"""Catalog notifications as the emulator pushes them: Amazon's PascalCase documents (validated against its schemas)
for the changes Amazon notifies, nothing for the ones it does not, each change once, with the configured faults."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import jsonschema
import pytest

import vendorcast.spapi
from vendorcast.sandbox.catalog import SimulatedCatalog
from vendorcast.sandbox.catalog_events import (
    BRANDED_ITEM_CONTENT_CHANGE,
    ITEM_PRODUCT_TYPE_CHANGE,
    CatalogEventDispatcher,
    catalog_notification,
    notification_type_of,
)
from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.settings import CatalogEventTarget, FaultSettings, SandboxSettings

SCHEMAS = Path(vendorcast.spapi.__file__).parent / "models" / "schemas" / "notifications"
START = datetime(2025, 3, 1, 6, tzinfo=UTC)


def schema(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads((SCHEMAS / name).read_text()))


@pytest.fixture(scope="module")
def catalog(sim) -> SimulatedCatalog:
    return SimulatedCatalog(sim, mean_change_days=10)


def test_notified_changes_validate_against_amazons_schemas(catalog) -> None:
    settings = SandboxSettings()
    validators = {BRANDED_ITEM_CONTENT_CHANGE: schema("BrandedItemContentChangeNotification.json"),
                  ITEM_PRODUCT_TYPE_CHANGE: schema("ItemProductTypeChangeNotification.json")}
    kinds = {}
    for change in catalog.changes():
        kind = notification_type_of(change)
        kinds.setdefault(str(change.attribute), kind)
        if kind is None:
            continue
        at = datetime.combine(change.day, time(), UTC)
        document = catalog_notification(settings, catalog, change, kind, at, at, "n-1")
        assert not list(validators[kind].iter_errors(document))
        if kind == ITEM_PRODUCT_TYPE_CHANGE:
            assert (document["Payload"]["PreviousProductType"], document["Payload"]["CurrentProductType"]) == (
                change.old_value, change.new_value)
        else:
            assert document["Payload"]["AttributesChanged"] == [str(change.attribute)]
    # Amazon has no notification for browse nodes, dimensions or delistings.
    assert kinds == {"item_name": BRANDED_ITEM_CONTENT_CHANGE, "bullet_point": BRANDED_ITEM_CONTENT_CHANGE,
                     "main_product_image_locator": BRANDED_ITEM_CONTENT_CHANGE,
                     "product_type": ITEM_PRODUCT_TYPE_CHANGE, "browse_classification": None,
                     "item_package_dimensions": None, "listing": None}


class RecordingEvents:
    """Stands in for boto3's EventBridge client (the AWS side is tested against moto in the integration tests)."""

    def __init__(self) -> None:
        self.entries: list[dict] = []

    def put_events(self, Entries: list[dict]) -> dict:
        self.entries += Entries
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(len(self.entries))}]}


def dispatcher(catalog, faults: FaultSettings) -> tuple[CatalogEventDispatcher, ManualClock, RecordingEvents]:
    settings = SandboxSettings(faults=faults, catalog_events=CatalogEventTarget(event_bus="bus"))
    clock = ManualClock(START)
    events = RecordingEvents()
    return CatalogEventDispatcher(settings, clock, lambda day: catalog, events), clock, events


def test_each_change_after_the_start_is_put_on_the_bus_once(catalog) -> None:
    sender, clock, events = dispatcher(catalog, FaultSettings())
    sender.deliver_due()  # the start: earlier changes are history
    clock.advance(timedelta(days=60).total_seconds())
    sender.deliver_due()
    expected = [c for c in catalog.changes()
                if START.date() < c.day <= date(2025, 4, 30) and notification_type_of(c) is not None]
    assert expected and len(events.entries) == len(expected)
    details = [json.loads(e["Detail"]) for e in events.entries]
    assert sorted((d["Payload"]["Asin"], d["EventTime"][:10]) for d in details) == sorted(
        (c.asin, c.day.isoformat()) for c in expected)
    assert all(e["DetailType"] == json.loads(e["Detail"])["NotificationType"] for e in events.entries)
    sender.deliver_due()
    assert len(events.entries) == len(expected), "nothing twice"


def test_faults_lose_delay_and_duplicate_notifications(catalog) -> None:
    faults = FaultSettings(lost_notification_rate=0.3, duplicate_notification_rate=0.3,
                           delayed_notification_rate=0.3, notification_delay_seconds=86400 * 365)
    sender, clock, events = dispatcher(catalog, faults)
    sender.deliver_due()
    clock.advance(timedelta(days=150).total_seconds())
    sender.deliver_due()
    clock.advance(60)  # a duplicate follows its original half a minute later
    sender.deliver_due()
    records = sender.records()
    kept = [r for r in records if "delayed_notification" not in r.faults]
    assert len(events.entries) == sum(r.copies for r in kept)
    assert {f for r in records for f in r.faults} == {"lost_notification", "delayed_notification",
                                                       "duplicate_notification"}
    assert sender.pending() == sum(r.copies for r in records if "delayed_notification" in r.faults)
    ids = [json.loads(e["Detail"])["NotificationMetadata"]["NotificationId"] for e in events.entries]
    duplicated = {r.notification_id for r in kept if r.copies == 2}
    assert {i for i in ids if ids.count(i) == 2} == duplicated
