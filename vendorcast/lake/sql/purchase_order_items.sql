-- purchase_order_items: each purchase-order line once, in its latest state (contract: vendorcast/lake/tables.py):
-- the latest item-detail read (getPurchaseOrders) and the latest status read (getPurchaseOrdersStatus) of the line,
-- joined in full (a line may be known from one of them only); what both carry comes from the later read. The PO's
-- state, windows and ship-to come from purchase_orders. Quantities are already in units.
WITH item_reads AS (
    SELECT
        r.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, purchase_order_number, item_sequence_number
            ORDER BY read_at DESC NULLS LAST, ingested_at DESC NULLS LAST, request_key DESC
        ) AS read_rank
    FROM raw_purchase_order_items AS r
),
status_reads AS (
    SELECT
        r.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, purchase_order_number, item_sequence_number
            ORDER BY read_at DESC NULLS LAST, ingested_at DESC NULLS LAST, request_key DESC
        ) AS read_rank
    FROM raw_purchase_order_status AS r
),
line_acknowledgements AS (
    SELECT account, marketplace_id, purchase_order_number, item_sequence_number,
        MIN(acknowledged_at) AS acknowledged_at
    FROM raw_purchase_order_status
    GROUP BY account, marketplace_id, purchase_order_number, item_sequence_number
),
lines AS (
    SELECT
        COALESCE(i.account, s.account) AS account,
        COALESCE(i.marketplace_id, s.marketplace_id) AS marketplace_id,
        COALESCE(i.purchase_order_number, s.purchase_order_number) AS purchase_order_number,
        COALESCE(i.item_sequence_number, s.item_sequence_number) AS item_sequence_number,
        -- The item-detail read wins a tie.
        COALESCE(s.read_at > i.read_at, i.read_at IS NULL) AS status_is_later,
        i.asin AS item_asin,
        s.asin AS status_asin,
        i.vendor_sku AS item_vendor_sku,
        s.vendor_sku AS status_vendor_sku,
        i.unit_of_measure AS item_unit_of_measure,
        s.unit_of_measure AS status_unit_of_measure,
        i.unit_size AS item_unit_size,
        s.unit_size AS status_unit_size,
        i.ordered_units AS item_ordered_units,
        s.ordered_units AS status_ordered_units,
        i.net_cost AS item_net_cost,
        s.net_cost AS status_net_cost,
        i.list_price AS item_list_price,
        s.list_price AS status_list_price,
        i.currency_code AS item_currency_code,
        s.currency_code AS status_currency_code,
        s.accepted_units,
        s.rejected_units,
        s.cancelled_units,
        s.received_units,
        s.confirmation_status,
        s.receive_status,
        s.last_receive_date,
        i.is_back_order_allowed,
        COALESCE(i.order_date, s.order_date) AS order_date,
        i.read_at AS item_read_at,
        s.read_at AS status_read_at,
        i.request_key AS item_request_key,
        s.request_key AS status_request_key,
        i.ingested_at AS item_ingested_at,
        s.ingested_at AS status_ingested_at
    FROM (SELECT * FROM item_reads WHERE read_rank = 1) AS i
    FULL OUTER JOIN (SELECT * FROM status_reads WHERE read_rank = 1) AS s
        ON s.account = i.account
        AND s.marketplace_id = i.marketplace_id
        AND s.purchase_order_number = i.purchase_order_number
        AND s.item_sequence_number = i.item_sequence_number
)
SELECT
    l.purchase_order_number,
    l.item_sequence_number,
    CASE WHEN l.status_is_later THEN COALESCE(l.status_asin, l.item_asin)
        ELSE COALESCE(l.item_asin, l.status_asin) END AS asin,
    CASE WHEN l.status_is_later THEN COALESCE(l.status_vendor_sku, l.item_vendor_sku)
        ELSE COALESCE(l.item_vendor_sku, l.status_vendor_sku) END AS vendor_sku,
    CASE WHEN l.status_is_later THEN COALESCE(l.status_unit_of_measure, l.item_unit_of_measure)
        ELSE COALESCE(l.item_unit_of_measure, l.status_unit_of_measure) END AS unit_of_measure,
    CASE WHEN l.status_is_later THEN COALESCE(l.status_unit_size, l.item_unit_size)
        ELSE COALESCE(l.item_unit_size, l.status_unit_size) END AS unit_size,
    CASE WHEN l.status_is_later THEN COALESCE(l.status_ordered_units, l.item_ordered_units)
        ELSE COALESCE(l.item_ordered_units, l.status_ordered_units) END AS ordered_units,
    l.accepted_units,
    l.rejected_units,
    l.cancelled_units,
    -- Amazon's status API does not return the vendor's Backordered acknowledgement: accepted units still missing
    -- when the window has ended (as of the line's latest status read), on an open PO whose line allows back orders.
    CASE
        WHEN l.status_read_at IS NULL THEN NULL
        WHEN COALESCE(l.is_back_order_allowed, FALSE)
            AND p.purchase_order_status = 'OPEN'
            AND l.accepted_units IS NOT NULL
            AND COALESCE(p.delivery_window_end, p.ship_window_end) < l.status_read_at
            THEN GREATEST(l.accepted_units - COALESCE(l.received_units, 0), 0)
        ELSE 0
    END AS backordered_units,
    l.received_units,
    l.confirmation_status,
    l.receive_status,
    l.last_receive_date,
    a.acknowledged_at,
    l.is_back_order_allowed,
    CASE WHEN l.status_is_later THEN COALESCE(l.status_net_cost, l.item_net_cost)
        ELSE COALESCE(l.item_net_cost, l.status_net_cost) END AS net_cost,
    CASE WHEN l.status_is_later THEN COALESCE(l.status_list_price, l.item_list_price)
        ELSE COALESCE(l.item_list_price, l.status_list_price) END AS list_price,
    CASE WHEN l.status_is_later THEN COALESCE(l.status_currency_code, l.item_currency_code)
        ELSE COALESCE(l.item_currency_code, l.status_currency_code) END AS currency_code,
    l.order_date,
    p.delivery_window_start,
    p.delivery_window_end,
    p.ship_window_end,
    p.ship_to,
    p.purchase_order_state,
    p.purchase_order_status,
    l.status_read_at,
    GREATEST(l.item_read_at, l.status_read_at) AS read_at,
    CAST(GREATEST(l.item_read_at, l.status_read_at) AS DATE) AS last_updated_date,
    CASE WHEN l.status_is_later THEN l.status_request_key ELSE l.item_request_key END AS request_key,
    CASE WHEN l.status_is_later THEN l.status_ingested_at ELSE l.item_ingested_at END AS ingested_at,
    l.account,
    l.marketplace_id,
    -- Sunday on or before the UTC day of the order (1970-01-04 was a Sunday).
    CAST(DATE_SUB(CAST(l.order_date AS DATE), DATEDIFF(CAST(l.order_date AS DATE), DATE '1970-01-04') % 7) AS DATE)
        AS order_week
FROM lines AS l
LEFT JOIN purchase_orders AS p
    ON p.account = l.account
    AND p.marketplace_id = l.marketplace_id
    AND p.purchase_order_number = l.purchase_order_number
LEFT JOIN line_acknowledgements AS a
    ON a.account = l.account
    AND a.marketplace_id = l.marketplace_id
    AND a.purchase_order_number = l.purchase_order_number
    AND a.item_sequence_number = l.item_sequence_number
