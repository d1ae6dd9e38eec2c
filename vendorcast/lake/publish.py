"""The publishing job: raw/ into curated/, incrementally. Only the curated partitions whose inputs changed since
the last successful run are rebuilt, each from every raw file with rows in it, and replaced as a whole (dynamic
partition overwrite); the manifest that records what was published is written last. The same function runs in
the Glue job (SparkEngine, S3), the embedded runtime (DuckDBEngine, the emulator's S3) and on a local directory.

A raw file that cannot be read (a required column missing, say) fails the partitions it has rows in, for this
run: they keep their last published content, the failure is in the result, and the file stays unprocessed in the
manifest so the next run tries again. Everything else publishes.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vendorcast.lake.engines import CuratedEngine, DuckDBEngine, EngineInputs
from vendorcast.lake.glue_catalog import GlueCatalog
from vendorcast.lake.manifest import PublishManifest, RawFileRecord, fingerprint, load_manifest, save_manifest
from vendorcast.lake.raw_files import RawFileError, partition_id, partition_values, raw_file_partitions
from vendorcast.lake.storage import LakeStorage, StoredObject
from vendorcast.lake.tables import CURATED_TABLES, RAW_INPUTS, CuratedTable, RawInput
from vendorcast.resources import GLUE_DATABASE, LAKE_BUCKET

log = logging.getLogger(__name__)

# New raw files are scanned concurrently: on S3 each read is mostly waiting.
SCAN_THREADS = 8


@dataclass(frozen=True)
class PublishFailure:
    """A raw file that could not be published, and the curated partitions it held back."""

    key: str
    tables: tuple[str, ...]
    partitions: tuple[str, ...]  # "<table>/<partition id>"
    message: str


@dataclass(frozen=True)
class TablePublication:
    """What one run did to one curated table."""

    table: str
    written: dict[str, int]  # partition id -> rows
    deleted: tuple[str, ...]  # partitions left without rows
    held_back: tuple[str, ...]  # partitions with new input that a failed raw file kept from publishing


@dataclass
class PublishResult:
    engine: str
    raw_files: int
    new_raw_files: int
    tables: dict[str, TablePublication] = field(default_factory=dict)
    failures: list[PublishFailure] = field(default_factory=list)
    manifest_written: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def partitions_written(self) -> int:
        return sum(len(t.written) for t in self.tables.values())

    @property
    def rows_written(self) -> int:
        return sum(sum(t.written.values()) for t in self.tables.values())

    def summary(self) -> dict[str, Any]:
        """A JSON-ready account of the run, for logs and the CLI."""
        return {
            "engine": self.engine,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "raw_files": self.raw_files,
            "new_raw_files": self.new_raw_files,
            "partitions_written": self.partitions_written,
            "rows_written": self.rows_written,
            "manifest_written": self.manifest_written,
            "tables": {name: {"partitions_written": len(t.written), "rows_written": sum(t.written.values()),
                              "partitions_deleted": len(t.deleted), "partitions_held_back": len(t.held_back)}
                       for name, t in self.tables.items()},
            "failures": [{"file": f.key, "tables": list(f.tables), "partitions": list(f.partitions),
                          "error": f.message} for f in self.failures],
        }


class PublishIncomplete(RuntimeError):
    """A run published what it could, but some raw files failed (listed in the result)."""

    def __init__(self, result: PublishResult) -> None:
        self.result = result
        listed = "; ".join(f.message for f in result.failures)
        super().__init__(f"{len(result.failures)} raw file(s) could not be published: {listed}")


def publish_lake(
    storage: LakeStorage,
    engine: CuratedEngine,
    *,
    catalog: GlueCatalog | None = None,
    full_refresh: bool = False,
) -> PublishResult:
    """Publish the curated tables from the raw zone of `storage`: only partitions with new or changed input
    (every partition when `full_refresh`), tables and partitions registered in `catalog` when given."""
    started = time.perf_counter()
    previous = load_manifest(storage)
    baseline = PublishManifest() if full_refresh else previous

    listing = _list_raw_files(storage)
    files = {key: record for key, record in baseline.files.items()
             if key in listing and listing[key][1].size == record.size}
    new_keys = sorted(key for key in listing if key not in files)
    result = PublishResult(engine.name, raw_files=len(listing), new_raw_files=len(new_keys))
    held_back = _scan_new_files(storage, listing, new_keys, files, result.failures)
    log.info("publish_lake: %d raw files, %d new, %d failed", len(listing), len(new_keys), len(result.failures))

    if catalog is not None:
        for table in CURATED_TABLES.values():
            catalog.ensure_table(table)

    published: dict[str, dict[str, str]] = {}
    for table in CURATED_TABLES.values():
        recorded = previous.partitions.get(table.name, {})
        if full_refresh:
            # Every partition is rebuilt, and those of the last manifest that no input makes any more deleted.
            recorded = dict.fromkeys(recorded, "")
        publication, published[table.name] = _publish_table(
            table, engine, files, published, recorded, held_back[table.name])
        result.tables[table.name] = publication
        if catalog is not None:
            catalog.add_partitions(table, [pid for pid, rows in publication.written.items() if rows])
            catalog.delete_partitions(table, list(publication.deleted))

    manifest = PublishManifest(files=files, partitions=published)
    result.manifest_written = save_manifest(storage, manifest)
    result.seconds = time.perf_counter() - started
    log.info("publish_lake: %d partitions, %d rows written in %.1f s", result.partitions_written,
             result.rows_written, result.seconds)
    return result


def publish_lake_local(lake_dir: Path, full_refresh: bool = False) -> PublishResult:
    """`vendorcast publish-lake`: publish a lake kept in a local directory (such as demo-output/lake) with DuckDB;
    there is no Glue catalog locally."""
    storage = LakeStorage.local(Path(lake_dir))
    engine = DuckDBEngine(storage)
    try:
        return publish_lake(storage, engine, full_refresh=full_refresh)
    finally:
        engine.close()


def publish_lake_emulated(endpoint_url: str, glue: Any, full_refresh: bool = False) -> PublishResult:
    """The Glue job's work in the embedded runtime: DuckDB over the AWS emulator's lake bucket, tables and
    partitions registered in the emulator's Glue Data Catalog (`glue`: a boto3 Glue client on the emulator)."""
    storage = LakeStorage.s3(LAKE_BUCKET, endpoint_url=endpoint_url)
    catalog = GlueCatalog(glue, GLUE_DATABASE, storage)
    catalog.ensure_database()
    engine = DuckDBEngine(storage)
    try:
        return publish_lake(storage, engine, catalog=catalog, full_refresh=full_refresh)
    finally:
        engine.close()


# --- the steps --------------------------------------------------------------------------------------------


def _list_raw_files(storage: LakeStorage) -> dict[str, tuple[RawInput, StoredObject]]:
    listing: dict[str, tuple[RawInput, StoredObject]] = {}
    for raw in RAW_INPUTS.values():
        for stored in storage.list(f"{raw.prefix}/", ".parquet"):
            listing[stored.key] = (raw, stored)
    return listing


def _scan_new_files(
    storage: LakeStorage,
    listing: dict[str, tuple[RawInput, StoredObject]],
    new_keys: list[str],
    files: dict[str, RawFileRecord],
    failures: list[PublishFailure],
) -> dict[str, set[str]]:
    """Record the partitions of each new raw file in `files`; a file that fails goes to `failures` instead, and
    the partitions it has rows in (where they can be told) are returned per table, to be held back."""

    def scan(key: str) -> tuple[str, dict[str, list[str]] | RawFileError]:
        raw = listing[key][0]
        try:
            return key, raw_file_partitions(storage, raw, key)
        except RawFileError as error:
            return key, error

    held_back: dict[str, set[str]] = defaultdict(set)
    with ThreadPoolExecutor(SCAN_THREADS) as pool:
        scanned = list(pool.map(scan, new_keys))
    for key, outcome in scanned:
        if not isinstance(outcome, RawFileError):
            files[key] = RawFileRecord(listing[key][1].size, outcome)
            continue
        try:
            # The rows of a file that misses, say, a metric still say which partitions it would change.
            partitions = raw_file_partitions(storage, listing[key][0], key, check_required=False)
        except RawFileError:
            partitions = {}
        for name, pids in partitions.items():
            held_back[name].update(pids)
        log.error("publish_lake: %s", outcome)
        failures.append(PublishFailure(
            key=key,
            tables=outcome.tables,
            partitions=tuple(f"{name}/{pid}" for name, pids in sorted(partitions.items()) for pid in pids),
            message=str(outcome),
        ))
    return held_back


def _input_fingerprints(
    table: CuratedTable, files: dict[str, RawFileRecord], published: dict[str, dict[str, str]]
) -> tuple[dict[str, str], dict[str, dict[str, list[str]]]]:
    """Each partition the inputs make, with the fingerprint of its inputs and, per input view, what to read."""
    sources: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    parts: dict[str, list[str]] = defaultdict(list)
    raw_views = [v for v in table.inputs if v in RAW_INPUTS]
    for key, record in files.items():
        for pid in record.partitions.get(table.name, ()):
            view = next(v for v in raw_views if key.startswith(f"{RAW_INPUTS[v].prefix}/"))
            sources[pid][view].append(key)
            parts[pid].append(f"{key}:{record.size}")
    # An input that is a curated table: its partitions match this table's column by column (demand_weekly's
    # account, marketplace_id, week_start are vendor_sales' account, marketplace_id, start_week; purchase_order_items'
    # are purchase_orders').
    for view in (v for v in table.inputs if v not in RAW_INPUTS):
        source = CURATED_TABLES[view]
        for source_pid, source_fingerprint in published[view].items():
            pid = partition_id(table, dict(zip(table.partition_names,
                                               partition_values(source, source_pid).values(), strict=True)))
            sources[pid][view].append(source_pid)
            parts[pid].append(f"{view}/{source_pid}:{source_fingerprint}")
    return {pid: fingerprint(p) for pid, p in parts.items()}, sources


def _publish_table(
    table: CuratedTable,
    engine: CuratedEngine,
    files: dict[str, RawFileRecord],
    published: dict[str, dict[str, str]],
    recorded: dict[str, str],
    held_back: set[str],
) -> tuple[TablePublication, dict[str, str]]:
    current, sources = _input_fingerprints(table, files, published)
    dirty = {pid for pid, value in current.items() if recorded.get(pid) != value}
    dirty |= {pid for pid in recorded if pid not in current}
    # A failed raw file is new input of its partitions: they wait, whatever else changed in them.
    blocked = set(held_back)
    dirty -= blocked
    written: dict[str, int] = {}
    for batch in _batches(sorted(dirty), sources, files, engine.batch_input_bytes):
        raw_files: dict[str, set[str]] = defaultdict(set)
        for pid in batch:
            for view, keys in sources.get(pid, {}).items():
                raw_files[view].update(keys)
        inputs = EngineInputs(
            raw_files={v: sorted(k) for v, k in raw_files.items() if v in RAW_INPUTS},
            curated_partitions={v: sorted(k) for v, k in raw_files.items() if v not in RAW_INPUTS},
        )
        log.info("publish_lake: %s: %d partitions from %d inputs", table.name, len(batch),
                 sum(len(k) for k in raw_files.values()))
        written.update(engine.publish(table, inputs, batch))
    # Partitions held back keep their recorded inputs, so that the next run sees them as changed again.
    state = {pid: value for pid, value in recorded.items() if pid not in dirty and value}
    state.update({pid: current[pid] for pid in dirty if pid in current})
    state = dict(sorted(state.items()))
    publication = TablePublication(
        table=table.name,
        written={pid: rows for pid, rows in written.items() if rows},
        deleted=tuple(pid for pid, rows in written.items() if not rows),
        held_back=tuple(sorted(blocked)),
    )
    return publication, state


# What reading one curated partition is taken to cost when batching (its size is not in the manifest).
CURATED_PARTITION_COST = 1024 * 1024


def _batches(pids: list[str], sources: dict[str, dict[str, list[str]]], files: dict[str, RawFileRecord],
             limit: int | None) -> list[list[str]]:
    """Consecutive runs of `pids` whose inputs together stay within `limit` bytes (a partition whose inputs alone
    exceed it is a batch of its own); one batch when there is no limit."""
    if limit is None:
        return [pids] if pids else []

    def inputs_of(pid: str) -> set[tuple[str, str]]:
        return {(view, key) for view, keys in sources.get(pid, {}).items() for key in keys}

    def cost(inputs: set[tuple[str, str]]) -> int:
        return sum(files[key].size if view in RAW_INPUTS else CURATED_PARTITION_COST for view, key in inputs)

    batches: list[list[str]] = []
    batch: list[str] = []
    seen: set[tuple[str, str]] = set()
    total = 0
    for pid in pids:
        extra = inputs_of(pid) - seen
        if batch and total + cost(extra) > limit:
            batches.append(batch)
            batch, seen, total = [], set(), 0
            extra = inputs_of(pid)
        batch.append(pid)
        seen |= extra
        total += cost(extra)
    if batch:
        batches.append(batch)
    return batches


__all__ = [
    "PublishFailure",
    "PublishIncomplete",
    "PublishResult",
    "TablePublication",
    "publish_lake",
    "publish_lake_emulated",
    "publish_lake_local",
]
