"""A catalog item as vendorcast remembers it (the tracked fields of one ASIN in one marketplace, and their content
hash), and the field-level diff between two such snapshots."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from vendorcast.vocabulary.catalog_fields import FIELDS, LISTED, NOT_FOUND, CatalogField, read_fields


@dataclass(frozen=True)
class CatalogSnapshot:
    """`values` maps each field tracked when the snapshot was taken to its value (None: the item lacked it). A field
    missing from `values` was not tracked then, so it has no before to compare with."""

    asin: str
    marketplace_id: str
    values: dict[str, str | None]

    @classmethod
    def from_item(cls, item: dict[str, Any], marketplace_id: str, fields: frozenset[CatalogField]) -> CatalogSnapshot:
        """The snapshot of an Item getCatalogItem returned."""
        return cls(str(item["asin"]), marketplace_id, read_fields(item, marketplace_id, fields))

    @classmethod
    def not_found(cls, asin: str, marketplace_id: str, previous: CatalogSnapshot | None) -> CatalogSnapshot:
        """getCatalogItem answered 404: the item is gone from the marketplace; its last content is kept, so that a
        relisting is compared with what the page showed before."""
        values = dict(previous.values) if previous else {}
        values[CatalogField.LISTING.value] = NOT_FOUND
        return cls(asin, marketplace_id, values)

    @property
    def listed(self) -> bool:
        return self.values.get(CatalogField.LISTING.value) == LISTED

    @property
    def title(self) -> str | None:
        return self.values.get(CatalogField.ITEM_NAME.value)

    def get(self, field: CatalogField) -> str | None:
        return self.values.get(field.value)

    @property
    def content_hash(self) -> str:
        """SHA-256 of what the tracked fields mean (identities, not raw values): equal hashes, unchanged content."""
        keys = {name: FIELDS[CatalogField(name)].key(value) for name, value in sorted(self.values.items())}
        return hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class FieldChange:
    field: CatalogField
    before: str | None
    after: str | None


def diff_snapshots(before: CatalogSnapshot, after: CatalogSnapshot) -> list[FieldChange]:
    """The fields whose meaning changed, in CatalogField order. Only fields both snapshots track are compared (a
    field newly tracked is a baseline, not a change); a delisted item changes only its listing."""
    changes = []
    for field in CatalogField:
        name = field.value
        if name not in before.values or name not in after.values:
            continue
        if not FIELDS[field].same(before.values[name], after.values[name]):
            changes.append(FieldChange(field, before.values[name], after.values[name]))
    return changes


__all__ = ["CatalogSnapshot", "FieldChange", "diff_snapshots"]
