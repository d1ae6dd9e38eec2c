-- What should we plan with? Per ASIN, the forecast of the latest run that published one (SUCCEEDED, or failed
-- after publishing, in Plan: forecast_runs.forecast_published, null on rows older than the column; latest origin
-- first, then latest start, so a later backfill of an older origin does not win), the selected model's rows only:
-- mean and P10/P50/P70/P80/P90 for each week ahead.
CREATE OR REPLACE VIEW v_forecast_latest AS
WITH published AS (
    SELECT
        f.run_id,
        f.generated_at,
        f.forecast_origin,
        f.account,
        f.marketplace_id,
        f.asin,
        f.week_start,
        f.week_end,
        f.horizon,
        f.model,
        f.mean,
        f.p10,
        f.p50,
        f.p70,
        f.p80,
        f.p90,
        f.units_source,
        f.cold_start,
        dense_rank() OVER (
            PARTITION BY f.account, f.marketplace_id, f.asin
            ORDER BY f.forecast_origin DESC, f.generated_at DESC, f.run_id DESC
        ) AS run_rank
    FROM forecast AS f
    JOIN forecast_runs AS r
        ON r.run_id = f.run_id
        AND coalesce(r.forecast_published, r.status = 'SUCCEEDED')
    WHERE f.selected
)
SELECT
    run_id,
    generated_at,
    forecast_origin,
    account,
    marketplace_id,
    asin,
    week_start,
    week_end,
    horizon,
    model,
    mean,
    p10,
    p50,
    p70,
    p80,
    p90,
    units_source,
    cold_start
FROM published
WHERE run_rank = 1
