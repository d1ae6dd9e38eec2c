"""The engine's settings: horizon, quantile levels, which models of the one list (models.MODELS), backtest
windows and the global model's budget. Every entry point (CLI, workflow steps, benchmarks) passes one of these."""

from __future__ import annotations

from dataclasses import dataclass

from vendorcast.forecasting.errors import PanelError

# A year ahead at most: the models learn yearly seasonality, nothing longer.
MAX_HORIZON = 52
DEFAULT_HORIZON = 12
DEFAULT_BACKTEST_WINDOWS = 3
MAX_BACKTEST_WINDOWS = 8
# The levels the forecast table publishes (p10 ... p90).
DEFAULT_LEVELS = (0.1, 0.5, 0.7, 0.8, 0.9)
# Series the pooled models learn from at most. Their training rows are a sample of lightgbm_max_rows anyway
# (about 21,000 item-origin pairs at horizon 12, fewer than this many series), so more series add memory (the
# panel's matrices grow with them, about 0.15 MiB a series at 4 years) and no rows: the workflow's Train step reads
# a random sample of this many series and fits in a Lambda at any catalogue size (docs/scale.md, "Forecasting").
POOLED_MAX_SERIES = 25_000


@dataclass(frozen=True)
class ForecastSettings:
    horizon: int = DEFAULT_HORIZON
    levels: tuple[float, ...] = DEFAULT_LEVELS
    models: tuple[str, ...] | None = None  # None: models.DEFAULT_MODELS (the opt-in candidates left out)
    backtest_windows: int = DEFAULT_BACKTEST_WINDOWS
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
        if self.backtest_windows < 1:
            raise PanelError("backtest windows must be at least 1 (the ensemble learns from them)")
        if self.models is not None and not self.models:
            raise PanelError("give at least one model")

    def check_history_length(self, weeks: int, source: str = "the history") -> None:
        """PanelError unless `weeks` of history hold every backtest window and two weeks to learn from."""
        needed = self.horizon * self.backtest_windows + 2
        if weeks < needed:
            raise PanelError(f"{source} holds {weeks} week(s); a run with {self.backtest_windows} backtest "
                             f"window(s) of {self.horizon} weeks needs at least {needed}: backfill more history, or "
                             "use fewer windows or a shorter horizon")

    def backtest_origins(self, history_weeks: int) -> list[int]:
        """The backtest windows' origins (first forecast week index) after `history_weeks` weeks of history."""
        return rolling_origins(history_weeks, self.horizon, self.backtest_windows)


def rolling_origins(n_weeks: int, horizon: int, windows: int, step: int | None = None) -> list[int]:
    """Origins (first forecast week index) of `windows` windows, the last ending at the last week, `step` weeks
    apart (default: the horizon, so the windows do not overlap)."""
    step = step or horizon
    last = n_weeks - horizon
    origins = [last - step * (windows - 1 - k) for k in range(windows)]
    if origins[0] < 2:
        raise ValueError(f"{windows} backtest windows of {horizon} weeks need more than {n_weeks} weeks of history")
    return origins
