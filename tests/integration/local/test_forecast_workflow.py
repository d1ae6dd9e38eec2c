"""stepfunctions/forecast.asl.json executed for real by moto's interpreter, its six Lambda tasks answered by
tiny stand-ins for the workflow functions: the events each step receives, the success e-mail, the plan digest and
the fill-rate alert, retries of transient errors, the failure path that names the failed step (Plan's too), and
runs that start once per name."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from vendorcast.local.stepfunctions import (
    ExecutionNameTaken,
    LocalStepFunctions,
    create_forecast_workflow,
)

if TYPE_CHECKING:
    from conftest import TinyWorkflow

pytestmark = pytest.mark.integration

INPUT = {"trigger": "manual", "origin": "2026-11-15", "horizon": 8}


def run(step_functions: LocalStepFunctions, workflow: TinyWorkflow, alert_topic_arn: str, name: str = "run-1",
        execution_input: dict[str, Any] | None = None):
    machine = create_forecast_workflow(step_functions, workflow.handlers(), alert_topic_arn)
    return step_functions.run(machine, name, execution_input or INPUT, timeout=120)


def test_each_step_gets_its_event_and_the_summary_is_mailed(
        step_functions, local_aws, alert_inbox, tiny_workflow) -> None:
    workflow = tiny_workflow(shards=3)
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn, name="weekly-2026-11-15")

    assert outcome.succeeded, (outcome.error, outcome.cause)
    (prepare,) = workflow.calls["forecast_prepare"]
    assert set(prepare) == {"trigger", "origin", "horizon", "run_id", "started_at"}
    assert {k: prepare[k] for k in INPUT} == INPUT and prepare["run_id"] == "weekly-2026-11-15"
    run_dict = workflow.prepare(prepare)
    (train,) = workflow.calls["forecast_train"]
    assert train == {"run": run_dict}
    train_result = workflow.train(train)
    shards = sorted(workflow.calls["forecast_shard"], key=lambda e: e["shard"]["index"])
    assert shards == [{"run": run_dict, "train": train_result, "shard": shard} for shard in run_dict["shards"]]
    (publish,) = workflow.calls["forecast_publish"]
    # The Map keeps the order of the shards in its result list.
    assert publish == {"run": run_dict, "train": train_result, "shards": [workflow.shard(e) for e in shards]}
    (plan,) = workflow.calls["forecast_plan"]
    assert plan == {"run": run_dict}
    assert workflow.calls["forecast_record_failure"] == []

    summary, planned = workflow.publish(publish), workflow.plan(plan)
    assert outcome.output == {"forecast": summary, "plan": planned["summary"]}
    assert outcome.states[-6:] == ["Publish", "Plan", "NotifySuccess", "NotifyPlanDigest", "BelowFillTarget",
                                   "Succeeded"] and "ForecastShards" in outcome.states
    # Nothing below the fill target: no alert.
    assert alert_inbox.messages() == [{"subject": summary["subject"], "message": summary["message"]},
                                      planned["digest"]]


def test_asins_below_the_fill_target_send_the_alert_after_the_digest(
        step_functions, local_aws, alert_inbox, tiny_workflow) -> None:
    workflow = tiny_workflow(below_target=2)
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn)

    assert outcome.succeeded, (outcome.error, outcome.cause)
    assert outcome.states[-3:] == ["BelowFillTarget", "NotifyBelowFillTarget", "Succeeded"]
    planned = workflow.plan(workflow.calls["forecast_plan"][0])
    assert alert_inbox.messages()[1:] == [planned["digest"], planned["alert"]]


def test_a_failing_plan_step_is_retried_then_recorded_and_mailed(
        step_functions, local_aws, alert_inbox, tiny_workflow, transient_error) -> None:
    workflow = tiny_workflow()
    workflow.fail["forecast_plan"] = [transient_error] * 5
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn)

    # Retried twice (the bound for transient errors), after Publish wrote the forecast; no summary went out.
    assert len(workflow.calls["forecast_plan"]) == 3 and len(workflow.calls["forecast_publish"]) == 1
    assert (outcome.status, outcome.error, outcome.failed_state) == ("FAILED", "ReadTimeoutError", "Plan")
    (record,) = workflow.calls["forecast_record_failure"]
    assert record["failed_state"] == "Plan" and record["run_id"] == "run-1"
    assert outcome.states[-3:] == ["RecordFailure", "NotifyFailure", "RunFailed"]
    assert alert_inbox.messages() == [{"subject": "vendorcast forecast failed in Plan",
                                       "message": "run-1: ReadTimeoutError"}]


def test_a_large_catalogue_runs_its_shards_in_a_distributed_map(
        step_functions, local_aws, alert_inbox, tiny_workflow) -> None:
    workflow = tiny_workflow(shards=4, distributed=True)
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn)

    assert outcome.succeeded, (outcome.error, outcome.cause)
    assert "ForecastShardsDistributed" in outcome.states and "ForecastShards" not in outcome.states
    assert sorted(e["shard"]["index"] for e in workflow.calls["forecast_shard"]) == [0, 1, 2, 3]
    assert workflow.calls["forecast_publish"][0]["shards"] == [{"index": i, "items": 4} for i in range(4)]
    assert len(alert_inbox.messages()) == 2


def test_a_transient_error_is_retried_and_the_run_succeeds(
        step_functions, local_aws, alert_inbox, tiny_workflow, transient_error) -> None:
    workflow = tiny_workflow()
    workflow.fail["forecast_publish"] = [transient_error, None]
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn)

    assert outcome.succeeded, (outcome.error, outcome.cause)
    assert len(workflow.calls["forecast_publish"]) == 2
    assert workflow.calls["forecast_record_failure"] == []
    assert [m["subject"] for m in alert_inbox.messages()] == ["vendorcast forecast run-1: 12 items",
                                                              "vendorcast plan run-1"]


def test_a_step_that_keeps_failing_is_recorded_and_mailed_naming_the_step(
        step_functions, local_aws, alert_inbox, tiny_workflow, transient_error) -> None:
    workflow = tiny_workflow()
    workflow.fail["forecast_train"] = [transient_error] * 5
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn)

    # Retried twice (the definition's bound for transient errors), then caught.
    assert len(workflow.calls["forecast_train"]) == 3
    assert workflow.calls["forecast_shard"] == [] and workflow.calls["forecast_publish"] == []
    (record,) = workflow.calls["forecast_record_failure"]
    assert set(record) == {"failed_state", "failure", "run_id", "started_at", "input"}
    assert record["failed_state"] == "Train" and record["run_id"] == "run-1"
    assert record["failure"]["Error"] == "ReadTimeoutError"
    assert json.loads(record["failure"]["Cause"])["errorType"] == "ReadTimeoutError"
    assert record["input"] == INPUT
    assert record["started_at"] == workflow.calls["forecast_prepare"][0]["started_at"]

    assert outcome.status == "FAILED"
    assert (outcome.error, outcome.failed_state) == ("ReadTimeoutError", "Train")
    assert outcome.cause.startswith("Train failed: ")
    assert outcome.states[-3:] == ["RecordFailure", "NotifyFailure", "RunFailed"]
    assert alert_inbox.messages() == [{"subject": "vendorcast forecast failed in Train",
                                       "message": "run-1: ReadTimeoutError"}]


def test_bad_input_is_not_retried(step_functions, local_aws, alert_inbox, tiny_workflow) -> None:
    workflow = tiny_workflow()
    workflow.fail["forecast_prepare"] = [ValueError("origin 2026-11-18 is a Wednesday; use 2026-11-15")]
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn)

    assert len(workflow.calls["forecast_prepare"]) == 1
    assert (outcome.status, outcome.error, outcome.failed_state) == ("FAILED", "ValueError", "Prepare")
    assert "Wednesday" in outcome.cause
    (record,) = workflow.calls["forecast_record_failure"]
    assert record["failed_state"] == "Prepare"
    assert [m["subject"] for m in alert_inbox.messages()] == ["vendorcast forecast failed in Prepare"]


def test_a_failed_shard_fails_the_run_at_the_shard_step(step_functions, local_aws, alert_inbox, tiny_workflow) -> None:
    workflow = tiny_workflow(shards=2)
    workflow.fail["forecast_shard"] = [KeyError("week_start")] * 2
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn)

    assert (outcome.status, outcome.error, outcome.failed_state) == ("FAILED", "KeyError", "ForecastShard")
    assert workflow.calls["forecast_publish"] == []
    (record,) = workflow.calls["forecast_record_failure"]
    assert record["failed_state"] == "ForecastShard"
    assert [m["subject"] for m in alert_inbox.messages()] == ["vendorcast forecast failed in ForecastShard"]


def test_when_recording_the_failure_fails_a_plain_notice_still_goes_out(
        step_functions, local_aws, alert_inbox, tiny_workflow) -> None:
    workflow = tiny_workflow()
    workflow.fail["forecast_publish"] = [RuntimeError("Glue said no")]
    workflow.fail["forecast_record_failure"] = [PermissionError("forecast_runs is not writable")]
    outcome = run(step_functions, workflow, local_aws.alert_topic_arn)

    assert (outcome.status, outcome.error, outcome.failed_state) == ("FAILED", "RuntimeError", "Publish")
    assert "NotifyFailureUnrecorded" in outcome.states and "NotifyFailure" not in outcome.states
    (notice,) = alert_inbox.messages()
    assert notice["subject"] == "vendorcast: forecast run failed"
    for part in ("run-1", "Publish", "RuntimeError", "Glue said no", "PermissionError"):
        assert part in notice["message"]


def test_an_execution_name_runs_once(step_functions, local_aws, alert_inbox, tiny_workflow) -> None:
    workflow = tiny_workflow()
    machine = create_forecast_workflow(step_functions, workflow.handlers(), local_aws.alert_topic_arn)
    first = step_functions.run(machine, "weekly-2026-11-15", INPUT, timeout=120)
    again = step_functions.run(machine, "weekly-2026-11-15", INPUT, timeout=120)

    assert first.succeeded and first.started
    assert again.succeeded and not again.started and again.execution_arn == first.execution_arn
    assert len(workflow.calls["forecast_prepare"]) == 1
    assert len(alert_inbox.messages()) == 2
    with pytest.raises(ExecutionNameTaken, match="weekly-2026-11-15"):
        step_functions.run(machine, "weekly-2026-11-15", {**INPUT, "horizon": 12}, timeout=120)
    with pytest.raises(ValueError, match="needs a name"):
        step_functions.run(machine, "", INPUT)
