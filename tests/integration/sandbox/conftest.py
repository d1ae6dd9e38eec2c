from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
import sp_api.auth.access_token_client as token_cache
from moto.server import ThreadedMotoServer
from sp_api.auth import AccessTokenClient
from sp_api.base import Marketplaces

from vendorcast.clock import Clock, ScaledClock
from vendorcast.sandbox.server import SandboxServer
from vendorcast.sandbox.settings import SandboxSettings

SIM_START = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
AWS = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    """python-amazon-sp-api caches tokens per refresh token across clients; each sandbox issues its own."""
    token_cache.cache.clear()
    token_cache.grantless_cache.clear()
    yield
    token_cache.cache.clear()
    token_cache.grantless_cache.clear()


@pytest.fixture
def settings() -> SandboxSettings:
    return SandboxSettings(seed=21, n_asins=25, history_start=date(2024, 1, 1))


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Start a sandbox for the test (stopped at its end): start_sandbox(settings, clock=None)."""
    with ExitStack() as stack:

        def start(settings: SandboxSettings, clock: Clock | None = None) -> SandboxServer:
            # Tokens cached for an earlier sandbox mean nothing to this one.
            token_cache.cache.clear()
            server = SandboxServer(settings, clock or ScaledClock.starting_at(SIM_START, scale=600))
            return stack.enter_context(server)

        yield start


@pytest.fixture
def credentials(settings: SandboxSettings) -> dict[str, str]:
    return {
        "refresh_token": settings.refresh_token,
        "lwa_app_id": settings.lwa_client_id,
        "lwa_client_secret": settings.lwa_client_secret,
    }


def token_client_for(base_url: str) -> type[AccessTokenClient]:
    """python-amazon-sp-api's LWA client, pointed at the sandbox (its URL comes from class attributes)."""
    host = base_url.removeprefix("http://")
    return type("SandboxAccessTokenClient", (AccessTokenClient,), {"scheme": "http://", "host": host})


@pytest.fixture
def sp_client(credentials: dict[str, str]) -> Callable[..., Any]:
    """sp_client(Reports, server, **kwargs): a python-amazon-sp-api client talking to the sandbox."""

    def build(
        api: type, server: SandboxServer, credentials: dict[str, str] = credentials, **kwargs: Any
    ) -> Any:
        client = api(
            marketplace=Marketplaces.US,
            credentials=credentials,
            auth_token_client_class=token_client_for(server.base_url),
            **kwargs,
        )
        client.endpoint = server.base_url
        return client

    return build


@pytest.fixture(scope="module")
def aws_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def sqs(aws_endpoint: str):
    return boto3.client("sqs", endpoint_url=aws_endpoint, **AWS)
