"""Models on a small synthetic panel: quantiles never cross and are non-negative, no forecast can see its own
future, censored weeks do not pull the forecast down, and the forecast-file contract."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from vendorcast.forecasting.backtest import score
from vendorcast.forecasting.ensemble import demand_segments, learn_plan
from vendorcast.forecasting.features import FeatureBuilder, Rows
from vendorcast.forecasting.files import backtest_file, forecast_file
from vendorcast.forecasting.forecaster import run_backtest
from vendorcast.forecasting.models import (
    LIGHTGBM_PARAMS,
    Ets,
    LightGBMGlobal,
    SeasonalNaive,
    degenerate_rows,
    ets_quantiles,
    forecastable_items,
    naive_quantiles,
    regular_history,
    seasonal_naive_quantiles,
)
from vendorcast.forecasting.panel import PanelError, attach_snapshots, check_history, to_dense
from vendorcast.forecasting.settings import DEFAULT_LEVELS, ForecastSettings

FIRST = pd.Timestamp("2023-01-01")


def _history(n_items: int = 12, weeks: int = 70, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_items):
        level = rng.uniform(3, 60)
        start = 0 if i % 4 else 60  # every fourth item launches 10 weeks before the end
        for w in range(start, weeks):
            price = 10.0 * (0.8 if rng.random() < 0.15 else 1.0)
            season = 1 + 0.4 * np.sin(2 * np.pi * w / 52)
            rows.append({"item_id": f"item{i:02d}", "week_start": FIRST + pd.Timedelta(weeks=w),
                         "units": float(rng.poisson(level * season * (10 / price) ** 2)), "price": price})
    return pd.DataFrame(rows)


def _small_lightgbm() -> LightGBMGlobal:
    return LightGBMGlobal(max_horizon=6, num_rounds=30, threads=1)


@pytest.mark.parametrize("factory", [SeasonalNaive, Ets, _small_lightgbm], ids=["seasonal_naive", "ets", "lgbm"])
def test_quantiles_never_cross_and_are_non_negative(factory) -> None:
    panel = to_dense(check_history(_history()))
    forecast = factory().fit(panel, panel.n_weeks - 6).predict(6, DEFAULT_LEVELS)
    stacked = np.stack([forecast.quantiles[level] for level in sorted(forecast.quantiles)])
    assert stacked.shape == (5, len(forecast.items), 6)
    assert (stacked >= 0).all() and (np.diff(stacked, axis=0) >= 0).all()
    assert (forecast.mean >= 0).all()


def test_the_future_cannot_change_a_backtest_forecast() -> None:
    """Units after the origin, and covariates past the forecast weeks, are invisible to every model."""
    history = _history()
    panel = to_dense(check_history(history))
    origin = panel.n_weeks - 12
    changed = history.copy()
    after = changed["week_start"] >= FIRST + pd.Timedelta(weeks=origin)
    changed.loc[after, "units"] = changed.loc[after, "units"] * 10 + 100
    beyond = changed["week_start"] >= FIRST + pd.Timedelta(weeks=origin + 6)
    changed.loc[beyond, "price"] = 1.0
    changed_panel = to_dense(check_history(changed))
    for factory in (SeasonalNaive, Ets, _small_lightgbm):
        before = factory().fit(panel, origin).predict(6, DEFAULT_LEVELS)
        after_change = factory().fit(changed_panel, origin).predict(6, DEFAULT_LEVELS)
        np.testing.assert_allclose(after_change.mean, before.mean)
        for level in DEFAULT_LEVELS:
            np.testing.assert_allclose(after_change.quantiles[level], before.quantiles[level])


def test_a_snapshot_is_read_only_by_origins_after_it_was_made() -> None:
    """Amazon's forecast as a covariate: a snapshot generated on or after the origin changes nothing; one
    generated the day before does."""
    history = _history()
    origin = 60
    origin_day = FIRST + pd.Timedelta(weeks=origin)

    def snapshots(generated: pd.Timestamp, level: float) -> pd.DataFrame:
        return pd.DataFrame([{"item_id": f"item{i:02d}", "generated_on": generated,
                              "week_start": origin_day + pd.Timedelta(weeks=k), "mean": level, "p90": 2 * level}
                             for i in range(12) for k in range(6)])

    def forecast(*extra: pd.DataFrame) -> np.ndarray:
        panel = to_dense(check_history(history))
        early = pd.DataFrame([{"item_id": f"item{i:02d}", "generated_on": FIRST + pd.Timedelta(weeks=w, days=1),
                               "week_start": FIRST + pd.Timedelta(weeks=w + k), "mean": 20.0, "p90": 40.0}
                              for i in range(12) for w in range(origin - 2) for k in range(1, 4)])
        attach_snapshots(panel, pd.concat([early, *extra], ignore_index=True))
        return _small_lightgbm().fit(panel, origin).predict(6, DEFAULT_LEVELS).mean

    base = forecast()
    np.testing.assert_allclose(forecast(snapshots(origin_day, 5000.0)), base)  # made on the origin day
    assert not np.allclose(forecast(snapshots(origin_day - pd.Timedelta(days=1), 5000.0)), base)


def test_a_known_price_cut_raises_the_forecast() -> None:
    history = _history(n_items=16, weeks=80)
    panel = to_dense(check_history(history), known_covariates=["price"])
    origin = panel.n_weeks - 6
    regular = LightGBMGlobal(max_horizon=6, num_rounds=100, threads=1).fit(panel, origin)
    panel.covariates["price"][:, origin:] = 10.0
    base = regular.on(panel, origin).predict(6, DEFAULT_LEVELS).mean.sum()
    panel.covariates["price"][:, origin:] = 8.0  # the usual promotion price in every forecast week: 1.56x demand
    promoted = regular.on(panel, origin).predict(6, DEFAULT_LEVELS).mean.sum()
    assert promoted > 1.15 * base
    # The same price as a past-only covariate: the planned weeks' values are not read.
    past_only = to_dense(check_history(history), known_covariates=[])
    model = LightGBMGlobal(max_horizon=6, num_rounds=100, threads=1).fit(past_only, origin)
    before = model.predict(6, DEFAULT_LEVELS).mean
    past_only.covariates["price"][:, origin:] = 8.0
    np.testing.assert_allclose(model.on(past_only, origin).predict(6, DEFAULT_LEVELS).mean, before)


def test_boosters_sharing_one_dataset_forecast_as_boosters_with_a_dataset_each() -> None:
    """The boosters train side by side on one binned Dataset: the same trees as lgb.train on a Dataset of its own."""
    panel = to_dense(check_history(_history()), horizon=6)
    origin = panel.history_weeks - 6
    model = LightGBMGlobal(max_horizon=6, num_rounds=20, threads=2).fit(panel, origin)
    builder = FeatureBuilder(panel)
    rows = model._training_rows(panel, origin)
    features, scale = builder.build(rows)
    target, weight = np.log1p(builder.target(rows) / scale), scale / scale.mean()
    ahead, _ = builder.build(Rows(np.repeat(np.arange(12), 6), np.full(72, origin), np.tile(np.arange(1, 7), 12)))
    objectives = {"q0.1": {"objective": "quantile", "alpha": 0.1}, "mean": {"objective": "regression"}}
    for key, objective in objectives.items():
        own = lgb.Dataset(features, label=target, weight=weight, params={"max_bin": LIGHTGBM_PARAMS["max_bin"]})
        alone = lgb.train({**LIGHTGBM_PARAMS, **objective, "num_threads": 1, "seed": 0}, own, num_boost_round=20)
        np.testing.assert_array_equal(model._boosters[key].predict(ahead), alone.predict(ahead))


def test_the_global_model_is_the_same_for_the_same_seed() -> None:
    """Its training rows are a sample (max_rows): drawn from the seed, so a rerun forecasts the same numbers."""
    panel = to_dense(check_history(_history()), horizon=6)
    origin = panel.history_weeks - 6

    def fitted(seed: int) -> LightGBMGlobal:
        return LightGBMGlobal(max_horizon=6, num_rounds=10, max_rows=1200, seed=seed, threads=2).fit(panel, origin)

    first, again, other = fitted(0), fitted(0), fitted(1)
    rows = [model._training_rows(panel, origin) for model in (first, again, other)]
    assert len(rows[0]) <= 1200 and np.array_equal(rows[0].item, rows[1].item)
    assert not np.array_equal(rows[0].origin, rows[2].origin)
    np.testing.assert_array_equal(first.predict(6).quantiles[0.9], again.predict(6).quantiles[0.9])


def test_censored_weeks_do_not_teach_low_demand() -> None:
    history = _history(n_items=16, weeks=80)
    # Stockouts in the last 8 weeks of history: sales near zero, flagged as censored.
    stockout = history["week_start"] >= FIRST + pd.Timedelta(weeks=72 - 8)
    stockout &= history["week_start"] < FIRST + pd.Timedelta(weeks=72)
    history["censored"] = stockout
    history.loc[stockout, "units"] = 0.0
    panel = to_dense(check_history(history))
    origin = 72
    masked = LightGBMGlobal(max_horizon=6, num_rounds=30, threads=1).fit(panel, origin).predict(6).mean.sum()
    naive = LightGBMGlobal(max_horizon=6, num_rounds=30, threads=1, mask_censored=False).fit(panel, origin)
    assert masked > 3 * naive.predict(6).mean.sum()


def test_segments_and_ensemble_weights() -> None:
    panel = to_dense(check_history(_history()))
    models = {"seasonal_naive": SeasonalNaive, "lightgbm_global": _small_lightgbm}
    windows = run_backtest(panel, ForecastSettings(horizon=6, backtest_windows=2), models)
    plan = learn_plan(panel, windows, list(models))
    assert sum(plan.weights["all"].values()) == pytest.approx(1.0)
    segments = demand_segments(panel, panel.n_weeks - 6)
    late = [i for i, item in enumerate(panel.items) if int(item[4:]) % 4 == 0]
    assert set(segments[late]) == {"new"}  # 4 known weeks at the origin
    assert "new" not in set(np.delete(segments, late))


def test_forecast_file_and_backtest_file(tmp_path: Path) -> None:
    notes: list[str] = []
    history = _history(weeks=60)
    history.to_parquet(tmp_path / "history.parquet")
    last = history["week_start"].max()
    future = pd.DataFrame([{"item_id": f"item{i:02d}", "week_start": last + pd.Timedelta(weeks=k), "price": 9.0}
                           for i in range(12) for k in (1, 2, 3)])
    future.to_parquet(tmp_path / "future.parquet")
    settings = ForecastSettings(horizon=3, levels=(0.1, 0.5, 0.9), backtest_windows=2, lightgbm_rounds=20, threads=1)
    output = forecast_file(tmp_path / "history.parquet", tmp_path / "out.parquet", settings,
                           tmp_path / "future.parquet", on_note=notes.append)
    assert notes == []  # every item sold in the last weeks
    written = pd.read_parquet(tmp_path / "out.parquet")
    assert list(written.columns) == ["item_id", "week_start", "mean", "p10", "p50", "p90"]
    assert len(written) == len(output) == history["item_id"].nunique() * 3
    assert (written["p10"] <= written["p50"]).all() and (written["p50"] <= written["p90"]).all()
    assert str(written["week_start"].min()) == str((last + pd.Timedelta(weeks=1)).date())
    report = backtest_file(tmp_path / "history.parquet", tmp_path / "metrics.json", settings)
    assert set(report["models"]) == {"seasonal_naive", "ets", "year_over_year", "lightgbm_global", "ensemble"}
    assert len(report["windows"]) == 2
    assert report["models"]["seasonal_naive"]["relative_to_baseline"]["wql_mean"] == pytest.approx(1.0)


def test_forecast_file_says_which_items_stopped_selling_and_writes_them_at_zero(tmp_path: Path) -> None:
    history = _history(weeks=60)
    gone = (history["item_id"] == "item03") & (history["week_start"] > history["week_start"].max() - pd.Timedelta(
        weeks=20))
    history[~gone].to_parquet(tmp_path / "history.parquet")
    notes: list[str] = []
    settings = ForecastSettings(horizon=3, levels=(0.1, 0.5, 0.9), backtest_windows=2, lightgbm_rounds=20, threads=1)
    output = forecast_file(tmp_path / "history.parquet", tmp_path / "out.parquet", settings, on_note=notes.append)
    assert notes == ["1 item(s) with no week in the 13 before the forecast are forecast at zero (stopped selling): "
                     "item03"]
    stopped = output[output["item_id"] == "item03"]
    assert len(stopped) == 3 and (stopped[["mean", "p10", "p50", "p90"]] == 0).all().all()


def test_negative_weeks_forecast_like_weeks_of_no_demand(tmp_path: Path) -> None:
    # Returns make some weeks negative, deeper than the item's level: the run must not crash or turn NaN, and a
    # net-negative week teaches no demand, so the forecast of an item with one is close to its twin's with a 0.
    history = _history(weeks=60)
    returned = history["week_start"] == history["week_start"].max() - pd.Timedelta(weeks=2)
    settings = ForecastSettings(horizon=3, levels=(0.1, 0.5, 0.9), backtest_windows=2, lightgbm_rounds=20, threads=1)
    outputs = {}
    for name, units in (("negative", -500.0), ("zero", 0.0)):
        history.assign(units=history["units"].mask(returned, units)).to_parquet(tmp_path / f"{name}.parquet")
        outputs[name] = forecast_file(tmp_path / f"{name}.parquet", tmp_path / f"{name}-out.parquet", settings)
    negative = outputs["negative"]
    assert len(negative) == history["item_id"].nunique() * 3
    quantiles = negative[["mean", "p10", "p50", "p90"]].to_numpy()
    assert np.isfinite(quantiles).all() and (quantiles >= 0).all()
    assert (negative["p10"] <= negative["p50"]).all() and (negative["p50"] <= negative["p90"]).all()
    # Not identical: the statistical models and the lags read the week as it was.
    assert negative["p50"].sum() == pytest.approx(outputs["zero"]["p50"].sum(), rel=0.25)


def test_bad_files_get_one_clear_message(tmp_path: Path) -> None:
    settings = ForecastSettings(horizon=3, backtest_windows=2)
    history = _history(weeks=60)
    history.drop(columns="week_start").to_parquet(tmp_path / "no-week.parquet")
    with pytest.raises(PanelError, match="missing column"):
        forecast_file(tmp_path / "no-week.parquet", tmp_path / "out.parquet", settings)
    history.to_parquet(tmp_path / "history.parquet")
    pd.DataFrame({"item_id": ["item00"], "week_start": [history["week_start"].max()], "price": [1.0]}).to_parquet(
        tmp_path / "early.parquet")
    with pytest.raises(PanelError, match="not after the history's last week"):
        forecast_file(tmp_path / "history.parquet", tmp_path / "out.parquet", settings, tmp_path / "early.parquet")
    with pytest.raises(PanelError, match="quantiles must be between 0 and 1"):
        ForecastSettings(levels=(0.1, 1.5))



def test_degenerate_statistical_forecasts_are_found() -> None:
    """AutoETS returned infinite intervals for a launch with one known week among stockouts (1 of 200 simulated
    ASINs): Ets swaps such rows for the naive forecast."""
    history = np.array([[np.nan, 39.0, np.nan], [5.0, 7.0, 6.0], [0.0, 0.0, np.nan]])
    quantiles = {0.5: np.array([[39.0, 39.0], [6.0, 6.0], [0.0, 0.0]]),
                 0.9: np.array([[np.inf, np.inf], [9.0, 80.1], [1.0, 9.9]])}
    assert degenerate_rows(quantiles, history).tolist() == [True, True, False]  # 80.1 > 10 * 7 + 10


def test_points_a_forecast_leaves_open_are_not_scored() -> None:
    """Amazon's forecast misses some ASIN-weeks: scoring skips them instead of turning every sum into NaN."""
    panel = to_dense(check_history(_history()))
    forecast = SeasonalNaive().fit(panel, panel.n_weeks - 6).predict(6, DEFAULT_LEVELS)
    whole = score(panel, forecast)
    forecast.mean[0, :] = np.nan
    for level in DEFAULT_LEVELS:
        forecast.quantiles[level][0, :] = np.nan
    partial = score(panel, forecast)
    assert partial.weeks == whole.weeks - 6
    assert all(np.isfinite(v) for k, v in partial.metrics().items() if k != "mase")


def test_the_naive_baselines_match_statsforecast() -> None:
    """The numpy seasonal naive and naive forecasts are statsforecast's SeasonalNaive and Naive, series by series
    (young items and gaps included), without its per-series cost."""
    from statsforecast.models import Naive as SfNaive
    from statsforecast.models import SeasonalNaive as SfSeasonalNaive

    history = _history(weeks=130)
    history = history.drop(index=history.index[::7])  # missing weeks, filled by interpolation
    panel = to_dense(check_history(history))
    origin = panel.n_weeks - 6
    items = forecastable_items(panel, origin)
    values = regular_history(panel.units, items, origin)
    levels = (0.1, 0.5, 0.9)
    ours = {"seasonal": seasonal_naive_quantiles(values, 60, levels), "naive": naive_quantiles(values, 60, levels)}
    for row, series in enumerate(values):
        y = series[~np.isnan(series)]
        for name, model in (("seasonal", SfSeasonalNaive(season_length=52)), ("naive", SfNaive())):
            if name == "seasonal" and len(y) < 52:
                assert np.isnan(ours[name][0.5][row]).all()
                continue
            theirs = model.forecast(y=y, h=60, level=[80])
            np.testing.assert_allclose(ours[name][0.5][row], theirs["mean"])
            np.testing.assert_allclose(ours[name][0.1][row], theirs["lo-80"])
            np.testing.assert_allclose(ours[name][0.9][row], theirs["hi-80"])


def test_ets_follows_a_trend_holds_a_level_and_leaves_short_series_to_the_naive_forecast() -> None:
    rng = np.random.default_rng(4)
    weeks = np.arange(80)
    values = np.vstack([50 + 2.0 * weeks + rng.normal(0, 2, 80),  # a steady climb
                        40 + rng.normal(0, 5, 80),  # noise around a level
                        np.r_[np.full(78, np.nan), 7.0, 8.0]])  # two weeks known
    quantiles = ets_quantiles(values, 6, (0.1, 0.5, 0.9))
    climb, level, short = quantiles[0.5]
    assert np.all(np.diff(climb) > 1.0) and climb[0] == pytest.approx(50 + 2.0 * 80, abs=8)
    assert np.ptp(level) < 1.0 and level[0] == pytest.approx(40, abs=4)
    assert np.isnan(short).all()
    width = quantiles[0.9][1] - quantiles[0.1][1]
    assert width[0] == pytest.approx(2 * 1.2816 * 5, rel=0.3)  # the noise's 80% band
    assert np.all(np.diff(quantiles[0.9][0] - quantiles[0.1][0]) >= 0)  # uncertainty grows with the horizon
