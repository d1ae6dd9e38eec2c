"""A forecast run's working objects in the lake bucket, under forecast/_runs/<run_id>/ (outside every table's
location): each shard's inputs and results, and the trained models. A step re-run with the same input rewrites
the same objects, so Step Functions retries are safe."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from vendorcast.lake.storage import LakeStorage
from vendorcast.resources import FORECAST_PREFIX

RUNS_PREFIX = f"{FORECAST_PREFIX}/_runs"
MODELS_FILE = "models.pkl"


class MissingRunFile(RuntimeError):
    """A step's input object is not in the bucket: the step that writes it did not finish."""


@dataclass(frozen=True)
class RunFiles:
    storage: LakeStorage
    run_id: str

    @property
    def prefix(self) -> str:
        return f"{RUNS_PREFIX}/{self.run_id}"

    def shard_key(self, shard: int, name: str) -> str:
        return f"{self.prefix}/shards/{shard:05d}/{name}.parquet"

    def write_shard(self, shard: int, name: str, frame: pd.DataFrame | pa.Table) -> None:
        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        self.storage.write_parquet(self.shard_key(shard, name), table, "zstd")

    def read_shard(self, shard: int, name: str) -> pa.Table:
        key = self.shard_key(shard, name)
        table = self.storage.read_parquet(key)
        if table is None:
            raise MissingRunFile(f"s3 object {key} is missing: the step that writes it did not finish")
        return table

    def read_shards(self, shards: Iterable[int], name: str) -> pa.Table:
        """One table of every shard's `name` object."""
        # A shard without rows (no Amazon snapshot for its items) has untyped columns: promote them.
        return pa.concat_tables([self.read_shard(shard, name) for shard in shards], promote_options="permissive")

    def write_models(self, models: Any) -> str:
        """The trained models, pickled (they travel only between this run's steps, in its own bucket)."""
        key = f"{self.prefix}/{MODELS_FILE}"
        self.storage.write_bytes(key, pickle.dumps(models))
        return key

    def read_models(self) -> Any:
        key = f"{self.prefix}/{MODELS_FILE}"
        content = self.storage.read_bytes(key)
        if content is None:
            raise MissingRunFile(f"s3 object {key} is missing: the Train step did not finish")
        return pickle.loads(content)
