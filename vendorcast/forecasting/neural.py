"""MQ-CNN (Wen et al., "A Multi-Horizon Quantile Recurrent Forecaster", 2017; Amazon's forecaster family): a dilated
causal convolution encodes each item's last year, a global MLP turns that into a context per horizon, and one local
MLP shared by all horizons reads it with the forecast week's features to give every quantile of every horizon at
once, trained on the pinball loss pooled over all items. JAX on CPU: the optional `neural` extra."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import optax

from vendorcast.forecasting.features import FeatureBuilder, Rows
from vendorcast.forecasting.models import ModelForecast, empty_forecast, finalize, forecastable_items
from vendorcast.forecasting.settings import DEFAULT_LEVELS

log = logging.getLogger(__name__)

CONTEXT_WEEKS = 52
DILATIONS = (1, 2, 4, 8, 16, 32)  # receptive field of 64 weeks: the whole context
MIN_KNOWN_WEEKS = 4  # training windows start after an item's first 4 weeks

Params = dict[str, Any]


def _dense(rng: np.random.Generator, inputs: int, outputs: int, gain: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """He-initialised weights and zero biases (numpy: JAX's random would compile a kernel per shape)."""
    weights = rng.normal(0.0, gain * np.sqrt(2.0 / inputs), (inputs, outputs)).astype(np.float32)
    return weights, np.zeros(outputs, dtype=np.float32)


def init_params(seed: int, features: int, horizon: int, levels: int, channels: int = 16, hidden: int = 32
                ) -> Params:
    rng = np.random.default_rng(seed)
    conv = []
    for _ in DILATIONS:
        now, bias = _dense(rng, channels, channels, gain=0.5)
        before, _ = _dense(rng, channels, channels, gain=0.5)
        conv.append({"now": now, "before": before, "bias": bias})
    return {
        "input": _dense(rng, 2, channels),
        "conv": conv,
        "global": _dense(rng, channels, hidden),
        "horizons": _dense(rng, hidden, horizon * channels),
        "agnostic": _dense(rng, hidden, channels),
        "local": _dense(rng, 2 * channels + features, hidden),
        "output": _dense(rng, hidden, levels),
    }


def forward(params: Params, history: jax.Array, features: jax.Array) -> jax.Array:
    """Quantiles of log1p(units / scale), (batch, horizon, levels) in increasing order: the lowest level plus
    non-negative increments, so they never cross. history: (batch, weeks, 2) = scaled units and known mask;
    features: (batch, horizon, n_features)."""
    weights, bias = params["input"]
    h = history @ weights + bias
    weeks = h.shape[1]
    for layer, dilation in zip(params["conv"], DILATIONS, strict=True):
        earlier = jnp.pad(h, ((0, 0), (dilation, 0), (0, 0)))[:, :weeks, :]
        h = h + jax.nn.relu(h @ layer["now"] + earlier @ layer["before"] + layer["bias"])
    context = h[:, -1, :]
    g = jax.nn.relu(context @ params["global"][0] + params["global"][1])
    batch, horizon = features.shape[0], features.shape[1]
    per_horizon = (g @ params["horizons"][0] + params["horizons"][1]).reshape(batch, horizon, -1)
    agnostic = g @ params["agnostic"][0] + params["agnostic"][1]
    local = jnp.concatenate([per_horizon, jnp.broadcast_to(agnostic[:, None, :], per_horizon.shape), features],
                            axis=-1)
    hidden = jax.nn.relu(local @ params["local"][0] + params["local"][1])
    raw = hidden @ params["output"][0] + params["output"][1]
    return jnp.concatenate([raw[..., :1], raw[..., :1] + jnp.cumsum(jax.nn.softplus(raw[..., 1:]), axis=-1)],
                           axis=-1)


def pinball(params: Params, history: jax.Array, features: jax.Array, target: jax.Array, weight: jax.Array,
            levels: jax.Array) -> jax.Array:
    """Mean pinball loss over every known target, horizon and level, each item-origin weighted by its scale (so
    the loss follows the weighted quantile loss of the units). target: (batch, horizon), NaN unknown."""
    predicted = forward(params, history, features)
    known = ~jnp.isnan(target)
    diff = jnp.where(known, target, 0.0)[..., None] - predicted
    loss = jnp.maximum(levels * diff, (levels - 1) * diff) * known[..., None]
    return jnp.sum(loss * weight[:, None, None]) / jnp.maximum(jnp.sum(known) * len(levels), 1)


@partial(jax.jit, static_argnames="learning_rate")
def _start(params: Params, learning_rate: float) -> Any:
    return optax.adam(learning_rate).init(params)


@partial(jax.jit, static_argnames="learning_rate")
def _step(params: Params, state: Any, batch: tuple[jax.Array, ...], levels: jax.Array, learning_rate: float
          ) -> tuple[Params, Any, jax.Array]:
    """One Adam step on a batch. Module-level, so fits of the same shapes (a run's origins) compile it once."""
    loss, grads = jax.value_and_grad(pinball)(params, *batch, levels)
    updates, state = optax.adam(learning_rate).update(grads, state, params)
    return optax.apply_updates(params, updates), state, loss


@dataclass
class MQCnn:
    """The MQ-CNN model (module docstring), pooled: fitted once on every item, it forecasts any panel's items
    through `on(panel, origin)`. Inputs per item and origin: the last CONTEXT_WEEKS weeks of log1p(units / scale)
    with a known-week mask (censored weeks masked), and per horizon the global model's features (features.py:
    recent levels, last year's weeks, known-ahead covariates, calendar), standardised. The mean is the median."""

    pooled: ClassVar[bool] = True
    name: str = "mq_cnn"
    max_horizon: int = 12
    levels: tuple[float, ...] = DEFAULT_LEVELS
    mask_censored: bool = True
    seed: int = 0
    max_windows: int = 10_000
    steps: int = 400
    batch: int = 256
    learning_rate: float = 3e-3
    _params: Params | None = field(default=None, repr=False)
    _builder: FeatureBuilder | None = field(default=None, repr=False)
    _origin: int = 0
    _columns: list[str] = field(default_factory=list, repr=False)
    _center: np.ndarray | None = field(default=None, repr=False)
    _spread: np.ndarray | None = field(default=None, repr=False)

    @property
    def trained_levels(self) -> tuple[float, ...]:
        return tuple(sorted({*self.levels, 0.5}))

    def _inputs(self, items: np.ndarray, origins: np.ndarray, horizon: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(history (n, weeks, 2), features (n, horizon, k), target (n, horizon) in log1p(units / scale), scale)."""
        builder = self._builder
        assert builder is not None
        rows = Rows(np.repeat(items, horizon), np.repeat(origins, horizon), np.tile(np.arange(1, horizon + 1),
                                                                                   len(items)))
        frame, scale = builder.build(rows)
        if not self._columns:
            self._columns = list(frame.columns)
        values = frame.reindex(columns=self._columns).to_numpy(float)
        if self._center is None:
            self._center = np.nanmean(values, axis=0)
            self._spread = np.nanstd(values, axis=0) + 1e-6
        values = np.nan_to_num((values - self._center) / self._spread, nan=0.0, posinf=0.0, neginf=0.0)
        features = np.clip(values, -10, 10).reshape(len(items), horizon, -1)
        scale = scale.reshape(len(items), horizon)[:, 0]
        weeks = origins[:, None] - CONTEXT_WEEKS + np.arange(CONTEXT_WEEKS)[None, :]
        inside = weeks >= 0
        past = np.where(inside, builder.history[items[:, None], np.clip(weeks, 0, None)], np.nan)
        scaled = np.log1p(np.clip(past, 0, None) / scale[:, None])
        history = np.stack([np.nan_to_num(scaled), (~np.isnan(past)).astype(float)], axis=-1)
        target_weeks = np.clip(origins[:, None] + np.arange(horizon)[None, :], 0, builder.history.shape[1] - 1)
        target = np.log1p(np.clip(builder.history[items[:, None], target_weeks], 0, None) / scale[:, None])
        return history, features, target, scale

    def fit(self, panel: Any, origin: int) -> MQCnn:
        self._builder = FeatureBuilder(panel, self.mask_censored)
        self._origin = origin
        self._columns, self._center, self._spread = [], None, None
        rng = np.random.default_rng(self.seed)
        starts = panel.first_week + MIN_KNOWN_WEEKS
        counts = np.clip(origin - starts, 0, None)
        if not counts.sum():
            self._params = None
            return self
        item = np.repeat(np.arange(len(starts)), counts)
        row_origin = starts[item] + np.concatenate([np.arange(c) for c in counts]).astype(int)
        if len(item) > self.max_windows:
            keep = np.sort(rng.choice(len(item), size=self.max_windows, replace=False))
            item, row_origin = item[keep], row_origin[keep]
        history, features, target, scale = self._inputs(item, row_origin, self.max_horizon)
        # Only weeks before the fit origin teach.
        target = np.where(row_origin[:, None] + np.arange(self.max_horizon)[None, :] < origin, target, np.nan)
        weight = scale / scale.mean()
        levels = np.asarray(self.trained_levels, dtype=np.float32)
        params = init_params(self.seed, features.shape[-1], self.max_horizon, len(levels))
        state = _start(params, self.learning_rate)
        data = [a.astype(np.float32) for a in (history, features, target, weight)]
        size = min(self.batch, len(item))
        for _ in range(self.steps):
            pick = rng.choice(len(item), size=size, replace=False)
            params, state, loss = _step(params, state, tuple(a[pick] for a in data), levels, self.learning_rate)
        log.info("mq_cnn: %d windows, %d steps, last batch loss %.4f", len(item), self.steps, float(loss))
        # Plain numpy arrays: the fitted model pickles between workflow steps without JAX's device buffers.
        self._params = jax.tree_util.tree_map(np.asarray, params)
        return self

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_builder": None}

    def on(self, panel: Any, origin: int) -> MQCnn:
        """The fitted model, ready to forecast the items of another panel (a shard) from `origin`."""
        moved = copy.copy(self)
        moved._builder = FeatureBuilder(panel, self.mask_censored)
        moved._origin = origin
        return moved

    def predict(self, horizon: int, levels: Sequence[float] = DEFAULT_LEVELS) -> ModelForecast:
        builder, origin = self._builder, self._origin
        assert builder is not None, "fit first"
        if horizon > self.max_horizon:
            raise ValueError(f"mq_cnn was trained for horizons up to {self.max_horizon}, not {horizon}")
        missing = [level for level in levels if level not in self.trained_levels]
        if missing:
            raise ValueError(f"mq_cnn has no output for quantile(s) {missing}; it has {self.trained_levels}")
        items = forecastable_items(builder.panel, origin)
        if not len(items):
            return empty_forecast(self.name, origin, horizon, levels)
        if self._params is None:  # nothing to learn from at the fit origin: the last known week, no spread
            last = np.nan_to_num(builder.history[items, :origin])[:, -1:]
            flat = np.repeat(last, horizon, axis=1)
            mean, quantiles = finalize(flat, {level: flat for level in levels})
            return ModelForecast(self.name, items, origin, mean, quantiles)
        history, features, _, scale = self._inputs(items, np.full(len(items), origin), self.max_horizon)
        output = np.asarray(forward(self._params, jnp.asarray(history, jnp.float32),
                                    jnp.asarray(features, jnp.float32)))[:, :horizon]
        units = scale[:, None, None] * np.expm1(output)
        position = {level: k for k, level in enumerate(self.trained_levels)}
        mean, quantiles = finalize(units[..., position[0.5]], {level: units[..., position[level]] for level in levels})
        return ModelForecast(self.name, items, origin, mean, quantiles)
