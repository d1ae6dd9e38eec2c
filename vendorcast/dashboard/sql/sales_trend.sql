-- Are sales growing? Units and revenue of all ASINs per account, marketplace, currency and week
-- (v_sales_trend), next to the same retail week a year earlier (52 weeks, so weekdays line up).
WITH weekly AS (
    SELECT
        account,
        marketplace_id,
        currency_code,
        week_start,
        count(*) AS asins_sold,
        CAST(sum(units) AS BIGINT) AS units,
        sum(revenue) AS revenue
    FROM v_sales_trend
    WHERE units IS NOT NULL
    GROUP BY account, marketplace_id, currency_code, week_start
)
SELECT
    w.account,
    w.marketplace_id,
    w.currency_code,
    w.week_start,
    w.asins_sold,
    w.units,
    w.revenue,
    y.units AS units_last_year,
    y.revenue AS revenue_last_year,
    CAST(w.units - y.units AS DOUBLE) / NULLIF(y.units, 0) AS units_yoy_change_rate
FROM weekly AS w
LEFT JOIN weekly AS y
    ON y.account = w.account
    AND y.marketplace_id = w.marketplace_id
    AND y.currency_code = w.currency_code
    AND y.week_start = date_add('day', -364, w.week_start)
