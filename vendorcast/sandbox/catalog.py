"""Catalog Items (2022-04-01) data of the simulated vendor: each ASIN's item as Amazon would return it on a
given day, including the content changes (titles, images, bullets, browse nodes, product types,
dimensions, delistings) that a catalog watcher must notice, and the noise it must not report: sales ranks
that move with sales, and image links that move to another host and URL style while showing the same image."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from vendorcast.sandbox.products import Product, VariationParent
from vendorcast.sandbox.simulator import SELL_OFF_DAYS, Stream, VendorSimulator

INCLUDED_DATA = (
    "attributes",
    "classifications",
    "dimensions",
    "identifiers",
    "images",
    "productTypes",
    "relationships",
    "salesRanks",
    "summaries",
    "vendorDetails",
)
DEFAULT_INCLUDED_DATA = ("summaries",)
IDENTIFIER_TYPES = ("ASIN", "EAN", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")
# Listings go live this long before an ASIN's first sale.
PRE_LAUNCH_DAYS = 30
NEW_PRODUCT_DAYS = 90
# Amazon serves one image under several hosts and size/style modifiers; the links move between them over time.
IMAGE_HOSTS = ("https://m.media-amazon.com/images/I/", "https://images-na.ssl-images-amazon.com/images/I/")
IMAGE_MODIFIERS = ("", "._AC_SL1500_")
IMAGE_LINK_PERIOD_DAYS = 45
# Mean days between two content changes of one ASIN (at least a day apart).
MEAN_CHANGE_DAYS = 160.0
# A discontinued ASIN's detail page is taken down this long after its last sale day; getCatalogItem then 404s.
DELIST_AFTER_DAYS = 60
# The attribute name of a delisting in `changes()`, and its values.
LISTING_ATTRIBUTE = "listing"
LISTED, DELISTED = "listed", "not found"


class ContentAttribute(StrEnum):
    """Catalog attributes that change over time, named as Amazon's attribute diffs name them."""

    TITLE = "item_name"
    IMAGE = "main_product_image_locator"
    BULLETS = "bullet_point"
    CLASSIFICATION = "browse_classification"
    PRODUCT_TYPE = "product_type"
    DIMENSIONS = "item_package_dimensions"


_CHANGE_KINDS = tuple(ContentAttribute)
_CHANGE_WEIGHTS = (0.3, 0.25, 0.2, 0.1, 0.05, 0.1)
_TITLE_SUFFIXES = (" (New Version)", ", 2-Pack", " - Improved Design", ", Value Size", " with Gift Box")
_ALTERNATIVE_PRODUCT_TYPES = {
    "KITCHEN": "HOME",
    "TOY_FIGURE": "TOY_BUILDING_BLOCK",
    "OUTDOOR_LIVING": "LAWN_AND_GARDEN",
    "SPORTING_GOODS": "EXERCISE_MAT",
    "OFFICE_PRODUCTS": "NOTEBOOK",
    "BEAUTY": "SKIN_MOISTURIZER",
    "GROCERY": "FOOD",
    "ELECTRONIC_ADAPTER": "ELECTRONIC_CABLE",
    "PET_SUPPLIES": "PET_TOY",
}


@dataclass(frozen=True)
class ContentState:
    """The parts of an ASIN's detail page that change over time."""

    title: str
    image_version: int
    bullet_version: int
    browse_node: str
    classification_id: str
    product_type: str
    dimension_version: int


@dataclass(frozen=True)
class CatalogChange:
    """One content change of one ASIN (the catalog watcher should report it)."""

    asin: str
    day: date
    attribute: str
    old_value: str
    new_value: str


class SimulatedCatalog:
    """Items of the simulated vendor as of any day."""

    def __init__(self, sim: VendorSimulator, mean_change_days: float = MEAN_CHANGE_DAYS,
                 changes_from: date | None = None) -> None:
        self.sim = sim
        self.mean_change_days = mean_change_days
        self.changes_from = changes_from
        self.marketplace_id = sim.marketplace_id
        self.products = {p.asin: p for p in sim.products}
        self.parents = {p.asin: p for p in sim.catalogue.parents}
        self.vendor = sim.catalogue.vendor
        self._history = {p.asin: self._draw_history(p) for p in sim.products}

    # ------------------------------------------------------------------ content over time
    def _initial_state(self, product: Product) -> ContentState:
        c = product.category
        return ContentState(product.title, 1, 1, c.browse_node, c.classification_id, c.product_type, 1)

    def _draw_history(self, product: Product) -> list[tuple[date, ContentState, CatalogChange]]:
        """Content changes drawn as gaps from the listing day (or `changes_from`, when later), so they do not depend
        on the simulation end."""
        rng = self.sim.rng(Stream.CATALOG_CHANGES, product.index)
        state = self._initial_state(product)
        day = max(product.launch_date, self.sim.start, self.changes_from or self.sim.start)
        out: list[tuple[date, ContentState, CatalogChange]] = []
        for _ in range(40):
            day = day + timedelta(days=1 + int(rng.exponential(self.mean_change_days)))
            kind = _CHANGE_KINDS[int(rng.choice(len(_CHANGE_KINDS), p=_CHANGE_WEIGHTS))]
            pick = int(rng.integers(0, 1000))
            if product.discontinue_date and day >= product.discontinue_date:
                break
            old, new_state = self._apply(product, state, kind, pick)
            if new_state == state:
                continue
            out.append(
                (day, new_state, CatalogChange(product.asin, day, kind, old, _describe(new_state, kind)))
            )
            state = new_state
        return out

    def _apply(self, product: Product, state: ContentState, kind: str, pick: int) -> tuple[str, ContentState]:
        old = _describe(state, kind)
        c = product.category
        match kind:
            case ContentAttribute.TITLE:
                return old, replace(state, title=product.title + _TITLE_SUFFIXES[pick % len(_TITLE_SUFFIXES)])
            case ContentAttribute.IMAGE:
                return old, replace(state, image_version=state.image_version + 1)
            case ContentAttribute.BULLETS:
                return old, replace(state, bullet_version=state.bullet_version + 1)
            case ContentAttribute.CLASSIFICATION:
                alternative = state.classification_id == c.classification_id
                node = (
                    (f"{c.browse_node} & Accessories", f"{c.classification_id}1")
                    if alternative
                    else (c.browse_node, c.classification_id)
                )
                return old, replace(state, browse_node=node[0], classification_id=node[1])
            case ContentAttribute.PRODUCT_TYPE:
                alternative = _ALTERNATIVE_PRODUCT_TYPES[c.product_type]
                new = alternative if state.product_type == c.product_type else c.product_type
                return old, replace(state, product_type=new)
            case _:
                return old, replace(state, dimension_version=state.dimension_version + 1)

    def state_on(self, asin: str, day: date) -> ContentState:
        state = self._initial_state(self.products[asin])
        for changed, new_state, _ in self._history[asin]:
            if changed > day:
                break
            state = new_state
        return state

    def changes(self) -> list[CatalogChange]:
        """Every content change and delisting of every ASIN over the simulation (the catalog watcher's ground
        truth), by ASIN and day."""
        out = [
            change
            for asin in self.products
            for _, _, change in self._history[asin]
            if change.day <= self.sim.end
        ]
        for product in self.products.values():
            delisted = self.delisting_day(product.asin)
            if delisted is not None and delisted <= self.sim.end:
                out.append(CatalogChange(product.asin, delisted, LISTING_ATTRIBUTE, LISTED, DELISTED))
        return sorted(out, key=lambda c: (c.asin, c.day))

    # ------------------------------------------------------------------ visibility and search
    def delisting_day(self, asin: str) -> date | None:
        """The first day getCatalogItem no longer finds a discontinued ASIN."""
        product = self.products[asin]
        return product.discontinue_date + timedelta(days=DELIST_AFTER_DAYS) if product.discontinue_date else None

    def is_listed(self, asin: str, day: date) -> bool:
        if asin in self.parents:
            return any(self.is_listed(child, day) for child in self.parents[asin].child_asins)
        product = self.products.get(asin)
        if product is None or day < product.launch_date - timedelta(days=PRE_LAUNCH_DAYS):
            return False
        delisted = self.delisting_day(asin)
        return delisted is None or day < delisted

    def listed_asins(self, day: date) -> list[str]:
        return sorted(a for a in [*self.products, *self.parents] if self.is_listed(a, day))

    def find(
        self, identifiers: list[str], identifiers_type: str, day: date, seller_id: str | None
    ) -> list[str]:
        wanted = {i.strip().upper() for i in identifiers}
        out = []
        for asin in self.listed_asins(day):
            product = self.products.get(asin)
            match identifiers_type:
                case "ASIN":
                    keys = {asin}
                case "EAN":
                    keys = {product.ean} if product else set()
                case "UPC":
                    keys = {product.upc} if product else set()
                case "GTIN":
                    keys = {product.gtin} if product else set()
                case "SKU":
                    keys = (
                        {product.model_number.upper()}
                        if product and seller_id == self.vendor.vendor_code
                        else set()
                    )
                case _:
                    keys = set()
            if keys & wanted:
                out.append(asin)
        return out

    def search(
        self, keywords: list[str], brand_names: list[str], classification_ids: list[str], day: date
    ) -> list[str]:
        words = [w.lower() for w in keywords]
        out = []
        for asin in self.listed_asins(day):
            title, brand, classification = self._search_fields(asin, day)
            text = f"{title} {brand}".lower()
            if not all(w in text for w in words):
                continue
            if brand_names and brand not in brand_names:
                continue
            if classification_ids and classification not in classification_ids:
                continue
            out.append(asin)
        return out

    def _search_fields(self, asin: str, day: date) -> tuple[str, str, str]:
        if asin in self.parents:
            parent = self.parents[asin]
            return parent.title, parent.brand, parent.category.classification_id
        state = self.state_on(asin, day)
        return state.title, self.products[asin].brand, state.classification_id

    def refinements(self, asins: list[str], day: date) -> dict[str, Any]:
        brands: dict[str, int] = {}
        classifications: dict[str, tuple[str, int]] = {}
        for asin in asins:
            _, brand, classification = self._search_fields(asin, day)
            brands[brand] = brands.get(brand, 0) + 1
            name = self._classification_name(asin, day)
            classifications[classification] = (name, classifications.get(classification, (name, 0))[1] + 1)
        return {
            "brands": [{"numberOfResults": n, "brandName": b} for b, n in sorted(brands.items())],
            "classifications": [
                {"numberOfResults": n, "displayName": name, "classificationId": cid}
                for cid, (name, n) in sorted(classifications.items())
            ],
        }

    def _classification_name(self, asin: str, day: date) -> str:
        if asin in self.parents:
            return self.parents[asin].category.browse_node
        return self.state_on(asin, day).browse_node

    # ------------------------------------------------------------------ the Item document
    def item(self, asin: str, included: list[str], day: date) -> dict[str, Any]:
        """The Item object of getCatalogItem / searchCatalogItems (KeyError when not listed on `day`)."""
        if not self.is_listed(asin, day):
            raise KeyError(asin)
        if asin in self.parents:
            return self._parent_item(self.parents[asin], included, day)
        product = self.products[asin]
        state = self.state_on(asin, day)
        builders = {
            "attributes": lambda: self._attributes(product, state, day),
            "classifications": lambda: [
                self._by_marketplace(classifications=[self._classification(product, state)])
            ],
            "dimensions": lambda: [self._by_marketplace(**_dimensions(product, state))],
            "identifiers": lambda: [
                self._by_marketplace(
                    identifiers=[
                        {"identifierType": "EAN", "identifier": product.ean},
                        {"identifierType": "UPC", "identifier": product.upc},
                    ]
                )
            ],
            "images": lambda: [self._by_marketplace(images=_images(product.asin, state.image_version, day))],
            "productTypes": lambda: [self._by_marketplace(productType=state.product_type)],
            "relationships": lambda: [self._by_marketplace(relationships=self._child_relationships(product))],
            "salesRanks": lambda: [self._by_marketplace(**self._sales_ranks(product, state, day))],
            "summaries": lambda: [self._by_marketplace(**self._summary(product, state))],
            "vendorDetails": lambda: [self._by_marketplace(**self._vendor_details(product, day))],
        }
        out: dict[str, Any] = {"asin": asin}
        for name in INCLUDED_DATA:
            if name in included:
                out[name] = builders[name]()
        return out

    def _by_marketplace(self, **fields: Any) -> dict[str, Any]:
        return {"marketplaceId": self.marketplace_id, **fields}

    def _classification(self, product: Product, state: ContentState) -> dict[str, Any]:
        c = product.category
        return {
            "displayName": state.browse_node,
            "classificationId": state.classification_id,
            "parent": {"displayName": c.parent_node, "classificationId": c.parent_node_id},
        }

    def _summary(self, product: Product, state: ContentState) -> dict[str, Any]:
        c = product.category
        summary: dict[str, Any] = {
            "adultProduct": False,
            "autographed": False,
            "brand": product.brand,
            "browseClassification": {
                "displayName": state.browse_node,
                "classificationId": state.classification_id,
            },
            "itemClassification": "BASE_PRODUCT",
            "itemName": state.title,
            "manufacturer": self.vendor.name,
            "memorabilia": False,
            "modelNumber": product.model_number,
            "packageQuantity": 1,
            "partNumber": product.model_number,
            "releaseDate": product.launch_date.isoformat(),
            "tradeInEligible": False,
            "websiteDisplayGroup": c.display_group,
            "websiteDisplayGroupName": c.display_group_name,
        }
        if product.variation_value:
            summary["color" if c.variation_theme == "COLOR" else "size"] = product.variation_value
        return summary

    def _attributes(self, product: Product, state: ContentState, day: date) -> dict[str, Any]:
        mp, lang = self.marketplace_id, "en_US"
        bullets = [
            f"{product.category.nouns[0]} built to last (v{state.bullet_version})",
            f"Designed by {product.brand}",
            f"Model {product.model_number}",
        ]
        index = min(max(self.sim.day_index(day), 0), self.sim.n_days - 1)
        return {
            "item_name": [{"value": state.title, "language_tag": lang, "marketplace_id": mp}],
            "brand": [{"value": product.brand, "language_tag": lang, "marketplace_id": mp}],
            "bullet_point": [{"value": b, "language_tag": lang, "marketplace_id": mp} for b in bullets],
            "manufacturer": [{"value": self.vendor.name, "language_tag": lang, "marketplace_id": mp}],
            "model_number": [{"value": product.model_number, "marketplace_id": mp}],
            "list_price": [
                {
                    "value": float(self.sim.list_price[index, product.index]),
                    "currency": self.sim.currency,
                    "marketplace_id": mp,
                }
            ],
            "item_package_quantity": [{"value": 1, "marketplace_id": mp}],
            "main_product_image_locator": [
                {
                    "media_location": _images(product.asin, state.image_version, day)[0]["link"],
                    "marketplace_id": mp,
                }
            ],
        }

    def _child_relationships(self, product: Product) -> list[dict[str, Any]]:
        if not product.parent_asin:
            return []
        theme = product.category.variation_theme
        return [
            {
                "type": "VARIATION",
                "parentAsins": [product.parent_asin],
                "variationTheme": {"attributes": [theme.lower()], "theme": theme},
            }
        ]

    def _sales_ranks(self, product: Product, state: ContentState, day: date) -> dict[str, Any]:
        end = self.sim.day_index(day)
        if end < 0 or not self.sim.active[min(end, self.sim.n_days - 1), product.index]:
            return {"classificationRanks": [], "displayGroupRanks": []}
        end = min(end, self.sim.n_days - 1)
        units = int(self.sim.shipped_units[max(0, end - 6) : end + 1, product.index].sum())
        rank = 1 + int(30_000 / (1 + units) ** 0.9)
        c = product.category
        return {
            "classificationRanks": [
                {
                    "classificationId": state.classification_id,
                    "title": state.browse_node,
                    "link": f"https://www.amazon.com/gp/bestsellers/{state.classification_id}",
                    "rank": rank,
                }
            ],
            "displayGroupRanks": [
                {"websiteDisplayGroup": c.display_group, "title": c.display_group_name, "rank": rank * 9 + 17}
            ],
        }

    def _vendor_details(self, product: Product, day: date) -> dict[str, Any]:
        c = product.category
        if product.discontinue_date and day >= product.discontinue_date:
            replenishment = "OBSOLETE"
        elif product.discontinue_date and day >= product.discontinue_date - timedelta(days=SELL_OFF_DAYS):
            replenishment = "LIMITED_REPLENISHMENT"
        elif day < product.launch_date + timedelta(days=NEW_PRODUCT_DAYS):
            replenishment = "NEW_PRODUCT"
        else:
            replenishment = "BASIC_REPLENISHMENT"
        brand_code = "".join(ch for ch in product.brand.upper() if ch.isalpha())[:5]
        return {
            "brandCode": brand_code,
            "manufacturerCode": self.vendor.vendor_code,
            "manufacturerCodeParent": self.vendor.vendor_code,
            "productCategory": {"displayName": c.name, "value": c.parent_node_id},
            "productSubcategory": {"displayName": c.browse_node, "value": c.classification_id},
            "productGroup": c.product_group,
            "replenishmentCategory": replenishment,
        }

    def _parent_item(self, parent: VariationParent, included: list[str], day: date) -> dict[str, Any]:
        c = parent.category
        theme = c.variation_theme
        builders = {
            "attributes": lambda: {
                "item_name": [
                    {"value": parent.title, "language_tag": "en_US", "marketplace_id": self.marketplace_id}
                ]
            },
            "classifications": lambda: [
                self._by_marketplace(
                    classifications=[{"displayName": c.browse_node, "classificationId": c.classification_id}]
                )
            ],
            "dimensions": lambda: [self._by_marketplace()],
            "identifiers": lambda: [self._by_marketplace(identifiers=[])],
            "images": lambda: [self._by_marketplace(images=_images(parent.asin, 1, day))],
            "productTypes": lambda: [self._by_marketplace(productType=c.product_type)],
            "relationships": lambda: [
                self._by_marketplace(
                    relationships=[
                        {
                            "type": "VARIATION",
                            "childAsins": [a for a in parent.child_asins if self.is_listed(a, day)],
                            "variationTheme": {"attributes": [theme.lower()], "theme": theme},
                        }
                    ]
                )
            ],
            "salesRanks": lambda: [self._by_marketplace(classificationRanks=[], displayGroupRanks=[])],
            "summaries": lambda: [
                self._by_marketplace(
                    brand=parent.brand,
                    itemClassification="VARIATION_PARENT",
                    itemName=parent.title,
                    manufacturer=self.vendor.name,
                    websiteDisplayGroup=c.display_group,
                    websiteDisplayGroupName=c.display_group_name,
                    browseClassification={
                        "displayName": c.browse_node,
                        "classificationId": c.classification_id,
                    },
                )
            ],
            "vendorDetails": lambda: [
                self._by_marketplace(brandCode=parent.brand[:5].upper(), productGroup=c.product_group)
            ],
        }
        out: dict[str, Any] = {"asin": parent.asin}
        for name in INCLUDED_DATA:
            if name in included:
                out[name] = builders[name]()
        return out


def _describe(state: ContentState, kind: str) -> str:
    match kind:
        case ContentAttribute.TITLE:
            return state.title
        case ContentAttribute.IMAGE:
            return f"image v{state.image_version}"
        case ContentAttribute.BULLETS:
            return f"bullets v{state.bullet_version}"
        case ContentAttribute.CLASSIFICATION:
            return f"{state.browse_node} ({state.classification_id})"
        case ContentAttribute.PRODUCT_TYPE:
            return state.product_type
    return f"dimensions v{state.dimension_version}"


def image_link_style(day: date) -> int:
    """Which host and modifier the links use on `day` (they alternate every IMAGE_LINK_PERIOD_DAYS)."""
    return (day.toordinal() // IMAGE_LINK_PERIOD_DAYS) % len(IMAGE_HOSTS)


def _images(asin: str, main_version: int, day: date) -> list[dict[str, Any]]:
    """The image id encodes ASIN, variant and version: a new main image is a new id. The other images keep theirs.
    Host and modifier follow the day's link style without changing the image."""
    style = image_link_style(day)
    return [
        {
            "variant": variant,
            "link": f"{IMAGE_HOSTS[style]}{asin[2:]}{variant}{version:02d}{IMAGE_MODIFIERS[style]}.jpg",
            "height": 1500,
            "width": 1500,
        }
        for variant, version in (("MAIN", main_version), ("PT01", 1), ("PT02", 1))
    ]


def _dimensions(product: Product, state: ContentState) -> dict[str, Any]:
    seed = sum(ord(ch) for ch in product.asin) + 7 * state.dimension_version
    sizes = np.round(2.0 + (np.array([seed % 17, seed % 11, seed % 7]) * 0.75), 2)
    weight = round(0.2 + (seed % 23) * 0.15, 2)

    def box(scale: float) -> dict[str, Any]:
        return {
            "height": {"unit": "inches", "value": round(float(sizes[0]) * scale, 2)},
            "length": {"unit": "inches", "value": round(float(sizes[1]) * scale, 2)},
            "width": {"unit": "inches", "value": round(float(sizes[2]) * scale, 2)},
            "weight": {"unit": "pounds", "value": round(weight * scale, 2)},
        }

    return {"item": box(1.0), "package": box(1.1)}
