-- How much of each open purchase-order line should we confirm? The PO advice of the latest planned run (the run
-- v_supply_plan_latest shows), for the lines still open now (v_open_purchase_orders: lines received or closed
-- since the plan drop out): units ordered, to confirm (what can ship in full within the window) and short, with the
-- line's units still to deliver, confirmation status, days left and risk as of the latest status read. One row per
-- account, marketplace and open purchase-order line.
CREATE OR REPLACE VIEW v_po_advice_open AS
WITH latest_run AS (
    SELECT DISTINCT run_id
    FROM v_supply_plan_latest
)
SELECT
    a.run_id,
    a.generated_at,
    a.forecast_origin,
    a.account,
    a.marketplace_id,
    a.purchase_order_number,
    a.item_sequence_number,
    a.asin,
    a.vendor_sku,
    a.ship_to_party_id,
    a.order_date,
    a.window_start,
    a.window_end,
    a.ordered_units,
    a.confirm_units,
    a.available_units,
    a.shortfall_units,
    a.confirm_units < a.ordered_units AS confirm_short,
    a.reason,
    o.confirmation_status,
    o.units_to_deliver,
    o.days_left,
    o.risk,
    o.as_of
FROM po_advice AS a
JOIN latest_run AS l
    ON l.run_id = a.run_id
JOIN v_open_purchase_orders AS o
    ON o.account = a.account
    AND o.marketplace_id = a.marketplace_id
    AND o.purchase_order_number = a.purchase_order_number
    AND o.item_sequence_number = a.item_sequence_number
