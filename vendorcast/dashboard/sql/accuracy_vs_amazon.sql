-- Did we beat Amazon once the weeks were sold? Over every forecast week whose units are known
-- (v_forecast_vs_amazon), per weeks ahead: the weighted quantile loss at P70, P80 and P90 of our selected
-- forecasts and of Amazon's forecast from the snapshot each run could have known, and their means.
-- wQL = 2 * sum(pinball loss) / sum(|actual units|); lower is better.
WITH pooled AS (
    SELECT
        horizon,
        count(*) AS weeks,
        CAST(sum(abs(actual_units)) AS DOUBLE) AS actual_units,
        2 * sum(pinball_p70) / nullif(sum(abs(actual_units)), 0) AS wql_p70,
        2 * sum(pinball_p80) / nullif(sum(abs(actual_units)), 0) AS wql_p80,
        2 * sum(pinball_p90) / nullif(sum(abs(actual_units)), 0) AS wql_p90,
        2 * sum(amazon_pinball_p70) / nullif(sum(abs(actual_units)), 0) AS amazon_wql_p70,
        2 * sum(amazon_pinball_p80) / nullif(sum(abs(actual_units)), 0) AS amazon_wql_p80,
        2 * sum(amazon_pinball_p90) / nullif(sum(abs(actual_units)), 0) AS amazon_wql_p90
    FROM v_forecast_vs_amazon
    WHERE actual_known
    GROUP BY horizon
)
SELECT
    horizon,
    weeks,
    actual_units,
    wql_p70,
    wql_p80,
    wql_p90,
    (wql_p70 + wql_p80 + wql_p90) / 3 AS wql_p70_p90,
    amazon_wql_p70,
    amazon_wql_p80,
    amazon_wql_p90,
    (amazon_wql_p70 + amazon_wql_p80 + amazon_wql_p90) / 3 AS amazon_wql_p70_p90
FROM pooled
