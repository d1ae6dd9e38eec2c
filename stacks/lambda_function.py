"""One vendorcast Lambda function: the handler in `lambdas/<name>/`, the dependencies layer, arm64 Python,
its own log group with a retention, and its own role that starts with nothing but writing those logs."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.nag import acknowledge
from stacks.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, function_code
from vendorcast.resources import ENV_POWERTOOLS_SERVICE_NAME, SERVICE_NAME

LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
POWERTOOLS_ENVIRONMENT = {
    ENV_POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


class VendorcastFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str],
        timeout: Duration,
        memory_size: int,
        reserved_concurrent_executions: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description=f"vendorcast {name} function")
        # Lambda creates the log streams; the log group itself is created by the stack.
        self.role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                                    resources=[self.log_group.log_group_arn]))
        self.function = lambda_.Function(
            self, "Function",
            description=description,
            runtime=LAMBDA_RUNTIME,
            architecture=LAMBDA_ARCHITECTURE,
            handler=f"lambdas.{name}.handler.handler",
            code=function_code(name),
            layers=[layer],
            role=self.role,
            log_group=self.log_group,
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrent_executions,
            environment={**POWERTOOLS_ENVIRONMENT, **environment},
        )
        acknowledge(self.function, "AwsSolutions-L1",
                    "Python 3.12 is deliberate: it is the oldest runtime on Amazon Linux 2023, whose glibc the "
                    "manylinux_2_28 pyarrow wheels need, and the closest to the 3.11 the test suite runs on; a "
                    "newer runtime follows when the tests run on that Python.")
        # Lambda makes the function depend on its role and the role's policy; the role half is already implied
        # by the function's GetAtt of the role ARN (cfn-lint W3005), so only the policy is kept.
        policy = self.role.node.find_child("DefaultPolicy").node.default_child
        self.function.node.default_child.add_override("DependsOn", [Stack.of(self).get_logical_id(policy)])
