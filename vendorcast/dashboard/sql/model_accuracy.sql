-- How accurate is each model? The backtest metrics of the latest published forecast run, pooled over every
-- account, marketplace, ASIN, window and horizon (forecast_accuracy rows with those columns null), one row per
-- model and metric. Amazon's own forecast is the model 'amazon', scored on the same weeks (mean, P70, P80, P90).
WITH latest_run AS (
    SELECT run_id
    FROM forecast_runs
    WHERE coalesce(forecast_published, status = 'SUCCEEDED')
    ORDER BY forecast_origin DESC, started_at DESC, run_id DESC
    LIMIT 1
)
SELECT
    a.run_id,
    a.forecast_origin,
    a.model,
    a.metric,
    a.value,
    a.items,
    a.weeks,
    a.actual_units
FROM forecast_accuracy AS a
JOIN latest_run AS r
    ON r.run_id = a.run_id
WHERE a.segment = 'all'
    AND a.account IS NULL
    AND a.marketplace_id IS NULL
    AND a.asin IS NULL
    AND a.backtest_window IS NULL
    AND a.horizon IS NULL
