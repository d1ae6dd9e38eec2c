-- How is the vendor doing on Amazon's orders? Per account, marketplace, ASIN and the retail week its lines were
-- due (week_start: Sunday on or before the due date), over settled lines (v_purchase_order_lines): units ordered,
-- accepted and received, units received on time and in full, and OTIF, fill and confirmation rates over ordered
-- units, the average lead time to the last receipt, and next to them Amazon's own receive fill rate and vendor
-- confirmation rate of that week (vendor_inventory, RETAIL, MANUFACTURING view preferred), which count
-- differently (docs/otif.md).
CREATE OR REPLACE VIEW v_otif_weekly AS
WITH weekly AS (
    SELECT
        account,
        marketplace_id,
        asin,
        week_start,
        count(*) AS lines,
        CAST(sum(ordered_units) AS BIGINT) AS ordered_units,
        CAST(sum(coalesce(accepted_units, 0)) AS BIGINT) AS accepted_units,
        CAST(sum(coalesce(received_units, 0)) AS BIGINT) AS received_units,
        CAST(sum(on_time_in_full_units) AS BIGINT) AS on_time_in_full_units,
        avg(lead_time_days) AS avg_lead_time_days
    FROM v_purchase_order_lines
    WHERE settled
    GROUP BY account, marketplace_id, asin, week_start
),
amazon AS (
    SELECT
        account,
        marketplace_id,
        asin,
        start_date,
        receive_fill_rate,
        vendor_confirmation_rate,
        row_number() OVER (
            PARTITION BY account, marketplace_id, asin, start_date
            ORDER BY CASE WHEN distributor_view = 'MANUFACTURING' THEN 0 ELSE 1 END
        ) AS view_rank
    FROM vendor_inventory
    WHERE report_period = 'WEEK' AND selling_program = 'RETAIL'
)
SELECT
    w.account,
    w.marketplace_id,
    w.asin,
    w.week_start,
    w.lines,
    w.ordered_units,
    w.accepted_units,
    w.received_units,
    w.on_time_in_full_units,
    CAST(w.on_time_in_full_units AS DOUBLE) / nullif(w.ordered_units, 0) AS otif_rate,
    CAST(w.received_units AS DOUBLE) / nullif(w.ordered_units, 0) AS fill_rate,
    CAST(w.accepted_units AS DOUBLE) / nullif(w.ordered_units, 0) AS confirmation_rate,
    w.avg_lead_time_days,
    a.receive_fill_rate AS amazon_receive_fill_rate,
    a.vendor_confirmation_rate AS amazon_vendor_confirmation_rate
FROM weekly AS w
LEFT JOIN amazon AS a
    ON a.account = w.account
    AND a.marketplace_id = w.marketplace_id
    AND a.asin = w.asin
    AND a.start_date = w.week_start
    AND a.view_rank = 1
