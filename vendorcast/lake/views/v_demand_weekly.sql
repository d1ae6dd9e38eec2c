-- Weekly demand per ASIN with its catalog attributes: units and revenue, price, glance views and conversion,
-- stock on hand, and whether stockouts cut the week's sales (censored). One row per account, marketplace,
-- ASIN and retail week (Sunday to Saturday).
CREATE OR REPLACE VIEW v_demand_weekly AS
SELECT
    d.account,
    d.marketplace_id,
    d.asin,
    c.item_name,
    c.brand,
    c.product_type,
    d.week_start,
    d.week_end,
    d.units,
    d.units_source,
    d.revenue,
    d.average_selling_price,
    d.currency_code,
    d.glance_views,
    CAST(d.units AS DOUBLE) / NULLIF(d.glance_views, 0) AS units_per_glance_view,
    d.out_of_stock_rate,
    d.censored,
    d.sellable_on_hand_units,
    d.open_purchase_order_units,
    d.last_updated_date
FROM demand_weekly AS d
LEFT JOIN catalog_items AS c
    ON c.account = d.account
    AND c.marketplace_id = d.marketplace_id
    AND c.asin = d.asin
