-- How good were our forecasts? Every published run's selected forecast next to the units actually sold in the
-- week (demand_weekly, null until the week is reported), with the error of the mean, whether the actual fell
-- within [P10, P90], and the pinball loss at each quantile: wQL at a quantile over any slice is
-- 2 * sum(pinball_pXX) / sum(abs(actual_units)). Weeks censored by stockouts are flagged: their actuals
-- understate demand.
CREATE OR REPLACE VIEW v_forecast_vs_actual AS
SELECT
    f.run_id,
    f.generated_at,
    f.forecast_origin,
    f.account,
    f.marketplace_id,
    f.asin,
    f.week_start,
    f.week_end,
    f.horizon,
    f.model,
    f.mean,
    f.p10,
    f.p50,
    f.p70,
    f.p80,
    f.p90,
    d.units AS actual_units,
    d.units_source AS actual_units_source,
    d.censored AS actual_censored,
    d.units IS NOT NULL AS actual_known,
    f.mean - d.units AS error,
    abs(f.mean - d.units) AS absolute_error,
    d.units BETWEEN f.p10 AND f.p90 AS within_p10_p90,
    CASE WHEN d.units >= f.p10 THEN 0.1 * (d.units - f.p10) ELSE 0.9 * (f.p10 - d.units) END AS pinball_p10,
    CASE WHEN d.units >= f.p50 THEN 0.5 * (d.units - f.p50) ELSE 0.5 * (f.p50 - d.units) END AS pinball_p50,
    CASE WHEN d.units >= f.p70 THEN 0.7 * (d.units - f.p70) ELSE 0.3 * (f.p70 - d.units) END AS pinball_p70,
    CASE WHEN d.units >= f.p80 THEN 0.8 * (d.units - f.p80) ELSE 0.2 * (f.p80 - d.units) END AS pinball_p80,
    CASE WHEN d.units >= f.p90 THEN 0.9 * (d.units - f.p90) ELSE 0.1 * (f.p90 - d.units) END AS pinball_p90
FROM forecast AS f
JOIN forecast_runs AS r
    ON r.run_id = f.run_id
    AND coalesce(r.forecast_published, r.status = 'SUCCEEDED')
LEFT JOIN demand_weekly AS d
    ON d.account = f.account
    AND d.marketplace_id = f.marketplace_id
    AND d.asin = f.asin
    AND d.week_start = f.week_start
WHERE f.selected
