"""An Item written like Amazon's getCatalogItem documentation example, with the datasets the watcher asks for."""

from __future__ import annotations

MARKETPLACE = "ATVPDKIKX0DER"

AMAZON_ITEM = {
    "asin": "B0TESTASN1",
    "summaries": [{"marketplaceId": MARKETPLACE, "brand": "ExampleBrand", "itemName": "Steel Water Bottle 750 ml",
                   "manufacturer": "Example Mfg", "modelNumber": "WB-750", "itemClassification": "BASE_PRODUCT",
                   "browseClassification": {"displayName": "Water Bottles", "classificationId": "3741181"}}],
    "attributes": {"bullet_point": [
        {"value": "Keeps drinks cold for 24 hours", "language_tag": "en_US", "marketplace_id": MARKETPLACE},
        {"value": "Leak-proof lid", "language_tag": "en_US", "marketplace_id": MARKETPLACE}]},
    "images": [{"marketplaceId": MARKETPLACE, "images": [
        {"variant": "MAIN", "link": "https://m.media-amazon.com/images/I/51AbC12L.jpg", "height": 500, "width": 500},
        {"variant": "PT01", "link": "https://m.media-amazon.com/images/I/41XyZ9.jpg", "height": 500, "width": 500},
        {"variant": "PT01", "link": "https://m.media-amazon.com/images/I/41XyZ9._SL75_.jpg", "height": 75,
         "width": 75}]}],
    "productTypes": [{"marketplaceId": MARKETPLACE, "productType": "BOTTLE"}],
    "dimensions": [{"marketplaceId": MARKETPLACE, "package": {
        "height": {"unit": "inches", "value": 3.1}, "length": {"unit": "inches", "value": 10.2},
        "width": {"unit": "inches", "value": 3.2}, "weight": {"unit": "pounds", "value": 0.9}}}],
    "relationships": [{"marketplaceId": MARKETPLACE, "relationships": [
        {"type": "VARIATION", "parentAsins": ["B0PARENT01"],
         "variationTheme": {"attributes": ["color"], "theme": "COLOR"}}]}],
    "salesRanks": [{"marketplaceId": MARKETPLACE, "classificationRanks": [
        {"classificationId": "3741181", "title": "Water Bottles", "rank": 412}]}],
}
