"""The SP-API (LWA) credentials of each vendor account: Secrets Manager secrets referenced by the names in
the config. The stacks never create, read or pass their values; the vendor stores them once with the AWS
CLI (docs/deploy.md) and the functions read them at run time."""

from __future__ import annotations

import re

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from vendorcast.config import AccountConfig


class SpApiCredentials(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, accounts: list[AccountConfig]) -> None:
        super().__init__(scope, construct_id)
        self.secrets: dict[str, secretsmanager.ISecret] = {}
        for secret_name in dict.fromkeys(account.secret_name for account in accounts):
            # Referenced by name: the grant covers the name plus the random suffix Secrets Manager adds.
            self.secrets[secret_name] = secretsmanager.Secret.from_secret_name_v2(
                self, re.sub(r"[^A-Za-z0-9]", "-", secret_name), secret_name)
