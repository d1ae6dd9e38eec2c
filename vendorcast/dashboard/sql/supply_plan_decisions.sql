-- What to start this week, and why? The latest plan's decision week (horizon 1) per ASIN (v_supply_plan_latest):
-- units to start and when they arrive, the inventory position against the order-up-to level, the expected fill
-- rate, the inputs that fell back to the config's defaults, and the reason in words.
SELECT
    account,
    marketplace_id,
    asin,
    item_name,
    forecast_origin,
    start_units,
    arrival_week_start,
    lead_time_weeks,
    inventory_position_units,
    order_up_to_units,
    expected_orders_units,
    expected_fill_rate,
    defaults_used,
    reason
FROM v_supply_plan_latest
WHERE horizon = 1
