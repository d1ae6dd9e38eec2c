"""The catalog-items queue's messages typed at the edge: watch chunks, and Amazon's catalog notifications as
EventBridge forwards them from the partner bus (Amazon's own schema examples); anything else is refused with a
reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vendorcast.spapi
from vendorcast.catalog.messages import (
    CHUNK_SIZE,
    CatalogNotification,
    MalformedCatalogMessage,
    WatchChunk,
    chunk_message,
    parse_catalog_message,
)

SCHEMAS = Path(vendorcast.spapi.__file__).parent / "models" / "schemas" / "notifications"
SOURCE = "aws.partner/sellingpartnerapi.amazon.com/123456789012/amzn1.sellerapps.app.x"


def example(schema: str) -> dict:
    return json.loads((SCHEMAS / schema).read_text())["examples"][0]


def partner_event(notification: dict) -> str:
    return json.dumps({"version": "0", "id": "0e1f", "detail-type": notification["NotificationType"],
                       "source": SOURCE, "account": "123456789012", "time": "2019-03-20T18:59:31Z",
                       "region": "us-east-1", "resources": [], "detail": notification})


def test_a_watch_chunk_round_trips() -> None:
    chunk = WatchChunk(batch_id="watch-1", chunk=3, account="acme-us", marketplace_id="ATVPDKIKX0DER",
                       asins=["B0C1234567"])
    assert parse_catalog_message(chunk_message(chunk)) == chunk


@pytest.mark.parametrize("schema, kind", [
    ("BrandedItemContentChangeNotification.json", "BRANDED_ITEM_CONTENT_CHANGE"),
    ("ItemProductTypeChangeNotification.json", "ITEM_PRODUCT_TYPE_CHANGE"),
])
def test_amazons_notifications_from_the_partner_bus(schema: str, kind: str) -> None:
    notification = example(schema)
    parsed = parse_catalog_message(partner_event(notification))
    assert isinstance(parsed, CatalogNotification)
    assert parsed.notification_type == kind
    assert (parsed.asin, parsed.marketplace_id) == (notification["Payload"]["Asin"],
                                                    notification["Payload"]["MarketplaceId"])
    assert parsed.notification_id == notification["NotificationMetadata"]["NotificationId"]


def test_a_bare_payload_in_the_detail_is_read_too() -> None:
    # How EventBridge nests the document is not documented for certain: a detail holding just the payload works.
    payload = example("ItemProductTypeChangeNotification.json")["Payload"]
    body = json.dumps({"id": "evt-1", "detail-type": "ITEM_PRODUCT_TYPE_CHANGE", "source": SOURCE, "detail": payload})
    parsed = parse_catalog_message(body)
    assert parsed.asin == payload["Asin"] and parsed.notification_id == "evt-1"


@pytest.mark.parametrize("body, reason", [
    ("{not json", "message body is not JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"detail-type": "REPORT_PROCESSING_FINISHED", "detail": {}}', "neither a catalog_watch chunk nor one of"),
    (json.dumps({"kind": "catalog_watch", "batch_id": "b", "chunk": 0, "account": "a", "marketplace_id": "m",
                 "asins": [f"B0{i:08d}" for i in range(CHUNK_SIZE + 1)]}), "asins: List should have at most"),
    (json.dumps({"id": "x", "detail-type": "BRANDED_ITEM_CONTENT_CHANGE", "source": SOURCE,
                 "detail": {"NotificationType": "BRANDED_ITEM_CONTENT_CHANGE", "Payload": {"MarketplaceId": "m"},
                            "NotificationMetadata": {"NotificationId": "n"}}}), "detail.Payload.Asin: Field required"),
])
def test_anything_else_is_refused_with_its_reason(body: str, reason: str) -> None:
    with pytest.raises(MalformedCatalogMessage, match=reason):
        parse_catalog_message(body)
