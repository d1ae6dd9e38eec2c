"""The validated deployment config as JSON in an SSM parameter: what the functions read at run time
(vendorcast.function_environment), so that config changes deploy without touching code assets."""

from __future__ import annotations

from aws_cdk import aws_ssm as ssm
from constructs import Construct

from vendorcast.config import ConfigError, VendorcastConfig

STANDARD_PARAMETER_BYTES = 4096
ADVANCED_PARAMETER_BYTES = 8192


class DeploymentConfigParameter(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: VendorcastConfig) -> None:
        super().__init__(scope, construct_id)
        value = config.as_json
        size = len(value.encode())
        if size > ADVANCED_PARAMETER_BYTES:
            raise ConfigError(
                f"the config is {size} bytes as JSON, above the {ADVANCED_PARAMETER_BYTES}-byte limit of an SSM "
                "parameter; list fewer accounts or reports per deployment, or rely on the default reports"
            )
        # Advanced parameters cost a little per month: used only when the config needs the room.
        tier = ssm.ParameterTier.STANDARD if size <= STANDARD_PARAMETER_BYTES else ssm.ParameterTier.ADVANCED
        self.parameter = ssm.StringParameter(
            self, "Parameter",
            string_value=value,
            tier=tier,
            description="vendorcast deployment config (JSON), read by the functions",
        )
