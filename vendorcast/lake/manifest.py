"""The publishing job's durable state: which raw files it has seen (and the curated partitions each has rows in)
and, per curated partition, a fingerprint of the inputs it was last published from. A partition whose inputs'
fingerprint differs from the recorded one is published again; the manifest is written only after the
partitions are, so a run that fails part-way is simply repeated."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from vendorcast.lake.storage import LakeStorage
from vendorcast.resources import PUBLISH_STATE_PREFIX

MANIFEST_KEY = f"{PUBLISH_STATE_PREFIX}/manifest.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class RawFileRecord:
    """A raw file the job has read: its size (raw files are immutable, one per document) and, per curated
    table, the partitions it has rows in."""

    size: int
    partitions: dict[str, list[str]]


@dataclass
class PublishManifest:
    files: dict[str, RawFileRecord] = field(default_factory=dict)
    # curated table -> partition id -> fingerprint of the inputs it was published from
    partitions: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """Deterministic: the same state gives the same bytes, so an unchanged manifest is not rewritten."""
        content = {
            "version": MANIFEST_VERSION,
            "files": {key: {"size": r.size, "partitions": r.partitions} for key, r in self.files.items()},
            "partitions": self.partitions,
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, content: bytes) -> PublishManifest:
        data = json.loads(content)
        if data.get("version") != MANIFEST_VERSION:
            raise ValueError(f"publish manifest version {data.get('version')!r} is not {MANIFEST_VERSION}; "
                             "run the job with --FULL_REFRESH to rebuild it")
        files = {key: RawFileRecord(r["size"], r["partitions"]) for key, r in data["files"].items()}
        return cls(files, data["partitions"])


def load_manifest(storage: LakeStorage) -> PublishManifest:
    """The last successful run's manifest; an empty one before the first run."""
    content = storage.read_bytes(MANIFEST_KEY)
    return PublishManifest() if content is None else PublishManifest.from_json(content)


def save_manifest(storage: LakeStorage, manifest: PublishManifest) -> bool:
    """Write the manifest unless it is unchanged; True when written."""
    content = manifest.to_json()
    if storage.read_bytes(MANIFEST_KEY) == content:
        return False
    storage.write_bytes(MANIFEST_KEY, content)
    return True


def fingerprint(parts: Iterable[str]) -> str:
    """A short digest of a set of inputs (raw file keys and sizes, or input partitions' fingerprints)."""
    digest = hashlib.sha256()
    for part in sorted(parts):
        digest.update(part.encode())
        digest.update(b"\n")
    return digest.hexdigest()[:32]


__all__ = ["MANIFEST_KEY", "PublishManifest", "RawFileRecord", "fingerprint", "load_manifest", "save_manifest"]
