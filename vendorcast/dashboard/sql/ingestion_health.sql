-- What landed? Per report table, account, marketplace and retail week: rows, ASINs, report documents and when
-- the latest of them was stored, from the curated tables (amazon_forecast by the week of its generation date:
-- one snapshot a week). A week missing from a table that has the weeks around it is a gap to look into.
SELECT 'vendor_sales' AS report_table, 'GET_VENDOR_SALES_REPORT' AS report_type, account, marketplace_id,
    start_week AS week_start, count(*) AS row_count, count(DISTINCT asin) AS asins,
    count(DISTINCT report_id) AS documents, max(ingested_at) AS latest_ingested_at
FROM vendor_sales
GROUP BY account, marketplace_id, start_week
UNION ALL
SELECT 'vendor_traffic', 'GET_VENDOR_TRAFFIC_REPORT', account, marketplace_id, start_week, count(*),
    count(DISTINCT asin), count(DISTINCT report_id), max(ingested_at)
FROM vendor_traffic
GROUP BY account, marketplace_id, start_week
UNION ALL
SELECT 'vendor_inventory', 'GET_VENDOR_INVENTORY_REPORT', account, marketplace_id, start_week, count(*),
    count(DISTINCT asin), count(DISTINCT report_id), max(ingested_at)
FROM vendor_inventory
GROUP BY account, marketplace_id, start_week
UNION ALL
SELECT 'vendor_net_ppm', 'GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT', account, marketplace_id, start_week,
    count(*), count(DISTINCT asin), count(DISTINCT report_id), max(ingested_at)
FROM vendor_net_ppm
GROUP BY account, marketplace_id, start_week
UNION ALL
SELECT 'amazon_forecast', 'GET_VENDOR_FORECASTING_REPORT', account, marketplace_id, snapshot_week, count(*),
    count(DISTINCT asin), count(DISTINCT report_id), max(ingested_at)
FROM (
    SELECT account, marketplace_id, asin, report_id, ingested_at,
        CAST(date_add('day', -(day_of_week(forecast_generation_date) % 7), forecast_generation_date) AS DATE)
            AS snapshot_week
    FROM amazon_forecast
) AS snapshots
GROUP BY account, marketplace_id, snapshot_week
