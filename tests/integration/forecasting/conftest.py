"""A published lake in the AWS emulator (curated demand_weekly and amazon_forecast from the simulated vendor), for
the forecast workflow's steps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from tests.integration.moto_server import moto_endpoint
from vendorcast import resources as r
from vendorcast.forecasting.workflow import forecast_shard, prepare_run, publish_run, train_models
from vendorcast.lake.publish import publish_lake_emulated
from vendorcast.lake.storage import LakeStorage
from vendorcast.synthetic_lake import WEEKLY_STREAMS, SyntheticLake, write_synthetic_lake


@dataclass
class EmulatedLake:
    endpoint: str
    storage: LakeStorage
    spec: SyntheticLake


@contextmanager
def emulate(spec: SyntheticLake) -> Iterator[EmulatedLake]:
    """The synthetic lake `spec` written to the AWS emulator and published (curated tables, Glue catalog)."""
    with moto_endpoint(**{r.ENV_LAKE_BUCKET: r.LAKE_BUCKET, r.ENV_GLUE_DATABASE: r.GLUE_DATABASE}) as endpoint:
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=r.LAKE_BUCKET)
        storage = LakeStorage.s3(r.LAKE_BUCKET, endpoint_url=endpoint)
        write_synthetic_lake(storage, spec)
        result = publish_lake_emulated(endpoint, boto3.client("glue", endpoint_url=endpoint))
        assert result.ok, result.failures
        yield EmulatedLake(endpoint, storage, spec)


def run_steps(run_id: str, **input_: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The workflow's steps in the state machine's order: the run, and the published summary."""
    run = prepare_run({"run_id": run_id, "started_at": datetime.now(UTC).isoformat(), "trigger": "manual",
                       **input_})
    train = train_models({"run": run})
    shards = [forecast_shard({"run": run, "train": train, "shard": shard}) for shard in run["shards"]]
    return run, publish_run({"run": run, "train": train, "shards": shards})


@pytest.fixture(scope="module")
def emulated_lake() -> Iterator[EmulatedLake]:
    with emulate(SyntheticLake(n_asins=24, first_week=date(2024, 6, 2), weeks=60, weeks_per_document=6,
                               restatements=0, streams=WEEKLY_STREAMS, catalog=False)) as lake:
        yield lake
