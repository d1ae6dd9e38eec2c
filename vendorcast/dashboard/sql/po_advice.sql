-- How much of each open purchase order to confirm? The latest plan's advice for the lines still open
-- (v_po_advice_open): units ordered, to confirm (what can ship in full within the window) and short, with the
-- line's window, days left and risk.
SELECT
    account,
    marketplace_id,
    purchase_order_number,
    item_sequence_number,
    asin,
    ship_to_party_id,
    window_end,
    days_left,
    risk,
    ordered_units,
    confirm_units,
    shortfall_units,
    reason
FROM v_po_advice_open
