-- What changed on the detail pages? Every field-level catalog change the watcher detected (catalog_changes),
-- with the retail week (Sunday to Saturday) it was detected in.
SELECT
    account,
    marketplace_id,
    asin,
    field,
    before_value,
    after_value,
    detected_at,
    CAST(date_add('day', -(day_of_week(detected_date) % 7), detected_date) AS DATE) AS detected_week,
    source
FROM catalog_changes
