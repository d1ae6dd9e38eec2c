-- Do we beat Amazon's own forecast? Every published run's selected forecast next to Amazon's forecast for the
-- same ASIN and target week, from the latest RETAIL snapshot Amazon generated on or before the run's origin (so
-- both forecasts knew the same history), with the units actually sold once known and the pinball losses of both
-- at P70, P80 and P90: wQL over any slice is 2 * sum(pinball) / sum(abs(actual_units)). Horizons count weeks
-- ahead from each forecast's own start (1 = the week it starts in). Weeks Amazon did not forecast are left out.
CREATE OR REPLACE VIEW v_forecast_vs_amazon AS
WITH ours AS (
    SELECT
        f.run_id,
        f.generated_at,
        f.forecast_origin,
        f.account,
        f.marketplace_id,
        f.asin,
        f.week_start,
        f.horizon,
        f.model,
        f.mean,
        f.p70,
        f.p80,
        f.p90
    FROM forecast AS f
    JOIN forecast_runs AS r
        ON r.run_id = f.run_id
        AND coalesce(r.forecast_published, r.status = 'SUCCEEDED')
    WHERE f.selected
),
snapshot AS (
    SELECT
        o.run_id,
        o.account,
        o.marketplace_id,
        o.asin,
        max(a.forecast_generation_date) AS amazon_generation_date
    FROM (SELECT DISTINCT run_id, forecast_origin, account, marketplace_id, asin FROM ours) AS o
    JOIN amazon_forecast AS a
        ON a.account = o.account
        AND a.marketplace_id = o.marketplace_id
        AND a.asin = o.asin
        AND a.selling_program = 'RETAIL'
        AND a.forecast_generation_date <= o.forecast_origin
    GROUP BY o.run_id, o.account, o.marketplace_id, o.asin
),
compared AS (
    SELECT
        o.run_id,
        o.generated_at,
        o.forecast_origin,
        o.account,
        o.marketplace_id,
        o.asin,
        o.week_start,
        o.horizon,
        o.model,
        o.mean,
        o.p70,
        o.p80,
        o.p90,
        s.amazon_generation_date,
        CAST(floor(CAST(date_diff('day', s.amazon_generation_date, o.week_start) AS DOUBLE) / 7) AS BIGINT) + 1
            AS amazon_horizon,
        a.mean_forecast_units AS amazon_mean,
        a.p70_forecast_units AS amazon_p70,
        a.p80_forecast_units AS amazon_p80,
        a.p90_forecast_units AS amazon_p90,
        d.units AS actual_units,
        d.censored AS actual_censored
    FROM ours AS o
    JOIN snapshot AS s
        ON s.run_id = o.run_id
        AND s.account = o.account
        AND s.marketplace_id = o.marketplace_id
        AND s.asin = o.asin
    JOIN amazon_forecast AS a
        ON a.account = o.account
        AND a.marketplace_id = o.marketplace_id
        AND a.asin = o.asin
        AND a.selling_program = 'RETAIL'
        AND a.forecast_generation_date = s.amazon_generation_date
        AND a.target_week_start = o.week_start
    LEFT JOIN demand_weekly AS d
        ON d.account = o.account
        AND d.marketplace_id = o.marketplace_id
        AND d.asin = o.asin
        AND d.week_start = o.week_start
)
SELECT
    run_id,
    generated_at,
    forecast_origin,
    account,
    marketplace_id,
    asin,
    week_start,
    horizon,
    model,
    mean,
    p70,
    p80,
    p90,
    amazon_generation_date,
    amazon_horizon,
    amazon_mean,
    amazon_p70,
    amazon_p80,
    amazon_p90,
    actual_units,
    actual_censored,
    actual_units IS NOT NULL AS actual_known,
    abs(mean - actual_units) AS absolute_error,
    abs(amazon_mean - actual_units) AS amazon_absolute_error,
    CASE WHEN actual_units >= p70 THEN 0.7 * (actual_units - p70) ELSE 0.3 * (p70 - actual_units) END
        AS pinball_p70,
    CASE WHEN actual_units >= p80 THEN 0.8 * (actual_units - p80) ELSE 0.2 * (p80 - actual_units) END
        AS pinball_p80,
    CASE WHEN actual_units >= p90 THEN 0.9 * (actual_units - p90) ELSE 0.1 * (p90 - actual_units) END
        AS pinball_p90,
    CASE WHEN actual_units >= amazon_p70 THEN 0.7 * (actual_units - amazon_p70)
        ELSE 0.3 * (amazon_p70 - actual_units) END AS amazon_pinball_p70,
    CASE WHEN actual_units >= amazon_p80 THEN 0.8 * (actual_units - amazon_p80)
        ELSE 0.2 * (amazon_p80 - actual_units) END AS amazon_pinball_p80,
    CASE WHEN actual_units >= amazon_p90 THEN 0.9 * (actual_units - amazon_p90)
        ELSE 0.1 * (amazon_p90 - actual_units) END AS amazon_pinball_p90
FROM compared
