"""The forecaster as one call: check the panel, backtest every model at rolling origins, learn the ensemble from
the backtest, forecast from the origin with every model and the ensemble, and score it all; `backtest_report`
scores the ensemble honestly (its weights for a window are learned on the other windows only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from vendorcast.forecasting.backtest import ModelFactory, WindowForecasts, run_backtest, score
from vendorcast.forecasting.ensemble import ENSEMBLE, NEW, EnsemblePlan, demand_segments, learn_plan
from vendorcast.forecasting.metrics import AccuracySums, pool, quantile_name
from vendorcast.forecasting.models import (
    BASELINE,
    DEFAULT_LEVELS,
    MODELS,
    Ets,
    LightGBMGlobal,
    ModelForecast,
    SeasonalNaive,
)
from vendorcast.forecasting.panel import (
    ITEM,
    WEEK,
    DensePanel,
    PanelError,
    check_future,
    check_history,
    covariate_columns,
    to_dense,
)

DEFAULT_MODELS = tuple(MODELS)
MAX_HORIZON = 52


@dataclass(frozen=True)
class ForecastSettings:
    horizon: int = 12
    levels: tuple[float, ...] = DEFAULT_LEVELS
    models: tuple[str, ...] = DEFAULT_MODELS
    backtest_windows: int = 3
    mask_censored: bool = True
    lightgbm_rounds: int = 70
    lightgbm_max_rows: int = 250_000
    seed: int = 0
    threads: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.horizon <= MAX_HORIZON:
            raise PanelError(f"horizon must be 1 to {MAX_HORIZON} weeks, not {self.horizon}")
        if not self.levels or any(not 0 < q < 1 for q in self.levels):
            raise PanelError(f"quantiles must be between 0 and 1 (exclusive), e.g. 0.1,0.5,0.9; got {self.levels}")
        unknown = [m for m in self.models if m not in MODELS]
        if unknown:
            raise PanelError(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
        if self.backtest_windows < 1:
            raise PanelError("backtest windows must be at least 1 (the ensemble learns from them)")

    def factories(self) -> dict[str, ModelFactory]:
        builders: dict[str, ModelFactory] = {
            "seasonal_naive": partial(SeasonalNaive, mask_censored=self.mask_censored),
            "ets": partial(Ets, mask_censored=self.mask_censored),
            "lightgbm_global": partial(LightGBMGlobal, max_horizon=self.horizon, num_rounds=self.lightgbm_rounds,
                                       max_rows=self.lightgbm_max_rows, mask_censored=self.mask_censored,
                                       seed=self.seed, threads=self.threads, levels=tuple(sorted(self.levels))),
        }
        return {name: builders[name] for name in self.models}


@dataclass
class PanelForecast:
    """Every model's and the ensemble's forecast from `origin`, with the backtest they were chosen on."""

    panel: DensePanel
    settings: ForecastSettings
    origin: int
    forecasts: dict[str, ModelForecast]
    backtest: list[WindowForecasts]
    plan: EnsemblePlan
    segments: np.ndarray
    skipped_items: list[str] = field(default_factory=list)

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

    def backtest_sums(self) -> dict[str, list[AccuracySums]]:
        """Per model (and the ensemble, with the plan learned on all windows), the accuracy sums per window."""
        sums: dict[str, list[AccuracySums]] = {}
        for window in self.backtest:
            for name, forecast in window.forecasts.items():
                sums.setdefault(name, []).append(score(self.panel, forecast))
            ensemble = self.plan.apply(self.panel, window.forecasts, demand_segments(self.panel, window.origin))
            sums.setdefault(ENSEMBLE, []).append(score(self.panel, ensemble))
        return sums


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


def forecast_panel(panel: DensePanel, settings: ForecastSettings) -> PanelForecast:
    """Backtest, learn the ensemble, and forecast every item with history from the week after the history."""
    factories = settings.factories()
    backtest = run_backtest(panel, factories, settings.horizon, settings.backtest_windows, settings.levels)
    plan = learn_plan(panel, backtest, list(factories))
    origin = panel.history_weeks
    forecasts = {name: factory().fit(panel, origin).predict(settings.horizon, settings.levels)
                 for name, factory in factories.items()}
    segments = demand_segments(panel, origin)
    forecasts[ENSEMBLE] = plan.apply(panel, forecasts, segments)
    skipped = [str(i) for i in panel.items[panel.first_week >= origin]]
    return PanelForecast(panel, settings, origin, forecasts, backtest, plan, segments, skipped)


def backtest_report(panel: DensePanel, settings: ForecastSettings) -> dict[str, Any]:
    """Metrics per model and for the ensemble over the rolling origins, each next to seasonal naive's; the
    ensemble's weights and calibration for each window come from the other windows only."""
    factories = settings.factories()
    if BASELINE not in factories:
        factories = {BASELINE: partial(SeasonalNaive, mask_censored=settings.mask_censored), **factories}
    backtest = run_backtest(panel, factories, settings.horizon, settings.backtest_windows, settings.levels)
    sums: dict[str, list[AccuracySums]] = {name: [] for name in factories}
    sums[ENSEMBLE] = []
    for k, window in enumerate(backtest):
        for name, forecast in window.forecasts.items():
            sums[name].append(score(panel, forecast))
        others = [w for j, w in enumerate(backtest) if j != k] or [window]
        plan = learn_plan(panel, others, list(factories))
        sums[ENSEMBLE].append(score(panel, plan.apply(panel, window.forecasts,
                                                      demand_segments(panel, window.origin))))
    baseline = pool(sums[BASELINE]).metrics()
    report: dict[str, Any] = {
        "horizon": settings.horizon,
        "windows": [{"window": w.window, "origin": str(panel.week_start(w.origin).date())} for w in backtest],
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
