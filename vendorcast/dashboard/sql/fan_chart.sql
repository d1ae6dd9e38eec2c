-- Each ASIN's fan chart: the units it sold per week (v_demand_weekly) and, for the weeks its latest forecast
-- covers (v_forecast_latest), the forecast's mean, P10, P50 and P90 next to Amazon's own forecast for the same
-- weeks from the snapshot that run could have known (v_forecast_vs_amazon). One row per account, marketplace,
-- ASIN and week.
SELECT
    coalesce(f.account, d.account) AS account,
    coalesce(f.marketplace_id, d.marketplace_id) AS marketplace_id,
    coalesce(f.asin, d.asin) AS asin,
    coalesce(f.week_start, d.week_start) AS week_start,
    d.item_name,
    d.units AS actual_units,
    d.censored AS actual_censored,
    f.run_id,
    f.forecast_origin,
    f.horizon,
    f.model,
    f.mean,
    f.p10,
    f.p50,
    f.p90,
    a.amazon_generation_date,
    a.amazon_mean,
    a.amazon_p70,
    a.amazon_p90
FROM v_demand_weekly AS d
FULL OUTER JOIN v_forecast_latest AS f
    ON f.account = d.account
    AND f.marketplace_id = d.marketplace_id
    AND f.asin = d.asin
    AND f.week_start = d.week_start
LEFT JOIN v_forecast_vs_amazon AS a
    ON a.run_id = f.run_id
    AND a.account = f.account
    AND a.marketplace_id = f.marketplace_id
    AND a.asin = f.asin
    AND a.week_start = f.week_start
