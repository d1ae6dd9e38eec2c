"""`vendorcast secrets put` against the AWS emulator: it stores the account's credentials under the config's
secret name, updates them on a second run, and never shows a value."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from click.testing import CliRunner

from tests.integration.moto_server import moto_endpoint
from vendorcast.cli import cli

pytestmark = pytest.mark.integration

SECRET_NAME = "vendorcast/acme-us/spapi"  # the example config's first account


@pytest.fixture
def secretsmanager() -> Iterator[object]:
    with moto_endpoint() as endpoint:
        yield boto3.client("secretsmanager", endpoint_url=endpoint)


def _put(client_secret: str, refresh_token: str) -> object:
    return CliRunner().invoke(cli, ["secrets", "put", "--config", "vendorcast.example.toml", "--account", "acme-us"],
                              input=f"amzn1.application-oa2-client.abc\n{client_secret}\n{refresh_token}\n")


def test_secrets_put_creates_then_updates_without_showing_values(secretsmanager) -> None:
    first = _put("amzn1.oa2-cs.v1.first-secret", "Atzr|first-refresh-token")
    assert first.exit_code == 0, first.output
    assert f"created secret {SECRET_NAME}" in first.output
    assert "first-secret" not in first.output and "first-refresh-token" not in first.output
    stored = json.loads(secretsmanager.get_secret_value(SecretId=SECRET_NAME)["SecretString"])
    assert stored == {"refresh_token": "Atzr|first-refresh-token", "lwa_app_id": "amzn1.application-oa2-client.abc",
                      "lwa_client_secret": "amzn1.oa2-cs.v1.first-secret"}

    second = _put("amzn1.oa2-cs.v1.rotated", "Atzr|first-refresh-token")
    assert second.exit_code == 0 and f"updated secret {SECRET_NAME}" in second.output
    assert "rotated" not in second.output
    stored = json.loads(secretsmanager.get_secret_value(SecretId=SECRET_NAME)["SecretString"])
    assert stored["lwa_client_secret"] == "amzn1.oa2-cs.v1.rotated"


def test_an_unknown_account_or_an_empty_value_is_one_clear_error(secretsmanager) -> None:
    unknown = CliRunner().invoke(cli, ["secrets", "put", "--config", "vendorcast.example.toml", "--account", "nope"])
    assert unknown.exit_code == 1 and "no account 'nope' in the config" in unknown.output
    empty = _put("amzn1.oa2-cs.v1.x", " ")
    assert empty.exit_code == 1 and "empty refresh_token" in empty.output
