-- What should we start producing or ordering, and what will it look like? The supply plan of the latest
-- SUCCEEDED forecast run that wrote one (latest origin first, then latest start), one row per account,
-- marketplace, ASIN and plan week: horizon 1 is the decision to act on now (start_units), later weeks are the
-- projection; with the ASIN's name and the run it comes from. The Plan step writes supply_plan last, so a run
-- with supply_plan rows has its whole plan (po_forecast, po_advice) written.
CREATE OR REPLACE VIEW v_supply_plan_latest AS
WITH planned_runs AS (
    SELECT DISTINCT p.run_id, p.forecast_origin, p.generated_at
    FROM supply_plan AS p
    JOIN forecast_runs AS r
        ON r.run_id = p.run_id
        AND r.status = 'SUCCEEDED'
),
latest_run AS (
    SELECT run_id
    FROM planned_runs
    ORDER BY forecast_origin DESC, generated_at DESC, run_id DESC
    LIMIT 1
)
SELECT
    p.run_id,
    p.generated_at,
    p.forecast_origin,
    p.account,
    p.marketplace_id,
    p.asin,
    c.item_name,
    p.vendor_sku,
    p.week_start,
    p.week_end,
    p.horizon,
    p.start_units,
    p.arrival_week_start,
    p.lead_time_weeks,
    p.order_up_to_units,
    p.inventory_position_units,
    p.projected_on_hand_units,
    p.expected_orders_units,
    p.expected_fill_rate,
    p.critical_ratio,
    p.unit_cost,
    p.holding_cost_rate,
    p.shortage_cost,
    p.defaults_used,
    p.reason
FROM supply_plan AS p
JOIN latest_run AS l
    ON l.run_id = p.run_id
LEFT JOIN catalog_items AS c
    ON c.account = p.account
    AND c.marketplace_id = p.marketplace_id
    AND c.asin = p.asin
