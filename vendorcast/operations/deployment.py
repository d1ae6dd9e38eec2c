"""Which deployment the operator commands work on: the names its functions are given (the environment keys of
vendorcast.resources), read from the deployed functions of a stack prefix, or the local runtime's names; and the
deployed config, read from the parameter the functions read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from vendorcast import resources as r
from vendorcast.clock import Clock, get_clock
from vendorcast.config import VendorcastConfig, config_from_json

# The queues an operator can redrive, by the name the commands take, and the variable that holds each one's URL.
QUEUE_URL_VARIABLES: dict[str, str] = {
    "report-events": r.ENV_REPORT_EVENTS_QUEUE_URL,
    "catalog-items": r.ENV_CATALOG_QUEUE_URL,
}
# The local runtime's queue of each (vendorcast.local.aws creates them under these names).
LOCAL_QUEUE_NAMES: dict[str, str] = {
    "report-events": r.REPORT_EVENTS_QUEUE,
    "catalog-items": r.CATALOG_QUEUE,
}
# The deployed functions whose environment names everything the commands read, by stack and output.
FUNCTION_OUTPUTS = (("Ingestion", r.OUTPUT_REQUEST_REPORTS_FUNCTION), ("Catalog", r.OUTPUT_CATALOG_WATCH_FUNCTION))


class InvalidOption(ValueError):
    """An operator command's option has a value the deployment cannot take; the message says what it can."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


class DeploymentNotFound(ValueError):
    """The resources the commands read are not where they were looked for."""


@dataclass(frozen=True)
class Deployment:
    """The deployment's resource names, as its functions see them (`variables`: vendorcast.resources' ENV_* keys)."""

    source: str  # where the names came from, for messages
    variables: Mapping[str, str]

    def name(self, variable: str) -> str:
        value = self.variables.get(variable)
        if not value:
            raise DeploymentNotFound(f"{self.source} names no {variable}")
        return value

    @property
    def queue_names(self) -> tuple[str, ...]:
        return tuple(QUEUE_URL_VARIABLES)

    def queue_url(self, queue: str) -> str:
        if queue not in QUEUE_URL_VARIABLES:
            raise InvalidOption("queue", f"no queue {queue!r}; the queues are {', '.join(QUEUE_URL_VARIABLES)}")
        return self.name(QUEUE_URL_VARIABLES[queue])

    @classmethod
    def local(cls, sqs: Any, sns: Any) -> Deployment:
        """The local runtime's resources (vendorcast.local.aws), in the AWS emulator boto3 is pointed at."""
        variables = {
            r.ENV_CONFIG_PARAMETER: r.CONFIG_PARAMETER,
            r.ENV_LEDGER_TABLE: r.LEDGER_TABLE,
            r.ENV_RATE_LIMIT_TABLE: r.RATE_LIMIT_TABLE,
            r.ENV_LAKE_BUCKET: r.LAKE_BUCKET,
            r.ENV_CATALOG_TABLE: r.CATALOG_TABLE,
        }
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or "AWS"
        for queue, queue_name in LOCAL_QUEUE_NAMES.items():
            try:
                variables[QUEUE_URL_VARIABLES[queue]] = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            except ClientError:
                raise DeploymentNotFound(
                    f"no local vendorcast runtime at {endpoint}: its queue {queue_name} does not exist. For a "
                    "deployment on AWS, pass --stack-prefix (the prefix it was deployed with, Vendorcast unless "
                    "`-c prefix=` said otherwise)") from None
        ops_topic = next((t["TopicArn"] for t in sns.list_topics().get("Topics", [])
                          if t["TopicArn"].rsplit(":", 1)[-1] == r.OPS_TOPIC), None)
        if ops_topic:
            variables[r.ENV_OPS_TOPIC_ARN] = ops_topic
        return cls(f"the local runtime at {endpoint}", variables)

    @classmethod
    def from_stacks(cls, prefix: str, cloudformation: Any, lambda_client: Any) -> Deployment:
        """A deployment on AWS: the environment of its request_reports and catalog_watch functions, found by the
        outputs of the stacks `<prefix>-Ingestion` and `<prefix>-Catalog`."""
        variables: dict[str, str] = {}
        for suffix, output in FUNCTION_OUTPUTS:
            stack = f"{prefix}-{suffix}"
            try:
                outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
            except ClientError as exc:
                raise DeploymentNotFound(
                    f"cannot read stack {stack} ({exc.response['Error']['Message']}); check --stack-prefix and "
                    "the AWS region (AWS_REGION or your profile's)") from None
            function = next((o["OutputValue"] for o in outputs if o["OutputKey"] == output), None)
            if function is None:
                raise DeploymentNotFound(f"stack {stack} has no output {output}; deploy this version of vendorcast")
            configuration = lambda_client.get_function_configuration(FunctionName=function)
            variables.update(configuration.get("Environment", {}).get("Variables", {}))
        return cls(f"stacks {prefix}-*", variables)


@dataclass
class OperatorContext:
    """A deployment with the clients and the config the commands need (boto3's credentials and region, as for
    `aws`; AWS_ENDPOINT_URL points them at an AWS emulator)."""

    deployment: Deployment
    clock: Clock = field(default_factory=get_clock)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def connect(cls, stack_prefix: str | None) -> OperatorContext:
        """The deployment of `stack_prefix` on AWS, or else the local runtime's."""
        try:
            if stack_prefix:
                deployment = Deployment.from_stacks(stack_prefix, boto3.client("cloudformation"),
                                                    boto3.client("lambda"))
            else:
                deployment = Deployment.local(boto3.client("sqs"), boto3.client("sns"))
        except BotoCoreError as exc:
            # No credentials, no region, no answer: what `aws` would need too.
            raise DeploymentNotFound(f"cannot reach AWS ({exc}); set AWS credentials and region as for `aws`, or "
                                     "AWS_ENDPOINT_URL for an AWS emulator") from None
        return cls(deployment)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service)
        return self._clients[service]

    @cached_property
    def dynamodb(self) -> Any:
        return boto3.resource("dynamodb")

    @cached_property
    def config(self) -> VendorcastConfig:
        """The config the deployed functions read (its SSM parameter), not a local file that may differ."""
        name = self.deployment.name(r.ENV_CONFIG_PARAMETER)
        try:
            text = self.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except ClientError as exc:
            raise DeploymentNotFound(f"cannot read the deployed config, parameter {name} of "
                                     f"{self.deployment.source}: {exc.response['Error']['Message']}") from None
        return config_from_json(text)

    def account_names(self, account: str | None) -> list[str]:
        """The config's accounts, or the one `account` names (InvalidOption listing them when it names none)."""
        names = [a.name for a in self.config.accounts]
        if account is None:
            return names
        if account not in names:
            raise InvalidOption("account", f"no account {account!r} in the deployed config; its accounts: "
                                           f"{', '.join(names)}")
        return [account]
