"""The messages of the catalog-items queue, typed at the edge: a chunk of ASINs from catalog_watch, or an SP-API
catalog notification (BRANDED_ITEM_CONTENT_CHANGE, ITEM_PRODUCT_TYPE_CHANGE) as EventBridge forwards it from the
partner event bus (the notification in the event's `detail`, in Amazon's PascalCase envelope)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vendorcast.resources import CATALOG_NOTIFICATION_TYPES

# ASINs per message: a chunk takes about ten seconds at getCatalogItem's two requests a second, and is the unit of
# retry and of the lake's raw files.
CHUNK_SIZE = 10
WATCH_SOURCE = "catalog_watch"


class MalformedCatalogMessage(ValueError):
    """Neither a watch chunk nor a catalog notification: it goes to the dead-letter queue."""


class WatchChunk(BaseModel):
    """ASINs of one account and marketplace to look at, as one unit of a watch run (batch)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["catalog_watch"] = WATCH_SOURCE
    batch_id: Annotated[str, Field(min_length=1, max_length=200)]
    chunk: Annotated[int, Field(ge=0)]
    account: str
    marketplace_id: str
    asins: Annotated[list[str], Field(min_length=1, max_length=CHUNK_SIZE)]


class _Pascal(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class _CatalogPayload(_Pascal):
    marketplace_id: str = Field(alias="MarketplaceId", min_length=1)
    asin: str = Field(alias="Asin", min_length=1)


class _Metadata(_Pascal):
    notification_id: str = Field(alias="NotificationId", min_length=1)


class CatalogNotification(_Pascal):
    """BRANDED_ITEM_CONTENT_CHANGE or ITEM_PRODUCT_TYPE_CHANGE (payload version 1.0)."""

    notification_type: Literal["BRANDED_ITEM_CONTENT_CHANGE", "ITEM_PRODUCT_TYPE_CHANGE"] = Field(
        alias="NotificationType")
    event_time: datetime | None = Field(default=None, alias="EventTime")
    payload: _CatalogPayload = Field(alias="Payload")
    metadata: _Metadata = Field(alias="NotificationMetadata")

    @property
    def asin(self) -> str:
        return self.payload.asin

    @property
    def marketplace_id(self) -> str:
        return self.payload.marketplace_id

    @property
    def notification_id(self) -> str:
        return self.metadata.notification_id


class _PartnerEvent(BaseModel):
    """The EventBridge event around a notification."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    id: str
    detail_type: str = Field(alias="detail-type")
    source: str
    detail: CatalogNotification

    @model_validator(mode="before")
    @classmethod
    def _typed_detail(cls, data: Any) -> Any:
        # The notification's type is the event's detail-type; a detail without the envelope fields gets them.
        if isinstance(data, dict) and isinstance(data.get("detail"), dict):
            detail = dict(data["detail"])
            detail.setdefault("NotificationType", data.get("detail-type"))
            if "Payload" not in detail and "Asin" in detail:
                detail = {"NotificationType": data.get("detail-type"), "Payload": detail,
                          "NotificationMetadata": {"NotificationId": data.get("id")}}
            data = {**data, "detail": detail}
        return data


def parse_catalog_message(body: str) -> WatchChunk | CatalogNotification:
    try:
        data = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise MalformedCatalogMessage(f"message body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedCatalogMessage("message body is not a JSON object")
    try:
        if data.get("kind") == WATCH_SOURCE:
            return WatchChunk.model_validate(data)
        if data.get("detail-type") in CATALOG_NOTIFICATION_TYPES:
            return _PartnerEvent.model_validate(data).detail
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MalformedCatalogMessage(f"{where}: {first['msg']}") from None
    raise MalformedCatalogMessage(
        f"neither a catalog_watch chunk nor one of {', '.join(CATALOG_NOTIFICATION_TYPES)} "
        f"(kind={data.get('kind')!r}, detail-type={data.get('detail-type')!r})")


def chunk_message(chunk: WatchChunk) -> str:
    return chunk.model_dump_json()


__all__ = ["CHUNK_SIZE", "WATCH_SOURCE", "CatalogNotification", "MalformedCatalogMessage", "WatchChunk",
           "chunk_message", "parse_catalog_message"]
