-- Will an ASIN run out before what Amazon can still order arrives? Per ASIN, at its latest week with inventory:
-- Amazon's inventory position (sellable units on hand at the week's end + units on order still to arrive after it)
-- against the P90 demand of its latest forecast (v_forecast_latest) over the protection span: Amazon's lead time
-- plus one review week. Where PO lines cover the week (v_demand_weekly), the units on order are those of every PO
-- line read up to as_of, orders placed since the week's end included: the position after Amazon's latest weekly
-- order, which must carry it until the order after that arrives (a lead time and a review week later); elsewhere
-- the inventory report's open PO units of the week. The lead time is learned from receipts: the ASIN's median days
-- from order to last receipt over its received PO lines, else the account's median, else the inventory report's
-- average vendor lead time (RETAIL weekly rows of the last 4 weeks), else 14 days; in whole weeks, rounded up.
-- The span's P90 is the sum of its weekly P90s (an upper bound of the P90 of the total, so the check errs on the
-- side of warning). stockout_risk: at_risk (P90 demand over the span exceeds the position), covered, or
-- no_forecast. Recent demand (the last 4 weeks' average, stockout weeks left out unless all were) and weeks of
-- cover are shown for context.
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
        ) AS avg_weekly_units_4w
    FROM latest AS l
    JOIN demand_weekly AS d
        ON d.account = l.account
        AND d.marketplace_id = l.marketplace_id
        AND d.asin = l.asin
        AND d.week_start BETWEEN date_add('day', -21, l.week_start) AND l.week_start
    WHERE d.units IS NOT NULL
    GROUP BY l.account, l.marketplace_id, l.asin
),
asin_receipts AS (
    SELECT account, marketplace_id, asin, approx_percentile(lead_time_days, 0.5) AS lead_time_days
    FROM v_purchase_order_lines
    WHERE lead_time_days IS NOT NULL
    GROUP BY account, marketplace_id, asin
),
account_receipts AS (
    SELECT account, marketplace_id, approx_percentile(lead_time_days, 0.5) AS lead_time_days
    FROM v_purchase_order_lines
    WHERE lead_time_days IS NOT NULL
    GROUP BY account, marketplace_id
),
report_lead_time AS (
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
on_order AS (
    -- As v_demand_weekly counts open units at a week's end (docs/otif.md), without its order-date limit.
    SELECT
        l.account,
        l.marketplace_id,
        l.asin,
        CAST(sum(CASE
            WHEN p.closed_at < CAST(date_add('day', 7, l.week_start) AS TIMESTAMP) THEN 0
            WHEN p.last_receive_date < CAST(date_add('day', 7, l.week_start) AS TIMESTAMP)
                THEN greatest(coalesce(p.accepted_units, p.ordered_units) - coalesce(p.received_units, 0), 0)
            ELSE coalesce(p.accepted_units, p.ordered_units)
        END) AS BIGINT) AS units
    FROM latest AS l
    JOIN v_purchase_order_lines AS p
        ON p.account = l.account
        AND p.marketplace_id = l.marketplace_id
        AND p.asin = l.asin
    GROUP BY l.account, l.marketplace_id, l.asin
),
stock AS (
    SELECT
        l.account,
        l.marketplace_id,
        l.asin,
        l.week_start,
        d.sellable_on_hand_units,
        d.out_of_stock_rate,
        d.censored,
        d.open_purchase_order_units_source,
        CASE WHEN d.open_purchase_order_units_source = 'purchase_orders' THEN coalesce(o.units, 0)
            ELSE d.open_purchase_order_units END AS open_purchase_order_units
    FROM latest AS l
    JOIN v_demand_weekly AS d
        ON d.account = l.account
        AND d.marketplace_id = l.marketplace_id
        AND d.asin = l.asin
        AND d.week_start = l.week_start
    LEFT JOIN on_order AS o
        ON o.account = l.account
        AND o.marketplace_id = l.marketplace_id
        AND o.asin = l.asin
),
position AS (
    SELECT
        l.account,
        l.marketplace_id,
        l.asin,
        l.week_start AS inventory_week_start,
        l.sellable_on_hand_units,
        l.open_purchase_order_units,
        l.open_purchase_order_units_source,
        l.sellable_on_hand_units + coalesce(l.open_purchase_order_units, 0) AS inventory_position_units,
        l.out_of_stock_rate,
        l.censored,
        r.avg_weekly_units_4w,
        CASE
            WHEN a.lead_time_days IS NOT NULL THEN 'asin_receipts'
            WHEN m.lead_time_days IS NOT NULL THEN 'account_receipts'
            WHEN t.lead_time_days IS NOT NULL THEN 'inventory_report'
            ELSE 'default'
        END AS lead_time_source,
        coalesce(a.lead_time_days, m.lead_time_days, t.lead_time_days, 14.0) AS lead_time_days
    FROM stock AS l
    LEFT JOIN recent_demand AS r
        ON r.account = l.account
        AND r.marketplace_id = l.marketplace_id
        AND r.asin = l.asin
    LEFT JOIN asin_receipts AS a
        ON a.account = l.account
        AND a.marketplace_id = l.marketplace_id
        AND a.asin = l.asin
    LEFT JOIN account_receipts AS m
        ON m.account = l.account
        AND m.marketplace_id = l.marketplace_id
    LEFT JOIN report_lead_time AS t
        ON t.account = l.account
        AND t.marketplace_id = l.marketplace_id
        AND t.asin = l.asin
),
spans AS (
    SELECT
        p.*,
        greatest(CAST(ceil(p.lead_time_days / 7) AS BIGINT), 1) AS lead_time_weeks,
        greatest(CAST(ceil(p.lead_time_days / 7) AS BIGINT), 1) + 1 AS protection_weeks
    FROM position AS p
),
span_demand AS (
    SELECT
        s.account,
        s.marketplace_id,
        s.asin,
        max(f.forecast_origin) AS forecast_origin,
        count(*) AS forecast_weeks,
        sum(f.p50) AS p50_demand_units,
        sum(f.p90) AS p90_demand_units
    FROM spans AS s
    JOIN v_forecast_latest AS f
        ON f.account = s.account
        AND f.marketplace_id = s.marketplace_id
        AND f.asin = s.asin
        AND f.week_start > s.inventory_week_start
        AND f.week_start <= date_add('day', 7 * s.protection_weeks, s.inventory_week_start)
    GROUP BY s.account, s.marketplace_id, s.asin
)
SELECT
    s.account,
    s.marketplace_id,
    s.asin,
    s.inventory_week_start,
    s.sellable_on_hand_units,
    s.open_purchase_order_units,
    s.open_purchase_order_units_source,
    s.inventory_position_units,
    s.out_of_stock_rate,
    s.censored,
    s.avg_weekly_units_4w,
    CAST(s.sellable_on_hand_units AS DOUBLE) / nullif(s.avg_weekly_units_4w, 0) AS weeks_of_cover,
    CAST(s.inventory_position_units AS DOUBLE) / nullif(s.avg_weekly_units_4w, 0) AS weeks_of_cover_with_open_po,
    s.lead_time_days,
    s.lead_time_source,
    s.lead_time_weeks,
    s.protection_weeks,
    f.forecast_origin,
    f.forecast_weeks,
    f.p50_demand_units,
    f.p90_demand_units,
    f.p90_demand_units - s.inventory_position_units AS shortfall_units,
    CASE
        WHEN f.p90_demand_units IS NULL THEN 'no_forecast'
        WHEN f.p90_demand_units > s.inventory_position_units THEN 'at_risk'
        ELSE 'covered'
    END AS stockout_risk
FROM spans AS s
LEFT JOIN span_demand AS f
    ON f.account = s.account
    AND f.marketplace_id = s.marketplace_id
    AND f.asin = s.asin
