"""The engine's backtest and entry point: windows sit where the settings put them, censored weeks are not scored,
another forecaster is read only from snapshots made before each origin, and the workflow's way (pooled models
trained once on all series, then shard by shard) forecasts what the CLI's way (one call on all series) does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vendorcast.forecasting.backtest import actuals, reference_forecast
from vendorcast.forecasting.ensemble import ENSEMBLE
from vendorcast.forecasting.forecaster import forecast_origins, forecast_panel, run_backtest, train_pooled_models
from vendorcast.forecasting.metrics import pool_accuracy
from vendorcast.forecasting.models import ModelForecast, SeasonalNaive
from vendorcast.forecasting.panel import check_history, to_dense
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.lake.forecast_tables import SEGMENT_ALL, SEGMENT_VS_AMAZON

FIRST = pd.Timestamp("2023-01-01")
SETTINGS = ForecastSettings(horizon=4, backtest_windows=2, levels=(0.1, 0.5, 0.9), lightgbm_rounds=15, threads=1)


def _history(items: int = 8, weeks: int = 70) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    level = rng.uniform(5, 50, items)[:, None]
    units = rng.poisson(level * (1 + 0.3 * np.sin(2 * np.pi * np.arange(weeks) / 52)))
    return pd.DataFrame({"item_id": np.repeat([f"i{k}" for k in range(items)], weeks),
                         "week_start": np.tile(FIRST + pd.to_timedelta(np.arange(weeks) * 7, unit="D"), items),
                         "units": units.ravel().astype(float)})


def _panel(history: pd.DataFrame):
    return to_dense(check_history(history), horizon=SETTINGS.horizon, end=history["week_start"].max(), start=FIRST)


def test_windows_end_with_the_history_and_a_short_history_is_refused() -> None:
    panel = _panel(_history())
    assert forecast_origins(panel, SETTINGS) == [62, 66, 70]
    with pytest.raises(ValueError, match="need more than 9 weeks"):
        forecast_origins(_panel(_history(weeks=9)), SETTINGS)


def test_censored_and_missing_weeks_are_not_actuals() -> None:
    panel = _panel(_history())
    panel.censored[0, 63] = True
    panel.units[1, 64] = np.nan
    forecast = SeasonalNaive().fit(panel, 62).predict(4, SETTINGS.levels)
    values = actuals(panel, forecast)
    assert np.isnan(values[0, 1]) and np.isnan(values[1, 2]) and np.isfinite(values[2]).all()


def test_the_reference_forecast_is_its_latest_snapshot_before_the_origin() -> None:
    panel = _panel(_history())
    like = ModelForecast("x", np.array([0, 1]), 66, np.zeros((2, 4)), {0.9: np.zeros((2, 4))})
    origin_day = panel.week_start(66)
    reference = pd.DataFrame({
        "item_id": ["i0", "i0", "i0", "i1"],
        "generated_on": [origin_day - pd.Timedelta(days=9), origin_day - pd.Timedelta(days=2), origin_day,
                         origin_day - pd.Timedelta(days=2)],
        "week_start": [origin_day, origin_day, origin_day, origin_day + pd.Timedelta(weeks=3)],
        "mean": [1.0, 2.0, 99.0, 5.0], "p90": [3.0, 4.0, 99.0, 7.0]})
    aligned = reference_forecast(reference, panel, like, "amazon")
    assert aligned is not None and aligned.model == "amazon"
    assert aligned.mean[0, 0] == 2.0 and aligned.quantiles[0.9][1, 3] == 7.0  # made on the origin day: unseen
    assert np.isnan(aligned.mean[0, 1:]).all() and np.isnan(aligned.mean[1, :3]).all()
    assert reference_forecast(reference[reference["generated_on"] >= origin_day], panel, like, "amazon") is None


def test_the_workflow_way_forecasts_what_the_cli_way_does() -> None:
    """Pooled models trained once on every series, then the engine on each shard: the global model's forecasts are
    those of one call on the whole panel, and the shards' accuracy sums pool to the whole panel's exactly."""
    history = _history()
    whole = _panel(history)
    direct = forecast_panel(whole, SETTINGS)
    trained = train_pooled_models(whole, SETTINGS)
    assert list(trained) == [str(whole.week_start(o).date()) for o in forecast_origins(whole, SETTINGS)]
    shards = [_panel(history[history["item_id"].isin(names)]) for names in (["i0", "i1", "i2"],
                                                                             ["i3", "i4", "i5", "i6", "i7"])]
    results = [forecast_panel(shard, SETTINGS, trained=trained) for shard in shards]
    for name in ("lightgbm_global", "seasonal_naive", "ets"):
        np.testing.assert_allclose(np.vstack([r.forecasts[name].mean for r in results]), direct.forecasts[name].mean)
    assert all(r.forecasts[ENSEMBLE].mean.shape == (len(r.panel.items), 4) for r in results)

    def headline(frames: list[pd.DataFrame], model: str) -> dict[str, float]:
        pooled = pool_accuracy(pd.concat(frames, ignore_index=True), SETTINGS.levels)
        return next(p["metrics"] for p in pooled if p["model"] == model and p["segment"] == SEGMENT_ALL
                    and p["backtest_window"] is None and p["horizon"] is None)

    sharded = headline([r.accuracy_sums() for r in results], "lightgbm_global")
    assert sharded == pytest.approx(headline([direct.accuracy_sums()], "lightgbm_global"))


def test_a_pooled_model_that_fails_in_the_background_fails_the_run() -> None:
    """Pooled models are fitted in a background thread: its error reaches the caller, the run does not hang."""

    class Broken(SeasonalNaive):
        pooled = True

        def fit(self, panel, origin):
            raise ValueError(f"cannot fit at {origin}")

    with pytest.raises(ValueError, match="cannot fit at 62"):
        run_backtest(_panel(_history()), SETTINGS, {"seasonal_naive": SeasonalNaive, "broken": Broken})


def test_the_reference_is_scored_on_the_weeks_it_covered() -> None:
    history = _history()
    panel = _panel(history)
    origin_day = panel.week_start(62)
    reference = pd.DataFrame({"item_id": ["i0"] * 4, "generated_on": [origin_day - pd.Timedelta(days=3)] * 4,
                              "week_start": [origin_day + pd.Timedelta(weeks=k) for k in range(4)],
                              "mean": [20.0] * 4, "p90": [30.0] * 4})
    sums = forecast_panel(panel, SETTINGS, reference=reference, reference_name="amazon").accuracy_sums()
    versus = sums[sums["segment"] == SEGMENT_VS_AMAZON]
    assert set(versus["model"]) == {"amazon", "seasonal_naive", "ets", "year_over_year", "lightgbm_global", ENSEMBLE}
    assert (versus["weeks"] == 4).all() and (versus["backtest_window"] == 1).all()  # one item, window 1 only


def test_an_item_that_stopped_selling_is_forecast_at_zero_by_every_model() -> None:
    history = _history()
    weeks = history["week_start"]
    # i0: no row in its last 20 weeks (discontinued); i1: 6 weeks without rows, then the history ends (a gap only).
    gone = (history["item_id"] == "i0") & (weeks > weeks.max() - pd.Timedelta(weeks=20))
    quiet = (history["item_id"] == "i1") & (weeks > weeks.max() - pd.Timedelta(weeks=6))
    panel = _panel(history[~gone & ~quiet])
    result = forecast_panel(panel, SETTINGS)
    rows = result.to_frame()
    stopped, paused = rows[rows["item_id"] == "i0"], rows[rows["item_id"] == "i1"]
    assert set(stopped["model"]) == set(result.forecasts) and len(stopped) == len(result.forecasts) * 4
    assert (stopped[["mean", "p10", "p50", "p90"]] == 0).all().all()
    assert (paused["mean"] > 0).all()
    # the backtest windows apply the same rule at their own origins: i0 had stopped before the last one only
    last_window = result.backtest[-1]
    i0 = list(last_window.forecasts[ENSEMBLE].items).index(0)
    assert (last_window.forecasts[ENSEMBLE].mean[i0] == 0).all()
    assert (result.backtest[0].forecasts[ENSEMBLE].mean[i0] > 0).all()
