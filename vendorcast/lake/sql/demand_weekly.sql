-- demand_weekly: weekly demand per ASIN with its covariates, from the WEEK rows of the curated sales, traffic and
-- inventory tables (contract: vendorcast/lake/tables.py). Constants come from the one-row publish_parameters view.
WITH sales AS (
    SELECT
        s.account,
        s.marketplace_id,
        s.asin,
        s.start_date AS week_start,
        s.end_date AS week_end,
        s.distributor_view,
        s.ordered_units,
        s.ordered_revenue,
        s.shipped_units,
        s.shipped_revenue,
        s.currency_code,
        s.last_updated_date,
        -- Customer orders (MANUFACTURING) measure demand; shipments (SOURCING) only stand in for them.
        ROW_NUMBER() OVER (
            PARTITION BY s.account, s.marketplace_id, s.asin, s.start_date
            ORDER BY CASE WHEN s.distributor_view = 'MANUFACTURING' THEN 0 ELSE 1 END
        ) AS view_rank
    FROM vendor_sales AS s
    CROSS JOIN publish_parameters AS p
    WHERE s.report_period = 'WEEK' AND s.selling_program = p.demand_selling_program
),
weekly_sales AS (
    SELECT
        account,
        marketplace_id,
        asin,
        week_start,
        week_end,
        CASE WHEN distributor_view = 'MANUFACTURING' THEN ordered_units ELSE shipped_units END AS units,
        CASE WHEN distributor_view = 'MANUFACTURING' THEN 'ordered_units' ELSE 'shipped_units' END AS units_source,
        CASE WHEN distributor_view = 'MANUFACTURING' THEN ordered_revenue ELSE shipped_revenue END AS revenue,
        currency_code,
        last_updated_date
    FROM sales
    WHERE view_rank = 1
),
weekly_traffic AS (
    SELECT
        account,
        marketplace_id,
        asin,
        start_date AS week_start,
        end_date AS week_end,
        glance_views,
        last_updated_date
    FROM vendor_traffic
    WHERE report_period = 'WEEK'
),
inventory AS (
    SELECT
        i.account,
        i.marketplace_id,
        i.asin,
        i.start_date AS week_start,
        i.end_date AS week_end,
        i.procurable_product_out_of_stock_rate,
        i.sellable_on_hand_inventory_units,
        i.open_purchase_order_units,
        i.last_updated_date,
        ROW_NUMBER() OVER (
            PARTITION BY i.account, i.marketplace_id, i.asin, i.start_date
            ORDER BY CASE WHEN i.distributor_view = 'MANUFACTURING' THEN 0 ELSE 1 END
        ) AS view_rank
    FROM vendor_inventory AS i
    CROSS JOIN publish_parameters AS p
    WHERE i.report_period = 'WEEK' AND i.selling_program = p.demand_selling_program
),
weekly_inventory AS (
    SELECT * FROM inventory WHERE view_rank = 1
),
asin_weeks AS (
    SELECT account, marketplace_id, asin, week_start, week_end FROM weekly_sales
    UNION
    SELECT account, marketplace_id, asin, week_start, week_end FROM weekly_traffic
    UNION
    SELECT account, marketplace_id, asin, week_start, week_end FROM weekly_inventory
)
SELECT
    w.asin,
    w.week_end,
    s.units,
    s.units_source,
    s.revenue,
    CASE WHEN s.units > 0 THEN s.revenue / s.units END AS average_selling_price,
    s.currency_code,
    t.glance_views,
    i.procurable_product_out_of_stock_rate AS out_of_stock_rate,
    i.sellable_on_hand_inventory_units AS sellable_on_hand_units,
    i.open_purchase_order_units,
    COALESCE(i.procurable_product_out_of_stock_rate >= p.censored_out_of_stock_rate, FALSE) AS censored,
    GREATEST(s.last_updated_date, t.last_updated_date, i.last_updated_date) AS last_updated_date,
    w.account,
    w.marketplace_id,
    w.week_start
FROM asin_weeks AS w
CROSS JOIN publish_parameters AS p
LEFT JOIN weekly_sales AS s
    ON s.account = w.account AND s.marketplace_id = w.marketplace_id AND s.asin = w.asin
    AND s.week_start = w.week_start
LEFT JOIN weekly_traffic AS t
    ON t.account = w.account AND t.marketplace_id = w.marketplace_id AND t.asin = w.asin
    AND t.week_start = w.week_start
LEFT JOIN weekly_inventory AS i
    ON i.account = w.account AND i.marketplace_id = w.marketplace_id AND i.asin = w.asin
    AND i.week_start = w.week_start
