"""A digest rendered per SNS protocol: the e-mail a vendor reads (subject and body) for a sample change set, the
compact JSON machine subscribers get, and SNS's limits (ASCII subjects under 100 characters, 256 KiB messages)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from vendorcast.alerts.digest import AlertDigest, ChangeAlert, ConditionAlert, ConditionItem, ConditionKind
from vendorcast.alerts.render import (
    product_page_url,
    render_email,
    render_sns_message,
    render_subject,
)
from vendorcast.alerts.topic import MESSAGE_LIMIT_BYTES, SUBJECT_LIMIT
from vendorcast.config import MARKETPLACES
from vendorcast.vocabulary.catalog_fields import CatalogField

AT = datetime(2026, 4, 7, 7, 0, 12, tzinfo=UTC)
US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
OLD_IMAGE = "https://m.media-amazon.com/images/I/51AbC12L.jpg"
NEW_IMAGE = "https://m.media-amazon.com/images/I/71NeW00L.jpg"


def change(asin: str, field: CatalogField, before: str | None, after: str | None, title: str = "Steel Bottle",
           marketplace: str = US, source: str = "catalog_watch") -> ChangeAlert:
    return ChangeAlert("acme-us", marketplace, asin, title, field, before, after, AT, source)


SAMPLE = AlertDigest("watch-20260407T070000Z-1a2b3c4d", AT, (
    change("B0C1234567", CatalogField.MAIN_IMAGE, OLD_IMAGE, NEW_IMAGE, "Steel Bottle, 2-Pack"),
    change("B0C1234567", CatalogField.ITEM_NAME, "Steel Bottle", "Steel Bottle, 2-Pack", "Steel Bottle, 2-Pack"),
    change("B0D7654321", CatalogField.BULLET_POINT, json.dumps(["Keeps cold 24 h", "Leak-proof"]),
           json.dumps(["Keeps cold 12 h", "Leak-proof"]), "Trinkflasche Edelstahl", DE),
), (
    ConditionAlert(ConditionKind.OUT_OF_STOCK, "acme-us", US,
                   "1 ASIN reached an out-of-stock rate of 20% or more in the week of 2026-03-29",
                   (ConditionItem("B0C1234567", "Steel Bottle, 2-Pack", "4% → 31% of glance views out of stock"),),
                   date(2026, 3, 29)),
))


def test_the_subject_says_what_changed_and_how_many_items() -> None:
    assert render_subject(SAMPLE) == (
        "vendorcast: 3 catalog changes on 2 ASINs (title, main image, bullet points); 1 ASIN out of stock")
    one = AlertDigest("b", AT, (SAMPLE.changes[0], SAMPLE.changes[1]))
    assert render_subject(one) == "vendorcast: title, main image changed on B0C1234567"
    failed = AlertDigest("b", AT, conditions=(ConditionAlert(
        ConditionKind.REPORT_FAILED, "acme-us", US, "Amazon failed GET_VENDOR_INVENTORY_REPORT for good",
        (ConditionItem("GET_VENDOR_INVENTORY_REPORT (WEEK)", None, "2 windows given up"),)),))
    assert render_subject(failed) == "vendorcast: 1 report stream failed"


def test_the_email_body_shows_each_asin_with_its_link_and_each_change() -> None:
    assert render_email(SAMPLE) == f"""vendorcast found 3 catalog changes on 2 ASINs and 1 data condition.

CATALOG CHANGES

B0C1234567 · Steel Bottle, 2-Pack
https://www.amazon.com/dp/B0C1234567 (acme-us, {US})
  Title: Steel Bottle → Steel Bottle, 2-Pack
  Main image:
    before: {OLD_IMAGE}
    after:  {NEW_IMAGE}

B0D7654321 · Trinkflasche Edelstahl
https://www.amazon.de/dp/B0D7654321 (acme-us, {DE})
  Bullet points:
    before: • Keeps cold 24 h
            • Leak-proof
    after:  • Keeps cold 12 h
            • Leak-proof

DATA CONDITIONS

Out of stock (acme-us, {US}): 1 ASIN reached an out-of-stock rate of 20% or more in the week of 2026-03-29
  B0C1234567 · Steel Bottle, 2-Pack: 4% → 31% of glance views out of stock

Sent by the vendorcast catalog watch (watch-20260407T070000Z-1a2b3c4d, 2026-04-07 07:00 UTC). Which fields and ASINs \
alert is set in the config's [alerts.catalog] section.
"""


def test_one_sns_message_carries_the_email_text_and_compact_json_for_everything_else() -> None:
    message = render_sns_message(SAMPLE)
    assert message.message_structure == "json"
    assert message.subject == render_subject(SAMPLE)
    assert message.protocol_text("email") == render_email(SAMPLE)
    for protocol in ("sqs", "lambda", "https", "email-json"):
        assert message.protocol_text(protocol) == message.protocol_text("default")
    compact = message.protocol_text("default")
    assert "\n" not in compact and ": " not in compact.replace('": "', "")
    document = json.loads(compact)
    assert [(c["asin"], c["field"]) for c in document["changes"]] == [
        ("B0C1234567", "item_name"), ("B0C1234567", "main_product_image_locator"), ("B0D7654321", "bullet_point")]
    assert document["changes"][0] | {"url": None} == {
        "account": "acme-us", "marketplace_id": US, "asin": "B0C1234567", "title": "Steel Bottle, 2-Pack",
        "field": "item_name", "before": "Steel Bottle", "after": "Steel Bottle, 2-Pack",
        "detected_at": AT.isoformat(), "source": "catalog_watch", "url": None}
    assert document["conditions"][0]["kind"] == "out_of_stock" and document["omitted_changes"] == 0


def test_a_digest_too_large_for_sns_is_cut_and_says_so() -> None:
    long_bullets = json.dumps(["x" * 400] * 5)
    changes = tuple(change(f"B0{i:08d}", CatalogField.BULLET_POINT, long_bullets, long_bullets[:-5] + '!"]')
                    for i in range(400))
    message = render_sns_message(AlertDigest("big", AT, changes, SAMPLE.conditions))
    assert len(message.message.encode()) <= MESSAGE_LIMIT_BYTES
    document = json.loads(message.protocol_text("default"))
    assert 0 < len(document["changes"]) < 400
    assert document["omitted_changes"] == 400 - len(document["changes"]) and document["conditions"]
    assert f"... and {document['omitted_changes']} more changes" in message.protocol_text("email")
    assert message.subject.startswith("vendorcast: 400 catalog changes on 400 ASINs")


def test_subjects_are_ascii_and_short_whatever_the_findings() -> None:
    many = tuple(change(f"B0{i:08d}", field, "a", "b") for i, field in enumerate(CatalogField))
    conditions = tuple(ConditionAlert(kind, "acme-us", US, "s", (ConditionItem("k", "Café", "d"),))
                       for kind in ConditionKind)
    subject = render_subject(AlertDigest("b", AT, many, conditions))
    assert len(subject) <= SUBJECT_LIMIT and subject.isascii() and "\n" not in subject
    assert subject.endswith("...")


def test_every_marketplace_has_a_product_page() -> None:
    for marketplace_id in MARKETPLACES:
        assert product_page_url(marketplace_id, "B0C1234567").startswith("https://www.amazon.")
    assert product_page_url("A1VC38T7YXB528", "B0C1234567") == "https://www.amazon.co.jp/dp/B0C1234567"
