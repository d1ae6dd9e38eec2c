"""Keeps credentials out of logs: every log record made in this process is scrubbed of the secret values it
has loaded (LWA refresh token, client secret, access tokens), whichever library logs them and at any level.
botocore at DEBUG, for one, logs Secrets Manager responses verbatim."""

from __future__ import annotations

import logging
import threading
from typing import Any

REDACTED = "***"
# Shorter strings would redact ordinary words; real credentials are far longer.
MIN_SECRET_LENGTH = 8

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def register_secret(value: str | None) -> None:
    """Never let `value` appear in a log record from now on."""
    global _installed
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    with _lock:
        _secrets.add(value)
        if not _installed:
            _install()
            _installed = True


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _install() -> None:
    previous = logging.getLogRecordFactory()

    def scrubbing_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report, not ours
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(scrubbing_factory)
