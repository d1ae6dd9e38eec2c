"""Catalog Items API 2022-04-01 for the catalog watch: one item with the datasets the watcher compares, paced and
retried by the session (getCatalogItem: 2 requests a second, burst 2); an item Amazon no longer finds is None."""

from __future__ import annotations

from typing import Any

from sp_api.api import CatalogItems
from sp_api.api.catalog_items.catalog_items import CatalogItemsVersion

from vendorcast.spapi.client import SpApiSession
from vendorcast.spapi.errors import SpApiNotFound
from vendorcast.vocabulary.catalog_fields import INCLUDED_DATA

GET_CATALOG_ITEM = "getCatalogItem"


class CatalogItemsApi:
    def __init__(self, session: SpApiSession) -> None:
        self.session = session
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.session.client(CatalogItems, version=CatalogItemsVersion.V_2022_04_01)
        return self._client

    def get_item(self, asin: str) -> dict[str, Any] | None:
        """The Item of `asin` in the session's marketplace, or None when Amazon answers 404 (not in the catalog)."""
        try:
            response = self.session.call(GET_CATALOG_ITEM, self.client.get_catalog_item, asin,
                                         marketplaceIds=[self.session.marketplace_id],
                                         includedData=list(INCLUDED_DATA))
        except SpApiNotFound:
            return None
        return dict(response.payload)
