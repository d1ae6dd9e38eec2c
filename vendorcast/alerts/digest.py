"""What one alert message says: the catalog changes and data conditions found by one watch run (or one pushed
notification), as typed entries that the renderers turn into e-mail text and JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from vendorcast.vocabulary.catalog_fields import CatalogField


class ConditionKind(StrEnum):
    OUT_OF_STOCK = "out_of_stock"
    GONE_FROM_SALES = "gone_from_sales"
    REPORT_FAILED = "report_failed"
    PO_UNACKNOWLEDGED = "po_unacknowledged"
    PO_AT_RISK = "po_at_risk"
    OTIF_BELOW_TARGET = "otif_below_target"


# What the purchase orders pull sends (the rest comes from the catalog watch).
PURCHASE_ORDER_KINDS = frozenset({ConditionKind.PO_UNACKNOWLEDGED, ConditionKind.PO_AT_RISK,
                                  ConditionKind.OTIF_BELOW_TARGET})


@dataclass(frozen=True)
class ChangeAlert:
    """One field of one ASIN changed."""

    account: str
    marketplace_id: str
    asin: str
    title: str | None
    field: CatalogField
    before: str | None
    after: str | None
    detected_at: datetime
    source: str  # catalog_watch, or the SP-API notification type that pushed it

    def to_item(self) -> dict[str, Any]:
        return {**asdict(self), "field": self.field.value, "detected_at": self.detected_at.isoformat()}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ChangeAlert:
        return cls(account=item["account"], marketplace_id=item["marketplace_id"], asin=item["asin"],
                   title=item.get("title"), field=CatalogField(item["field"]), before=item.get("before"),
                   after=item.get("after"), detected_at=datetime.fromisoformat(item["detected_at"]),
                   source=item["source"])


@dataclass(frozen=True)
class ConditionItem:
    """One ASIN (or report stream) in a data condition, and what about it is alarming."""

    key: str
    title: str | None
    detail: str


@dataclass(frozen=True)
class ConditionAlert:
    """A data condition of one account and marketplace: `items` share the kind (and the week, if any)."""

    kind: ConditionKind
    account: str
    marketplace_id: str
    summary: str
    items: tuple[ConditionItem, ...]
    week: date | None = None

    def to_item(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "account": self.account, "marketplace_id": self.marketplace_id,
                "summary": self.summary, "items": [asdict(i) for i in self.items],
                "week": self.week.isoformat() if self.week else None}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ConditionAlert:
        return cls(kind=ConditionKind(item["kind"]), account=item["account"], marketplace_id=item["marketplace_id"],
                   summary=item["summary"],
                   items=tuple(ConditionItem(i["key"], i.get("title"), i["detail"]) for i in item["items"]),
                   week=date.fromisoformat(item["week"]) if item.get("week") else None)


@dataclass(frozen=True)
class AlertDigest:
    """Everything one message tells: sorted, so that the same findings always read the same."""

    batch_id: str
    created_at: datetime
    changes: tuple[ChangeAlert, ...] = field(default_factory=tuple)
    conditions: tuple[ConditionAlert, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        order = list(CatalogField)
        object.__setattr__(self, "changes", tuple(sorted(
            self.changes, key=lambda c: (c.account, c.asin, c.marketplace_id, order.index(c.field)))))
        kinds = list(ConditionKind)
        object.__setattr__(self, "conditions", tuple(sorted(
            self.conditions, key=lambda c: (kinds.index(c.kind), c.account, c.marketplace_id, c.summary))))

    @property
    def empty(self) -> bool:
        return not self.changes and not self.conditions

    @property
    def changed_asins(self) -> list[tuple[str, str, str]]:
        """(account, marketplace, ASIN) of the changed items, in order, once each."""
        return list(dict.fromkeys((c.account, c.marketplace_id, c.asin) for c in self.changes))


__all__ = ["PURCHASE_ORDER_KINDS", "AlertDigest", "ChangeAlert", "ConditionAlert", "ConditionItem", "ConditionKind"]
