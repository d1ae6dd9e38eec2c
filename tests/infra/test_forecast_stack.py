"""The forecast stack's template: the state machine from stepfunctions/forecast.asl.json with every placeholder
filled by the right resource, bounded retries, a catch and a timeout on every task, the Map's concurrency and
its distributed branch, six container-image functions from one image, the weekly start, what each role may
do (the Plan step: read its inputs, write its three tables), the encrypted execution logs; and that the image needs no
Docker until deploy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from stacks.forecast_workflow import DISTRIBUTED_MAP_LABEL, DOCKERFILE, WORKFLOW_FUNCTIONS
from stacks.forecasting import SCHEDULED_INPUT
from stacks.packaging import LAMBDA_PYTHON_VERSION, REPO_ROOT
from tests.infra.cfn_values import grants_of, render
from vendorcast import resources as r
from vendorcast.lake.forecast_tables import FORECAST_TABLES, PLANNING_TABLES
from vendorcast.lake.tables import CURATED_TABLES
from vendorcast.local.aws import LocalAws

if TYPE_CHECKING:
    from conftest import Synthesized

LAMBDA_SERVICE_ERRORS = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                         "Lambda.TooManyRequestsException"}
# Steps whose failure the workflow records and mails; the failure path's own tasks end in RunFailed.
WORK_STEPS = {"Prepare": "PrepareFailed", "Train": "TrainFailed", "Publish": "PublishFailed", "Plan": "PlanFailed",
              "NotifySuccess": "NotifySuccessFailed", "NotifyPlanDigest": "NotifyPlanDigestFailed",
              "NotifyBelowFillTarget": "NotifyBelowFillTargetFailed", "ForecastShards": "ForecastShardsFailed",
              "ForecastShardsDistributed": "ForecastShardsFailed"}


def _stack(synthesized: Synthesized) -> str:
    return synthesized.stacks.forecasting.stack_name


def _machine(synthesized: Synthesized) -> dict[str, Any]:
    (machine,) = synthesized.resources(_stack(synthesized), "AWS::StepFunctions::StateMachine").values()
    return machine["Properties"]


def _definition(synthesized: Synthesized) -> dict[str, Any]:
    return json.loads(_machine(synthesized)["DefinitionString"])


def _states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, also those inside Map item processors."""
    for name, state in states.items():
        yield name, state
        if "ItemProcessor" in state:
            yield from _states(state["ItemProcessor"]["States"])


def _functions(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every Lambda function of the stack."""
    return {k: v["Properties"] for k, v in synthesized.resources(_stack(synthesized), "AWS::Lambda::Function").items()}


def _statements(synthesized: Synthesized, role: Any) -> list[dict[str, Any]]:
    stack = synthesized.stacks.forecasting
    policy = role.node.find_child("DefaultPolicy").node.default_child
    return synthesized.templates[_stack(synthesized)]["Resources"][stack.get_logical_id(policy)][
        "Properties"]["PolicyDocument"]["Statement"]


def _grants(synthesized: Synthesized, role: Any) -> dict[str, set[str]]:
    """Rendered resource -> actions the role may take on it."""
    return grants_of(_statements(synthesized, role))


# ----------------------------------------------------------------------------------------- the definition
def test_the_definition_is_the_asl_file_with_every_placeholder_filled(synthesized: Synthesized) -> None:
    machine = _machine(synthesized)
    text = (REPO_ROOT / r.FORECAST_DEFINITION).read_text(encoding="utf-8")
    assert machine["DefinitionString"] == text
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text))
    substitutions = machine["DefinitionSubstitutions"]
    assert placeholders == set(substitutions) == {*r.FORECAST_FUNCTION_PLACEHOLDERS.values(),
                                                  r.FORECAST_ALERT_TOPIC_PLACEHOLDER}
    # Each function placeholder is the function whose image runs that handler.
    functions = _functions(synthesized)
    for function, placeholder in r.FORECAST_FUNCTION_PLACEHOLDERS.items():
        logical_id, attribute = substitutions[placeholder]["Fn::GetAtt"]
        assert attribute == "Arn"
        assert functions[logical_id]["ImageConfig"]["Command"] == [f"lambdas.{function}.handler.handler"]
    topic = substitutions[r.FORECAST_ALERT_TOPIC_PLACEHOLDER]["Fn::GetStackOutput"]
    assert topic["StackName"] == synthesized.stacks.alerts.stack_name and "AlertTopic" in topic["OutputName"]

    filled = re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: render(substitutions[m.group(1)]), text)
    assert "${" not in filled
    json.loads(filled)


def test_every_task_retries_boundedly_and_has_a_timeout(synthesized: Synthesized) -> None:
    definition = _definition(synthesized)
    tasks = {name: state for name, state in _states(definition["States"]) if state["Type"] == "Task"}
    assert len(tasks) == 12  # the six functions (the shard function in both Maps), five e-mails
    for name, task in tasks.items():
        assert 0 < task["TimeoutSeconds"] <= 960, name
        assert task["Retry"], name
        for retrier in task["Retry"]:
            assert 1 <= retrier["MaxAttempts"] <= 4, name
            assert retrier["BackoffRate"] >= 1 and retrier["MaxDelaySeconds"] <= 30, name
            assert retrier["JitterStrategy"] == "FULL", name
            assert "States.ALL" not in retrier["ErrorEquals"], f"{name} retries every error"
        if task["Resource"].startswith("${"):
            errors = {error for retrier in task["Retry"] for error in retrier["ErrorEquals"]}
            assert errors >= LAMBDA_SERVICE_ERRORS, name
    # The whole run is bounded too.
    assert definition["TimeoutSeconds"] == 6 * 3600


def test_a_task_outlives_its_function_so_the_function_reports_its_own_timeout(synthesized: Synthesized) -> None:
    substitutions = _machine(synthesized)["DefinitionSubstitutions"]
    by_placeholder = {key: value["Fn::GetAtt"][0] for key, value in substitutions.items() if "Fn::GetAtt" in value}
    functions = _functions(synthesized)
    for name, task in _states(_definition(synthesized)["States"]):
        if task["Type"] == "Task" and task["Resource"].startswith("${"):
            function = functions[by_placeholder[task["Resource"][2:-1]]]
            assert function["Timeout"] < task["TimeoutSeconds"] <= function["Timeout"] + 120, name


def test_every_failure_is_caught_recorded_mailed_and_fails_the_run(synthesized: Synthesized) -> None:
    states = _definition(synthesized)["States"]
    for step, handler in WORK_STEPS.items():
        (catch,) = states[step]["Catch"]
        assert catch == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": handler}, step
        assert states[handler]["Type"] == "Pass" and states[handler]["ResultPath"] == "$.failed_state"
        assert states[handler]["Next"] == "RecordFailure"
    record = states["RecordFailure"]
    assert set(record["Parameters"]) == {"failed_state.$", "failure.$", "run_id.$", "started_at.$", "input.$"}
    assert record["Next"] == "NotifyFailure"
    assert record["Catch"][0]["Next"] == "NotifyFailureUnrecorded"
    for notice in ("NotifyFailure", "NotifyFailureUnrecorded"):
        assert states[notice]["Resource"] == "arn:aws:states:::sns:publish"
        assert states[notice]["Parameters"]["TopicArn"] == "${AlertTopicArn}"
        assert states[notice]["Next"] == states[notice]["Catch"][0]["Next"] == "RunFailed"
    assert states["RunFailed"]["Type"] == "Fail"
    # Tasks inside the Maps cannot leave them: their Map states catch for them.
    assert all("Catch" not in state for name, state in _states(states) if name.startswith("ForecastShard")
               and state["Type"] == "Task")


def test_shards_run_in_a_bounded_map_distributed_for_a_large_catalogue(synthesized: Synthesized) -> None:
    states = _definition(synthesized)["States"]
    choice = states["ShardMode"]
    assert choice["Choices"] == [{"Variable": "$.run.distributed", "BooleanEquals": True,
                                  "Next": "ForecastShardsDistributed"}]
    assert choice["Default"] == "ForecastShards"
    inline, distributed = states["ForecastShards"], states["ForecastShardsDistributed"]
    assert inline["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert distributed["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert distributed["Label"] == DISTRIBUTED_MAP_LABEL
    assert (inline["MaxConcurrency"], distributed["MaxConcurrency"]) == (10, 50)
    for state in (inline, distributed):
        assert state["ItemsPath"] == "$.run.shards" and state["ResultPath"] == "$.shards"
        assert state["ItemSelector"] == {"run.$": "$.run", "train.$": "$.train", "shard.$": "$$.Map.Item.Value"}
        (task,) = state["ItemProcessor"]["States"].values()
        assert task["Resource"] == "${ForecastShardFunctionArn}"


# ----------------------------------------------------------------------------------------- the functions
def test_six_functions_run_one_arm64_image_each_with_its_handler(synthesized: Synthesized) -> None:
    images = {k: f for k, f in _functions(synthesized).items() if f.get("PackageType") == "Image"}
    assert len(images) == len(WORKFLOW_FUNCTIONS) == 6
    commands = {f["ImageConfig"]["Command"][0]: f for f in images.values()}
    assert set(commands) == {f"lambdas.{name}.handler.handler" for name in WORKFLOW_FUNCTIONS}
    for name, spec in WORKFLOW_FUNCTIONS.items():
        function = commands[f"lambdas.{name}.handler.handler"]
        assert (REPO_ROOT / "lambdas" / name / "handler.py").is_file()
        assert function["Architectures"] == ["arm64"]
        assert (function["MemorySize"], function["Timeout"]) == (spec.memory_mb, spec.timeout.to_seconds())
        variables = function["Environment"]["Variables"]
        # What the embedded runtime sets for the same handlers, under the same keys.
        assert set(LocalAws.forecast_function_environment()) <= set(variables)
        assert render(variables[r.ENV_LAKE_BUCKET]) == "vendorcast-lake-<account>-<region>"
        assert variables[r.ENV_GLUE_DATABASE] == "vendorcast_lake"
    # One image: the same URI in every function.
    assert len({json.dumps(f["Code"]["ImageUri"]) for f in images.values()}) == 1
    train = commands["lambdas.forecast_train.handler.handler"]
    assert (train["MemorySize"], train["Timeout"]) == (10240, 900)
    # Only the Plan step reads the deployment config (its [planning] section), from the ingestion stack's parameter.
    readers = [name for name in WORKFLOW_FUNCTIONS
               if r.ENV_CONFIG_PARAMETER in commands[f"lambdas.{name}.handler.handler"]["Environment"]["Variables"]]
    assert readers == ["forecast_plan"]
    parameter = commands["lambdas.forecast_plan.handler.handler"]["Environment"]["Variables"][r.ENV_CONFIG_PARAMETER]
    assert parameter["Fn::GetStackOutput"]["StackName"] == synthesized.stacks.ingestion.stack_name


def _image_asset(synthesized: Synthesized) -> tuple[dict[str, Any], Path]:
    manifest = json.loads((synthesized.outdir / f"{_stack(synthesized)}.assets.json").read_text())
    (asset,) = manifest["dockerImages"].values()
    return asset, synthesized.outdir / asset["source"]["directory"]


def test_the_image_context_is_the_library_and_handlers_only(synthesized: Synthesized) -> None:
    asset, context = _image_asset(synthesized)
    assert asset["source"]["dockerFile"] == DOCKERFILE
    assert asset["source"]["platform"] == "linux/arm64"
    staged = {path.relative_to(context).as_posix() for path in context.rglob("*") if path.is_file()}
    assert {DOCKERFILE, "pyproject.toml", "uv.lock", "vendorcast/resources.py",
            "lambdas/forecast_train/handler.py"} <= staged
    tops = {name.split("/")[0] for name in staged}
    assert tops == {"vendorcast", "lambdas", "pyproject.toml", "uv.lock", ".dockerignore"}
    assert not {name for name in staged if name.startswith(("vendorcast/local/", "vendorcast/sandbox/"))}
    assert not [name for name in staged if "__pycache__" in name]
    assert sum((context / name).stat().st_size for name in staged) < 5 * 1024 * 1024


def test_the_dockerfile_builds_what_the_functions_run() -> None:
    dockerfile = (REPO_ROOT / DOCKERFILE).read_text(encoding="utf-8")
    (base,) = re.findall(r"^FROM (\S+)$", dockerfile, flags=re.MULTILINE)
    # The Lambda base image of the zip functions' Python (Amazon Linux 2023, which pyarrow's arm64 wheels need).
    assert base == f"public.ecr.aws/lambda/python:{LAMBDA_PYTHON_VERSION}"
    assert "--frozen" in dockerfile and "--no-dev" in dockerfile
    copied = re.findall(r"^COPY (\S+)/ \$\{LAMBDA_TASK_ROOT\}/\1/$", dockerfile, flags=re.MULTILINE)
    assert copied == ["vendorcast", "lambdas"]


def test_synth_needs_no_docker(tmp_path: Path) -> None:
    """The whole app synthesizes with a Docker that fails whatever it is asked (CDK_DOCKER names the binary
    CDK runs): staging the image asset copies files, the build happens at deploy time."""
    fake_docker = tmp_path / "docker"
    fake_docker.write_text("#!/bin/sh\necho 'docker must not run during synth' >&2\nexit 1\n")
    fake_docker.chmod(0o755)
    env = {**os.environ, "VENDORCAST_SKIP_BUNDLING": "1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "CDK_OUTDIR": str(tmp_path / "cdk.out"), "CDK_DOCKER": str(fake_docker)}
    result = subprocess.run([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "cdk.out" / "Vendorcast-Forecast.assets.json").read_text())
    assert len(manifest["dockerImages"]) == 1


# ----------------------------------------------------------------------------------------- the start
def test_a_weekly_rule_starts_the_starter_with_the_scheduled_input(synthesized: Synthesized) -> None:
    (rule,) = synthesized.resources(_stack(synthesized), "AWS::Events::Rule").values()
    properties = rule["Properties"]
    assert properties["ScheduleExpression"] == synthesized.config.schedules.forecast == "cron(0 7 ? * WED *)"
    (target,) = properties["Targets"]
    assert json.loads(target["Input"]) == SCHEDULED_INPUT == {"trigger": "scheduled"}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    starter = synthesized.stacks.forecasting.starter
    assert target["Arn"] == {"Fn::GetAtt": [synthesized.stacks.forecasting.get_logical_id(
        starter.function.node.default_child), "Arn"]}
    function = _functions(synthesized)[target["Arn"]["Fn::GetAtt"][0]]
    assert function["Handler"] == "lambdas.forecast_start.handler.handler"
    machine = synthesized.stacks.forecasting.get_logical_id(
        synthesized.stacks.forecasting.workflow.state_machine.node.default_child)
    assert function["Environment"]["Variables"][r.ENV_FORECAST_STATE_MACHINE_ARN] == {"Ref": machine}


def test_the_starter_may_start_this_workflow_and_nothing_else(synthesized: Synthesized) -> None:
    forecasting = synthesized.stacks.forecasting
    machine = forecasting.get_logical_id(forecasting.workflow.state_machine.node.default_child)
    grants = _grants(synthesized, forecasting.starter.role)
    assert grants.pop(f"<{machine}>") == {"states:StartExecution"}
    # Besides: its logs, and its dead-letter queue (a scheduled start that failed for good is kept there).
    def arn(construct: object) -> str:
        return f"<{forecasting.get_logical_id(construct.node.default_child)}.Arn>"
    assert grants == {arn(forecasting.starter.log_group): {"logs:CreateLogStream", "logs:PutLogEvents"},
                      arn(forecasting.starter.dead_letters): {"sqs:SendMessage"},
                      arn(forecasting.key): {"kms:Decrypt", "kms:GenerateDataKey"}}


# ----------------------------------------------------------------------------------------- permissions
def test_the_state_machine_invokes_exactly_its_functions_and_mails_the_alert_topic(
        synthesized: Synthesized) -> None:
    forecasting = synthesized.stacks.forecasting
    grants = _grants(synthesized, forecasting.workflow.role)
    functions = {f"<{forecasting.get_logical_id(f.function.node.default_child)}.Arn>"
                 for f in forecasting.workflow.functions.values()}
    assert {resource for resource, actions in grants.items() if "lambda:InvokeFunction" in actions} == functions
    assert all(grants[f] == {"lambda:InvokeFunction"} for f in functions)
    publish = {resource for resource, actions in grants.items() if "sns:Publish" in actions}
    assert len(publish) == 1 and "AlertTopic" in publish.pop()
    machine = "arn:aws:states:<region>:<account>:stateMachine:vendorcast-forecast"
    assert grants[machine] == {"states:StartExecution"}
    children = f"arn:aws:states:<region>:<account>:execution:vendorcast-forecast/{DISTRIBUTED_MAP_LABEL}:*"
    assert grants[children] == {"states:DescribeExecution", "states:StopExecution"}
    # What remains is log delivery and X-Ray, which have no resource-level permissions.
    assert grants["*"] == {
        "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
        "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}


LAKE = "arn:aws:s3:::vendorcast-lake-<account>-<region>"


@pytest.mark.parametrize("function", [name for name, spec in WORKFLOW_FUNCTIONS.items() if not spec.plans])
def test_workflow_functions_read_curated_write_forecast_and_publish_only_forecast_tables(
        synthesized: Synthesized, function: str) -> None:
    spec = WORKFLOW_FUNCTIONS[function]
    grants = _grants(synthesized, synthesized.stacks.forecasting.workflow.functions[function].role)
    assert grants[f"{LAKE}/forecast/*"] == {"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject",
                                            "s3:PutObject"}
    assert grants.get(f"{LAKE}/curated/*") == ({"s3:GetObject"} if spec.reads_curated else None)
    for zone in ("landing", "raw", "_state"):
        assert not [resource for resource in grants if resource.startswith(f"{LAKE}/{zone}")], zone
    glue = {resource for resource, actions in grants.items() if any(a.startswith("glue:") for a in actions)}
    base = "arn:aws:glue:<region>:<account>"
    expected = {f"{base}:catalog", f"{base}:database/vendorcast_lake",
                *(f"{base}:table/vendorcast_lake/{table}" for table in r.FORECAST_TABLE_NAMES)}
    assert glue == (expected if spec.publishes_catalog else set())
    assert not [resource for resource, actions in grants.items()
                if "glue:DeleteTable" in actions or "glue:DeleteDatabase" in actions]


def test_the_plan_step_reads_its_inputs_and_writes_only_its_three_tables(synthesized: Synthesized) -> None:
    workflow = synthesized.stacks.forecasting.workflow
    grants = _grants(synthesized, workflow.functions["forecast_plan"].role)
    read_write = {"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"}
    objects = {resource.removeprefix(f"{LAKE}/"): actions for resource, actions in grants.items()
               if resource.startswith(f"{LAKE}/")}
    assert {key for key, actions in objects.items() if actions == read_write} >= {
        "forecast/po_forecast/*", "forecast/supply_plan/*", "forecast/po_advice/*"}
    written = {key for key, actions in objects.items() if "s3:PutObject" in actions}
    assert all(key.startswith(("forecast/po_forecast", "forecast/supply_plan", "forecast/po_advice"))
               or key in ("forecast", "forecast_$folder$") for key in written), written
    reads = {key for key, actions in objects.items() if actions == {"s3:GetObject"} and key.endswith("/*")}
    assert reads == {"curated/purchase_order_items/*", "curated/purchase_orders/*", "curated/vendor_inventory/*",
                     "forecast/forecast/*", "forecast/forecast_runs/*", f"{r.SUPPLY_INPUTS_PREFIX}/*"}
    # Other tables: their folder's own key only (looked up before listing), never their files.
    assert objects["curated/demand_weekly"] == {"s3:GetObject"} and "curated/demand_weekly/*" not in objects
    assert not [key for key in objects if key.startswith(("landing", "raw", "_state", "curated/*", "forecast/*"))]
    glue = {resource for resource, actions in grants.items() if any(a.startswith("glue:") for a in actions)}
    base = "arn:aws:glue:<region>:<account>"
    assert glue == {f"{base}:catalog", f"{base}:database/vendorcast_lake",
                    *(f"{base}:table/vendorcast_lake/{table}" for table in r.PLANNING_TABLE_NAMES)}
    assert [actions for resource, actions in grants.items() if "ssm:GetParameter" in actions] == [{"ssm:GetParameter"}]


def test_the_catalog_grant_names_the_tables_the_workflow_publishes() -> None:
    assert set(r.FORECAST_TABLE_NAMES) | set(r.PLANNING_TABLE_NAMES) == set(FORECAST_TABLES)
    assert set(r.PLANNING_TABLE_NAMES) == set(PLANNING_TABLES)


def test_the_lake_folders_the_plan_step_may_look_up_are_the_contracts_tables() -> None:
    assert set(r.LAKE_TABLE_FOLDERS[r.CURATED_PREFIX]) == set(CURATED_TABLES)
    assert set(r.LAKE_TABLE_FOLDERS[r.FORECAST_PREFIX]) == set(FORECAST_TABLES)
    assert all(set(tables) <= set(r.LAKE_TABLE_FOLDERS[zone]) for zone, tables in r.PLANNING_READS.items())


def test_execution_logs_are_encrypted_kept_and_complete_and_runs_traced(synthesized: Synthesized) -> None:
    forecasting = synthesized.stacks.forecasting
    machine = _machine(synthesized)
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is True
    assert machine["TracingConfiguration"] == {"Enabled": True}
    (destination,) = machine["LoggingConfiguration"]["Destinations"]
    log_group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    log_group = synthesized.templates[_stack(synthesized)]["Resources"][log_group_id]["Properties"]
    key_id = forecasting.get_logical_id(forecasting.key.node.default_child)
    assert log_group["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert log_group["RetentionInDays"] == 90
    assert log_group["LogGroupName"] == "/aws/vendedlogs/states/vendorcast-forecast"
    key = synthesized.templates[_stack(synthesized)]["Resources"][key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    (logs_statement,) = [s for s in key["KeyPolicy"]["Statement"]
                         if s.get("Sid") == "AllowCloudWatchLogsForTheForecastWorkflow"]
    assert render(logs_statement["Principal"]["Service"]) == "logs.<region>.amazonaws.com"
    assert render(logs_statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]) == (
        "arn:aws:logs:<region>:<account>:log-group:/aws/vendedlogs/states/vendorcast-forecast")


# ----------------------------------------------------------------------------------------- monitoring
def test_failed_timed_out_and_throttled_runs_alarm_the_ops_topic(synthesized: Synthesized) -> None:
    monitoring = synthesized.stacks.monitoring.stack_name
    alarms = [a["Properties"] for a in synthesized.resources(monitoring, "AWS::CloudWatch::Alarm").values()]
    states = {a["MetricName"]: a for a in alarms if a.get("Namespace") == "AWS/States"}
    assert set(states) == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled"}
    for alarm in states.values():
        (dimension,) = alarm["Dimensions"]
        assert dimension["Name"] == "StateMachineArn"
        assert "WorkflowStateMachine" in dimension["Value"]["Fn::GetStackOutput"]["OutputName"]
        assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
            "Sum", 1, "GreaterThanOrEqualToThreshold")
        (action,) = alarm["AlarmActions"]
        assert "OpsTopic" in action["Fn::GetStackOutput"]["OutputName"]
    starter = {a["MetricName"] for a in alarms if a.get("Namespace") == "AWS/Lambda"
               and "Starter" in a["Dimensions"][0]["Value"]["Fn::GetStackOutput"]["OutputName"]}
    assert starter == {"Errors", "Throttles"}
    (dashboard,) = synthesized.resources(monitoring, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionTime"):
        assert metric in body
