"""Starting forecast runs on the emulator: the scheduled starter starts one run per weekly tick however often
the tick arrives, refuses a bad manual request before anything starts, the CLI starts a manual run, and the
local runtime runs the week's forecast."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from vendorcast import resources as r
from vendorcast.cli import cli
from vendorcast.clock import ScaledClock, use_clock
from vendorcast.config import parse_config
from vendorcast.forecasting.start import ForecastStartError
from vendorcast.local.aws import LocalAws, apply_environment, restore_environment
from vendorcast.local.lambdas import LocalLambdaContext, load_handler
from vendorcast.local.runtime import LocalPipeline
from vendorcast.local.stepfunctions import LocalStepFunctions, create_forecast_workflow
from vendorcast.sandbox.settings import SandboxSettings

if TYPE_CHECKING:
    from conftest import AlertInbox, TinyWorkflow

pytestmark = pytest.mark.integration

# A Wednesday: the week's run is weekly-2026-11-15.
NOW = datetime(2026, 11, 18, 6, tzinfo=UTC)


@pytest.fixture
def deployed(local_aws: LocalAws, step_functions: LocalStepFunctions,
             tiny_workflow: type[TinyWorkflow]) -> Iterator[tuple[str, TinyWorkflow]]:
    """The forecast state machine with stand-in tasks, and the environment the stack gives the starter."""
    workflow = tiny_workflow()
    machine = create_forecast_workflow(step_functions, workflow.handlers(), local_aws.alert_topic_arn)
    previous = apply_environment({**local_aws.environment(), r.ENV_FORECAST_STATE_MACHINE_ARN: machine})
    use_clock(ScaledClock.starting_at(NOW, 1.0))
    yield machine, workflow
    use_clock(None)
    restore_environment(previous)


def test_the_scheduled_starter_starts_one_run_per_weekly_tick(
        deployed: tuple[str, TinyWorkflow], step_functions: LocalStepFunctions, alert_inbox: AlertInbox) -> None:
    machine, workflow = deployed
    starter = load_handler("forecast_start")
    tick = {"trigger": "scheduled"}

    first = starter.handler(tick, LocalLambdaContext("forecast_start"))
    assert first["name"] == "weekly-2026-11-15" and not first["already_started"]
    assert first["execution_input"] == {"trigger": "scheduled", "origin": "2026-11-15"}
    outcome = step_functions.run(machine, first["name"], first["execution_input"], timeout=120)
    assert outcome.succeeded and not outcome.started and outcome.execution_arn == first["execution_arn"]

    # EventBridge delivers at least once: the same tick again starts nothing.
    again = starter.handler(tick, LocalLambdaContext("forecast_start"))
    assert again["already_started"] and again["execution_arn"] == first["execution_arn"]
    assert len(workflow.calls["forecast_prepare"]) == 1
    assert len(alert_inbox.messages()) == 2  # the run's summary and its plan digest


def test_a_bad_manual_request_starts_nothing(deployed: tuple[str, TinyWorkflow], local_aws: LocalAws) -> None:
    machine, _ = deployed
    starter = load_handler("forecast_start")
    with pytest.raises(ForecastStartError, match="origin: 2026-11-18 is a Wednesday"):
        starter.handler({"trigger": "manual", "origin": "2026-11-18"}, LocalLambdaContext("forecast_start"))
    assert local_aws.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"] == []


def test_the_cli_starts_a_manual_run(deployed: tuple[str, TinyWorkflow], step_functions: LocalStepFunctions) -> None:
    machine, workflow = deployed
    result = CliRunner().invoke(cli, ["forecast", "start", "--origin", "2026-11-08", "--horizon", "6",
                                      "--name", "rerun-2026-11-08", "--state-machine", machine])
    assert result.exit_code == 0, result.output
    assert result.output.startswith('started rerun-2026-11-08 with input {"trigger": "manual", "origin": '
                                    '"2026-11-08", "horizon": 6}')
    outcome = step_functions.run(machine, "rerun-2026-11-08",
                                 {"trigger": "manual", "origin": "2026-11-08", "horizon": 6}, timeout=120)
    assert outcome.succeeded
    assert workflow.calls["forecast_prepare"][0]["run_id"] == "rerun-2026-11-08"

    again = CliRunner().invoke(cli, ["forecast", "start", "--name", "rerun-2026-11-08", "--state-machine", machine])
    assert again.exit_code == 0 and again.output.startswith("rerun-2026-11-08 exists already")


def test_the_local_runtime_runs_the_weeks_forecast(tiny_workflow: type[TinyWorkflow]) -> None:
    workflow = tiny_workflow(shards=2)
    config = parse_config({"accounts": [{"name": "acme-us", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"],
                                         "secret_name": "vendorcast/acme-us/spapi", "backfill_start": "2026-10-04"}]})
    sandbox = SandboxSettings(seed=3, n_asins=3, history_start=date(2026, 1, 4))
    with LocalPipeline(config, sandbox, ScaledClock.starting_at(NOW, 1.0),
                       forecast_handlers=workflow.handlers()) as pipeline:
        pipeline.stop_event_source()
        outcome = pipeline.run_forecast({"trigger": "scheduled"}, timeout=120)
        again = pipeline.run_forecast({"trigger": "scheduled"}, timeout=120)

    assert outcome.succeeded and outcome.name == "weekly-2026-11-15"
    assert outcome.output["forecast"]["subject"] == "vendorcast forecast weekly-2026-11-15: 8 items"
    assert again.succeeded and not again.started
    assert len(workflow.calls["forecast_prepare"]) == 1
