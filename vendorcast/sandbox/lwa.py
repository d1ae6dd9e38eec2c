"""Login with Amazon as the emulator plays it: exchanges the configured refresh token (or client credentials
for grantless scopes) for access tokens, and says which grant a presented access token carries, if it issued it."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any

from vendorcast.sandbox.settings import SandboxSettings

TOKEN_LIFETIME_SECONDS = 3600
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
GRANTLESS_SCOPES = (NOTIFICATIONS_SCOPE, "sellingpartnerapi::migration")
# The grant of a token from a refresh token: the selling partner's authorization (a grantless token carries its scope).
SELLING_PARTNER = "selling_partner"


class LoginWithAmazon:
    """The token endpoint and the registry of access tokens it issued."""

    def __init__(self, settings: SandboxSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        # Token lifetimes run on the wall clock: python-amazon-sp-api caches tokens for a fixed number of
        # real seconds, so expiring them in scaled time would fail every client that runs a scaled clock.
        self._tokens: dict[str, tuple[float, str]] = {}  # token -> (expiry, grant)

    def exchange(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of POST /auth/o2/token."""
        grant_type = form.get("grant_type")
        if not grant_type:
            return 400, _error("invalid_request", "The request is missing a required parameter : grant_type")
        if grant_type not in ("refresh_token", "client_credentials"):
            return 400, _error(
                "unsupported_grant_type", f"The authorization grant type {grant_type} is not supported"
            )
        if (
            form.get("client_id") != self._settings.lwa_client_id
            or form.get("client_secret") != self._settings.lwa_client_secret
        ):
            return 401, _error("invalid_client", "Client authentication failed")
        body: dict[str, Any] = {"token_type": "bearer", "expires_in": TOKEN_LIFETIME_SECONDS}
        if grant_type == "refresh_token":
            refresh_token = form.get("refresh_token")
            if not refresh_token:
                return 400, _error(
                    "invalid_request", "The request is missing a required parameter : refresh_token"
                )
            if refresh_token != self._settings.refresh_token:
                return 400, _error(
                    "invalid_grant", "The request has an invalid grant parameter : refresh_token"
                )
            body["refresh_token"] = refresh_token
            grant = SELLING_PARTNER
        elif form.get("scope") not in GRANTLESS_SCOPES:
            return 400, _error("invalid_scope", f"The scope must be one of {', '.join(GRANTLESS_SCOPES)}")
        else:
            grant = form["scope"]
        token = "Atza|" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (time.monotonic() + TOKEN_LIFETIME_SECONDS, grant)
        return 200, {"access_token": token, **body}

    def grant(self, token: str | None) -> str | None:
        """SELLING_PARTNER or the grantless scope of a live token this LWA issued; None for any other token."""
        if not token:
            return None
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or time.monotonic() >= issued[0]:
            return None
        return issued[1]


def _error(code: str, description: str) -> dict[str, str]:
    return {"error": code, "error_description": description}
