"""Reading synthesized CloudFormation in template tests: values as text, a role's grants per resource."""

from __future__ import annotations

import re
from typing import Any

PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": "<account>", "AWS::Region": "<region>"}


def render(value: Any) -> str:
    """A CloudFormation value as text: pseudo parameters by name, other references as <logical id>."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(render(v) for v in value)
    (function, argument), = value.items()
    if function == "Fn::Join":
        return argument[0].join(render(part) for part in argument[1])
    if function == "Ref":
        return PSEUDO.get(argument, f"<{argument}>")
    if function == "Fn::GetAtt":
        return f"<{argument[0]}.{argument[1]}>"
    if function == "Fn::Sub":
        return re.sub(r"\$\{([^}]+)\}", lambda m: PSEUDO.get(m.group(1), m.group(0)), argument)
    if function == "Fn::GetStackOutput":
        return f"<{argument['StackName']}:{argument['OutputName']}>"
    raise AssertionError(f"unexpected {function}")


def grants_of(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Rendered resource -> the actions a policy's statements allow on it (every statement must be an Allow)."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            grants.setdefault(render(resource), set()).update(actions)
    return grants
