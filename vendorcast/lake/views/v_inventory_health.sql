-- Will an ASIN run out before a new purchase order can arrive? Per ASIN, its latest week with inventory: sellable
-- units on hand, open purchase-order units, the recent weekly demand (average units of the last 4 weeks, leaving
-- out weeks censored by stockouts unless all of them were), weeks of cover with and without the open POs, the
-- vendor's lead time (RETAIL weekly inventory rows of the same 4 weeks; 2 weeks when Amazon reports none), and a
-- stockout risk: out_of_stock (nothing sellable on hand), no_recent_demand, high (cover shorter than the lead
-- time), medium (cover shorter than the lead time plus 2 weeks), low.
CREATE OR REPLACE VIEW v_inventory_health AS
WITH latest AS (
    SELECT account, marketplace_id, asin, max(week_start) AS week_start
    FROM demand_weekly
    WHERE sellable_on_hand_units IS NOT NULL
    GROUP BY account, marketplace_id, asin
),
recent_demand AS (
    SELECT
        l.account,
        l.marketplace_id,
        l.asin,
        coalesce(
            avg(CAST(d.units AS DOUBLE)) FILTER (WHERE NOT coalesce(d.censored, false)),
            avg(CAST(d.units AS DOUBLE))
        ) AS avg_weekly_units_4w,
        count(d.units) AS weeks_with_sales_4w,
        count(*) FILTER (WHERE coalesce(d.censored, false)) AS censored_weeks_4w
    FROM latest AS l
    JOIN demand_weekly AS d
        ON d.account = l.account
        AND d.marketplace_id = l.marketplace_id
        AND d.asin = l.asin
        AND d.week_start BETWEEN date_add('day', -21, l.week_start) AND l.week_start
    WHERE d.units IS NOT NULL
    GROUP BY l.account, l.marketplace_id, l.asin
),
lead_time AS (
    SELECT
        l.account,
        l.marketplace_id,
        l.asin,
        avg(i.average_vendor_lead_time_days) AS lead_time_days
    FROM latest AS l
    JOIN vendor_inventory AS i
        ON i.account = l.account
        AND i.marketplace_id = l.marketplace_id
        AND i.asin = l.asin
        AND i.report_period = 'WEEK'
        AND i.selling_program = 'RETAIL'
        AND i.start_date BETWEEN date_add('day', -21, l.week_start) AND l.week_start
    GROUP BY l.account, l.marketplace_id, l.asin
),
cover AS (
    SELECT
        l.account,
        l.marketplace_id,
        l.asin,
        l.week_start AS inventory_week_start,
        d.sellable_on_hand_units,
        d.open_purchase_order_units,
        d.out_of_stock_rate,
        d.censored,
        r.avg_weekly_units_4w,
        coalesce(r.weeks_with_sales_4w, 0) AS weeks_with_sales_4w,
        coalesce(r.censored_weeks_4w, 0) AS censored_weeks_4w,
        CAST(d.sellable_on_hand_units AS DOUBLE) / NULLIF(r.avg_weekly_units_4w, 0) AS weeks_of_cover,
        CAST(d.sellable_on_hand_units + coalesce(d.open_purchase_order_units, 0) AS DOUBLE)
            / NULLIF(r.avg_weekly_units_4w, 0) AS weeks_of_cover_with_open_po,
        t.lead_time_days,
        coalesce(t.lead_time_days / 7.0, 2.0) AS lead_time_weeks
    FROM latest AS l
    JOIN demand_weekly AS d
        ON d.account = l.account
        AND d.marketplace_id = l.marketplace_id
        AND d.asin = l.asin
        AND d.week_start = l.week_start
    LEFT JOIN recent_demand AS r
        ON r.account = l.account
        AND r.marketplace_id = l.marketplace_id
        AND r.asin = l.asin
    LEFT JOIN lead_time AS t
        ON t.account = l.account
        AND t.marketplace_id = l.marketplace_id
        AND t.asin = l.asin
)
SELECT
    account,
    marketplace_id,
    asin,
    inventory_week_start,
    sellable_on_hand_units,
    open_purchase_order_units,
    out_of_stock_rate,
    censored,
    avg_weekly_units_4w,
    weeks_with_sales_4w,
    censored_weeks_4w,
    weeks_of_cover,
    weeks_of_cover_with_open_po,
    lead_time_days,
    lead_time_weeks,
    CASE
        WHEN sellable_on_hand_units <= 0 THEN 'out_of_stock'
        WHEN weeks_of_cover IS NULL THEN 'no_recent_demand'
        WHEN weeks_of_cover < lead_time_weeks THEN 'high'
        WHEN weeks_of_cover < lead_time_weeks + 2 THEN 'medium'
        ELSE 'low'
    END AS stockout_risk
FROM cover
