-- Weekly demand per ASIN with its catalog attributes: units and revenue, price, glance views and conversion,
-- stock on hand, whether stockouts cut the week's sales (censored), and the units on open purchase orders at the
-- week's end: from the PO lines (v_purchase_order_lines) where the PO data covers the week, else the inventory
-- report's figure (open_purchase_order_units_source says which; docs/otif.md). One row per account, marketplace,
-- ASIN and retail week (Sunday to Saturday).
CREATE OR REPLACE VIEW v_demand_weekly AS
WITH po_coverage AS (
    -- The PO data covers a week when no PO ordered before its first PO can still be open at the week's end: the
    -- longest order-to-last-receipt span seen fits between the first order and the week's end.
    SELECT
        account,
        marketplace_id,
        min(order_date) AS first_order_date,
        max(as_of) AS as_of,
        max(lead_time_days) AS longest_lead_time_days
    FROM v_purchase_order_lines
    GROUP BY account, marketplace_id
),
covered_weeks AS (
    SELECT d.account, d.marketplace_id, d.asin, d.week_start
    FROM demand_weekly AS d
    JOIN po_coverage AS c
        ON c.account = d.account
        AND c.marketplace_id = d.marketplace_id
    WHERE d.week_start <= CAST(c.as_of AS DATE)
        AND CAST(date_diff('second', c.first_order_date, CAST(date_add('day', 7, d.week_start) AS TIMESTAMP))
            AS DOUBLE) / 86400 >= c.longest_lead_time_days
),
po_open AS (
    -- Units on lines ordered by the week's end, on POs not closed by then, less the units received by then. Only
    -- the last receipt date is known: a line last received after the week's end counts in full.
    SELECT
        w.account,
        w.marketplace_id,
        w.asin,
        w.week_start,
        CAST(sum(CASE
            WHEN l.closed_at < CAST(date_add('day', 7, w.week_start) AS TIMESTAMP) THEN 0
            WHEN l.last_receive_date < CAST(date_add('day', 7, w.week_start) AS TIMESTAMP)
                THEN greatest(coalesce(l.accepted_units, l.ordered_units) - coalesce(l.received_units, 0), 0)
            ELSE coalesce(l.accepted_units, l.ordered_units)
        END) AS BIGINT) AS open_units
    FROM covered_weeks AS w
    JOIN v_purchase_order_lines AS l
        ON l.account = w.account
        AND l.marketplace_id = w.marketplace_id
        AND l.asin = w.asin
        AND l.order_date < CAST(date_add('day', 7, w.week_start) AS TIMESTAMP)
    GROUP BY w.account, w.marketplace_id, w.asin, w.week_start
)
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
    CASE WHEN w.week_start IS NOT NULL THEN coalesce(o.open_units, 0) ELSE d.open_purchase_order_units END
        AS open_purchase_order_units,
    CASE
        WHEN w.week_start IS NOT NULL THEN 'purchase_orders'
        WHEN d.open_purchase_order_units IS NOT NULL THEN 'inventory_report'
    END AS open_purchase_order_units_source,
    d.open_purchase_order_units AS inventory_open_purchase_order_units,
    d.last_updated_date
FROM demand_weekly AS d
LEFT JOIN catalog_items AS c
    ON c.account = d.account
    AND c.marketplace_id = d.marketplace_id
    AND c.asin = d.asin
LEFT JOIN covered_weeks AS w
    ON w.account = d.account
    AND w.marketplace_id = d.marketplace_id
    AND w.asin = d.asin
    AND w.week_start = d.week_start
LEFT JOIN po_open AS o
    ON o.account = d.account
    AND o.marketplace_id = d.marketplace_id
    AND o.asin = d.asin
    AND o.week_start = d.week_start
