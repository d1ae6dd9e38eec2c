-- amazon_forecast: every snapshot of Amazon's forecast, one row per generation date, ASIN and target week; a
-- snapshot pulled twice keeps its latest delivery (contract: vendorcast/lake/tables.py).
WITH ranked AS (
    SELECT
        r.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, selling_program, forecast_generation_date, asin, start_date
            ORDER BY last_updated_date DESC NULLS LAST, ingested_at DESC NULLS LAST, report_id DESC
        ) AS restatement_rank
    FROM raw_vendor_forecasting_report AS r
    WHERE row_level = 'asin'
)
SELECT
    selling_program,
    asin,
    start_date AS target_week_start,
    end_date AS target_week_end,
    mean_forecast_units,
    p70_forecast_units,
    p80_forecast_units,
    p90_forecast_units,
    last_updated_date,
    report_id,
    ingested_at,
    account,
    marketplace_id,
    forecast_generation_date
FROM ranked
WHERE restatement_rank = 1
