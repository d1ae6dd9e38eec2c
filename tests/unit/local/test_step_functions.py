"""The local Step Functions runner's pure parts: filling a definition's placeholders as CloudFormation does,
and telling from an execution history which state failed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vendorcast import resources as r
from vendorcast.local.stepfunctions import FORECAST_DEFINITION, DefinitionError, failed_state_of, fill_definition

DEFINITION = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${AFunctionArn}", "End": true}}}'


def test_placeholders_are_filled_with_their_values() -> None:
    filled = json.loads(fill_definition(DEFINITION, {"AFunctionArn": "arn:aws:lambda:us-east-1:1:function:a"}))
    assert filled["States"]["A"]["Resource"] == "arn:aws:lambda:us-east-1:1:function:a"


@pytest.mark.parametrize(("substitutions", "message"), [
    ({}, r"placeholders without a value: \['AFunctionArn'\]; values without a placeholder: none"),
    ({"AFunctionArn": "a", "BFunctionArn": "b"},
     r"placeholders without a value: none; values without a placeholder: \['BFunctionArn'\]"),
    ({"AFunctionArn": 'a"'}, r"the filled definition is not valid JSON"),
])
def test_a_placeholder_without_value_or_a_value_without_placeholder_is_refused(
        substitutions: dict[str, str], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        fill_definition(DEFINITION, substitutions)


def test_the_forecast_definition_names_exactly_the_placeholders_of_resources() -> None:
    values = {placeholder: "arn" for placeholder in r.FORECAST_FUNCTION_PLACEHOLDERS.values()}
    values[r.FORECAST_ALERT_TOPIC_PLACEHOLDER] = "arn"
    json.loads(fill_definition(FORECAST_DEFINITION.read_text(encoding="utf-8"), values))


def _history(*events: tuple[str, str | None]) -> list[dict[str, Any]]:
    """(event type, state name for *StateEntered events) -> a linear history, each event after the previous."""
    history = []
    for index, (kind, state) in enumerate(events, start=1):
        event: dict[str, Any] = {"id": index, "previousEventId": index - 1, "type": kind}
        if state is not None:
            event["stateEnteredEventDetails"] = {"name": state}
        history.append(event)
    return history


def test_the_failed_state_is_the_one_whose_task_gave_up() -> None:
    history = _history(
        ("ExecutionStarted", None),
        ("TaskStateEntered", "Prepare"), ("LambdaFunctionSucceeded", None),
        # Train fails once, is retried and succeeds: not the failed state.
        ("TaskStateEntered", "Train"), ("LambdaFunctionFailed", None), ("LambdaFunctionSucceeded", None),
        ("TaskStateEntered", "Publish"), ("LambdaFunctionFailed", None), ("LambdaFunctionFailed", None),
        ("PassStateEntered", "PublishFailed"),
        ("TaskStateEntered", "RecordFailure"), ("LambdaFunctionSucceeded", None),
        ("TaskStateEntered", "NotifyFailure"), ("TaskFailed", None),
        ("FailStateEntered", "RunFailed"), ("ExecutionFailed", None),
    )
    assert failed_state_of(history) == "Publish"


def test_a_timed_out_execution_names_the_state_it_was_in() -> None:
    history = _history(("ExecutionStarted", None), ("TaskStateEntered", "Prepare"),
                       ("LambdaFunctionSucceeded", None), ("TaskStateEntered", "Train"), ("ExecutionTimedOut", None))
    assert failed_state_of(history) == "Train"
    assert failed_state_of(_history(("ExecutionStarted", None), ("SucceedStateEntered", "Done"),
                                    ("ExecutionSucceeded", None))) is None


def test_one_failed_map_iteration_is_the_failed_state_though_others_succeed() -> None:
    def event(id_: int, parent: int, kind: str, state: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": id_, "previousEventId": parent, "type": kind}
        if state:
            entry["stateEnteredEventDetails"] = {"name": state}
        return entry

    # Two iterations of one Map interleave; the first fails, the second succeeds after it.
    history = [
        event(1, 0, "ExecutionStarted"), event(2, 1, "MapStateEntered", "ForecastShards"),
        event(3, 2, "TaskStateEntered", "ForecastShard"), event(4, 2, "TaskStateEntered", "ForecastShard"),
        event(5, 3, "LambdaFunctionFailed"), event(6, 4, "LambdaFunctionSucceeded"),
        event(7, 5, "MapStateFailed"), event(8, 7, "ExecutionFailed"),
    ]
    assert failed_state_of(history) == "ForecastShard"
