-- purchase_orders: each purchase order once, in its latest state (contract: vendorcast/lake/tables.py). The header
-- is the latest getPurchaseOrders read; a getPurchaseOrdersStatus read made after it says what the PO has become
-- since (CLOSED: Closed; a line confirmed: Acknowledged). Timestamps are UTC: both engines run in a UTC session.
WITH header_reads AS (
    SELECT
        r.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, purchase_order_number
            ORDER BY read_at DESC NULLS LAST, ingested_at DESC NULLS LAST, request_key DESC
        ) AS read_rank
    FROM raw_purchase_orders AS r
),
status_reads AS (
    -- One status read of a PO: the rows (one per line) of one page.
    SELECT
        account,
        marketplace_id,
        purchase_order_number,
        read_at,
        request_key,
        MAX(ingested_at) AS ingested_at,
        MAX(purchase_order_status) AS purchase_order_status,
        MAX(last_updated_at) AS last_updated_at,
        MAX(ship_to) AS ship_to,
        MIN(order_date) AS order_date,
        MAX(CASE WHEN confirmation_status <> 'UNCONFIRMED' THEN 1 ELSE 0 END) AS lines_confirmed
    FROM raw_purchase_order_status
    GROUP BY account, marketplace_id, purchase_order_number, read_at, request_key
),
ranked_status_reads AS (
    SELECT
        s.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, purchase_order_number
            ORDER BY read_at DESC NULLS LAST, ingested_at DESC NULLS LAST, request_key DESC
        ) AS read_rank
    FROM status_reads AS s
),
acknowledgements AS (
    SELECT account, marketplace_id, purchase_order_number, MIN(acknowledged_at) AS acknowledged_at
    FROM raw_purchase_order_status
    GROUP BY account, marketplace_id, purchase_order_number
),
merged AS (
    SELECT
        COALESCE(h.account, s.account) AS account,
        COALESCE(h.marketplace_id, s.marketplace_id) AS marketplace_id,
        COALESCE(h.purchase_order_number, s.purchase_order_number) AS purchase_order_number,
        -- The header read wins a tie: it is the fuller record.
        COALESCE(s.read_at > h.read_at, h.read_at IS NULL) AS status_is_later,
        CASE
            WHEN s.purchase_order_status = 'CLOSED' THEN 'Closed'
            WHEN s.lines_confirmed = 1 THEN 'Acknowledged'
            ELSE 'New'
        END AS status_state,
        h.purchase_order_state AS header_state,
        h.purchase_order_type,
        COALESCE(h.order_date, s.order_date) AS order_date,
        h.ship_window_start,
        h.ship_window_end,
        h.delivery_window_start,
        h.delivery_window_end,
        COALESCE(h.ship_to, s.ship_to) AS ship_to,
        h.selling_party,
        h.payment_method,
        h.deal_code,
        h.changed_date,
        h.state_changed_date AS header_state_changed_date,
        s.last_updated_at,
        h.read_at AS header_read_at,
        s.read_at AS status_read_at,
        h.request_key AS header_request_key,
        s.request_key AS status_request_key,
        h.ingested_at AS header_ingested_at,
        s.ingested_at AS status_ingested_at
    FROM (SELECT * FROM header_reads WHERE read_rank = 1) AS h
    FULL OUTER JOIN (SELECT * FROM ranked_status_reads WHERE read_rank = 1) AS s
        ON s.account = h.account
        AND s.marketplace_id = h.marketplace_id
        AND s.purchase_order_number = h.purchase_order_number
),
stated AS (
    SELECT
        m.*,
        CASE WHEN m.status_is_later THEN m.status_state ELSE m.header_state END AS purchase_order_state,
        GREATEST(m.header_read_at, m.status_read_at) AS read_at
    FROM merged AS m
)
SELECT
    st.purchase_order_number,
    st.purchase_order_state,
    CASE WHEN st.purchase_order_state = 'Closed' THEN 'CLOSED' ELSE 'OPEN' END AS purchase_order_status,
    st.purchase_order_type,
    st.order_date,
    st.ship_window_start,
    st.ship_window_end,
    st.delivery_window_start,
    st.delivery_window_end,
    st.ship_to,
    st.selling_party,
    st.payment_method,
    st.deal_code,
    st.changed_date,
    -- Amazon's date of the header's state, unless a later status read moved the state on: then that read's
    -- lastUpdatedDate, the latest the change can have happened.
    CASE
        WHEN st.status_is_later AND st.purchase_order_state <> COALESCE(st.header_state, '') THEN st.last_updated_at
        ELSE st.header_state_changed_date
    END AS state_changed_date,
    a.acknowledged_at,
    st.last_updated_at,
    st.read_at,
    CAST(st.read_at AS DATE) AS last_updated_date,
    CASE WHEN st.status_is_later THEN st.status_request_key ELSE st.header_request_key END AS request_key,
    CASE WHEN st.status_is_later THEN st.status_ingested_at ELSE st.header_ingested_at END AS ingested_at,
    st.account,
    st.marketplace_id,
    -- Sunday on or before the UTC day of the order (1970-01-04 was a Sunday).
    CAST(DATE_SUB(CAST(st.order_date AS DATE), DATEDIFF(CAST(st.order_date AS DATE), DATE '1970-01-04') % 7) AS DATE)
        AS order_week
FROM stated AS st
LEFT JOIN acknowledgements AS a
    ON a.account = st.account
    AND a.marketplace_id = st.marketplace_id
    AND a.purchase_order_number = st.purchase_order_number
