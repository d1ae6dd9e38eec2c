-- Which open purchase-order lines need attention? Every open line overdue, due within 3 days or not yet
-- acknowledged (v_open_purchase_orders), with the units still to deliver and the days left from the data's as-of
-- time (the latest status read).
SELECT
    account,
    marketplace_id,
    purchase_order_number,
    item_sequence_number,
    asin,
    ship_to,
    confirmation_status,
    window_end,
    days_left,
    units_to_deliver,
    risk
FROM v_open_purchase_orders
WHERE risk <> 'on_track'
