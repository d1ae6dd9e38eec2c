-- Is an ASIN growing? Each week's units and revenue next to the week before (week over week) and the same
-- retail week a year earlier (52 weeks, so weekdays line up), with the change as units and as a rate
-- (0.25 = +25 %). Changes are null when the earlier week has no sales row (or zero, for rates).
CREATE OR REPLACE VIEW v_sales_trend AS
SELECT
    cur.account,
    cur.marketplace_id,
    cur.asin,
    cur.week_start,
    cur.week_end,
    cur.units,
    cur.revenue,
    cur.currency_code,
    cur.censored,
    prev.units AS units_previous_week,
    cur.units - prev.units AS units_wow_change,
    CAST(cur.units - prev.units AS DOUBLE) / NULLIF(prev.units, 0) AS units_wow_change_rate,
    prev.revenue AS revenue_previous_week,
    (cur.revenue - prev.revenue) / NULLIF(prev.revenue, 0) AS revenue_wow_change_rate,
    last_year.units AS units_last_year,
    cur.units - last_year.units AS units_yoy_change,
    CAST(cur.units - last_year.units AS DOUBLE) / NULLIF(last_year.units, 0) AS units_yoy_change_rate,
    last_year.revenue AS revenue_last_year,
    (cur.revenue - last_year.revenue) / NULLIF(last_year.revenue, 0) AS revenue_yoy_change_rate
FROM demand_weekly AS cur
LEFT JOIN demand_weekly AS prev
    ON prev.account = cur.account
    AND prev.marketplace_id = cur.marketplace_id
    AND prev.asin = cur.asin
    AND prev.week_start = date_add('day', -7, cur.week_start)
LEFT JOIN demand_weekly AS last_year
    ON last_year.account = cur.account
    AND last_year.marketplace_id = cur.marketplace_id
    AND last_year.asin = cur.asin
    AND last_year.week_start = date_add('day', -364, cur.week_start)
