"""SP-API clients over python-amazon-sp-api: credentials from Secrets Manager (cached, never logged, never
in environment variables), the LWA access token cached for its lifetime, overridable endpoints (so the same
code talks to the emulator), per-operation pacing, and bounded retries with exponential backoff and jitter."""

from __future__ import annotations

import functools
import json
import logging
import os
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import httpx
from aws_lambda_powertools.utilities import parameters
from sp_api.auth import AccessTokenClient
from sp_api.auth.access_token_response import AccessTokenResponse
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base import Marketplaces, SellingApiException
from sp_api.base import exceptions as sp_exceptions
from sp_api.base._transport_httpx import HttpxTransport
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from vendorcast.clock import Clock, get_clock
from vendorcast.config import AccountConfig, SpApiRegion
from vendorcast.redaction import register_secret
from vendorcast.resources import ENV_LWA_TOKEN_URL, ENV_SPAPI_ENDPOINT
from vendorcast.spapi.errors import (
    SpApiAuthError,
    SpApiBadRequest,
    SpApiCredentialsError,
    SpApiError,
    SpApiNotFound,
    SpApiServerError,
    SpApiThrottled,
)
from vendorcast.spapi.ratelimit import RateLimiter

log = logging.getLogger(__name__)

# These log request headers (the access token) or response bodies (botocore.parsers logs Secrets Manager's
# GetSecretValue response, before vendorcast.redaction knows the values) at DEBUG: keep them quiet whatever
# the root level.
for _name in ("sp_api", "sp_api.base.client", "sp_api.auth", "httpx", "httpcore", "botocore.parsers"):
    logging.getLogger(_name).setLevel(logging.WARNING)

CREDENTIAL_KEYS = ("refresh_token", "lwa_app_id", "lwa_client_secret")
# Seconds before expiry at which a cached access token is renewed.
TOKEN_RENEWAL_MARGIN = 120.0
SECRET_CACHE_SECONDS = 300

Client = TypeVar("Client")
Result = TypeVar("Result")


@dataclass(frozen=True)
class SpApiEndpoints:
    """Where to send SP-API calls and LWA token requests; None means Amazon's production endpoints (the
    marketplace's regional one, sellingpartnerapi-na/-eu/-fe, and api.amazon.com for tokens). `api_url` stands in
    for every region, `regional` for one region each (an emulator per region)."""

    api_url: str | None = None
    token_url: str | None = None
    regional: Mapping[str, str] = field(default_factory=dict)  # SP-API region (NA, EU, FE) -> URL

    def api_url_for(self, region: str) -> str | None:
        return self.regional.get(region) or self.api_url

    @classmethod
    def from_environment(cls) -> SpApiEndpoints:
        """VENDORCAST_SPAPI_ENDPOINT for every region, VENDORCAST_SPAPI_ENDPOINT_<REGION> for one."""
        regional = {region.value: url for region in SpApiRegion
                    if (url := os.environ.get(f"{ENV_SPAPI_ENDPOINT}_{region.value}"))}
        return cls(os.environ.get(ENV_SPAPI_ENDPOINT) or None, os.environ.get(ENV_LWA_TOKEN_URL) or None, regional)


def load_credentials(secret_name: str) -> dict[str, str]:
    """The LWA credentials of an account from Secrets Manager (cached by Powertools for 5 minutes)."""
    try:
        secret = parameters.get_secret(secret_name, transform="json", max_age=SECRET_CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        raise SpApiCredentialsError(
            f"cannot read Secrets Manager secret {secret_name!r}: {exc.__cause__ or exc}. Create it with keys "
            f"{', '.join(CREDENTIAL_KEYS)} and grant the function secretsmanager:GetSecretValue on it"
        ) from None
    except parameters.exceptions.TransformParameterError:
        raise SpApiCredentialsError(
            f"Secrets Manager secret {secret_name!r} is not a JSON object; store "
            f'{{"refresh_token": ..., "lwa_app_id": ..., "lwa_client_secret": ...}}'
        ) from None
    if not isinstance(secret, dict):
        raise SpApiCredentialsError(f"Secrets Manager secret {secret_name!r} must be a JSON object")
    missing = [key for key in CREDENTIAL_KEYS if not secret.get(key)]
    if missing:
        raise SpApiCredentialsError(
            f"Secrets Manager secret {secret_name!r} lacks {', '.join(missing)}; it needs the keys "
            f"{', '.join(CREDENTIAL_KEYS)}"
        )
    credentials = {key: str(secret[key]) for key in CREDENTIAL_KEYS}
    for key in ("refresh_token", "lwa_client_secret"):
        register_secret(credentials[key])
    return credentials


def store_credentials(secret_name: str, credentials: dict[str, str], secretsmanager: Any,
                      description: str = "") -> str:
    """Create the account's secret, or put a new version of it; returns "created" or "updated". The values never
    leave this call except to Secrets Manager."""
    missing = [key for key in CREDENTIAL_KEYS if not credentials.get(key, "").strip()]
    if missing:
        raise SpApiCredentialsError(f"empty {', '.join(missing)}: every one of {', '.join(CREDENTIAL_KEYS)} is "
                                    "needed")
    payload = json.dumps({key: credentials[key].strip() for key in CREDENTIAL_KEYS})
    try:
        secretsmanager.put_secret_value(SecretId=secret_name, SecretString=payload)
        return "updated"
    except secretsmanager.exceptions.ResourceNotFoundException:
        secretsmanager.create_secret(Name=secret_name, Description=description, SecretString=payload)
        return "created"


class LwaTokenClient(AccessTokenClient):
    """LWA token exchange whose cache honours each token's `expires_in` (the library's uses a fixed TTL),
    for seller-authorized and grantless (Notifications destinations) tokens alike."""

    _tokens: ClassVar[dict[str, tuple[dict[str, Any], float]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def _cached_token(self, key: str, form: dict[str, Any]) -> AccessTokenResponse:
        clock = get_clock()
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > clock.monotonic() + TOKEN_RENEWAL_MARGIN:
                return AccessTokenResponse(**cached[0])
        token = self._request(self.scheme + self.host + self.path, form, self.headers)
        register_secret(token.get("access_token"))
        expires_at = clock.monotonic() + float(token.get("expires_in", 3600))
        with self._lock:
            self._tokens[key] = (token, expires_at)
        return AccessTokenResponse(**token)

    def get_auth(self) -> AccessTokenResponse:
        return self._cached_token(self._get_cache_key(), self.data)

    def get_grantless_auth(self, scope: str = "sellingpartnerapi::notifications") -> AccessTokenResponse:
        return self._cached_token(self._get_cache_key(scope), self.grantless_data(scope))

    @classmethod
    def forget_tokens(cls) -> None:
        with cls._lock:
            cls._tokens.clear()


def token_client_class(token_url: str | None) -> type[AccessTokenClient]:
    """The LWA client class for a token URL (the library reads scheme, host and path from the class)."""
    if not token_url:
        return LwaTokenClient
    parts = urlsplit(token_url)
    return type(
        "OverriddenLwaTokenClient",
        (LwaTokenClient,),
        {"scheme": f"{parts.scheme}://", "host": parts.netloc, "path": parts.path or "/auth/o2/token"},
    )


def _marketplace(marketplace_id: str) -> Marketplaces:
    for marketplace in Marketplaces:
        if marketplace.marketplace_id == marketplace_id:
            return marketplace
    raise ValueError(f"unknown marketplace id {marketplace_id!r}")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every HTTP client of the process. httpx otherwise builds one per client, reading the CA
    bundle each time (tens of milliseconds, per SP-API client and per download); a context is safe to share."""
    return httpx.create_ssl_context()


@functools.cache
def _api_http() -> httpx.Client:
    """The connection pool of every SP-API client in the process (httpx clients are thread-safe); a warm Lambda
    environment keeps its connections to the endpoint from one invocation to the next."""
    return httpx.Client(timeout=30.0, verify=tls_context(),
                        event_hooks={"response": [_raise_for_status_without_error_body]})


def _raise_for_status_without_error_body(response: httpx.Response) -> None:
    """The library raises only for JSON bodies with an `errors` list; a 5xx or 429 with any other body
    would come back as an empty success. Turn those into typed errors here."""
    if response.status_code < 400:
        return
    response.read()
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("errors"):
        return
    operation = response.request.url.path
    text = response.text[:200]
    if response.status_code == 429:
        raise SpApiThrottled(operation, 429, "QuotaExceeded", text)
    if response.status_code >= 500:
        raise SpApiServerError(operation, response.status_code, "ServerError", text)
    if response.status_code in (401, 403):
        raise SpApiAuthError(operation, response.status_code, "Unauthorized", text)
    raise SpApiBadRequest(operation, response.status_code, "HttpError", text)


_STATUS_OF = {
    sp_exceptions.SellingApiBadRequestException: 400,
    sp_exceptions.SellingApiForbiddenException: 403,
    sp_exceptions.SellingApiNotFoundException: 404,
    sp_exceptions.SellingApiRequestThrottledException: 429,
    sp_exceptions.SellingApiServerException: 500,
    sp_exceptions.SellingApiTemporarilyUnavailableException: 503,
    sp_exceptions.SellingApiGatewayTimeoutException: 504,
}


def translate_error(operation: str, exc: Exception, account: str = "") -> SpApiError:
    """The library's exception (or a transport failure) as one of ours."""
    if isinstance(exc, SpApiError):
        return exc
    if isinstance(exc, AuthorizationError):
        return SpApiAuthError(operation, exc.status_code, str(exc.error_code or "LwaError"),
                              f"LWA token exchange failed: {exc.message}", account)
    if isinstance(exc, httpx.TransportError):
        return SpApiServerError(operation, None, type(exc).__name__, str(exc))
    if isinstance(exc, SellingApiException):
        status = _STATUS_OF.get(type(exc))
        code = str(getattr(exc, "amzn_code", "") or "")
        message = str(getattr(exc, "message", "") or exc)
        if status == 429:
            return SpApiThrottled(operation, status, code, message)
        if status is not None and status >= 500:
            return SpApiServerError(operation, status, code, message)
        if status == 403 or code == "Unauthorized":
            return SpApiAuthError(operation, status or 401, code, message, account)
        if status == 404:
            return SpApiNotFound(operation, status, code, message)
        return SpApiBadRequest(operation, status, code, message)
    raise exc


@dataclass
class RetryPolicy:
    """Bounded retries of throttling and server errors: exponential backoff with full jitter."""

    attempts: int = 8
    initial_wait: float = 2.0  # seconds (of the clock)
    max_wait: float = 120.0


class SpApiSession:
    """Everything needed to call SP-API for one account and marketplace."""

    def __init__(
        self,
        account: AccountConfig,
        marketplace_id: str,
        *,
        credentials: dict[str, str] | None = None,
        endpoints: SpApiEndpoints | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.account = account
        self.marketplace_id = marketplace_id
        self.endpoints = endpoints or SpApiEndpoints.from_environment()
        self._credentials = credentials
        self.limiter = limiter or RateLimiter(clock)
        self.retry = retry or RetryPolicy()
        self._clock = clock

    @property
    def clock(self) -> Clock:
        return self._clock or get_clock()

    def client(self, api_class: Callable[..., Client], **kwargs: Any) -> Client:
        """An SP-API client of `api_class` (e.g. sp_api.api.Reports) pointed at the configured endpoints."""
        credentials = self._credentials or load_credentials(self.account.secret_name)
        for key in ("refresh_token", "lwa_client_secret"):
            register_secret(credentials.get(key))
        client = api_class(
            marketplace=_marketplace(self.marketplace_id),
            credentials=credentials,
            auth_token_client_class=token_client_class(self.endpoints.token_url),
            verify=tls_context(),
            **kwargs,
        )
        api_url = self.endpoints.api_url_for(self.account.region.value)
        if api_url:
            client.endpoint = api_url.rstrip("/")
        # The library offers no transport argument; swap its transport for one that types bare errors.
        client._transport = HttpxTransport(client=_api_http())
        return client

    def call(self, operation: str, fn: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        """Run one SP-API operation: paced by its usage plan, retried on 429/5xx, errors typed."""
        bucket = self.limiter.bucket(operation)

        def attempt() -> Result:
            bucket.acquire()
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # the library raises many types; translate_error re-raises the rest
                error = translate_error(operation, exc, self.account.name)
                if isinstance(error, SpApiThrottled):
                    bucket.drain()
                raise error from None
            finally:
                bucket.settle()

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "SP-API %s failed (attempt %d of %d): %s; retrying",
                operation, state.attempt_number, self.retry.attempts, error,
            )

        retrying = Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, SpApiError) and e.retryable),
            wait=wait_random_exponential(multiplier=self.retry.initial_wait, max=self.retry.max_wait),
            stop=stop_after_attempt(self.retry.attempts),
            sleep=self.clock.sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        return retrying(attempt)
