-- Which ASINs may run out before the forecast horizon ends? Each ASIN's inventory health (v_inventory_health:
-- sellable units on hand and open purchase orders of its latest inventory week, weeks of cover, the view's own
-- cover-based risk) next to the demand its latest forecast expects over the horizon (v_forecast_latest). The
-- ASIN is at risk when the P90 demand summed over the horizon is above sellable on hand plus open PO units.
-- Summing weekly P90s overstates the P90 of the total (weeks are not perfectly correlated), so the flag errs
-- on the side of warning.
WITH horizon_demand AS (
    SELECT
        account,
        marketplace_id,
        asin,
        max(forecast_origin) AS forecast_origin,
        count(*) AS horizon_weeks,
        sum(p50) AS p50_units_horizon,
        sum(p90) AS p90_units_horizon
    FROM v_forecast_latest
    GROUP BY account, marketplace_id, asin
)
SELECT
    h.account,
    h.marketplace_id,
    h.asin,
    h.inventory_week_start,
    h.sellable_on_hand_units,
    h.open_purchase_order_units,
    h.sellable_on_hand_units + coalesce(h.open_purchase_order_units, 0) AS available_units,
    h.avg_weekly_units_4w,
    h.weeks_of_cover,
    h.weeks_of_cover_with_open_po,
    h.lead_time_weeks,
    h.stockout_risk,
    f.forecast_origin,
    f.horizon_weeks,
    f.p50_units_horizon,
    f.p90_units_horizon,
    f.p90_units_horizon - (h.sellable_on_hand_units + coalesce(h.open_purchase_order_units, 0))
        AS p90_shortfall_units,
    coalesce(f.p90_units_horizon > h.sellable_on_hand_units + coalesce(h.open_purchase_order_units, 0), false)
        AS p90_stockout_risk,
    CASE
        WHEN f.p90_units_horizon IS NULL THEN 'no forecast'
        WHEN f.p90_units_horizon > h.sellable_on_hand_units + coalesce(h.open_purchase_order_units, 0)
            THEN 'at risk'
        ELSE 'covered'
    END AS p90_check
FROM v_inventory_health AS h
LEFT JOIN horizon_demand AS f
    ON f.account = h.account
    AND f.marketplace_id = h.marketplace_id
    AND f.asin = h.asin
