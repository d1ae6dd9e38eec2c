-- Every forecast run, succeeded or failed, with the backtest summary it recorded: our selected forecasts' mean
-- wQL next to seasonal naive's, and our wQL at P70 to P90 next to Amazon's on the weeks Amazon also forecast.
SELECT
    run_id,
    forecast_origin,
    run_trigger,
    started_at,
    finished_at,
    status,
    failed_state,
    error,
    series_count,
    items_forecast,
    items_cold_start,
    wql_mean,
    seasonal_naive_wql_mean,
    coverage_p10_p90,
    wql_p70_p90,
    amazon_wql_p70_p90
FROM forecast_runs
