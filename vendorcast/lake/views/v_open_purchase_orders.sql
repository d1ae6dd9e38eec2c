-- What is Amazon still waiting for? Every open purchase-order line (its PO OPEN, units still to deliver: the
-- accepted units, or the ordered units while unconfirmed, minus those received), when it is due (delivery window
-- end, else ship window end), the days left from as_of (the latest status read), and its risk: overdue (past
-- due), unconfirmed (not acknowledged), due_soon (due within 3 days), else on_track (v_purchase_order_lines).
CREATE OR REPLACE VIEW v_open_purchase_orders AS
SELECT
    account,
    marketplace_id,
    purchase_order_number,
    item_sequence_number,
    asin,
    vendor_sku,
    ship_to,
    purchase_order_state,
    confirmation_status,
    order_date,
    due_at AS window_end,
    ordered_units,
    accepted_units,
    received_units,
    units_to_deliver,
    as_of,
    days_left,
    risk
FROM v_purchase_order_lines
WHERE is_open
