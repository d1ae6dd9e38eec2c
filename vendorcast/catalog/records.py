"""Catalog snapshots and changes as rows of the lake's raw zone (raw/catalog_items, raw/catalog_changes), in the
schemas the curated tables read (vendorcast.lake.tables)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from vendorcast.catalog.store import StoredSnapshot
from vendorcast.lake.layout import work_raw_key
from vendorcast.lake.tables import RAW_CATALOG_CHANGES_SCHEMA, RAW_CATALOG_ITEMS_SCHEMA
from vendorcast.reports.parsers import write_parquet
from vendorcast.vocabulary.catalog_fields import CatalogField, split_classification

ITEMS_TABLE = "catalog_items"
CHANGES_TABLE = "catalog_changes"


def snapshot_row(stored: StoredSnapshot, ingested_at: datetime) -> dict[str, Any]:
    """The raw catalog_items row of one snapshot version."""
    snapshot = stored.snapshot
    name, classification_id = split_classification(snapshot.get(CatalogField.BROWSE_CLASSIFICATION))
    return {
        "request_key": stored.request_key, "ingested_at": ingested_at, "marketplace_id": stored.marketplace_id,
        "asin": stored.asin, "snapshot_at": stored.changed_at, "last_updated_date": stored.changed_at.date(),
        "content_hash": stored.content_hash,
        "item_name": snapshot.get(CatalogField.ITEM_NAME),
        "brand": snapshot.get(CatalogField.BRAND),
        "manufacturer": snapshot.get(CatalogField.MANUFACTURER),
        "model_number": snapshot.get(CatalogField.MODEL_NUMBER),
        "product_type": snapshot.get(CatalogField.PRODUCT_TYPE),
        "browse_classification_id": classification_id,
        "browse_classification_name": name,
        "main_image_url": snapshot.get(CatalogField.MAIN_IMAGE),
        "bullet_points": snapshot.get(CatalogField.BULLET_POINT),
        "item_package_dimensions": snapshot.get(CatalogField.PACKAGE_DIMENSIONS),
        "other_image_urls": snapshot.get(CatalogField.OTHER_IMAGES),
        "variation_family": snapshot.get(CatalogField.VARIATION_FAMILY),
        "listed": snapshot.listed,
    }


def change_rows(stored: StoredSnapshot, ingested_at: datetime) -> list[dict[str, Any]]:
    """The raw catalog_changes rows of one snapshot version (none for a baseline)."""
    return [{
        "request_key": stored.request_key, "ingested_at": ingested_at, "marketplace_id": stored.marketplace_id,
        "asin": stored.asin, "field": change.field.value, "before_value": change.before, "after_value": change.after,
        "detected_at": stored.changed_at, "last_updated_date": stored.changed_at.date(), "source": stored.source,
    } for change in stored.changes]


@dataclass
class LakeRecords:
    """The snapshot versions one unit of work has to put into the lake, written as one file per table."""

    account: str
    marketplace_id: str
    versions: list[StoredSnapshot] = field(default_factory=list)

    def add(self, stored: StoredSnapshot) -> None:
        if all((v.asin, v.version) != (stored.asin, stored.version) for v in self.versions):
            self.versions.append(stored)

    def files(self, stem: str, ingested_at: datetime) -> dict[str, bytes]:
        """Raw key -> Parquet bytes. `stem` names the unit of work, so a retry of it overwrites its own files."""
        out: dict[str, bytes] = {}
        items = [snapshot_row(v, ingested_at) for v in self.versions]
        changes = [row for v in self.versions for row in change_rows(v, ingested_at)]
        for table, rows, schema in ((ITEMS_TABLE, items, RAW_CATALOG_ITEMS_SCHEMA),
                                    (CHANGES_TABLE, changes, RAW_CATALOG_CHANGES_SCHEMA)):
            if rows:
                sink = io.BytesIO()
                write_parquet(pa.Table.from_pylist(rows, schema=schema), sink, schema)
                out[work_raw_key(table, self.account, self.marketplace_id, stem)] = sink.getvalue()
        return out


__all__ = ["CHANGES_TABLE", "ITEMS_TABLE", "LakeRecords", "change_rows", "snapshot_row"]
