-- catalog_changes: each detected field-level change once, however often it was delivered
-- (contract: vendorcast/lake/tables.py). Timestamps are UTC: both engines run with a UTC session time zone.
WITH ranked AS (
    SELECT
        r.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, asin, field, detected_at
            ORDER BY last_updated_date DESC NULLS LAST, ingested_at DESC NULLS LAST, request_key DESC
        ) AS delivery_rank
    FROM raw_catalog_changes AS r
)
SELECT
    asin,
    field,
    before_value,
    after_value,
    detected_at,
    source,
    last_updated_date,
    request_key,
    ingested_at,
    account,
    marketplace_id,
    CAST(detected_at AS DATE) AS detected_date
FROM ranked
WHERE delivery_rank = 1
