-- Which ASINs miss Amazon's orders most? Per ASIN, over the last 8 due weeks of its account and marketplace
-- (v_otif_weekly): units ordered, received and received on time and in full, and the OTIF and fill rates; the
-- lowest OTIF first.
WITH recent AS (
    SELECT o.*
    FROM v_otif_weekly AS o
    JOIN (
        SELECT account, marketplace_id, max(week_start) AS last_week
        FROM v_otif_weekly
        GROUP BY account, marketplace_id
    ) AS l
        ON l.account = o.account
        AND l.marketplace_id = o.marketplace_id
    WHERE o.week_start > date_add('day', -56, l.last_week)
)
SELECT
    account,
    marketplace_id,
    asin,
    count(*) AS weeks,
    CAST(sum(ordered_units) AS BIGINT) AS ordered_units,
    CAST(sum(received_units) AS BIGINT) AS received_units,
    CAST(sum(on_time_in_full_units) AS BIGINT) AS on_time_in_full_units,
    CAST(sum(on_time_in_full_units) AS DOUBLE) / nullif(sum(ordered_units), 0) AS otif_rate,
    CAST(sum(received_units) AS DOUBLE) / nullif(sum(ordered_units), 0) AS fill_rate
FROM recent
GROUP BY account, marketplace_id, asin
