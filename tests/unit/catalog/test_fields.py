"""Watched fields read from Catalog Items 2022-04-01 Items (the emulator's, which validate against Amazon's model,
and one written like Amazon's documentation example), compared by what they mean rather than how they are spelled."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import pairwise

import pytest

from vendorcast.sandbox.catalog import IMAGE_LINK_PERIOD_DAYS, SimulatedCatalog, image_link_style
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.vocabulary.catalog_fields import (
    DEFAULT_ALERT_FIELDS,
    FIELDS,
    INCLUDED_DATA,
    LISTED,
    CatalogField,
    display_lines,
    image_id,
    read_fields,
    split_classification,
    tracked_fields,
)

from .conftest import AMAZON_ITEM, MARKETPLACE

DAY = date(2025, 6, 18)
ALL = frozenset(CatalogField)

@pytest.fixture(scope="module")
def catalog() -> SimulatedCatalog:
    return SimulatedCatalog(VendorSimulator(11, 20, date(2023, 1, 1), date(2025, 9, 30)))


def test_an_amazon_item_reads_into_every_field() -> None:
    values = read_fields(AMAZON_ITEM, MARKETPLACE, ALL)
    assert values == {
        "item_name": "Steel Water Bottle 750 ml",
        "brand": "ExampleBrand",
        "bullet_point": json.dumps(["Keeps drinks cold for 24 hours", "Leak-proof lid"]),
        "main_product_image_locator": "https://m.media-amazon.com/images/I/51AbC12L.jpg",
        "other_product_image_locator": json.dumps(["https://m.media-amazon.com/images/I/41XyZ9.jpg"]),
        "product_type": "BOTTLE",
        "browse_classification": "Water Bottles (3741181)",
        "item_package_dimensions": json.dumps(AMAZON_ITEM["dimensions"][0]["package"], sort_keys=True),
        "variation_family": "child of B0PARENT01 (COLOR)",
        "listing": LISTED,
        "manufacturer": "Example Mfg",
        "model_number": "WB-750",
        "sales_rank": "#412 in Water Bottles",
    }


def test_missing_datasets_read_as_none_and_other_marketplaces_are_ignored() -> None:
    values = read_fields({"asin": "B0TESTASN1", **{k: AMAZON_ITEM[k] for k in ("summaries",)}}, "A2EUQ1WTGCTBG2", ALL)
    assert values["item_name"] is None and values["product_type"] is None and values["bullet_point"] is None
    assert values["listing"] == LISTED


def test_emulator_items_read_into_their_content(catalog: SimulatedCatalog) -> None:
    child = next(p for p in catalog.products.values() if p.parent_asin and catalog.is_listed(p.asin, DAY))
    item = catalog.item(child.asin, list(INCLUDED_DATA), DAY)
    values = read_fields(item, MARKETPLACE, ALL)
    state = catalog.state_on(child.asin, DAY)
    assert values["item_name"] == state.title
    assert values["product_type"] == state.product_type
    assert values["browse_classification"] == f"{state.browse_node} ({state.classification_id})"
    assert image_id(values["main_product_image_locator"]).endswith(f"MAIN{state.image_version:02d}")
    assert len(json.loads(values["other_product_image_locator"])) == 2
    assert json.loads(values["item_package_dimensions"]) == item["dimensions"][0]["package"]
    assert values["variation_family"].startswith(f"child of {child.parent_asin} (")
    parent = catalog.item(child.parent_asin, list(INCLUDED_DATA), DAY)
    assert read_fields(parent, MARKETPLACE, ALL)["variation_family"].startswith("variation parent (")


def test_an_image_on_another_host_with_another_modifier_is_the_same_image(catalog: SimulatedCatalog) -> None:
    spec = FIELDS[CatalogField.MAIN_IMAGE]
    assert spec.same("https://m.media-amazon.com/images/I/51AbC12L.jpg",
                     "https://images-na.ssl-images-amazon.com/images/I/51AbC12L._AC_SL1500_.jpg")
    assert not spec.same("https://m.media-amazon.com/images/I/51AbC12L.jpg",
                         "https://m.media-amazon.com/images/I/61ZzZ34M.jpg")
    # The emulator moves its links every IMAGE_LINK_PERIOD_DAYS; the images stay the same.
    days = [DAY + timedelta(days=n) for n in range(IMAGE_LINK_PERIOD_DAYS + 1)]
    day, moved = next((a, b) for a, b in pairwise(days) if image_link_style(a) != image_link_style(b))
    asin = next(a for a in catalog.products if catalog.is_listed(a, day) and catalog.is_listed(a, moved)
                and catalog.state_on(a, day) == catalog.state_on(a, moved))
    links = [read_fields(catalog.item(asin, ["images"], d), MARKETPLACE, ALL) for d in (day, moved)]
    for field in (CatalogField.MAIN_IMAGE, CatalogField.OTHER_IMAGES):
        assert links[0][field.value] != links[1][field.value]
        assert FIELDS[field].same(links[0][field.value], links[1][field.value])


def test_sales_rank_is_noise_unless_it_is_to_alert() -> None:
    assert CatalogField.SALES_RANK not in DEFAULT_ALERT_FIELDS
    assert CatalogField.SALES_RANK not in tracked_fields(DEFAULT_ALERT_FIELDS)
    assert CatalogField.SALES_RANK in tracked_fields([*DEFAULT_ALERT_FIELDS, CatalogField.SALES_RANK])
    # Content the vendor is not alerted about is still kept, for the lake's history.
    assert {CatalogField.MANUFACTURER, CatalogField.MODEL_NUMBER} <= tracked_fields([CatalogField.ITEM_NAME])


def test_values_read_in_an_alert_as_lines() -> None:
    values = read_fields(AMAZON_ITEM, MARKETPLACE, ALL)
    assert display_lines(CatalogField.BULLET_POINT, values["bullet_point"]) == [
        "Keeps drinks cold for 24 hours", "Leak-proof lid"]
    assert display_lines(CatalogField.PACKAGE_DIMENSIONS, values["item_package_dimensions"]) == [
        "10.2 inches x 3.2 inches x 3.1 inches, 0.9 pounds"]
    assert display_lines(CatalogField.ITEM_NAME, None) == ["(none)"]
    assert split_classification(values["browse_classification"]) == ("Water Bottles", "3741181")
    assert split_classification("Kitchen & Dining (Tools) (12345)") == ("Kitchen & Dining (Tools)", "12345")
