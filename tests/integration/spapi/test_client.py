"""The SP-API client stack (credentials from Secrets Manager, LWA token cache, endpoint overrides, pacing,
bounded retries, document downloads) against the SP-API emulator over HTTP and moto's Secrets Manager."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aws_lambda_powertools.utilities import parameters
from sp_api.api import Reports

from vendorcast.clock import ScaledClock, use_clock
from vendorcast.config import AccountConfig, load_config
from vendorcast.local.aws import LocalAws, apply_environment, restore_environment
from vendorcast.reports.windows import PULL_INITIAL, ReportWindow
from vendorcast.resources import ENV_LWA_TOKEN_URL, ENV_SPAPI_ENDPOINT, RATE_LIMIT_TABLE
from vendorcast.sandbox import FaultSettings, ManualClock, SandboxServer, SandboxSettings
from vendorcast.sandbox.server import LWA_TOKEN_PATH
from vendorcast.spapi.client import (
    TOKEN_RENEWAL_MARGIN,
    LwaTokenClient,
    RetryPolicy,
    SpApiEndpoints,
    SpApiSession,
    load_credentials,
)
from vendorcast.spapi.errors import SpApiAuthError, SpApiCredentialsError, SpApiServerError
from vendorcast.spapi.ratelimit import USAGE_PLANS, RateLimiter
from vendorcast.spapi.reports import ReportsApi, ReportStatus, TruncatedDocument, inflate_complete
from vendorcast.vocabulary.report_catalogue import ReportPeriod, ReportType

pytestmark = pytest.mark.integration

SIM_START = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
MARKETPLACE = "ATVPDKIKX0DER"
SANDBOX = SandboxSettings(seed=21, n_asins=10, history_start=date(2024, 1, 1))
GOOD_SECRET = "vendorcast/acme-us/spapi"
SALES_WEEKS = ReportWindow(
    report_type=ReportType.SALES,
    report_options=(("reportPeriod", "WEEK"), ("distributorView", "MANUFACTURING"), ("sellingProgram", "RETAIL")),
    period=ReportPeriod.WEEK,
    start=date(2025, 5, 4),
    end=date(2025, 5, 17),
    pull=PULL_INITIAL,
)


def sandbox_credentials(**overrides: str) -> dict[str, str]:
    return {
        "refresh_token": SANDBOX.refresh_token,
        "lwa_app_id": SANDBOX.lwa_client_id,
        "lwa_client_secret": SANDBOX.lwa_client_secret,
        **overrides,
    }


def account(name: str = "acme-us", secret_name: str = GOOD_SECRET) -> AccountConfig:
    return AccountConfig(name=name, region="NA", marketplace_ids=[MARKETPLACE], secret_name=secret_name,
                         backfill_start=date(2024, 11, 3))


# --------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    """moto with the sandbox's credentials stored as the example account's secret; boto3 and Powertools of
    this process point at it."""
    local = LocalAws.start()
    local.create_resources(load_config("vendorcast.example.toml"), {GOOD_SECRET: sandbox_credentials()})
    previous = apply_environment(local.environment())
    parameters.clear_caches()  # Powertools keeps its boto3 client (and values) across tests
    yield local
    parameters.clear_caches()
    restore_environment(previous)
    local.stop()


@pytest.fixture
def secrets(aws: LocalAws):
    return aws.client("secretsmanager")


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    """Tokens are cached per refresh token for the process; each sandbox only knows the tokens it issued."""
    LwaTokenClient.forget_tokens()
    yield
    LwaTokenClient.forget_tokens()
    use_clock(None)


@pytest.fixture
def clock() -> ScaledClock:
    # 600x: createReport's minute between tokens is a tenth of a second.
    return ScaledClock.starting_at(SIM_START, scale=600)


def start_sandbox(clock, faults: FaultSettings | None = None) -> SandboxServer:
    settings = SANDBOX.model_copy(update={"faults": faults or FaultSettings()})
    server = SandboxServer(settings, clock)
    server.start()
    return server


@pytest.fixture
def sandbox(clock: ScaledClock) -> Iterator[SandboxServer]:
    server = start_sandbox(clock)
    yield server
    server.stop()


class TokenExchangeCounter:
    """A pass-through HTTP proxy in front of the emulator's LWA token endpoint that counts the exchanges."""

    def __init__(self, target: str) -> None:
        counter = self
        self.target = target
        self.exchanges = 0
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with counter._lock:
                    counter.exchanges += 1
                upstream = httpx.post(counter.target, content=body,
                                      headers={"content-type": self.headers["content-type"]})
                self.send_response(upstream.status_code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}{LWA_TOKEN_PATH}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def lwa_counter(sandbox: SandboxServer) -> Iterator[TokenExchangeCounter]:
    counter = TokenExchangeCounter(sandbox.base_url + LWA_TOKEN_PATH)
    yield counter
    counter.close()


def endpoints_of(server: SandboxServer, token_url: str | None = None) -> SpApiEndpoints:
    return SpApiEndpoints(api_url=server.base_url, token_url=token_url or server.base_url + LWA_TOKEN_PATH)


def wait_until_finished(api: ReportsApi, report_id: str) -> ReportStatus:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = api.get_report(report_id)
        if status.finished:
            return status
        time.sleep(0.05)
    raise AssertionError(f"report {report_id} did not finish")


class SleepRecordingClock:
    """A ScaledClock that remembers how long it was asked to sleep (the retry backoff goes through it)."""

    def __init__(self, inner: ScaledClock) -> None:
        self.inner = inner
        self.scale = inner.scale
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.inner.now()

    def monotonic(self) -> float:
        return self.inner.monotonic()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.inner.sleep(seconds)


# ------------------------------------------------------------------------------------------ credentials
def test_credentials_come_from_secrets_manager(aws: LocalAws) -> None:
    assert load_credentials(GOOD_SECRET) == sandbox_credentials()


def test_a_missing_secret_names_the_secret_and_the_keys_it_needs(aws: LocalAws) -> None:
    with pytest.raises(SpApiCredentialsError) as caught:
        load_credentials("vendorcast/nobody/spapi")
    message = str(caught.value)
    assert "'vendorcast/nobody/spapi'" in message
    assert "refresh_token, lwa_app_id, lwa_client_secret" in message
    assert "secretsmanager:GetSecretValue" in message


def test_a_secret_that_is_not_json_is_refused_without_echoing_it(secrets) -> None:
    value = "Atzr|not-json-but-very-secret"
    secrets.create_secret(Name="vendorcast/plain/spapi", SecretString=value)
    with pytest.raises(SpApiCredentialsError) as caught:
        load_credentials("vendorcast/plain/spapi")
    message = str(caught.value)
    assert "'vendorcast/plain/spapi'" in message and "not a JSON object" in message
    assert "lwa_client_secret" in message  # says what to store instead
    assert "very-secret" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no chained value in tracebacks


def test_a_json_secret_that_is_not_an_object_is_refused(secrets) -> None:
    secrets.create_secret(Name="vendorcast/list/spapi", SecretString=json.dumps(["Atzr|in-a-list"]))
    with pytest.raises(SpApiCredentialsError, match="must be a JSON object") as caught:
        load_credentials("vendorcast/list/spapi")
    assert "in-a-list" not in str(caught.value)


@pytest.mark.parametrize("client_secret", [None, ""], ids=["absent", "empty"])
def test_a_secret_lacking_the_client_secret_names_the_key_not_the_values(secrets, client_secret) -> None:
    name = f"vendorcast/partial-{'absent' if client_secret is None else 'empty'}/spapi"
    value = {"refresh_token": "Atzr|refresh-value-123", "lwa_app_id": "amzn1.application-oa2-client.app-value-456"}
    if client_secret is not None:
        value["lwa_client_secret"] = client_secret
    secrets.create_secret(Name=name, SecretString=json.dumps(value))
    with pytest.raises(SpApiCredentialsError) as caught:
        load_credentials(name)
    message = str(caught.value)
    assert repr(name) in message
    assert "lacks lwa_client_secret;" in message  # only the missing key is named as missing
    assert "refresh-value-123" not in message and "app-value-456" not in message


# ------------------------------------------------------------------------------------ endpoint overrides
def test_a_session_from_the_environment_talks_to_the_emulator(aws, sandbox, clock, monkeypatch) -> None:
    monkeypatch.setenv(ENV_SPAPI_ENDPOINT, sandbox.base_url)
    monkeypatch.setenv(ENV_LWA_TOKEN_URL, sandbox.base_url + LWA_TOKEN_PATH)
    session = SpApiSession(account(), MARKETPLACE, clock=clock)  # credentials: read from the secret
    assert session.endpoints == endpoints_of(sandbox)
    client = session.client(Reports)
    assert client.endpoint == sandbox.base_url

    api = ReportsApi(session)
    report_id = api.create_report(SALES_WEEKS)
    status = wait_until_finished(api, report_id)
    assert status.processing_status == "DONE" and status.report_type == ReportType.SALES.value
    document = api.download_document(status.report_document_id)

    assert document.compressed and document.served[:2] == b"\x1f\x8b"  # kept as served: gzip bytes
    body = json.loads(document.content)
    spec = body["reportSpecification"]
    assert spec["reportType"] == "GET_VENDOR_SALES_REPORT"
    assert (spec["dataStartTime"], spec["dataEndTime"]) == ("2025-05-04", "2025-05-17")
    assert len(body["salesAggregate"]) == 2 and body["salesByAsin"]
    served = sandbox.served_reports[report_id]
    assert served.report_document_id == status.report_document_id
    stats = sandbox.stats
    assert (stats["createReport"].accepted, stats["getReportDocument"].accepted) == (1, 1)


def test_the_token_url_is_overridden_apart_from_the_api(aws, sandbox, lwa_counter, clock) -> None:
    session = SpApiSession(account(), MARKETPLACE, endpoints=endpoints_of(sandbox, lwa_counter.url), clock=clock)
    ReportsApi(session).create_report(SALES_WEEKS)
    assert lwa_counter.exchanges == 1
    assert sandbox.stats["createReport"].accepted == 1


# ------------------------------------------------------------------------------------------ token cache
def test_the_access_token_is_exchanged_once_for_its_lifetime(aws, sandbox, lwa_counter, clock) -> None:
    token_clock = ManualClock(SIM_START)  # the process clock, which times the token's lifetime
    use_clock(token_clock)
    session = SpApiSession(account(), MARKETPLACE, endpoints=endpoints_of(sandbox, lwa_counter.url), clock=clock)
    api = ReportsApi(session)
    report_id = api.create_report(SALES_WEEKS)
    for _ in range(10):
        api.get_report(report_id)
    ReportsApi(session).get_report(report_id)  # another client of the same account shares the token
    assert lwa_counter.exchanges == 1
    assert sandbox.stats["getReport"].accepted == 11

    # The sandbox's tokens live 3600 s; renewal is due TOKEN_RENEWAL_MARGIN seconds before that.
    token_clock.advance(3600 - TOKEN_RENEWAL_MARGIN - 5)
    api.get_report(report_id)
    assert lwa_counter.exchanges == 1
    token_clock.advance(10)
    api.get_report(report_id)
    assert lwa_counter.exchanges == 2
    api.get_report(report_id)
    assert lwa_counter.exchanges == 2


# ------------------------------------------------------------------------------------------ refused LWA
@pytest.mark.parametrize(
    ("bad_key", "bad_value"),
    [("lwa_client_secret", "amzn1.oa2-cs.v1.wrong-secret-789"), ("refresh_token", "Atzr|wrong-refresh-789")],
)
def test_refused_credentials_say_what_to_check_and_leak_nothing(
    secrets, sandbox, lwa_counter, clock, caplog, bad_key, bad_value
) -> None:
    secret_name = f"vendorcast/bad-{bad_key.replace('_', '-')}/spapi"
    credentials = sandbox_credentials(**{bad_key: bad_value})
    secrets.create_secret(Name=secret_name, SecretString=json.dumps(credentials))
    session = SpApiSession(account("acme-bad", secret_name), MARKETPLACE,
                           endpoints=endpoints_of(sandbox, lwa_counter.url), clock=clock)

    with caplog.at_level("DEBUG"), pytest.raises(SpApiAuthError) as caught:
        ReportsApi(session).create_report(SALES_WEEKS)

    message = str(caught.value)
    assert "refused the credentials for account 'acme-bad'" in message
    assert "refresh_token" in message and "lwa_client_secret" in message  # what to check
    for value in (credentials["refresh_token"], credentials["lwa_client_secret"], bad_value):
        assert value not in message
        assert value not in caplog.text
    assert not caught.value.retryable
    assert lwa_counter.exchanges == 1, "a refusal is not retried"
    assert "createReport" not in sandbox.stats, "no API call goes out without a token"


# ------------------------------------------------------------------------------------- retries, pacing
def test_throttling_and_server_errors_are_retried_until_the_calls_succeed(aws, clock) -> None:
    server = start_sandbox(clock, FaultSettings(throttle_rate=0.3, server_error_rate=0.3))
    try:
        session = SpApiSession(account(), MARKETPLACE, endpoints=endpoints_of(server), clock=clock,
                               retry=RetryPolicy(attempts=10, initial_wait=1.0, max_wait=30.0))
        api = ReportsApi(session)
        report_id = api.create_report(SALES_WEEKS)
        statuses = [api.get_report(report_id) for _ in range(12)]
    finally:
        server.stop()
    assert all(s.report_id == report_id for s in statuses)
    stats = server.stats
    faults = sum(s.injected_throttles + s.server_errors for s in stats.values())
    assert sum(s.injected_throttles for s in stats.values()) > 0
    assert sum(s.server_errors for s in stats.values()) > 0
    assert faults >= 5, "the fault rates should have struck several times"
    # Each operation succeeded exactly as often as it was asked for: one report, twelve reads.
    assert (stats["createReport"].accepted, stats["getReport"].accepted) == (1, 12)
    assert list(server.served_reports) == [report_id]
    assert all(s.throttled == 0 for s in stats.values())


def test_retries_are_bounded_and_back_off(aws, clock) -> None:
    server = start_sandbox(clock, FaultSettings(server_error_rate=1.0))
    retry_clock = SleepRecordingClock(clock)
    policy = RetryPolicy(attempts=4, initial_wait=2.0, max_wait=5.0)
    try:
        # Pacing gets its own clock, so that every recorded sleep is a retry's backoff.
        session = SpApiSession(account(), MARKETPLACE, endpoints=endpoints_of(server), clock=retry_clock,
                               limiter=RateLimiter(clock), retry=policy)
        with pytest.raises(SpApiServerError) as caught:
            ReportsApi(session).create_report(SALES_WEEKS)
    finally:
        server.stop()
    assert caught.value.operation == "createReport" and caught.value.status in (500, 503)
    stats = server.stats["createReport"]
    assert (stats.calls, stats.server_errors, stats.accepted) == (policy.attempts, policy.attempts, 0)
    assert server.served_reports == {}
    # A backoff between attempts (none after the last): full jitter under min(max_wait, initial * 2^n).
    assert len(retry_clock.sleeps) == policy.attempts - 1
    assert sum(retry_clock.sleeps) > 0
    for n, slept in enumerate(retry_clock.sleeps):
        assert 0 <= slept <= min(policy.max_wait, policy.initial_wait * 2**n)


@pytest.mark.parametrize("buckets", ["in-process", "shared in DynamoDB"])
def test_pacing_keeps_create_report_inside_amazons_usage_plan(aws, clock, buckets) -> None:
    server = start_sandbox(clock)
    plan = USAGE_PLANS["createReport"]
    calls = plan.burst + 5
    table = aws.resource("dynamodb").Table(RATE_LIMIT_TABLE) if buckets != "in-process" else None
    # The deployed functions share their buckets through the table (one scope per vendor account).
    limiter = RateLimiter(clock, table=table, scope=f"pacing-{time.monotonic_ns()}")
    try:
        session = SpApiSession(account(), MARKETPLACE, endpoints=endpoints_of(server), clock=clock, limiter=limiter)
        api = ReportsApi(session)
        started = clock.monotonic()
        report_ids = [api.create_report(SALES_WEEKS) for _ in range(calls)]
        elapsed = clock.monotonic() - started
    finally:
        server.stop()
    stats = server.stats["createReport"]
    assert stats.throttled == 0, f"the emulator throttled {stats.throttled} createReport call(s)"
    assert (stats.calls, stats.accepted) == (calls, calls)
    assert stats.max_burst <= plan.burst
    assert len(set(report_ids)) == calls
    # Past the burst the calls waited for tokens: about a simulated minute each.
    assert elapsed >= (calls - plan.burst - 1) / plan.rate


# -------------------------------------------------------------------------------------------- documents
def test_a_truncated_download_is_fetched_again_whole(aws, clock) -> None:
    server = start_sandbox(clock, FaultSettings(truncated_documents=1))
    try:
        session = SpApiSession(account(), MARKETPLACE, endpoints=endpoints_of(server), clock=clock)
        api = ReportsApi(session)
        status = wait_until_finished(api, api.create_report(SALES_WEEKS))
        document = api.download_document(status.report_document_id)
        faults = server.served_reports[status.report_id].faults
    finally:
        server.stop()
    assert "truncated_download" in faults  # the first download really was cut short
    assert server.stats["getReportDocument"].accepted == 2  # a fresh URL for the second download
    assert json.loads(document.content)["reportSpecification"]["reportType"] == ReportType.SALES.value
    assert inflate_complete(document.served) == document.content


def test_inflate_complete_refuses_a_cut_or_corrupt_stream() -> None:
    content = json.dumps({"salesByAsin": [{"asin": f"B0{i:08d}", "shippedUnits": i} for i in range(500)]}).encode()
    whole = gzip.compress(content)
    assert inflate_complete(whole) == content
    for cut in (int(len(whole) * 0.6), len(whole) - 8, len(whole) - 1):
        with pytest.raises(TruncatedDocument):
            inflate_complete(whole[:cut])
    corrupt = bytearray(whole)
    corrupt[-6] ^= 0xFF  # the CRC no longer matches
    with pytest.raises(TruncatedDocument):
        inflate_complete(bytes(corrupt))
