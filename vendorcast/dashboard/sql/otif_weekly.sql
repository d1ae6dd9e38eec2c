-- How is the vendor doing on Amazon's orders, week by week? Per account, marketplace and the week lines were due
-- (v_otif_weekly summed over ASINs): units ordered, received and received on time and in full, the OTIF, fill
-- and confirmation rates over ordered units (docs/otif.md), and the lines counted.
WITH weekly AS (
    SELECT
        account,
        marketplace_id,
        week_start,
        CAST(sum(lines) AS BIGINT) AS lines,
        CAST(sum(ordered_units) AS BIGINT) AS ordered_units,
        CAST(sum(accepted_units) AS BIGINT) AS accepted_units,
        CAST(sum(received_units) AS BIGINT) AS received_units,
        CAST(sum(on_time_in_full_units) AS BIGINT) AS on_time_in_full_units
    FROM v_otif_weekly
    GROUP BY account, marketplace_id, week_start
)
SELECT
    account,
    marketplace_id,
    week_start,
    lines,
    ordered_units,
    accepted_units,
    received_units,
    on_time_in_full_units,
    CAST(on_time_in_full_units AS DOUBLE) / nullif(ordered_units, 0) AS otif_rate,
    CAST(received_units AS DOUBLE) / nullif(ordered_units, 0) AS fill_rate,
    CAST(accepted_units AS DOUBLE) / nullif(ordered_units, 0) AS confirmation_rate
FROM weekly
