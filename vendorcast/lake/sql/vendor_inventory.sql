-- vendor_inventory: the latest restatement of each by-ASIN inventory row (contract: vendorcast/lake/tables.py).
WITH ranked AS (
    SELECT
        r.*,
        ROW_NUMBER() OVER (
            PARTITION BY account, marketplace_id, distributor_view, selling_program, report_period, asin, start_date
            ORDER BY last_updated_date DESC NULLS LAST, ingested_at DESC NULLS LAST, report_id DESC
        ) AS restatement_rank
    FROM raw_vendor_inventory_report AS r
    WHERE row_level = 'asin'
)
SELECT
    distributor_view,
    selling_program,
    report_period,
    asin,
    start_date,
    end_date,
    procurable_product_out_of_stock_rate,
    uft,
    receive_fill_rate,
    vendor_confirmation_rate,
    average_vendor_lead_time_days,
    sell_through_rate,
    net_received_inventory_cost,
    sellable_on_hand_inventory_cost,
    unsellable_on_hand_inventory_cost,
    aged_90_plus_days_sellable_inventory_cost,
    unhealthy_inventory_cost,
    net_received_inventory_units,
    open_purchase_order_units,
    unfilled_customer_ordered_units,
    sellable_on_hand_inventory_units,
    unsellable_on_hand_inventory_units,
    aged_90_plus_days_sellable_inventory_units,
    unhealthy_inventory_units,
    currency_code,
    last_updated_date,
    report_id,
    ingested_at,
    account,
    marketplace_id,
    -- Sunday on or before start_date (1970-01-04 was a Sunday).
    CAST(DATE_SUB(start_date, DATEDIFF(start_date, DATE '1970-01-04') % 7) AS DATE) AS start_week
FROM ranked
WHERE restatement_rank = 1
