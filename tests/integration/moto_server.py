"""An AWS emulator of its own, for integration tests that need only plain AWS services (no pipeline)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from moto.server import ThreadedMotoServer


@contextmanager
def moto_endpoint(**environment: str) -> Iterator[str]:
    """A moto server on a free port, emptied first (moto keeps its state per process, not per server), with the
    AWS variables (and `environment`) pointing boto3 and pyarrow at it while the block runs."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"  # moto has no public accessor for port 0
    patch = pytest.MonkeyPatch()
    try:
        httpx.post(f"{endpoint}/moto-api/reset", timeout=30.0).raise_for_status()
        for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                           **environment}.items():
            patch.setenv(key, value)
        patch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
        yield endpoint
    finally:
        patch.undo()
        server.stop()
