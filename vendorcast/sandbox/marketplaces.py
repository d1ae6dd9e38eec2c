"""Amazon's marketplaces as the emulator knows them (../shared/reference/spapi.md §1.3-1.4): each marketplace id's
country, the SP-API region whose endpoint serves it, and the currency its amounts are in. The emulator's own copy:
it judges the pipeline's region routing, so it must not read the pipeline's table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    country: str
    region: str  # NA, EU or FE: the regional endpoint that serves it
    currency: str  # ISO 4217


# The selling regions' production endpoints (§1.3); the token endpoint is one host for all of them (§1.1).
REGION_ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"

MARKETPLACES: dict[str, Marketplace] = {m.marketplace_id: m for m in (
    Marketplace("ATVPDKIKX0DER", "US", "NA", "USD"),
    Marketplace("A2EUQ1WTGCTBG2", "CA", "NA", "CAD"),
    Marketplace("A1AM78C64UM0Y8", "MX", "NA", "MXN"),
    Marketplace("A2Q3Y263D00KWC", "BR", "NA", "BRL"),
    Marketplace("A1F83G8C2ARO7P", "UK", "EU", "GBP"),
    Marketplace("A1PA6795UKMFR9", "DE", "EU", "EUR"),
    Marketplace("A13V1IB3VIYZZH", "FR", "EU", "EUR"),
    Marketplace("APJ6JRA9NG5V4", "IT", "EU", "EUR"),
    Marketplace("A1RKKUPIHCS9HS", "ES", "EU", "EUR"),
    Marketplace("A1805IZSGTT6HS", "NL", "EU", "EUR"),
    Marketplace("A2NODRKZP88ZB9", "SE", "EU", "SEK"),
    Marketplace("A1C3SOZRARQ6R3", "PL", "EU", "PLN"),
    Marketplace("AMEN7PMS3EDWL", "BE", "EU", "EUR"),
    Marketplace("A28R8C7NBKEWEA", "IE", "EU", "EUR"),
    Marketplace("A33AVAJ2PDY3EV", "TR", "EU", "TRY"),
    Marketplace("A2VIGQ35RCS4UG", "AE", "EU", "AED"),
    Marketplace("A17E79C6D8DWNP", "SA", "EU", "SAR"),
    Marketplace("ARBP9OOSHTCHU", "EG", "EU", "EGP"),
    Marketplace("A21TJRUUN4KGV", "IN", "EU", "INR"),
    Marketplace("AE08WJ6YKNBMC", "ZA", "EU", "ZAR"),
    Marketplace("A1VC38T7YXB528", "JP", "FE", "JPY"),
    Marketplace("A39IBJ37TRP1C6", "AU", "FE", "AUD"),
    Marketplace("A19VAU5U5O7RUS", "SG", "FE", "SGD"),
)}


def marketplace(marketplace_id: str) -> Marketplace:
    try:
        return MARKETPLACES[marketplace_id]
    except KeyError:
        raise ValueError(f"unknown marketplace id {marketplace_id!r}") from None
