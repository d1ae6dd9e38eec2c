"""Catalog Items API 2022-04-01 routes of the emulator: getCatalogItem and searchCatalogItems over the
simulated vendor's items as of the clock's today, with `includedData` selecting the datasets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from vendorcast.clock import Clock
from vendorcast.sandbox.catalog import DEFAULT_INCLUDED_DATA, IDENTIFIER_TYPES, INCLUDED_DATA
from vendorcast.sandbox.simulation import Simulation
from vendorcast.sandbox.wire import (
    ApiError,
    decode_token,
    encode_token,
    int_param,
    invalid_input,
    json_response,
    list_param,
)


class CatalogApi:
    """Handlers of getCatalogItem and searchCatalogItems."""

    def __init__(self, simulation: Callable[[date, str], Simulation], clock: Clock,
                 marketplace_ids: tuple[str, ...]) -> None:
        self._simulation = simulation
        self._clock = clock
        self._marketplace_ids = marketplace_ids

    def routes(self) -> list[tuple[str, str, str, Callable[..., Response]]]:
        base = "/catalog/2022-04-01"
        return [
            (f"{base}/items", "GET", "searchCatalogItems", self.search_catalog_items),
            (f"{base}/items/<asin>", "GET", "getCatalogItem", self.get_catalog_item),
        ]

    def _marketplaces(self, args: MultiDict, limit: int) -> list[str]:
        marketplaces = list_param(args, "marketplaceIds")
        if not marketplaces:
            raise invalid_input("marketplaceIds is required")
        if len(marketplaces) > limit:
            raise invalid_input(f"marketplaceIds accepts at most {limit} marketplace(s)")
        return marketplaces

    @staticmethod
    def _included(args: MultiDict) -> list[str]:
        included = list_param(args, "includedData") or list(DEFAULT_INCLUDED_DATA)
        unknown = [name for name in included if name not in INCLUDED_DATA]
        if unknown:
            raise invalid_input(f"Invalid includedData {unknown}; use {', '.join(INCLUDED_DATA)}")
        return included

    def get_catalog_item(self, request: Request, asin: str) -> Response:
        marketplaces = self._marketplaces(request.args, 10)
        included = self._included(request.args)
        today = self._clock.now().date()
        not_found = ApiError(
            404,
            "NotFound",
            f"Requested item '{asin}' not found in marketplace(s) {','.join(marketplaces)}.",
            "",
        )
        sold_in = [m for m in marketplaces if m in self._marketplace_ids]
        if not sold_in:
            raise not_found
        catalog = self._simulation(today, sold_in[0]).catalog
        try:
            return json_response(catalog.item(asin, included, today))
        except KeyError:
            raise not_found from None

    def search_catalog_items(self, request: Request) -> Response:
        args = request.args
        token = args.get("pageToken")
        query = decode_token(token, "pageToken") if token else self._search_query(args)
        today = self._clock.now().date()
        served = query["marketplace"] in self._marketplace_ids
        # A marketplace the vendor does not sell in finds nothing (any catalog answers the empty refinements).
        catalog = self._simulation(today, query["marketplace"] if served else self._marketplace_ids[0]).catalog
        if not served:
            asins: list[str] = []
        elif query["identifiers"]:
            asins = catalog.find(query["identifiers"], query["identifiers_type"], today, query["seller_id"])
        else:
            asins = catalog.search(
                query["keywords"], query["brand_names"], query["classification_ids"], today
            )
        offset, size = int(query.get("offset", 0)), query["page_size"]
        page = asins[offset : offset + size]
        out: dict = {"numberOfResults": len(asins)}
        pagination = {}
        if offset + size < len(asins):
            pagination["nextToken"] = encode_token({**query, "offset": offset + size})
        if offset > 0:
            pagination["previousToken"] = encode_token({**query, "offset": max(0, offset - size)})
        if pagination:
            out["pagination"] = pagination
        if query["keywords"]:
            out["refinements"] = catalog.refinements(asins, today)
        out["items"] = [catalog.item(asin, query["included"], today) for asin in page]
        return json_response(out)

    def _search_query(self, args: MultiDict) -> dict:
        marketplaces = self._marketplaces(args, 1)
        identifiers = list_param(args, "identifiers")
        keywords = list_param(args, "keywords")
        if identifiers and keywords:
            raise invalid_input("identifiers and keywords cannot be used in the same request")
        if not identifiers and not keywords:
            raise invalid_input("Either identifiers or keywords is required")
        if len(identifiers) > 20 or len(keywords) > 20:
            raise invalid_input("identifiers and keywords accept at most 20 values")
        identifiers_type = args.get("identifiersType")
        seller_id = args.get("sellerId")
        if identifiers:
            if identifiers_type not in IDENTIFIER_TYPES:
                raise invalid_input(
                    f"identifiersType is required with identifiers; use {', '.join(IDENTIFIER_TYPES)}"
                )
            if identifiers_type == "SKU" and not seller_id:
                raise invalid_input("sellerId is required when identifiersType is SKU")
        brand_names = list_param(args, "brandNames")
        classification_ids = list_param(args, "classificationIds")
        if identifiers and (brand_names or classification_ids or "keywordsLocale" in args):
            raise invalid_input(
                "brandNames, classificationIds and keywordsLocale can only be used with keywords"
            )
        return {
            "marketplace": marketplaces[0],
            "identifiers": identifiers,
            "identifiers_type": identifiers_type,
            "seller_id": seller_id,
            "keywords": keywords,
            "brand_names": brand_names,
            "classification_ids": classification_ids,
            "included": self._included(args),
            "page_size": int_param(args, "pageSize", 10, 1, 20),
            "offset": 0,
        }
