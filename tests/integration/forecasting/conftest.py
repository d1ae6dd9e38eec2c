"""A published lake in the AWS emulator (curated demand_weekly and amazon_forecast from the simulated vendor), for
the forecast workflow's steps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from vendorcast import resources as r
from vendorcast.lake.publish import publish_lake_emulated
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.synthetic import WEEKLY_STREAMS, SyntheticLake, write_synthetic_lake


@dataclass
class EmulatedLake:
    endpoint: str
    storage: LakeStorage
    spec: SyntheticLake


@pytest.fixture(scope="module")
def emulated_lake() -> Iterator[EmulatedLake]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"  # moto has no public accessor for port 0
    patch = pytest.MonkeyPatch()
    for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                       r.ENV_LAKE_BUCKET: r.LAKE_BUCKET, r.ENV_GLUE_DATABASE: r.GLUE_DATABASE}.items():
        patch.setenv(key, value)
    patch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    try:
        # moto keeps its state per process, not per server: without a reset, an earlier test's lake bucket and
        # Glue tables would be read as this lake.
        httpx.post(f"{endpoint}/moto-api/reset", timeout=30.0).raise_for_status()
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=r.LAKE_BUCKET)
        storage = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=endpoint)
        spec = SyntheticLake(n_asins=24, first_week=date(2024, 6, 2), weeks=60, weeks_per_document=6,
                             restatements=0, streams=WEEKLY_STREAMS, catalog=False)
        write_synthetic_lake(storage, spec)
        result = publish_lake_emulated(endpoint, boto3.client("glue", endpoint_url=endpoint))
        assert result.ok, result.failures
        yield EmulatedLake(endpoint, storage, spec)
    finally:
        patch.undo()
        server.stop()
