"""Registered secrets never reach a log line, whichever logger writes them."""

from __future__ import annotations

import logging

import pytest

from vendorcast.redaction import REDACTED, register_secret


def test_registered_secrets_are_scrubbed_from_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    secret = "Atzr|unit-test-refresh-token-0123456789"
    register_secret(secret)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("botocore.endpoint").debug("request body: refresh_token=%s&x=1", secret)
    logging.getLogger("vendorcast.anything").info(f"raw f-string {secret}")
    assert secret not in caplog.text
    assert caplog.text.count(REDACTED) == 2


def test_short_values_are_not_treated_as_secrets(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("abc")
    caplog.set_level(logging.INFO)
    logging.getLogger("vendorcast").info("abc stays")
    assert "abc stays" in caplog.text
