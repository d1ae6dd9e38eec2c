"""The forecasting models, listed in one place (MODELS), all answering the same two calls: `fit(panel, origin)`
learns from the weeks before `origin`, `predict(horizon, levels)` forecasts the weeks from `origin` on with a
mean and quantiles for every item that has history.

- seasonal_naive: last year's same week (last known week for young items), the baseline every result is compared
  with; intervals from its own in-sample errors (statsforecast).
- ets: exponential smoothing (level, trend or damped trend) chosen per series by AIC, non-seasonal (weekly
  seasonality of 52 is beyond ETS, see docs/forecasting.md), the fast statistical fall-back; fitted for every
  series at once.
- sarima: the airline model SARIMA(0,1,1)(0,1,1)52 per series, fitted by conditional sum of squares for every
  series at once (arima.py); opt-in.
- mq_cnn: a multi-horizon quantile convolutional network (Amazon's MQ-CNN family) pooled over all items, trained
  on the pinball loss of every horizon at once (neural.py, the `neural` extra: JAX); opt-in.
- year_over_year: last year's week aligned on its holidays (and two years back), grown by the year's level
  ratio, with the series' own empirical error quantiles (year_over_year.py).
- lightgbm_global: one gradient-boosted model per quantile pooled over all items and horizons (direct
  multi-horizon), on scale-free targets with covariates, calendar and last year's pattern as features.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from statistics import NormalDist
from typing import ClassVar, Protocol

import lightgbm as lgb
import numpy as np
import pandas as pd

from vendorcast.forecasting.arima import airline_quantiles
from vendorcast.forecasting.features import FeatureBuilder, Rows, year_ago_lags
from vendorcast.forecasting.panel import DensePanel, PanelError
from vendorcast.forecasting.settings import DEFAULT_LEVELS, ForecastSettings
from vendorcast.forecasting.year_over_year import event_weeks, year_over_year_quantiles

log = logging.getLogger(__name__)

SEASON = 52


@dataclass
class ModelForecast:
    """A model's forecast for `items` (rows of the panel) over weeks origin .. origin + horizon - 1."""

    model: str
    items: np.ndarray  # panel row indices
    origin: int
    mean: np.ndarray  # (n_items, horizon)
    quantiles: dict[float, np.ndarray]  # level -> (n_items, horizon)

    @property
    def horizon(self) -> int:
        return self.mean.shape[1]

    def select(self, rows: np.ndarray) -> ModelForecast:
        """The forecast of some of its items (positions in `items`)."""
        return ModelForecast(self.model, self.items[rows], self.origin, self.mean[rows],
                             {level: q[rows] for level, q in self.quantiles.items()})


def finalize(mean: np.ndarray, quantiles: dict[float, np.ndarray]) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """Non-negative forecasts whose quantiles never cross (sorted across levels at every point)."""
    levels = sorted(quantiles)
    stacked = np.clip(np.stack([quantiles[level] for level in levels]), 0, None)
    stacked = np.sort(np.nan_to_num(stacked, nan=0.0), axis=0)
    return np.clip(np.nan_to_num(mean, nan=0.0), 0, None), {level: stacked[i] for i, level in enumerate(levels)}


class ForecastModel(Protocol):
    name: str
    # A pooled model learns from every series at once: the workflow trains it once for all shards, and each shard
    # forecasts with it through `on(panel, origin)`.
    pooled: ClassVar[bool]

    def fit(self, panel: DensePanel, origin: int) -> ForecastModel: ...

    def predict(self, horizon: int, levels: Sequence[float]) -> ModelForecast: ...


ModelFactory = Callable[[], ForecastModel]


def forecastable_items(panel: DensePanel, origin: int) -> np.ndarray:
    """Items with at least one known week before the origin."""
    return np.flatnonzero(panel.first_week < origin)


def empty_forecast(model: str, origin: int, horizon: int, levels: Sequence[float]) -> ModelForecast:
    """The forecast of a panel with no item to forecast yet (a shard of items launched after the origin)."""
    nothing = np.zeros((0, horizon))
    return ModelForecast(model, np.zeros(0, dtype=int), origin, nothing, {level: nothing for level in levels})


# ---------------------------------------------------------------------------------------------- statistical
def regular_history(history: np.ndarray, items: np.ndarray, origin: int) -> np.ndarray:
    """The weeks before the origin as statistical models need them: from each item's first known week on, gaps
    filled by linear interpolation (a missing week is unknown, not zero), NaN before the first known week. An item
    with no known week is all zeros."""
    window = history[items, :origin]
    filled = pd.DataFrame(window.T).interpolate(limit_direction="forward", axis=0).to_numpy().T
    known = ~np.isnan(window)
    first = np.where(known.any(axis=1), np.argmax(known, axis=1), 0)
    started = np.arange(origin)[None, :] >= first[:, None]
    return np.where(started, np.nan_to_num(filled, nan=0.0), np.nan)


def _normal_quantiles(mean: np.ndarray, sigma: np.ndarray, levels: Sequence[float]) -> dict[float, np.ndarray]:
    return {level: mean + NormalDist().inv_cdf(level) * sigma for level in levels}


def _residual_sigma(values: np.ndarray, lag: int) -> np.ndarray:
    """statsforecast's sigma of a naive method: sqrt(sum of squared lag-`lag` residuals / (weeks - lag))."""
    residuals = values[:, lag:] - values[:, :-lag] if values.shape[1] > lag else np.zeros((len(values), 0))
    weeks = np.sum(~np.isnan(values), axis=1)
    squares = np.nansum(residuals * residuals, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weeks > lag, np.sqrt(squares / np.maximum(weeks - lag, 1)), 0.0)


def naive_quantiles(values: np.ndarray, horizon: int, levels: Sequence[float]) -> dict[float, np.ndarray]:
    """The last known week, with Normal intervals widening as sqrt(h) (statsforecast's Naive, for every series at
    once). `values` as regular_history returns them."""
    mean = np.repeat(values[:, -1:], horizon, axis=1)
    sigma = _residual_sigma(values, 1)[:, None] * np.sqrt(np.arange(1, horizon + 1))[None, :]
    return _normal_quantiles(mean, sigma, levels)


def seasonal_naive_quantiles(values: np.ndarray, horizon: int, levels: Sequence[float]) -> dict[float, np.ndarray]:
    """Last year's same week, with Normal intervals from the in-sample seasonal errors, widening per year ahead
    (statsforecast's SeasonalNaive, for every series at once); NaN for items with less than a year of history."""
    weeks = values.shape[1]
    steps = np.arange(horizon)
    if weeks < SEASON:
        return {level: np.full((len(values), horizon), np.nan) for level in levels}
    mean = values[:, weeks - SEASON + steps % SEASON]
    sigma = _residual_sigma(values, SEASON)[:, None] * np.sqrt(steps // SEASON + 1)[None, :]
    return _normal_quantiles(mean, sigma, levels)


@dataclass
class _StatisticalModel:
    """A model per series, with the naive forecast (last known week) for the items it cannot forecast: too short
    a history (NaN) or a degenerate fit (infinite or absurd values, see degenerate_rows)."""

    pooled: ClassVar[bool] = False
    name: str = ""
    mask_censored: bool = True
    _panel: DensePanel | None = field(default=None, repr=False)
    _origin: int = 0

    def forecast_quantiles(self, values: np.ndarray, items: np.ndarray, horizon: int,
                           levels: Sequence[float]) -> dict[float, np.ndarray]:
        raise NotImplementedError

    def fit(self, panel: DensePanel, origin: int) -> _StatisticalModel:
        self._panel, self._origin = panel, origin
        return self

    def predict(self, horizon: int, levels: Sequence[float] = DEFAULT_LEVELS) -> ModelForecast:
        panel, origin = self._panel, self._origin
        assert panel is not None, "fit first"
        items = forecastable_items(panel, origin)
        if not len(items):
            return empty_forecast(self.name, origin, horizon, levels)
        history = panel.demand(self.mask_censored)
        values = regular_history(history, items, origin)
        wanted = [*levels, 0.5]
        own = self.forecast_quantiles(values, items, horizon, wanted)
        naive = naive_quantiles(values, horizon, wanted)
        fallback = degenerate_rows(own, history[items, :origin])
        pick = {k: np.where(fallback[:, None], naive[k], own[k]) for k in wanted}
        mean, quantiles = finalize(pick[0.5], {k: pick[k] for k in levels})
        return ModelForecast(self.name, items, origin, mean, quantiles)


@dataclass
class SeasonalNaive(_StatisticalModel):
    """y(t) = y(t - 52) with Normal intervals from its in-sample errors; the last known week for items with less
    than a year of history. Computed for all series at once in numpy: the same numbers as statsforecast's
    SeasonalNaive (tests/unit/forecasting/test_models.py checks it), without a Python call per series."""

    name: str = "seasonal_naive"

    def forecast_quantiles(self, values: np.ndarray, items: np.ndarray, horizon: int,
                           levels: Sequence[float]) -> dict[float, np.ndarray]:
        return seasonal_naive_quantiles(values, horizon, levels)


# Exponential smoothing's parameter grid: (alpha, beta, phi) of every candidate, level only (beta = phi = 0) first.
_ALPHAS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 0.95)
_TREND_ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8)
_BETA_SHARES = (0.01, 0.05, 0.1, 0.25)  # beta as a share of alpha (beta <= alpha keeps the trend stable)
_PHIS = (0.8, 0.9, 0.98, 1.0)
ETS_GRID = np.array([(a, 0.0, 0.0) for a in _ALPHAS]
                    + [(a, a * share, phi) for a in _TREND_ALPHAS for share in _BETA_SHARES for phi in _PHIS])
# Fitted parameters, AIC's penalty: alpha and the initial level; a trend adds beta and its initial value, damping phi.
_ETS_PARAMETERS = np.where(ETS_GRID[:, 2] == 0, 2, np.where(ETS_GRID[:, 2] < 1, 5, 4))
# Weeks with a one-step error a candidate needs: a trend needs more data than a level alone.
_ETS_MIN_ERRORS = np.where(ETS_GRID[:, 2] == 0, 3, 9)


def ets_quantiles(values: np.ndarray, horizon: int, levels: Sequence[float]) -> dict[float, np.ndarray]:
    """Additive-error exponential smoothing for every series at once: simple (A,N,N), trend (A,A,N) and damped trend
    (A,Ad,N), each with its parameters chosen on a grid by the sum of squared one-step errors and the model by
    AIC, Normal intervals from the class-1 state space variance. NaN for series too short for any. `values` as
    regular_history returns them."""
    n_items, weeks = values.shape
    alpha, beta, phi = (ETS_GRID[:, k][None, :] for k in range(3))
    level = np.zeros((n_items, len(ETS_GRID)))
    trend = np.zeros_like(level)
    squares = np.zeros_like(level)
    errors = np.zeros(n_items)
    started = np.zeros(n_items, dtype=bool)
    for week in range(weeks):
        y = values[:, week]
        known = ~np.isnan(y)
        first = known & ~started
        update = (known & started)[:, None]
        damped = phi * trend
        expected = level + damped
        if update.all():
            # Most weeks every series is known and started: the same arithmetic, without the masks.
            error = y[:, None] - expected
            squares += error * error
            level = expected + alpha * error
            trend = damped + beta * error
        else:
            error = np.where(update, y[:, None] - expected, 0.0)
            squares += error * error
            level = np.where(update, expected + alpha * error, level)
            trend = np.where(update, damped + beta * error, trend)
            level[first] = y[first, None]
            trend[first] = 0.0
        errors += update[:, 0]
        started |= known
    n = errors[:, None]
    eligible = n >= _ETS_MIN_ERRORS[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        aic = np.where(eligible, n * np.log(np.maximum(squares, 1e-9) / np.maximum(n, 1)) + 2 * _ETS_PARAMETERS, np.inf)
    best = np.argmin(aic, axis=1)
    rows = np.arange(n_items)
    a, b, f = ETS_GRID[best, 0][:, None], ETS_GRID[best, 1][:, None], ETS_GRID[best, 2][:, None]
    steps = np.arange(1, horizon + 1)[None, :]
    damping = np.cumsum(f ** steps, axis=1)  # phi + phi^2 + ... + phi^h (0 without a trend)
    mean = level[rows, best][:, None] + damping * trend[rows, best][:, None]
    variance = squares[rows, best] / np.maximum(errors - _ETS_PARAMETERS[best], 1)
    # h-step variance: sigma^2 (1 + sum over j < h of (alpha + beta (phi + ... + phi^j))^2).
    c = a + b * damping[:, :-1]
    spread = np.sqrt(variance[:, None] * (1 + np.concatenate([np.zeros((n_items, 1)), np.cumsum(c * c, axis=1)],
                                                             axis=1)))
    quantiles = _normal_quantiles(mean, spread, levels)
    usable = np.isfinite(aic[rows, best])
    return {level_: np.where(usable[:, None], q, np.nan) for level_, q in quantiles.items()}


@dataclass
class Ets(_StatisticalModel):
    """Exponential smoothing per series with additive errors and no seasonality (ets_quantiles: level, trend or
    damped trend chosen by AIC, as statsforecast's AutoETS(model="AZN") chooses, with the parameters searched on
    a grid for all series at once instead of optimised one series at a time: AutoETS took 4 ms a series and origin,
    most of forecast-file's time). Multiplicative-error intervals explode on promotional spikes (measured on
    Dominick's: wQL at P90 above 10^5); weekly seasonality of 52 is beyond ETS. A degenerate fit gets the naive
    forecast instead of poisoning every pooled metric."""

    name: str = "ets"

    def forecast_quantiles(self, values: np.ndarray, items: np.ndarray, horizon: int,
                           levels: Sequence[float]) -> dict[float, np.ndarray]:
        return ets_quantiles(values, horizon, levels)


@dataclass
class SeasonalArima(_StatisticalModel):
    """The airline model, SARIMA(0,1,1)(0,1,1)52, per series (arima.airline_quantiles): both MA coefficients by
    conditional sum of squares on a grid for all series at once, Normal intervals from its psi weights. Items with
    less than 79 weeks (53 to difference, 26 residuals) get the naive forecast. statsforecast's ARIMA with this
    order took 0.9 s a series (CSS-ML) or 68 ms (CSS, whose forecasts came out all zero in statsforecast 2.1.1):
    docs/forecasting.md."""

    name: str = "sarima"

    def forecast_quantiles(self, values: np.ndarray, items: np.ndarray, horizon: int,
                           levels: Sequence[float]) -> dict[float, np.ndarray]:
        return airline_quantiles(values, horizon, levels)


@dataclass
class YearOverYear(_StatisticalModel):
    """Last year's week aligned on its holidays (and two years back), grown by the year's level ratio, with the
    series' own empirical error quantiles (year_over_year.py): seasonal naive with empirical quantiles, the strong
    baseline of store-level retail data, made robust to level shifts and moving holidays. Items with less than a
    year of history get the naive forecast."""

    name: str = "year_over_year"

    def forecast_quantiles(self, values: np.ndarray, items: np.ndarray, horizon: int,
                           levels: Sequence[float]) -> dict[float, np.ndarray]:
        assert self._panel is not None, "fit first"
        weeks = pd.DatetimeIndex(self._panel.week_start(np.arange(self._origin + horizon)))
        return year_over_year_quantiles(values, year_ago_lags(weeks), event_weeks(weeks), horizon, levels)


def degenerate_rows(quantiles: dict[float, np.ndarray], history: np.ndarray) -> np.ndarray:
    """Items whose forecast is missing, not finite, or above ten times the most they ever sold (plus 10 units)."""
    ceiling = 10 * np.nan_to_num(np.nanmax(np.where(np.isnan(history), -np.inf, history), axis=1, initial=0.0)) + 10
    broken = np.zeros(history.shape[0], dtype=bool)
    for values in quantiles.values():
        broken |= ~np.isfinite(values).all(axis=1) | (np.abs(values) > ceiling[:, None]).any(axis=1)
    return broken


# ---------------------------------------------------------------------------------------------- LightGBM
LIGHTGBM_PARAMS: dict[str, object] = {
    "learning_rate": 0.15,
    "num_leaves": 63,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 127,
    "verbosity": -1,
}


@dataclass
class LightGBMGlobal:
    """One LightGBM model per quantile (and one for the mean), trained on every item, origin and horizon at once.

    Targets are divided by each item's recent level, so a 5-unit and a 5,000-unit item share what they teach;
    rows are weighted by that level, so the loss is the wQL of the original units. Censored weeks are neither
    targets nor inputs (mask_censored)."""

    pooled: ClassVar[bool] = True
    name: str = "lightgbm_global"
    max_horizon: int = 12
    num_rounds: int = 70
    max_rows: int = 250_000
    mask_censored: bool = True
    weight_power: float = 1.0
    log_target: bool = True
    seed: int = 0
    threads: int | None = None  # default: every core (use 1 on a machine busy with other work)
    levels: tuple[float, ...] = DEFAULT_LEVELS
    _boosters: dict[str, lgb.Booster] = field(default_factory=dict, repr=False)
    _builder: FeatureBuilder | None = field(default=None, repr=False)
    _origin: int = 0
    _features: list[str] = field(default_factory=list, repr=False)

    def fit(self, panel: DensePanel, origin: int) -> LightGBMGlobal:
        self._builder = builder = FeatureBuilder(panel, self.mask_censored)
        self._origin = origin
        rows = self._training_rows(panel, origin)
        features, scale = builder.build(rows)
        self._features = list(features.columns)
        target = builder.target(rows) / scale
        if self.log_target:
            target = np.log1p(target)
        weight = scale ** self.weight_power
        weight = weight / weight.mean()
        # The quantile boosters take about twice as long as the mean's: they go first, so the workers end together.
        objectives: dict[str, dict[str, object]] = {
            f"q{level}": {"objective": "quantile", "alpha": level} for level in self.levels}
        objectives["mean"] = {"objective": "regression"}
        # The boosters train side by side, one OpenMP thread each (LightGBM releases the GIL): with OpenMP
        # sharing out each iteration instead, its threads wait on one another hundreds of times per tree, which on
        # 2 cores made training slower than one thread (docs/benchmarks.md, "Training threads").
        threads = self.threads or max(1, os.cpu_count() or 1)
        workers = min(threads, len(objectives))
        params = {**LIGHTGBM_PARAMS, "seed": self.seed, "num_threads": max(1, threads // workers)}
        # One Dataset for every booster: the bins depend on the rows and on these parameters, not on the objective,
        # so binning the rows once gives each booster what a Dataset of its own would. The boosters only read it
        # (lgb.train would write the objective into its parameters, hence Booster and update() here).
        dataset = lgb.Dataset(features, label=target, weight=weight, params=params).construct()

        def train(objective: dict[str, object]) -> lgb.Booster:
            booster = lgb.Booster({**params, **objective}, dataset)
            for _ in range(self.num_rounds):
                booster.update()
            # As lgb.train leaves it: the trees alone, without the training state.
            return booster.model_from_string(booster.model_to_string()).free_dataset()

        with ThreadPoolExecutor(workers, thread_name_prefix="lightgbm") as pool:
            self._boosters = dict(zip(objectives, pool.map(train, objectives.values()), strict=True))
        log.info("lightgbm_global: %d rows, %d features, %d models", len(rows), features.shape[1],
                 len(self._boosters))
        return self

    def gain_shares(self) -> dict[str, float]:
        """Each feature's share of the split gain of all the boosters together: what the model leans on."""
        gains = sum(booster.feature_importance("gain") for booster in self._boosters.values())
        return dict(zip(self._features, gains / gains.sum(), strict=True))

    def __getstate__(self) -> dict[str, object]:
        # A fitted model travels between workflow steps without the panel it learned from.
        return {**self.__dict__, "_builder": None}

    def on(self, panel: DensePanel, origin: int) -> LightGBMGlobal:
        """The fitted model, ready to forecast the items of another panel (a shard) from `origin`."""
        moved = copy.copy(self)
        moved._builder = FeatureBuilder(panel, self.mask_censored)
        moved._origin = origin
        return moved

    def _training_rows(self, panel: DensePanel, origin: int) -> Rows:
        """(item, origin, horizon) rows whose target week is known and before the fit origin, sampled evenly
        down to `max_rows`."""
        n_items = panel.units.shape[0]
        rng = np.random.default_rng(self.seed)
        starts = panel.first_week + 1
        item = np.repeat(np.arange(n_items), np.clip(origin - starts, 0, None))
        offsets = np.concatenate([np.arange(max(0, origin - s)) for s in starts]) if len(item) else np.array([])
        row_origin = starts[item] + offsets.astype(int)
        pairs = len(item)
        budget = max(1, self.max_rows // self.max_horizon)
        if pairs > budget:
            keep = np.sort(rng.choice(pairs, size=budget, replace=False))
            item, row_origin = item[keep], row_origin[keep]
        horizon = np.tile(np.arange(1, self.max_horizon + 1), len(item))
        rows = Rows(np.repeat(item, self.max_horizon), np.repeat(row_origin, self.max_horizon), horizon)
        target_week = rows.target_week
        assert self._builder is not None
        known = (target_week < origin) & ~np.isnan(self._builder.target(rows))
        return Rows(rows.item[known], rows.origin[known], rows.horizon[known])

    def predict(self, horizon: int, levels: Sequence[float] = DEFAULT_LEVELS) -> ModelForecast:
        builder, origin = self._builder, self._origin
        assert builder is not None, "fit first"
        if horizon > self.max_horizon:
            raise ValueError(f"lightgbm_global was trained for horizons up to {self.max_horizon}, not {horizon}")
        missing = [level for level in levels if f"q{level}" not in self._boosters]
        if missing:
            raise ValueError(f"lightgbm_global has no model for quantile(s) {missing}; it has {self.levels}")
        items = forecastable_items(builder.panel, origin)
        if not len(items):
            return empty_forecast(self.name, origin, horizon, levels)
        rows = Rows(np.repeat(items, horizon), np.full(len(items) * horizon, origin),
                    np.tile(np.arange(1, horizon + 1), len(items)))
        features, scale = builder.build(rows)
        # A shard without snapshots (or covariates) the model learned from reads them as unknown.
        features = features.reindex(columns=self._features)
        shape = (len(items), horizon)
        def predict(key: str) -> np.ndarray:
            values = self._boosters[key].predict(features, num_threads=self.threads or os.cpu_count() or 1)
            if self.log_target:
                values = np.expm1(values)
            return (values * scale).reshape(shape)

        mean, quantiles = finalize(predict("mean"), {level: predict(f"q{level}") for level in levels})
        return ModelForecast(self.name, items, origin, mean, quantiles)


def _lightgbm_global(settings: ForecastSettings) -> LightGBMGlobal:
    return LightGBMGlobal(max_horizon=settings.horizon, num_rounds=settings.lightgbm_rounds,
                          max_rows=settings.lightgbm_max_rows, mask_censored=settings.mask_censored,
                          seed=settings.seed, threads=settings.threads, levels=tuple(sorted(settings.levels)))


def _mq_cnn(settings: ForecastSettings) -> ForecastModel:
    # Imported here: JAX is the optional `neural` extra, and the default install never loads it.
    from vendorcast.forecasting.neural import MQCnn

    return MQCnn(max_horizon=settings.horizon, mask_censored=settings.mask_censored, seed=settings.seed,
                 levels=tuple(sorted(settings.levels)))


# The one list of models: each built from the engine's settings.
MODELS: dict[str, Callable[[ForecastSettings], ForecastModel]] = {
    "seasonal_naive": lambda settings: SeasonalNaive(mask_censored=settings.mask_censored),
    "ets": lambda settings: Ets(mask_censored=settings.mask_censored),
    "year_over_year": lambda settings: YearOverYear(mask_censored=settings.mask_censored),
    "lightgbm_global": _lightgbm_global,
    "sarima": lambda settings: SeasonalArima(mask_censored=settings.mask_censored),
    "mq_cnn": _mq_cnn,
}
# Candidates that run only when asked for (settings.models, `--models`): what they cost on the default path and
# what they gained is in docs/forecasting.md.
OPT_IN = ("sarima", "mq_cnn")
DEFAULT_MODELS = tuple(name for name in MODELS if name not in OPT_IN)
BASELINE = "seasonal_naive"


def model_factories(settings: ForecastSettings, with_baseline: bool = False) -> dict[str, ModelFactory]:
    """The settings' models (default: DEFAULT_MODELS), each as a factory of fresh, unfitted models; with the
    baseline first when `with_baseline` and the settings left it out."""
    names = list(settings.models or DEFAULT_MODELS)
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        raise PanelError(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    if with_baseline and BASELINE not in names:
        names.insert(0, BASELINE)
    return {name: partial(MODELS[name], settings) for name in names}
