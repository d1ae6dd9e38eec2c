-- vendor_net_ppm: the latest restatement of each by-ASIN net pure product margin row
-- (contract: vendorcast/lake/tables.py).
WITH ranked AS (
    SELECT
        r.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, report_period, asin, start_date
            ORDER BY last_updated_date DESC NULLS LAST, ingested_at DESC NULLS LAST, report_id DESC
        ) AS restatement_rank
    FROM raw_vendor_net_pure_product_margin_report AS r
    WHERE row_level = 'asin'
)
SELECT
    report_period,
    asin,
    start_date,
    end_date,
    net_pure_product_margin,
    last_updated_date,
    report_id,
    ingested_at,
    account,
    marketplace_id,
    -- Sunday on or before start_date (1970-01-04 was a Sunday).
    CAST(DATE_SUB(start_date, DATEDIFF(start_date, DATE '1970-01-04') % 7) AS DATE) AS start_week
FROM ranked
WHERE restatement_rank = 1
