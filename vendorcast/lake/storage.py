"""The lake bucket as a filesystem: one class over pyarrow's filesystems, so the publishing job runs the same on
real S3 (Glue), the AWS emulator's S3 (embedded runtime) and a local directory (fixtures, tests, demo output)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

# The AWS emulator accepts any credentials; these are the ones vendorcast.local.aws gives boto3.
_EMULATOR_CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


@dataclass(frozen=True)
class StoredObject:
    """One object of the lake: its key (relative to the bucket), size, and last modification time."""

    key: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class LakeStorage:
    """The lake bucket: `filesystem` + `root` (the bucket, or a directory standing in for it). `uri_root` names the
    same place for Spark's own filesystem (`s3://bucket`, `file:///dir`)."""

    filesystem: pafs.FileSystem
    root: str
    uri_root: str

    @classmethod
    def local(cls, directory: Path) -> LakeStorage:
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        return cls(pafs.LocalFileSystem(), directory.as_posix(), directory.as_uri())

    @classmethod
    def s3(cls, bucket: str, region: str | None = None, endpoint_url: str | None = None) -> LakeStorage:
        """Real S3 (credentials from the environment), or the AWS emulator at `endpoint_url`."""
        if endpoint_url is None:
            filesystem = pafs.S3FileSystem(region=region) if region else pafs.S3FileSystem()
        else:
            endpoint = urlsplit(endpoint_url)
            filesystem = pafs.S3FileSystem(
                endpoint_override=endpoint.netloc, scheme=endpoint.scheme, region=region or "us-east-1",
                **_EMULATOR_CREDENTIALS,
            )
        return cls(filesystem, bucket, f"s3://{bucket}")

    @classmethod
    def s3_from_environment(cls, bucket: str) -> LakeStorage:
        """The bucket where boto3 would find it: the AWS emulator when AWS_ENDPOINT_URL[_S3] is set, else S3 in
        AWS_REGION (or the default region)."""
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return cls.s3(bucket, region=region, endpoint_url=endpoint)

    def path(self, key: str) -> str:
        """The filesystem path of a key."""
        return f"{self.root}/{key}"

    def uri(self, key: str) -> str:
        """The URI of a key for Spark."""
        return f"{self.uri_root}/{key}"

    def key_of(self, path: str) -> str:
        return path[len(self.root) + 1:]

    def list(self, prefix: str, suffix: str = "") -> list[StoredObject]:
        """Every object under `prefix` (recursively) whose name ends with `suffix`, sorted by key."""
        selector = pafs.FileSelector(self.path(prefix), recursive=True, allow_not_found=True)
        objects = [
            StoredObject(self.key_of(info.path), info.size or 0, info.mtime_ns or 0)
            for info in self.filesystem.get_file_info(selector)
            if info.type == pafs.FileType.File and info.path.endswith(suffix)
        ]
        return sorted(objects, key=lambda o: o.key)

    def read_bytes(self, key: str) -> bytes | None:
        """The object's content, or None when there is no such object."""
        if self.filesystem.get_file_info(self.path(key)).type != pafs.FileType.File:
            return None
        with self.filesystem.open_input_stream(self.path(key)) as stream:
            return stream.read()

    def read_parquet(self, key: str) -> pa.Table | None:
        """A Parquet object as a table, or None when there is no such object."""
        content = self.read_bytes(key)
        return None if content is None else pq.read_table(pa.BufferReader(content))

    def write_bytes(self, key: str, content: bytes) -> None:
        self._make_parent(key)
        with self.filesystem.open_output_stream(self.path(key)) as stream:
            stream.write(content)

    def write_parquet(self, key: str, table: pa.Table, compression: str) -> None:
        self._make_parent(key)
        pq.write_table(table, self.path(key), filesystem=self.filesystem, compression=compression)

    def parquet_rows(self, key: str) -> int:
        """The row count of a Parquet object, from its footer."""
        with self.filesystem.open_input_file(self.path(key)) as source:
            return pq.ParquetFile(source).metadata.num_rows

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.filesystem.delete_file(self.path(key))

    def make_directory(self, prefix: str) -> None:
        self.filesystem.create_dir(self.path(prefix), recursive=True)

    def _make_parent(self, key: str) -> None:
        if isinstance(self.filesystem, pafs.LocalFileSystem):
            self.filesystem.create_dir(self.path(key).rsplit("/", 1)[0], recursive=True)


__all__ = ["LakeStorage", "StoredObject"]
