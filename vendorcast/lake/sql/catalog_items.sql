-- catalog_items: the latest catalog snapshot of each ASIN (contract: vendorcast/lake/tables.py).
WITH ranked AS (
    SELECT
        r.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, asin
            ORDER BY snapshot_at DESC NULLS LAST, ingested_at DESC NULLS LAST, request_key DESC
        ) AS snapshot_rank
    FROM raw_catalog_items AS r
)
SELECT
    asin,
    item_name,
    brand,
    manufacturer,
    model_number,
    product_type,
    browse_classification_id,
    browse_classification_name,
    main_image_url,
    bullet_points,
    item_package_dimensions,
    other_image_urls,
    variation_family,
    listed,
    content_hash,
    snapshot_at,
    last_updated_date,
    request_key,
    ingested_at,
    account,
    marketplace_id
FROM ranked
WHERE snapshot_rank = 1
