"""The operator commands find a deployment by two stack outputs: the functions they name carry every resource name
the commands read in their environment."""

from __future__ import annotations

from stacks.deployment import DEFAULT_PREFIX
from vendorcast import resources as r
from vendorcast.operations.deployment import FUNCTION_OUTPUTS, QUEUE_URL_VARIABLES

# What status, repull and redrive read, between the two functions.
NEEDED = {r.ENV_CONFIG_PARAMETER, r.ENV_LEDGER_TABLE, r.ENV_RATE_LIMIT_TABLE, r.ENV_LAKE_BUCKET, r.ENV_CATALOG_TABLE,
          r.ENV_OPS_TOPIC_ARN, *QUEUE_URL_VARIABLES.values()}


def test_the_outputs_name_functions_whose_environment_names_every_resource_the_commands_read(synthesized) -> None:
    found: set[str] = set()
    for suffix, output in FUNCTION_OUTPUTS:
        template = synthesized.templates[f"{DEFAULT_PREFIX}-{suffix}"]
        value = template["Outputs"][output]["Value"]
        function = template["Resources"][value["Ref"]]
        assert function["Type"] == "AWS::Lambda::Function"
        found |= set(function["Properties"]["Environment"]["Variables"])
    assert found >= NEEDED, f"missing: {sorted(NEEDED - found)}"
