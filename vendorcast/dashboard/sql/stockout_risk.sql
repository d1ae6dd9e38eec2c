-- Which ASINs may run out before what Amazon can still order arrives? Each ASIN's stockout check
-- (v_inventory_health): Amazon's inventory position at its latest inventory week (sellable on hand + units on order
-- still to arrive, from the PO lines where they cover the week, else the inventory report) against the P90 demand
-- of its latest forecast over Amazon's lead time (learned from receipts) plus one review week. The span's P90 is
-- the sum of its weekly P90s, which errs on the side of warning.
SELECT
    account,
    marketplace_id,
    asin,
    inventory_week_start,
    sellable_on_hand_units,
    open_purchase_order_units,
    open_purchase_order_units_source,
    inventory_position_units,
    avg_weekly_units_4w,
    weeks_of_cover_with_open_po,
    lead_time_days,
    lead_time_source,
    lead_time_weeks,
    protection_weeks,
    forecast_origin,
    forecast_weeks,
    p50_demand_units,
    p90_demand_units,
    shortfall_units,
    stockout_risk
FROM v_inventory_health
