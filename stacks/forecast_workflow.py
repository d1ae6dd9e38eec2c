"""The forecast workflow: its six functions, container images built from one Dockerfile
(lambdas/forecast/Dockerfile, one CMD per function), and the Step Functions state machine that runs them
from stepfunctions/forecast.asl.json, with its logs (encrypted, kept three months) and X-Ray traces.

The image is a Docker asset: synth only stages its build context (the repository root, cut down by the root
.dockerignore) into cdk.out, which needs no Docker; `npx cdk deploy` builds and pushes it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks.checkov_skips import skip_check
from stacks.encryption import allow_cloudwatch_logs
from stacks.grants import (
    grant_invoke_functions,
    grant_list_lake,
    grant_publish_forecast_catalog,
    grant_publish_forecast_notices,
    grant_publish_planning_catalog,
    grant_read_deployment_config,
    grant_read_lake_zones,
    grant_read_planning_inputs,
    grant_replace_lake_zones,
    grant_run_distributed_map,
    grant_write_planning_tables,
)
from stacks.lake_storage import lake_bucket_name
from stacks.lambda_function import (
    LOG_RETENTION,
    POWERTOOLS_ENVIRONMENT,
    finish_function,
    function_log_group,
    function_role,
)
from stacks.nag import acknowledge
from stacks.packaging import LAMBDA_ARCHITECTURE, REPO_ROOT
from vendorcast.resources import (
    CURATED_PREFIX,
    ENV_CONFIG_PARAMETER,
    ENV_GLUE_DATABASE,
    ENV_LAKE_BUCKET,
    FORECAST_ALERT_TOPIC_PLACEHOLDER,
    FORECAST_DEFINITION,
    FORECAST_FUNCTION_PLACEHOLDERS,
    FORECAST_PREFIX,
    INPUTS_PREFIX,
)

DOCKERFILE = "lambdas/forecast/Dockerfile"  # relative to the build context, the repository root
IMAGE_PLATFORM = ecr_assets.Platform.LINUX_ARM64
# The label of the distributed Map in the definition: its child executions are named <machine>/<label>:<id>.
DISTRIBUTED_MAP_LABEL = "ForecastShards"


@dataclass(frozen=True)
class WorkflowFunctionSpec:
    memory_mb: int
    timeout: Duration
    # What each step needs from the lake: the curated zone to read, the Glue catalog to publish to.
    reads_curated: bool = False
    publishes_catalog: bool = False
    # The Plan step: reads the planning inputs and the config's [planning] section, writes only the plan's tables
    # (not the forecast zone's working files).
    plans: bool = False


# Sized for the largest catalogue vendorcast plans for (docs/scale.md: 50,000 ASINs x 4 years x 5 marketplaces,
# about 50 million series-weeks). Lambda gives CPU in proportion to memory (a full vCPU per 1,769 MB, 6 at
# 10,240 MB), and 15 minutes is its longest run; each definition task's timeout is a minute above its function's,
# so a function that runs out of time fails with its own error and log, not a Step Functions timeout.
WORKFLOW_FUNCTIONS: dict[str, WorkflowFunctionSpec] = {
    # The whole panel from curated/ in memory (pandas), cut into shards written under forecast/.
    "forecast_prepare": WorkflowFunctionSpec(6144, Duration.minutes(10), reads_curated=True),
    # Lambda's largest: the pooled training set of every series in memory, 6 vCPUs for LightGBM's threads.
    "forecast_train": WorkflowFunctionSpec(10240, Duration.minutes(15)),
    # One shard (a bounded number of series, set by Prepare): backtest, predict, ensemble; 2 vCPUs.
    "forecast_shard": WorkflowFunctionSpec(4096, Duration.minutes(15)),
    # Concatenates the shards' outputs into the three forecast tables and registers their partitions.
    "forecast_publish": WorkflowFunctionSpec(3008, Duration.minutes(10), publishes_catalog=True),
    # The run's forecast, the PO lines and the vendor's inputs in memory (pandas), Monte Carlo paths of Amazon's
    # orders per ASIN (a few thousand x the plan's weeks at a time); one vCPU-sized share of memory.
    "forecast_plan": WorkflowFunctionSpec(3008, Duration.minutes(10), plans=True),
    # Writes the failed run's forecast_runs row and words the e-mail.
    "forecast_record_failure": WorkflowFunctionSpec(1024, Duration.minutes(2), publishes_catalog=True),
}


def forecast_state_machine_name(prefix: str) -> str:
    """`vendorcast-forecast` for the default prefix: the name `vendorcast forecast start` looks for."""
    return f"{prefix.lower()}-forecast"


def forecast_definition() -> str:
    """stepfunctions/forecast.asl.json as it is: CloudFormation fills its `${...}` placeholders."""
    return (REPO_ROOT / FORECAST_DEFINITION).read_text(encoding="utf-8")


def _construct_id(function: str) -> str:
    """forecast_record_failure -> RecordFailure, as the definition's placeholder names it."""
    return FORECAST_FUNCTION_PLACEHOLDERS[function].removesuffix("FunctionArn")


# Why checkov's checks for a dead-letter queue (CKV_AWS_116) and reserved concurrency (CKV_AWS_115) do not apply
# to the workflow's functions.
STATE_MACHINE_INVOKED_REASON = (
    "Only the forecast state machine invokes this function, synchronously (a Task state), never asynchronously: "
    "the state's Retry retries a failure and its Catch ends the run recording the failure (record_failure) and "
    "e-mailing it, so no failure is lost silently and a function dead-letter queue would never receive anything."
)
STATE_MACHINE_BOUNDED_REASON = (
    "Only the forecast state machine invokes this function: one invocation per run for each step, at most the shard "
    "Map's MaxConcurrency at once for forecast_shard (stepfunctions/forecast.asl.json), which bounds the cost. It "
    "calls no rate-limited API, and a reservation would hold that many executions out of the account's pool all "
    "week for a weekly run."
)


class WorkflowFunction(Construct):
    """One workflow function: the forecast image with this function's handler as CMD, arm64, and what every
    vendorcast function has (stacks.lambda_function): its log group encrypted with the stack's key, its own role."""

    def __init__(self, scope: Construct, construct_id: str, *, function: str, spec: WorkflowFunctionSpec,
                 environment: dict[str, str], key: kms.Key) -> None:
        super().__init__(scope, construct_id)
        self.log_group = function_log_group(self, function, key)
        self.role = function_role(self, f"vendorcast {function} function (forecast workflow)", self.log_group)
        self.function = lambda_.DockerImageFunction(
            self, "Function",
            description=f"vendorcast forecast workflow: {function}",
            code=lambda_.DockerImageCode.from_image_asset(
                str(REPO_ROOT), file=DOCKERFILE, platform=IMAGE_PLATFORM,
                cmd=[f"lambdas.{function}.handler.handler"]),
            architecture=LAMBDA_ARCHITECTURE,
            role=self.role,
            log_group=self.log_group,
            memory_size=spec.memory_mb,
            timeout=spec.timeout,
            environment={**POWERTOOLS_ENVIRONMENT, **environment},
        )
        skip_check(self.function, "CKV_AWS_116", STATE_MACHINE_INVOKED_REASON)
        skip_check(self.function, "CKV_AWS_115", STATE_MACHINE_BOUNDED_REASON)
        finish_function(self.function, self.role)


class ForecastWorkflow(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, lake_key: kms.IKey, database: str,
                 alert_topic: sns.ITopic, alerts_key: kms.IKey, logs_key: kms.Key,
                 deployment_config: ssm.IStringParameter) -> None:
        super().__init__(scope, construct_id)
        environment = {ENV_LAKE_BUCKET: lake_bucket_name(prefix), ENV_GLUE_DATABASE: database}
        self.functions: dict[str, WorkflowFunction] = {
            function: WorkflowFunction(
                self, _construct_id(function), function=function, spec=spec, key=logs_key,
                environment={**environment, **({ENV_CONFIG_PARAMETER: deployment_config.parameter_name}
                                               if spec.plans else {})})
            for function, spec in WORKFLOW_FUNCTIONS.items()
        }
        for function, spec in WORKFLOW_FUNCTIONS.items():
            grantee = self.functions[function].function
            grant_list_lake(grantee, prefix)
            if spec.plans:
                grant_read_planning_inputs(grantee, prefix, lake_key)
                grant_write_planning_tables(grantee, prefix, lake_key)
                grant_publish_planning_catalog(grantee, database)
                grant_read_deployment_config(grantee, deployment_config)
                continue
            grant_replace_lake_zones(
                grantee, prefix, lake_key, [FORECAST_PREFIX],
                writer="The forecast workflow writes each run's shards, models and tables under {zone}/")
            if spec.reads_curated:
                grant_read_lake_zones(grantee, prefix, lake_key, [CURATED_PREFIX, INPUTS_PREFIX],
                                      reader="The forecast workflow reads the curated tables' and the vendor's "
                                             "input files under {zone}/")
            if spec.publishes_catalog:
                grant_publish_forecast_catalog(grantee, database)

        self.state_machine_name = forecast_state_machine_name(prefix)
        stack = Stack.of(self)
        self.state_machine_arn = stack.format_arn(service="states", resource="stateMachine",
                                                  resource_name=self.state_machine_name,
                                                  arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self.log_group = self._encrypted_log_group(logs_key)
        self.role = iam.Role(self, "StateMachineRole", assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
                             description="vendorcast forecast workflow (Step Functions)")
        grant_invoke_functions(self.role, [f.function for f in self.functions.values()])
        grant_publish_forecast_notices(self.role, alert_topic, alerts_key)
        grant_run_distributed_map(self.role, self.state_machine_arn, stack.format_arn(
            service="states", resource="execution", arn_format=ArnFormat.COLON_RESOURCE_NAME,
            resource_name=f"{self.state_machine_name}/{DISTRIBUTED_MAP_LABEL}:*"))

        substitutions = {FORECAST_FUNCTION_PLACEHOLDERS[name]: f.function.function_arn
                         for name, f in self.functions.items()}
        substitutions[FORECAST_ALERT_TOPIC_PLACEHOLDER] = alert_topic.topic_arn
        definition = forecast_definition()
        if definition_placeholders(definition) != set(substitutions):
            raise ValueError(f"{FORECAST_DEFINITION} has placeholders {sorted(definition_placeholders(definition))}, "
                             f"the stack fills {sorted(substitutions)}: make them the same")
        self.state_machine = sfn.StateMachine(
            self, "StateMachine",
            state_machine_name=self.state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(definition),
            definition_substitutions=substitutions,
            role=self.role,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
        )
        acknowledge(self.role, "AwsSolutions-IAM5[Resource::*]",
                    "Step Functions delivers the state machine's logs through CloudWatch Logs' log delivery API and "
                    "its traces to X-Ray; neither API has resource-level permissions (the CDK adds exactly the "
                    "actions AWS documents for them).")
        # The first run must find the role's permissions in place; the role itself is implied by the GetAtt of
        # its ARN (cfn-lint W3005), so only its policy is kept.
        policy = self.role.node.find_child("DefaultPolicy").node.default_child
        self.state_machine.node.default_child.add_override("DependsOn", [stack.get_logical_id(policy)])

    def _encrypted_log_group(self, key: kms.Key) -> logs.LogGroup:
        """The state machine's log group, under /aws/vendedlogs/ (where CloudWatch Logs' resource policy for
        delivered logs stays small), encrypted with `key`, which CloudWatch Logs may use for this group only."""
        name = f"/aws/vendedlogs/states/{self.state_machine_name}"
        allow_cloudwatch_logs(key, "AllowCloudWatchLogsForTheForecastWorkflow", name)
        return logs.LogGroup(self, "StateMachineLogs", log_group_name=name, encryption_key=key,
                             retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN)


def definition_placeholders(definition: str) -> set[str]:
    """The `${Name}` placeholders of a definition."""
    return set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", definition))
