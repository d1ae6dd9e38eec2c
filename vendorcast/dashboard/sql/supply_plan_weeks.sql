-- What does the plan start and expect, week by week? The latest plan (v_supply_plan_latest) added up over its ASINs
-- per account, marketplace and plan week: units to start, Amazon's expected orders, projected vendor on hand at the
-- week's end, and the lowest expected fill rate of its ASINs.
SELECT
    account,
    marketplace_id,
    week_start,
    horizon,
    count(DISTINCT asin) AS asins,
    sum(start_units) AS start_units,
    sum(expected_orders_units) AS expected_orders_units,
    sum(projected_on_hand_units) AS projected_on_hand_units,
    min(expected_fill_rate) AS lowest_expected_fill_rate
FROM v_supply_plan_latest
GROUP BY account, marketplace_id, week_start, horizon
