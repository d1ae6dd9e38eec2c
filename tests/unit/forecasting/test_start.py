"""Starting a forecast run: the origin is this week's Sunday, one execution name per schedule tick, and a
start request that cannot run fails with one line naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vendorcast.forecasting.start import (
    ForecastStartError,
    execution_arn,
    forecast_origin,
    parse_start_request,
)

# A Wednesday; its week (Amazon's: Sunday to Saturday) starts on Sunday 2026-11-15.
NOW = datetime(2026, 11, 18, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(("now", "origin"), [
    (datetime(2026, 11, 15, 0, 0, tzinfo=UTC), date(2026, 11, 15)),  # Sunday: its own week
    (NOW, date(2026, 11, 15)),
    (datetime(2026, 11, 21, 23, 59, tzinfo=UTC), date(2026, 11, 15)),  # Saturday: still the same week
    (datetime(2027, 1, 1, 12, tzinfo=UTC), date(2026, 12, 27)),  # across the new year
])
def test_the_origin_is_the_sunday_starting_the_current_week(now: datetime, origin: date) -> None:
    assert forecast_origin(now) == origin


def test_every_tick_of_one_week_names_the_same_execution() -> None:
    request = parse_start_request({"trigger": "scheduled"})
    names = {request.execution_name(datetime(2026, 11, day, hour, tzinfo=UTC))
             for day in range(15, 22) for hour in (0, 12, 23)}
    assert names == {"weekly-2026-11-15"}
    assert request.execution_name(datetime(2026, 11, 22, tzinfo=UTC)) == "weekly-2026-11-22"
    assert request.execution_input(NOW) == {"trigger": "scheduled", "origin": "2026-11-15"}


def test_a_manual_start_chooses_origin_horizon_and_name() -> None:
    request = parse_start_request({"trigger": "manual", "origin": "2026-10-04", "horizon": 8})
    assert request.execution_input(NOW) == {"trigger": "manual", "origin": "2026-10-04", "horizon": 8}
    # Unnamed manual runs are named by the second they start: a second start a minute later runs again.
    assert request.execution_name(NOW) == "manual-2026-10-04-20261118T063000"
    named = parse_start_request({"trigger": "manual", "name": "rerun-after-restatement"})
    assert named.execution_name(NOW) == "rerun-after-restatement"
    assert named.execution_input(NOW) == {"trigger": "manual", "origin": "2026-11-15"}


@pytest.mark.parametrize(("event", "message"), [
    ({"trigger": "manual", "origin": "2026-11-18"},
     "forecast start request: origin: 2026-11-18 is a Wednesday; forecasts start on a Sunday (Amazon's weeks run "
     "Sunday to Saturday), e.g. 2026-11-15"),
    ({"trigger": "manual", "horizon": 0},
     "forecast start request: horizon: Input should be greater than or equal to 1"),
    ({"trigger": "manual", "horizon": 60},
     "forecast start request: horizon: Input should be less than or equal to 52"),
    ({"trigger": "weekly"}, "forecast start request: trigger: Input should be 'scheduled' or 'manual'"),
    ({}, "forecast start request: trigger: Field required"),
    ({"trigger": "manual", "orgin": "2026-11-15"},
     "forecast start request: orgin: unknown field; a start request takes trigger, origin, horizon, name"),
    ({"trigger": "scheduled", "origin": "2026-11-15"},
     "forecast start request: a scheduled start takes no origin, horizon or name (the schedule sets them); use "
     "trigger \"manual\" to choose them"),
    ({"trigger": "manual", "name": "my run"},
     "forecast start request: name: an execution name is 1 to 80 letters, digits, '-' and '_', starting with a "
     "letter or digit, not 'my run'"),
    (["manual"], 'a forecast start request is a JSON object like {"trigger": "manual"}, not ["manual"]'),
])
def test_a_request_that_cannot_run_says_what_to_fix_in_one_line(event: object, message: str) -> None:
    with pytest.raises(ForecastStartError) as raised:
        parse_start_request(event)
    assert str(raised.value) == message
    assert "\n" not in str(raised.value)


def test_an_origin_after_this_week_is_refused() -> None:
    request = parse_start_request({"trigger": "manual", "origin": "2026-11-22"})
    with pytest.raises(ForecastStartError, match=r"^origin 2026-11-22 is after the current week \(which starts "
                                                 r"2026-11-15\); choose this week's Sunday or an earlier one$"):
        request.execution_input(NOW)


def test_execution_arn_follows_step_functions_naming() -> None:
    machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:vendorcast-forecast"
    assert execution_arn(machine, "weekly-2026-11-15") == (
        "arn:aws:states:eu-west-1:123456789012:execution:vendorcast-forecast:weekly-2026-11-15")
