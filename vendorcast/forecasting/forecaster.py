"""The one forecasting engine that the CLI, the benchmarks and every workflow step call: backtest every model of
the settings at rolling origins, learn the ensemble from the backtest, forecast from the origin with every model
and the ensemble, and score it all. `train_pooled_models` fits the models that learn from all series once, so the
workflow can forecast shard by shard with them; `backtest_report` scores the ensemble honestly (its weights for a
window are learned on the other windows only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vendorcast.forecasting.backtest import WindowForecasts, reference_forecast, score
from vendorcast.forecasting.ensemble import ENSEMBLE, NEW, EnsemblePlan, demand_segments, learn_plan
from vendorcast.forecasting.metrics import AccuracySums, pool, quantile_name, sums_columns
from vendorcast.forecasting.models import BASELINE, ForecastModel, ModelFactory, ModelForecast, model_factories
from vendorcast.forecasting.panel import (
    ITEM,
    WEEK,
    DensePanel,
    PanelError,
    check_future,
    check_history,
    covariate_columns,
    stopped_selling,
    to_dense,
)
from vendorcast.forecasting.settings import ForecastSettings
from vendorcast.lake.forecast_tables import SEGMENT_ALL, SEGMENT_ASIN, SEGMENT_VS_AMAZON

# Pooled models fitted at each origin: origin week (ISO date of its first day) -> model name -> fitted model.
TrainedModels = dict[str, dict[str, ForecastModel]]


def prepare_panel(history: pd.DataFrame, horizon: int, future: pd.DataFrame | None = None,
                  known_covariates: Sequence[str] | None = None) -> DensePanel:
    """The dense panel of a history (and future) file; see to_dense for which covariates count as known."""
    checked = check_history(history)
    future_checked = check_future(future, covariate_columns(checked)) if future is not None else None
    if future_checked is not None:
        last = checked[WEEK].max()
        early = future_checked[future_checked[WEEK] <= last]
        if len(early):
            raise PanelError(f"future: week {early[WEEK].iloc[0].date()} is not after the history's last week "
                             f"{last.date()}; the future file gives only the forecast weeks")
    return to_dense(checked, future_checked, horizon, known_covariates=known_covariates)


def forecast_origins(panel: DensePanel, settings: ForecastSettings) -> list[int]:
    """The backtest windows' origins (horizon weeks apart, the last ending with the history), then the forecast's
    origin (the week after the history)."""
    return [*settings.backtest_origins(panel.history_weeks), panel.history_weeks]


def _origin_key(panel: DensePanel, origin: int) -> str:
    return panel.week_start(origin).date().isoformat()


def _fit_pooled(panel: DensePanel, factories: Mapping[str, ModelFactory], origin: int) -> dict[str, ForecastModel]:
    """The pooled models among `factories`, fitted at `origin` on all series of the panel."""
    fitted = {}
    for name, factory in factories.items():
        model = factory()
        if model.pooled:
            fitted[name] = model.fit(panel, origin)
    return fitted


def train_pooled_models(panel: DensePanel, settings: ForecastSettings) -> TrainedModels:
    """The settings' pooled models fitted at every origin of forecast_origins, on all series of the panel."""
    factories = model_factories(settings)
    return {_origin_key(panel, origin): _fit_pooled(panel, factories, origin)
            for origin in forecast_origins(panel, settings)}


def zero_stopped(panel: DensePanel, forecast: ModelForecast) -> ModelForecast:
    """The forecast with the items that stopped selling before its origin (panel.stopped_selling) at zero."""
    stopped = stopped_selling(panel, forecast.origin)[forecast.items][:, None]
    if not stopped.any():
        return forecast
    return ModelForecast(forecast.model, forecast.items, forecast.origin, np.where(stopped, 0.0, forecast.mean),
                         {level: np.where(stopped, 0.0, q) for level, q in forecast.quantiles.items()})


def _forecasts_at_origins(panel: DensePanel, settings: ForecastSettings, factories: Mapping[str, ModelFactory],
                          origins: Sequence[int], trained: TrainedModels | None) -> list[dict[str, ModelForecast]]:
    """Every model's forecast at each origin, each model fitted on the weeks before its origin only (pooled models
    from `trained` where it has them).

    The pooled models still to fit are fitted in a background thread, origin after origin, while this thread
    forecasts with the per-series models and then with each origin's pooled models as soon as they are ready:
    LightGBM's training (most of a run's CPU) releases the GIL, so the statistical models, the features and the
    predictions take the core a booster leaves idle instead of waiting for the training to end."""
    trained = trained or {}
    pooled = {name for name, factory in factories.items() if factory().pooled}
    background = ThreadPoolExecutor(1, thread_name_prefix="pooled-fit")
    try:
        fitting = []
        for origin in origins:
            ready = trained.get(_origin_key(panel, origin), {})
            missing = {name: factories[name] for name in pooled if name not in ready}
            fitting.append(background.submit(_fit_pooled, panel, missing, origin) if missing else None)
        own = [{name: factory().fit(panel, origin).predict(settings.horizon, settings.levels)
                for name, factory in factories.items() if name not in pooled} for origin in origins]
        forecasts = []
        for origin, per_series, fit in zip(origins, own, fitting, strict=True):
            models = {name: model.on(panel, origin)
                      for name, model in trained.get(_origin_key(panel, origin), {}).items() if name in pooled}
            models.update(fit.result() if fit else {})
            predicted = {**per_series,
                         **{name: model.predict(settings.horizon, settings.levels) for name, model in models.items()}}
            forecasts.append({name: zero_stopped(panel, predicted[name]) for name in factories})
        return forecasts
    finally:
        background.shutdown(cancel_futures=True)


def _ensemble(panel: DensePanel, plan: EnsemblePlan, forecasts: Mapping[str, ModelForecast],
              origin: int) -> ModelForecast:
    return zero_stopped(panel, plan.apply(panel, forecasts, demand_segments(panel, origin)))


def run_backtest(panel: DensePanel, settings: ForecastSettings, factories: Mapping[str, ModelFactory] | None = None,
                 trained: TrainedModels | None = None) -> list[WindowForecasts]:
    """Every model's forecasts at every backtest origin, each fitted on the weeks before its origin only (pooled
    models from `trained` where given)."""
    factories = factories or model_factories(settings)
    origins = forecast_origins(panel, settings)[:-1]
    return _windows(origins, _forecasts_at_origins(panel, settings, factories, origins, trained))


def _windows(origins: Sequence[int], forecasts: Sequence[dict[str, ModelForecast]]) -> list[WindowForecasts]:
    return [WindowForecasts(window, origin, at_origin)
            for window, (origin, at_origin) in enumerate(zip(origins, forecasts, strict=True), start=1)]


@dataclass
class PanelForecast:
    """Every model's and the ensemble's forecast from `origin`, with the backtest they were chosen on (each window
    with the ensemble of the plan learned on all windows, and the reference forecaster's where it had one)."""

    panel: DensePanel
    settings: ForecastSettings
    origin: int
    forecasts: dict[str, ModelForecast]
    backtest: list[WindowForecasts]
    plan: EnsemblePlan
    segments: np.ndarray
    stopped_items: list[str] = field(default_factory=list)  # forecast at zero: panel.stopped_selling
    reference_backtest: dict[int, ModelForecast] = field(default_factory=dict)  # window -> reference forecast

    def to_frame(self, models: Sequence[str] | None = None) -> pd.DataFrame:
        """Long forecast rows: item_id, week_start, horizon, model, selected, cold_start, segment, mean, p10..."""
        frames = []
        for name in models or self.forecasts:
            forecast = self.forecasts[name]
            n, h = forecast.mean.shape
            weeks = self.panel.week_start(forecast.origin + np.arange(h))
            frame = pd.DataFrame({
                ITEM: np.repeat(self.panel.items[forecast.items], h),
                WEEK: np.tile(weeks.values, n),
                "horizon": np.tile(np.arange(1, h + 1), n),
                "model": name,
                "selected": name == ENSEMBLE,
                "segment": np.repeat(self.segments[forecast.items], h),
                "cold_start": np.repeat(self.segments[forecast.items] == NEW, h),
                "mean": forecast.mean.ravel(),
            })
            for level in sorted(forecast.quantiles):
                frame[quantile_name(level)] = forecast.quantiles[level].ravel()
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def accuracy_sums(self) -> pd.DataFrame:
        """The backtest's accuracy sums per window and model (the ensemble included): all series, per horizon, per
        demand segment and per item; and on the weeks the reference forecaster covered, its sums next to every
        model's (segment vs_amazon). Sums pool exactly across shards (metrics.pool_accuracy)."""
        records: list[dict[str, Any]] = []

        def add(model: str, window: int, sums: AccuracySums, segment: str, item: str | None = None,
                horizon: int | None = None) -> None:
            if sums.weeks:
                records.append({"model": model, "segment": segment, "item_id": item, "backtest_window": window,
                                "horizon": horizon, **sums_columns(sums, self.settings.levels)})

        for window in self.backtest:
            segments = demand_segments(self.panel, window.origin)
            for name, forecast in window.forecasts.items():
                add(name, window.window, score(self.panel, forecast), SEGMENT_ALL)
                for h in range(forecast.horizon):
                    add(name, window.window, score(self.panel, forecast, horizon_index=h), SEGMENT_ALL, horizon=h + 1)
                item_segments = segments[forecast.items]
                for segment in np.unique(item_segments):
                    add(name, window.window, score(self.panel, forecast, np.flatnonzero(item_segments == segment)),
                        str(segment))
                for position, item in enumerate(forecast.items):
                    add(name, window.window, score(self.panel, forecast, np.array([position])), SEGMENT_ASIN,
                        item=str(self.panel.items[item]))
            reference = self.reference_backtest.get(window.window)
            if reference is not None:
                covered = ~np.isnan(reference.mean)
                add(reference.model, window.window, score(self.panel, reference), SEGMENT_VS_AMAZON)
                for name, forecast in window.forecasts.items():
                    add(name, window.window, score(self.panel, _where(forecast, covered)), SEGMENT_VS_AMAZON)
        return pd.DataFrame(records)


def _where(forecast: ModelForecast, points: np.ndarray) -> ModelForecast:
    """The forecast with the points outside `points` (a boolean mask) set to NaN, so scoring skips them."""
    return ModelForecast(forecast.model, forecast.items, forecast.origin, np.where(points, forecast.mean, np.nan),
                         {level: np.where(points, q, np.nan) for level, q in forecast.quantiles.items()})


def forecast_panel(panel: DensePanel, settings: ForecastSettings, trained: TrainedModels | None = None,
                   reference: pd.DataFrame | None = None, reference_name: str = "reference") -> PanelForecast:
    """Backtest, learn the ensemble, and forecast every item with history from the week after the history.

    `trained`: pooled models fitted on more series than the panel's (the workflow's shards); the other models are
    fitted here. `reference`: another forecaster's forecasts (backtest.REFERENCE_COLUMNS), scored next to ours."""
    factories = model_factories(settings)
    *origins, origin = forecast_origins(panel, settings)
    *windows, forecasts = _forecasts_at_origins(panel, settings, factories, [*origins, origin], trained)
    backtest = _windows(origins, windows)
    plan = learn_plan(panel, backtest, list(factories))
    references = {}
    for window in backtest:
        window.forecasts[ENSEMBLE] = _ensemble(panel, plan, window.forecasts, window.origin)
        aligned = (reference_forecast(reference, panel, window.forecasts[ENSEMBLE], reference_name)
                   if reference is not None else None)
        if aligned is not None:
            references[window.window] = aligned
    segments = demand_segments(panel, origin)
    forecasts[ENSEMBLE] = _ensemble(panel, plan, forecasts, origin)
    stopped = [str(i) for i in panel.items[stopped_selling(panel, origin)]]
    return PanelForecast(panel, settings, origin, forecasts, backtest, plan, segments, stopped, references)


def honest_backtest(panel: DensePanel, settings: ForecastSettings) -> list[WindowForecasts]:
    """The backtest of every model and the baseline, each window with the ensemble whose weights and calibration
    were learned on the other windows only (so its score is out of sample)."""
    factories = model_factories(settings, with_baseline=True)
    backtest = run_backtest(panel, settings, factories)
    windows = []
    for k, window in enumerate(backtest):
        others = [w for j, w in enumerate(backtest) if j != k] or [window]
        plan = learn_plan(panel, others, list(factories))
        ensemble = _ensemble(panel, plan, window.forecasts, window.origin)
        windows.append(WindowForecasts(window.window, window.origin, {**window.forecasts, ENSEMBLE: ensemble}))
    return windows


def backtest_report(panel: DensePanel, settings: ForecastSettings) -> dict[str, Any]:
    """Metrics per model and for the ensemble over the rolling origins, each next to seasonal naive's; the
    ensemble's weights and calibration for each window come from the other windows only."""
    windows = honest_backtest(panel, settings)
    sums: dict[str, list[AccuracySums]] = {}
    for window in windows:
        for name, forecast in window.forecasts.items():
            sums.setdefault(name, []).append(score(panel, forecast))
    baseline = pool(sums[BASELINE]).metrics()
    report: dict[str, Any] = {
        "horizon": settings.horizon,
        "windows": [{"window": w.window, "origin": str(panel.week_start(w.origin).date())} for w in windows],
        "quantiles": list(settings.levels),
        "items": int(panel.units.shape[0]),
        "baseline": BASELINE,
        "models": {},
    }
    for name, parts in sums.items():
        pooled = pool(parts)
        metrics = pooled.metrics()
        report["models"][name] = {
            "metrics": metrics,
            "relative_to_baseline": {k: (v / baseline[k] if baseline.get(k) else None)
                                     for k, v in metrics.items() if k.startswith(("wql", "wape", "mase"))},
            "per_window": [p.metrics() for p in parts],
            "weeks_scored": pooled.weeks,
        }
    return report
