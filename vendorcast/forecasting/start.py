"""Starting a forecast run: the validated start request (the weekly schedule's or a person's), the forecast
origin, the execution name that lets each schedule tick start one run at most, and StartExecution."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vendorcast.forecasting.run import ForecastOrigin, Horizon, Trigger
from vendorcast.reports.periods import period_start
from vendorcast.vocabulary.report_catalogue import ReportPeriod

SCHEDULED_PREFIX = "weekly"
MANUAL_PREFIX = "manual"
# Step Functions execution names: up to 80 characters; these are also safe in log groups and metrics.
EXECUTION_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$"


class ForecastStartError(ValueError):
    """A start request that cannot be run; the message names the field and what to write instead."""


def forecast_origin(now: datetime) -> date:
    """The first forecast week: the Sunday starting the current week (Amazon's weeks run Sunday to Saturday)."""
    return period_start(now.date(), ReportPeriod.WEEK)


class ForecastStart(BaseModel):
    """A request to start a forecast run. The weekly schedule sends `{"trigger": "scheduled"}`; a manual start
    may choose the origin (a past Sunday re-runs that week), the horizon and the execution name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trigger: Trigger
    origin: ForecastOrigin | None = None
    horizon: Horizon | None = None
    name: Annotated[str, Field(pattern=EXECUTION_NAME_PATTERN)] | None = None

    @model_validator(mode="after")
    def _check(self) -> ForecastStart:
        if self.trigger == "scheduled" and (self.origin or self.horizon or self.name):
            raise ValueError("a scheduled start takes no origin, horizon or name (the schedule sets them); "
                             "use trigger \"manual\" to choose them")
        return self

    def origin_at(self, now: datetime) -> date:
        """The run's origin: the requested one, else this week's Sunday. Never after this week: the weeks
        before the origin are the history the models learn from."""
        current = forecast_origin(now)
        if self.origin is not None and self.origin > current:
            raise ForecastStartError(f"origin {self.origin} is after the current week (which starts {current}); "
                                     "choose this week's Sunday or an earlier one")
        return self.origin or current

    def execution_input(self, now: datetime) -> dict[str, Any]:
        """The state machine's input: {"trigger", "origin": "YYYY-MM-DD", "horizon"?}, which Prepare reads as a
        RunRequest (vendorcast.forecasting.run) with the execution's name and start time."""
        execution_input: dict[str, Any] = {"trigger": self.trigger, "origin": self.origin_at(now).isoformat()}
        if self.horizon is not None:
            execution_input["horizon"] = self.horizon
        return execution_input

    def execution_name(self, now: datetime) -> str:
        """`weekly-<origin>`: a repeated or late delivery of the same schedule tick names the same execution,
        which Step Functions starts once. A manual start is named by the person, else by the second it starts."""
        if self.trigger == "scheduled":
            return f"{SCHEDULED_PREFIX}-{self.origin_at(now).isoformat()}"
        return self.name or f"{MANUAL_PREFIX}-{self.origin_at(now).isoformat()}-{now:%Y%m%dT%H%M%S}"


def parse_start_request(event: Any) -> ForecastStart:
    """The start request from an event (the schedule's input, a direct invocation, the CLI's options)."""
    if not isinstance(event, Mapping):
        raise ForecastStartError(f"a forecast start request is a JSON object like {{\"trigger\": \"manual\"}}, "
                                 f"not {json.dumps(event)[:80]}")
    try:
        return ForecastStart.model_validate(dict(event))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = f"unknown field; a start request takes {', '.join(ForecastStart.model_fields)}"
        elif field == "name" and first["type"] == "string_pattern_mismatch":
            message = ("an execution name is 1 to 80 letters, digits, '-' and '_', starting with a letter or digit, "
                       f"not {first['input']!r}")
        raise ForecastStartError(f"forecast start request: {field + ': ' if field else ''}{message}") from None


@dataclass(frozen=True)
class StartedRun:
    name: str
    execution_arn: str
    execution_input: dict[str, Any]
    # True when Step Functions refused the name because an execution of it exists (the same schedule tick
    # delivered twice after the first run ended, or a name used before): nothing new was started. (While the
    # first run is going, a start with the same name and input simply returns it.)
    already_started: bool


def execution_arn(state_machine_arn: str, name: str) -> str:
    """arn:...:stateMachine:MACHINE -> arn:...:execution:MACHINE:NAME, as Step Functions names executions."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{name}"


def start_forecast(stepfunctions: Any, state_machine_arn: str, request: ForecastStart, now: datetime) -> StartedRun:
    """StartExecution with the request's name and input. Step Functions refuses a second execution of a name
    (ExecutionAlreadyExists): that run was started already, which is what a repeated tick should find."""
    name = request.execution_name(now)
    execution_input = request.execution_input(now)
    try:
        arn = stepfunctions.start_execution(stateMachineArn=state_machine_arn, name=name,
                                            input=json.dumps(execution_input))["executionArn"]
    except stepfunctions.exceptions.ExecutionAlreadyExists:
        return StartedRun(name, execution_arn(state_machine_arn, name), execution_input, already_started=True)
    return StartedRun(name, arn, execution_input, already_started=False)
