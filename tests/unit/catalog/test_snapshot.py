"""Snapshots and their field-level diff: the first sighting is a baseline, a field starts being compared once both
sides track it, a vanished item changes only its listing, and the content hash follows meaning, not spelling."""

from __future__ import annotations

import copy

from vendorcast.catalog.snapshot import CatalogSnapshot, FieldChange, diff_snapshots
from vendorcast.vocabulary.catalog_fields import LISTED, NOT_FOUND, CatalogField, tracked_fields

from .conftest import AMAZON_ITEM, MARKETPLACE

DEFAULT = tracked_fields([CatalogField.ITEM_NAME])


def snapshot(item: dict, fields: frozenset[CatalogField] = DEFAULT) -> CatalogSnapshot:
    return CatalogSnapshot.from_item(item, MARKETPLACE, fields)


def test_an_unchanged_item_has_no_diff_and_the_same_hash() -> None:
    assert diff_snapshots(snapshot(AMAZON_ITEM), snapshot(copy.deepcopy(AMAZON_ITEM))) == []
    assert snapshot(AMAZON_ITEM).content_hash == snapshot(copy.deepcopy(AMAZON_ITEM)).content_hash


def test_a_retitle_and_a_new_main_image_are_two_field_changes() -> None:
    changed = copy.deepcopy(AMAZON_ITEM)
    changed["summaries"][0]["itemName"] = "Steel Water Bottle 750 ml, 2-Pack"
    changed["images"][0]["images"][0]["link"] = "https://m.media-amazon.com/images/I/71NeW00L.jpg"
    before, after = snapshot(AMAZON_ITEM), snapshot(changed)
    assert diff_snapshots(before, after) == [
        FieldChange(CatalogField.ITEM_NAME, "Steel Water Bottle 750 ml", "Steel Water Bottle 750 ml, 2-Pack"),
        FieldChange(CatalogField.MAIN_IMAGE, "https://m.media-amazon.com/images/I/51AbC12L.jpg",
                    "https://m.media-amazon.com/images/I/71NeW00L.jpg"),
    ]
    assert before.content_hash != after.content_hash


def test_rehosted_images_and_moving_sales_ranks_are_no_change() -> None:
    moved = copy.deepcopy(AMAZON_ITEM)
    for image in moved["images"][0]["images"]:
        image["link"] = image["link"].replace("m.media-amazon.com", "images-na.ssl-images-amazon.com")
    moved["salesRanks"][0]["classificationRanks"][0]["rank"] = 97
    assert diff_snapshots(snapshot(AMAZON_ITEM), snapshot(moved)) == []
    assert snapshot(AMAZON_ITEM).content_hash == snapshot(moved).content_hash
    # Tracked on request, the rank is a change like any other.
    with_rank = tracked_fields([CatalogField.SALES_RANK])
    assert diff_snapshots(snapshot(AMAZON_ITEM, with_rank), snapshot(moved, with_rank)) == [
        FieldChange(CatalogField.SALES_RANK, "#412 in Water Bottles", "#97 in Water Bottles")]


def test_a_field_tracked_from_now_on_is_a_baseline_not_a_change() -> None:
    moved = copy.deepcopy(AMAZON_ITEM)
    moved["salesRanks"][0]["classificationRanks"][0]["rank"] = 97
    assert diff_snapshots(snapshot(AMAZON_ITEM), snapshot(moved, tracked_fields([CatalogField.SALES_RANK]))) == []


def test_a_vanished_item_changes_its_listing_only_and_keeps_its_last_content() -> None:
    before = snapshot(AMAZON_ITEM)
    gone = CatalogSnapshot.not_found(before.asin, MARKETPLACE, before)
    assert diff_snapshots(before, gone) == [FieldChange(CatalogField.LISTING, LISTED, NOT_FOUND)]
    assert not gone.listed and gone.title == before.title
    relisted = copy.deepcopy(AMAZON_ITEM)
    relisted["productTypes"][0]["productType"] = "DRINKING_CUP"
    assert diff_snapshots(gone, snapshot(relisted)) == [
        FieldChange(CatalogField.PRODUCT_TYPE, "BOTTLE", "DRINKING_CUP"),
        FieldChange(CatalogField.LISTING, NOT_FOUND, LISTED)]


def test_an_asin_never_found_is_a_baseline_of_its_absence() -> None:
    absent = CatalogSnapshot.not_found("B0TESTASN1", MARKETPLACE, None)
    assert absent.values == {"listing": NOT_FOUND}
    # When it goes live, only its listing can be compared: the content is its baseline.
    assert diff_snapshots(absent, snapshot(AMAZON_ITEM)) == [FieldChange(CatalogField.LISTING, NOT_FOUND, LISTED)]
