import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest

import vendorcast.spapi
from vendorcast.sandbox.catalog import (
    DELIST_AFTER_DAYS,
    IMAGE_LINK_PERIOD_DAYS,
    INCLUDED_DATA,
    LISTING_ATTRIBUTE,
    SimulatedCatalog,
    image_link_style,
)

MODELS = Path(vendorcast.spapi.__file__).parent / "models" / "openapi"
TODAY = date(2025, 6, 18)


def validator(model: str, definition: str) -> jsonschema.Draft4Validator:
    definitions = json.loads((MODELS / model).read_text())["definitions"]
    return jsonschema.Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": definitions})


@pytest.fixture(scope="module")
def catalog(sim) -> SimulatedCatalog:
    return SimulatedCatalog(sim)


def test_items_validate_against_the_catalog_items_model(catalog):
    item_validator = validator("catalogItems_2022-04-01.json", "Item")
    listed = catalog.listed_asins(TODAY)
    assert catalog.parents, "the vendor should have variation families"
    for asin in listed:
        item = catalog.item(asin, list(INCLUDED_DATA), TODAY)
        errors = list(item_validator.iter_errors(item))
        assert not errors, (asin, errors[0].message)


def test_included_data_selects_the_datasets(catalog, sim):
    asin = sim.asins[0]
    assert set(catalog.item(asin, ["summaries"], TODAY)) == {"asin", "summaries"}
    item = catalog.item(asin, ["identifiers", "salesRanks", "vendorDetails"], TODAY)
    assert set(item) == {"asin", "identifiers", "salesRanks", "vendorDetails"}
    assert item["identifiers"][0]["marketplaceId"] == sim.marketplace_id
    assert {i["identifierType"] for i in item["identifiers"][0]["identifiers"]} == {"EAN", "UPC"}


def test_content_changes_show_up_on_their_day(catalog):
    changes = [c for c in catalog.changes() if c.attribute == "item_name" and c.day < TODAY]
    assert changes
    change = changes[0]
    before = catalog.item(change.asin, ["summaries"], change.day - timedelta(days=1))
    after = catalog.item(change.asin, ["summaries"], change.day)
    assert before["summaries"][0]["itemName"] == change.old_value
    assert after["summaries"][0]["itemName"] == change.new_value
    kinds = {c.attribute for c in catalog.changes()}
    assert {"item_name", "main_product_image_locator", "bullet_point"} <= kinds


def test_variation_parents_list_their_children(catalog):
    parent = next(iter(catalog.parents.values()))
    item = catalog.item(parent.asin, ["summaries", "relationships"], TODAY)
    assert item["summaries"][0]["itemClassification"] == "VARIATION_PARENT"
    children = item["relationships"][0]["relationships"][0]["childAsins"]
    assert children and set(children) <= set(parent.child_asins)
    child = catalog.item(children[0], ["relationships"], TODAY)
    assert child["relationships"][0]["relationships"][0]["parentAsins"] == [parent.asin]


def test_search_by_identifier_and_keywords(catalog, sim):
    product = sim.products[0]
    assert catalog.find([product.ean], "EAN", TODAY, None) == [product.asin]
    assert catalog.find([product.asin, "B000000000"], "ASIN", TODAY, None) == [product.asin]
    brand_word = product.brand.split()[0]
    found = catalog.search([brand_word], [], [], TODAY)
    assert product.asin in found or product.launch_date - timedelta(days=30) > TODAY
    refinements = catalog.refinements(found, TODAY)
    assert sum(b["numberOfResults"] for b in refinements["brands"]) == len(found)


def test_unlisted_asins_are_not_found(catalog, sim):
    with pytest.raises(KeyError):
        catalog.item("B000000000", ["summaries"], TODAY)
    future = next((p for p in sim.products if p.launch_date > TODAY + timedelta(days=60)), None)
    if future is not None:
        with pytest.raises(KeyError):
            catalog.item(future.asin, ["summaries"], TODAY)


def test_a_discontinued_asin_is_delisted_and_its_delisting_is_a_change(catalog, sim):
    product = next(p for p in sim.products if p.discontinue_date
                   and p.discontinue_date + timedelta(days=DELIST_AFTER_DAYS) <= sim.end)
    delisted = catalog.delisting_day(product.asin)
    assert delisted == product.discontinue_date + timedelta(days=DELIST_AFTER_DAYS)
    assert catalog.item(product.asin, ["summaries"], delisted - timedelta(days=1))["asin"] == product.asin
    with pytest.raises(KeyError):
        catalog.item(product.asin, ["summaries"], delisted)
    assert product.asin not in catalog.listed_asins(delisted)
    listing = [c for c in catalog.changes() if c.asin == product.asin and c.attribute == LISTING_ATTRIBUTE]
    assert [(c.day, c.old_value, c.new_value) for c in listing] == [(delisted, "listed", "not found")]
    # Content changes stop with the product: nothing changes on a page that is gone.
    assert all(c.day < product.discontinue_date for c in catalog.changes()
               if c.asin == product.asin and c.attribute != LISTING_ATTRIBUTE)


def test_a_new_main_image_is_a_new_link_and_a_host_move_is_the_same_image(catalog, sim):
    change = next(c for c in catalog.changes() if c.attribute == "main_product_image_locator" and c.day < TODAY)
    links = [{i["variant"]: i["link"] for i in catalog.item(change.asin, ["images"], day)["images"][0]["images"]}
             for day in (change.day - timedelta(days=1), change.day)]
    assert links[0]["MAIN"] != links[1]["MAIN"] and links[0]["PT01"] == links[1]["PT01"]
    day = next(TODAY + timedelta(days=n) for n in range(1, IMAGE_LINK_PERIOD_DAYS + 1)
               if image_link_style(TODAY + timedelta(days=n)) != image_link_style(TODAY))
    asin = next(a for a in catalog.listed_asins(day) if a in catalog.products
                and catalog.state_on(a, day) == catalog.state_on(a, day - timedelta(days=1)))
    before, after = (catalog.item(asin, ["images"], d)["images"][0]["images"][0]["link"]
                     for d in (day - timedelta(days=1), day))
    assert before != after
    assert before.rsplit("/", 1)[1].split(".")[0] == after.rsplit("/", 1)[1].split(".")[0]


def test_the_change_rate_is_a_setting(sim):
    often = SimulatedCatalog(sim, mean_change_days=15)
    assert len(often.changes()) > 3 * len(SimulatedCatalog(sim).changes())


def test_pages_keep_their_first_content_until_changes_from(sim):
    changes_from = sim.start + (sim.end - sim.start) / 2
    late = SimulatedCatalog(sim, mean_change_days=15, changes_from=changes_from)
    content = [c for c in late.changes() if c.attribute != LISTING_ATTRIBUTE]
    assert content and min(c.day for c in content) > changes_from
    for asin in {c.asin for c in content}:
        assert late.state_on(asin, changes_from) == late.state_on(asin, sim.start)
    # Delistings follow the products' discontinuation, not the content setting.
    assert {c.asin for c in late.changes() if c.attribute == LISTING_ATTRIBUTE} == \
        {c.asin for c in SimulatedCatalog(sim).changes() if c.attribute == LISTING_ATTRIBUTE}
