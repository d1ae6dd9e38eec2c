"""The forecast run's contract, one for the start request, the state machine's steps and the CLI: which origin
(a Sunday), horizon and backtest windows a run takes (`RunRequest`, Prepare's input), and what Prepare hands to
every later step (`Run`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from vendorcast.forecasting.settings import (
    DEFAULT_BACKTEST_WINDOWS,
    DEFAULT_HORIZON,
    MAX_BACKTEST_WINDOWS,
    MAX_HORIZON,
    ForecastSettings,
)

DEFAULT_SHARD_SIZE = 1000
# Above this many shards the Map runs in distributed mode (inline Map state runs at most 40 iterations at once).
DISTRIBUTED_MAP_SHARDS = 40


def _sunday(value: date) -> date:
    if value.weekday() != 6:
        sunday = value - timedelta(days=(value.weekday() + 1) % 7)
        raise ValueError(f"{value} is a {value:%A}; forecasts start on a Sunday (Amazon's weeks run Sunday "
                         f"to Saturday), e.g. {sunday}")
    return value


# The first forecast week: the Sunday a retail week starts on.
ForecastOrigin = Annotated[date, AfterValidator(_sunday)]
Horizon = Annotated[int, Field(ge=1, le=MAX_HORIZON)]
Trigger = Literal["scheduled", "manual"]


class RunRequest(BaseModel):
    """Prepare's input: the execution input (the start request's trigger, origin and horizon, or a person's) with
    the execution's name (the run id) and start time."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(min_length=1, max_length=80)
    started_at: datetime
    trigger: Trigger = "manual"
    origin: ForecastOrigin | None = None
    horizon: Horizon = DEFAULT_HORIZON
    backtest_windows: int = Field(DEFAULT_BACKTEST_WINDOWS, ge=1, le=MAX_BACKTEST_WINDOWS)
    shard_size: int = Field(DEFAULT_SHARD_SIZE, ge=10, le=20_000)

    def settings(self) -> ForecastSettings:
        return ForecastSettings(horizon=self.horizon, backtest_windows=self.backtest_windows)


class Run(BaseModel):
    """What Prepare hands to every later step ($.run)."""

    run_id: str
    started_at: datetime
    trigger: Trigger
    origin: date
    horizon: int
    backtest_windows: int
    series_count: int
    first_week: date  # week 0 of every shard's grid
    shards: list[dict[str, int]]
    distributed: bool
    # Whether the vendor's promotion plan (inputs/promotions/) gives the shards known-ahead covariates.
    promotions: bool = False
    # What the run summary says of the vendor's input files: what was used, and each problem to fix.
    input_notes: list[str] = Field(default_factory=list)

    def settings(self) -> ForecastSettings:
        return ForecastSettings(horizon=self.horizon, backtest_windows=self.backtest_windows)

    def window_origins(self) -> list[date]:
        """The first day of each backtest window (the engine's forecast_origins on the run's weekly grid)."""
        weeks = (self.origin - self.first_week).days // 7
        return [self.first_week + timedelta(weeks=i) for i in self.settings().backtest_origins(weeks)]


class ForecastInputError(ValueError):
    """The workflow's input cannot make a forecast run; the message says what to fix."""


Contract = TypeVar("Contract", bound=BaseModel)


def validated(contract: type[Contract], event: Any, step: str) -> Contract:
    """The event as `contract`, or a ForecastInputError naming the step and every field to fix."""
    try:
        return contract.model_validate(event)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg'].removeprefix('Value error, ')}"
                             for e in exc.errors())
        raise ForecastInputError(f"{step}: invalid input: {problems}") from None
