"""Forecast: the Step Functions workflow that forecasts demand from the curated lake and plans supply from it (its
six functions, container images) and the small function that starts it on the weekly schedule, one run per tick.
Its own stack: the image changes with every release of the forecasting code, the lake and alert stacks almost
never. The Plan step reads the deployment config's [planning] section from the ingestion stack's parameter."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.alerts import AlertsStack
from stacks.encryption import data_key
from stacks.forecast_workflow import ForecastWorkflow
from stacks.grants import grant_start_forecast_runs
from stacks.lake_storage import LakeStorageStack
from stacks.lambda_function import VendorcastFunction
from stacks.packaging import LambdaDependencies
from vendorcast.config import VendorcastConfig
from vendorcast.resources import ENV_FORECAST_STATE_MACHINE_ARN

# The starter only calls StartExecution.
STARTER_TIMEOUT = Duration.seconds(30)
# A start EventBridge could not deliver is retried; the execution name keeps a retried tick to one run.
SCHEDULED_START_RETRIES = 2
SCHEDULED_INPUT = {"trigger": "scheduled"}


class ForecastingStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: VendorcastConfig, lake: LakeStorageStack,
                 alerts: AlertsStack, deployment_config: ssm.IStringParameter, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # The lake bucket is named, not referenced (see lake_bucket_name): deploy after its stack.
        self.add_stack_dependency(lake)
        self.key = data_key(self, "ForecastKey", "vendorcast forecast: the workflow's and its functions' logs, "
                                                 "the starter's dead letters")
        self.workflow = ForecastWorkflow(
            self, "Workflow", prefix=lake.prefix, lake_key=lake.key, database=lake.database_name,
            alert_topic=alerts.alert_topic, alerts_key=alerts.key, logs_key=self.key,
            deployment_config=deployment_config,
        )
        machine = self.workflow.state_machine

        dependencies = LambdaDependencies(self, "Dependencies")
        self.starter = VendorcastFunction(
            self, "Starter", name="forecast_start",
            description="vendorcast: start the week's forecast run (one per schedule tick)",
            layer=dependencies.layer, environment={ENV_FORECAST_STATE_MACHINE_ARN: machine.state_machine_arn},
            timeout=STARTER_TIMEOUT, memory_size=256, key=self.key,
            unreserved_because=(
                "forecast_start only calls StartExecution, for about a second, once a week (or when a person starts "
                "a run); the execution name keeps a retried tick to one run. How many run at once changes neither a "
                "rate limit nor the cost, and a reservation would only take a unit from the account's pool."),
        )
        grant_start_forecast_runs(self.starter.function, machine.state_machine_arn)
        expression = config.schedules.forecast
        self.schedule = events.Rule(
            self, "Schedule", schedule=events.Schedule.expression(expression),
            description=f"vendorcast: start the weekly forecast run on {expression}",
            targets=[targets.LambdaFunction(self.starter.function, retry_attempts=SCHEDULED_START_RETRIES,
                                            event=events.RuleTargetInput.from_object(SCHEDULED_INPUT))],
        )

        CfnOutput(self, "ForecastStateMachineArn", value=machine.state_machine_arn,
                  description="The forecast workflow: vendorcast forecast start --state-machine ...")
        CfnOutput(self, "ForecastStarterFunctionName", value=self.starter.function.function_name,
                  description="Starts a run: aws lambda invoke with {\"trigger\": \"manual\"} (origin, horizon, name)")
