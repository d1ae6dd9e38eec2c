-- Every purchase-order line judged as docs/otif.md defines it, as of the latest status read of its account and
-- marketplace (as_of: the data's own time, not the clock): when it is due (delivery window end, else ship window
-- end), whether it is settled (due before as_of, or its accepted units all received), on time (last receipt by
-- the due time), in full (received >= accepted), its on-time-in-full units, lead time to its last receipt (Amazon
-- gives no first receipt), and for an open line the units still to deliver, days left and its risk. Lines never
-- read by getPurchaseOrdersStatus are never settled (nothing is known of their receipts).
CREATE OR REPLACE VIEW v_purchase_order_lines AS
WITH settings AS (
    -- An open line due within this many days of as_of is 'due_soon' (DUE_SOON_DAYS in docs/otif.md).
    SELECT 3 AS due_soon_days
),
as_of AS (
    SELECT account, marketplace_id, coalesce(max(status_read_at), max(read_at)) AS as_of
    FROM purchase_order_items
    GROUP BY account, marketplace_id
),
lines AS (
    SELECT
        i.account,
        i.marketplace_id,
        i.purchase_order_number,
        i.item_sequence_number,
        i.asin,
        i.vendor_sku,
        i.ship_to,
        i.purchase_order_state,
        i.purchase_order_status,
        i.confirmation_status,
        i.receive_status,
        i.order_date,
        coalesce(i.delivery_window_end, i.ship_window_end) AS due_at,
        CASE WHEN p.purchase_order_state = 'Closed' THEN p.state_changed_date END AS closed_at,
        i.ordered_units,
        i.accepted_units,
        i.received_units,
        i.backordered_units,
        i.last_receive_date,
        i.status_read_at,
        coalesce(i.received_units, 0) AS received,
        -- What Amazon expects: the accepted units, or the ordered units while the line is unconfirmed.
        coalesce(i.accepted_units, i.ordered_units) AS expected_units,
        a.as_of
    FROM purchase_order_items AS i
    JOIN as_of AS a
        ON a.account = i.account
        AND a.marketplace_id = i.marketplace_id
    LEFT JOIN purchase_orders AS p
        ON p.account = i.account
        AND p.marketplace_id = i.marketplace_id
        AND p.purchase_order_number = i.purchase_order_number
),
judged AS (
    SELECT
        l.*,
        coalesce(l.accepted_units IS NOT NULL AND l.received >= l.accepted_units, false) AS in_full,
        coalesce(l.received > 0 AND l.last_receive_date <= l.due_at, false) AS on_time,
        coalesce(l.status_read_at IS NOT NULL
            AND (l.due_at < l.as_of OR (l.accepted_units > 0 AND l.received >= l.accepted_units)), false) AS settled,
        greatest(l.expected_units - l.received, 0) AS units_to_deliver,
        coalesce(l.purchase_order_status = 'OPEN' AND l.expected_units > l.received, false) AS is_open
    FROM lines AS l
)
SELECT
    j.account,
    j.marketplace_id,
    j.purchase_order_number,
    j.item_sequence_number,
    j.asin,
    j.vendor_sku,
    j.ship_to,
    j.purchase_order_state,
    j.purchase_order_status,
    j.confirmation_status,
    j.receive_status,
    j.order_date,
    j.due_at,
    CAST(date_add('day', -(day_of_week(CAST(j.due_at AS DATE)) % 7), CAST(j.due_at AS DATE)) AS DATE) AS week_start,
    j.closed_at,
    j.ordered_units,
    j.accepted_units,
    j.received_units,
    j.backordered_units,
    j.last_receive_date,
    CAST(j.accepted_units AS DOUBLE) / nullif(j.ordered_units, 0) AS confirmation_rate,
    CAST(j.received AS DOUBLE) / nullif(j.ordered_units, 0) AS fill_rate,
    j.in_full,
    j.on_time,
    j.settled,
    CASE WHEN j.on_time AND j.in_full THEN j.received ELSE 0 END AS on_time_in_full_units,
    CASE WHEN j.received > 0 THEN CAST(date_diff('second', j.order_date, j.last_receive_date) AS DOUBLE) / 86400
        END AS lead_time_days,
    j.is_open,
    j.units_to_deliver,
    j.as_of,
    CASE WHEN j.is_open THEN date_diff('day', CAST(j.as_of AS DATE), CAST(j.due_at AS DATE)) END AS days_left,
    CASE
        WHEN NOT j.is_open THEN NULL
        WHEN j.due_at < j.as_of THEN 'overdue'
        WHEN coalesce(j.confirmation_status, 'UNCONFIRMED') = 'UNCONFIRMED' THEN 'unconfirmed'
        WHEN j.due_at <= date_add('day', s.due_soon_days, j.as_of) THEN 'due_soon'
        ELSE 'on_track'
    END AS risk
FROM judged AS j
CROSS JOIN settings AS s
