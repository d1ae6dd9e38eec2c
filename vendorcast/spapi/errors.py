"""Typed SP-API errors: each says what failed and what to do about it, and whether a retry can help."""

from __future__ import annotations


class SpApiError(Exception):
    """An SP-API call failed."""

    retryable = False

    def __init__(self, operation: str, status: int | None, code: str, message: str) -> None:
        self.operation = operation
        self.status = status
        self.code = code
        self.detail = message
        where = f"{operation}: HTTP {status}" if status else operation
        super().__init__(f"{where} {code}: {message}".strip())


class SpApiThrottled(SpApiError):
    """429 QuotaExceeded: the operation's token bucket is empty; retry after a wait."""

    retryable = True


class SpApiServerError(SpApiError):
    """5xx (or a transport failure): Amazon's side; retry after a wait."""

    retryable = True


class SpApiBadRequest(SpApiError):
    """400: the request is wrong (options, dates, marketplace); a retry will fail the same way."""


class SpApiNotFound(SpApiError):
    """404: the report, document or item does not exist (or is older than Amazon keeps)."""


class SpApiAuthError(SpApiError):
    """401/403 or an LWA refusal: the credentials or the app's roles do not allow the call."""

    def __init__(self, operation: str, status: int | None, code: str, message: str, account: str = "") -> None:
        who = f" for account {account!r}" if account else ""
        hint = (
            f"SP-API refused the credentials{who}. Check the secret's refresh_token belongs to this vendor "
            "account, lwa_app_id/lwa_client_secret are current (Amazon requires rotating the client secret "
            "every 180 days), and the app has the Brand Analytics role"
        )
        super().__init__(operation, status, code, f"{message} — {hint}")


class SpApiCredentialsError(ValueError):
    """The Secrets Manager secret is missing, unreadable or lacks a key (never shows its values)."""
