"""The catalog fields vendorcast watches: how each is read from a Catalog Items 2022-04-01 `Item`, how two values
compare (so that noise, such as the same image served from another host, is no change), and its label in an alert."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

# getCatalogItem's datasets the watcher asks for (vendorDetails is not watched: it changes with replenishment).
INCLUDED_DATA = ("attributes", "classifications", "dimensions", "identifiers", "images", "productTypes",
                 "relationships", "salesRanks", "summaries")

LISTED = "listed"
NOT_FOUND = "not found"


class CatalogField(StrEnum):
    """A watched part of a detail page, named as Amazon's attribute diffs (BRANDED_ITEM_CONTENT_CHANGE) name it
    where Amazon has a name for it."""

    ITEM_NAME = "item_name"
    BRAND = "brand"
    BULLET_POINT = "bullet_point"
    MAIN_IMAGE = "main_product_image_locator"
    OTHER_IMAGES = "other_product_image_locator"
    PRODUCT_TYPE = "product_type"
    BROWSE_CLASSIFICATION = "browse_classification"
    PACKAGE_DIMENSIONS = "item_package_dimensions"
    VARIATION_FAMILY = "variation_family"
    LISTING = "listing"
    MANUFACTURER = "manufacturer"
    MODEL_NUMBER = "model_number"
    SALES_RANK = "sales_rank"


def _for_marketplace(item: dict[str, Any], dataset: str, marketplace_id: str) -> dict[str, Any]:
    """The marketplace's entry of a dataset grouped by marketplace ({} when the item has none)."""
    entries = item.get(dataset) or []
    return next((e for e in entries if e.get("marketplaceId") == marketplace_id), {})


def _attribute_values(item: dict[str, Any], name: str, marketplace_id: str, key: str = "value") -> list[Any]:
    values = (item.get("attributes") or {}).get(name) or []
    return [v.get(key) for v in values
            if v.get(key) is not None and v.get("marketplace_id", marketplace_id) == marketplace_id]


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _json(value: Any) -> str | None:
    # Sorted keys and no ASCII escaping: equal content, equal text, readable in an e-mail.
    return None if not value else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _item_name(item: dict[str, Any], marketplace_id: str) -> str | None:
    summary = _for_marketplace(item, "summaries", marketplace_id)
    names = _attribute_values(item, "item_name", marketplace_id)
    return _text(summary.get("itemName") or (names[0] if names else None))


def _brand(item: dict[str, Any], marketplace_id: str) -> str | None:
    summary = _for_marketplace(item, "summaries", marketplace_id)
    brands = _attribute_values(item, "brand", marketplace_id)
    return _text(summary.get("brand") or (brands[0] if brands else None))


def _bullets(item: dict[str, Any], marketplace_id: str) -> str | None:
    return _json(_attribute_values(item, "bullet_point", marketplace_id))


def _images(item: dict[str, Any], marketplace_id: str) -> list[dict[str, Any]]:
    return _for_marketplace(item, "images", marketplace_id).get("images") or []


def _main_image(item: dict[str, Any], marketplace_id: str) -> str | None:
    main = [i["link"] for i in _images(item, marketplace_id) if i.get("variant") == "MAIN" and i.get("link")]
    locators = _attribute_values(item, "main_product_image_locator", marketplace_id, "media_location")
    return _text(main[0] if main else (locators[0] if locators else None))


def _other_images(item: dict[str, Any], marketplace_id: str) -> str | None:
    # One link per variant (Amazon lists each variant in several sizes; the largest is first).
    links: dict[str, str] = {}
    for image in _images(item, marketplace_id):
        variant = image.get("variant")
        if variant and variant != "MAIN" and image.get("link"):
            links.setdefault(variant, image["link"])
    return _json([links[v] for v in sorted(links)])


def _product_type(item: dict[str, Any], marketplace_id: str) -> str | None:
    return _text(_for_marketplace(item, "productTypes", marketplace_id).get("productType"))


def classification_text(display_name: str, classification_id: str) -> str:
    return f"{display_name} ({classification_id})"


_CLASSIFICATION = re.compile(r"^(?P<name>.*) \((?P<id>[^()]*)\)$")


def split_classification(value: str | None) -> tuple[str | None, str | None]:
    """(display name, classification id) of a browse_classification value."""
    found = _CLASSIFICATION.match(value or "")
    return (found["name"], found["id"]) if found else (value, None)


def _browse_classification(item: dict[str, Any], marketplace_id: str) -> str | None:
    node = _for_marketplace(item, "summaries", marketplace_id).get("browseClassification")
    if not node:
        nodes = _for_marketplace(item, "classifications", marketplace_id).get("classifications") or []
        node = nodes[0] if nodes else None
    if not node or not node.get("classificationId"):
        return None
    return classification_text(node.get("displayName", ""), node["classificationId"])


def _package_dimensions(item: dict[str, Any], marketplace_id: str) -> str | None:
    return _json(_for_marketplace(item, "dimensions", marketplace_id).get("package"))


def _variation_family(item: dict[str, Any], marketplace_id: str) -> str | None:
    for relationship in _for_marketplace(item, "relationships", marketplace_id).get("relationships") or []:
        if relationship.get("type") != "VARIATION":
            continue
        theme = (relationship.get("variationTheme") or {}).get("theme")
        suffix = f" ({theme})" if theme else ""
        if relationship.get("parentAsins"):
            return f"child of {', '.join(sorted(relationship['parentAsins']))}{suffix}"
        # A parent's children come and go with launches: only the family's theme is the parent's content.
        return f"variation parent{suffix}"
    return None


def _manufacturer(item: dict[str, Any], marketplace_id: str) -> str | None:
    return _text(_for_marketplace(item, "summaries", marketplace_id).get("manufacturer"))


def _model_number(item: dict[str, Any], marketplace_id: str) -> str | None:
    return _text(_for_marketplace(item, "summaries", marketplace_id).get("modelNumber"))


def _sales_rank(item: dict[str, Any], marketplace_id: str) -> str | None:
    ranks = _for_marketplace(item, "salesRanks", marketplace_id).get("classificationRanks") or []
    if not ranks:
        return None
    return f"#{ranks[0]['rank']} in {ranks[0].get('title', ranks[0].get('classificationId'))}"


def image_id(link: str) -> str:
    """The image an Amazon image link shows, whatever host or size/style modifier serves it:
    `https://m.media-amazon.com/images/I/51AbC12L._AC_SL1500_.jpg` -> `51AbC12L`."""
    name = urlsplit(link).path.rsplit("/", 1)[-1]
    return name.split(".", 1)[0]


def _image_identity(value: str) -> str:
    return image_id(value)


def _images_identity(value: str) -> str:
    return json.dumps([image_id(link) for link in json.loads(value)])


@dataclass(frozen=True)
class FieldSpec:
    field: CatalogField
    label: str  # how an alert names it
    read: Callable[[dict[str, Any], str], str | None]  # (Item, marketplace id) -> value
    # The part of a value that matters: equal identities are no change (a re-hosted image is the same image).
    identity: Callable[[str], str] | None = None
    multiline: bool = False  # a JSON list of texts, shown one per line

    def same(self, before: str | None, after: str | None) -> bool:
        if before is None or after is None or self.identity is None:
            return before == after
        return self.identity(before) == self.identity(after)

    def key(self, value: str | None) -> str | None:
        return value if value is None or self.identity is None else self.identity(value)


def _listing(item: dict[str, Any], marketplace_id: str) -> str:
    return LISTED


FIELDS: dict[CatalogField, FieldSpec] = {spec.field: spec for spec in (
    FieldSpec(CatalogField.ITEM_NAME, "Title", _item_name),
    FieldSpec(CatalogField.BRAND, "Brand", _brand),
    FieldSpec(CatalogField.BULLET_POINT, "Bullet points", _bullets, multiline=True),
    FieldSpec(CatalogField.MAIN_IMAGE, "Main image", _main_image, identity=_image_identity),
    FieldSpec(CatalogField.OTHER_IMAGES, "Other images", _other_images, identity=_images_identity, multiline=True),
    FieldSpec(CatalogField.PRODUCT_TYPE, "Product type", _product_type),
    FieldSpec(CatalogField.BROWSE_CLASSIFICATION, "Browse classification", _browse_classification),
    FieldSpec(CatalogField.PACKAGE_DIMENSIONS, "Package dimensions", _package_dimensions),
    FieldSpec(CatalogField.VARIATION_FAMILY, "Variation family", _variation_family),
    FieldSpec(CatalogField.LISTING, "Listing", _listing),
    FieldSpec(CatalogField.MANUFACTURER, "Manufacturer", _manufacturer),
    FieldSpec(CatalogField.MODEL_NUMBER, "Model number", _model_number),
    FieldSpec(CatalogField.SALES_RANK, "Sales rank", _sales_rank),
)}

# What a vendor is told about unless the config says otherwise: the detail-page content that moves sales.
DEFAULT_ALERT_FIELDS: tuple[CatalogField, ...] = (
    CatalogField.ITEM_NAME, CatalogField.BRAND, CatalogField.BULLET_POINT, CatalogField.MAIN_IMAGE,
    CatalogField.OTHER_IMAGES, CatalogField.PRODUCT_TYPE, CatalogField.BROWSE_CLASSIFICATION,
    CatalogField.PACKAGE_DIMENSIONS, CatalogField.VARIATION_FAMILY, CatalogField.LISTING,
)
# Moves daily with sales: kept in snapshots (and the lake's change history) only when it is to alert.
NOISE_FIELDS: frozenset[CatalogField] = frozenset({CatalogField.SALES_RANK})


def tracked_fields(alert_fields: tuple[CatalogField, ...] | list[CatalogField]) -> frozenset[CatalogField]:
    """The fields a snapshot keeps: every content field, and a noise field only when it alerts."""
    return frozenset(f for f in CatalogField if f not in NOISE_FIELDS or f in alert_fields)


def read_fields(item: dict[str, Any], marketplace_id: str, fields: frozenset[CatalogField]) -> dict[str, str | None]:
    """The tracked fields' values in an Item (None: the item does not have the field)."""
    return {f.value: FIELDS[f].read(item, marketplace_id) for f in CatalogField if f in fields}


def display_lines(field: CatalogField, value: str | None) -> list[str]:
    """A value as an alert shows it: one line, or one line per entry of a list field."""
    if value is None:
        return ["(none)"]
    spec = FIELDS[field]
    if spec.multiline:
        return [str(v) for v in json.loads(value)] or ["(none)"]
    if field is CatalogField.PACKAGE_DIMENSIONS:
        return [_dimensions_text(json.loads(value))]
    return [value]


def _dimensions_text(package: dict[str, Any]) -> str:
    def measure(name: str) -> str:
        part = package.get(name) or {}
        return f"{part.get('value')} {part.get('unit', '')}".strip() if part else "?"

    size = " x ".join(measure(name) for name in ("length", "width", "height"))
    return f"{size}, {measure('weight')}" if "weight" in package else size


__all__ = ["DEFAULT_ALERT_FIELDS", "FIELDS", "INCLUDED_DATA", "LISTED", "NOISE_FIELDS", "NOT_FOUND", "CatalogField",
           "FieldSpec", "classification_text", "display_lines", "image_id", "read_fields", "split_classification",
           "tracked_fields"]
