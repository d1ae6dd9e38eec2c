"""The curated tables in the Glue Data Catalog: each table defined from the contract (created, or updated when the
contract changed) and its partitions added or dropped as the publishing job writes them. The same calls run
against AWS and against the AWS emulator of the embedded runtime."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from vendorcast.lake.raw_files import partition_values
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import LakeTable
from vendorcast.resources import ENV_GLUE_DATABASE, GLUE_DATABASE

PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
# Glue's limits per batch call.
CREATE_PARTITIONS_BATCH = 100
DELETE_PARTITIONS_BATCH = 25


class GlueCatalogError(RuntimeError):
    """Glue refused a catalog change."""


class GlueCatalog:
    """The lake's database in the Glue Data Catalog. `glue` is a boto3 Glue client."""

    def __init__(self, glue: Any, database: str, storage: LakeStorage) -> None:
        self.glue = glue
        self.database = database
        self.storage = storage

    @classmethod
    def from_environment(cls, storage: LakeStorage) -> GlueCatalog:
        """The deployment's database (ENV_GLUE_DATABASE, set by the stacks) through the default boto3 client: what
        a Lambda function registers its tables in."""
        import boto3

        return cls(boto3.client("glue"), os.environ.get(ENV_GLUE_DATABASE, GLUE_DATABASE), storage)

    def ensure_database(self) -> None:
        """Create the database (the stacks create it on AWS; the embedded runtime asks for it)."""
        try:
            self.glue.get_database(Name=self.database)
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_database(DatabaseInput={
                "Name": self.database, "Description": "vendorcast data lake: curated tables",
            })

    def table_input(self, table: LakeTable) -> dict[str, Any]:
        """The Glue TableInput of a curated table."""
        return {
            "Name": table.name,
            "Description": table.description,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE", "parquet.compression": "ZSTD"},
            "PartitionKeys": [_column(c) for c in table.partition_columns],
            "StorageDescriptor": self._storage_descriptor(table, table.prefix),
        }

    def ensure_table(self, table: LakeTable) -> bool:
        """Create the table, or update it when its definition differs from the contract; True when changed."""
        wanted = self.table_input(table)
        try:
            current = self.glue.get_table(DatabaseName=self.database, Name=table.name)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_table(DatabaseName=self.database, TableInput=wanted)
            return True
        if _same_definition(current, wanted):
            return False
        self.glue.update_table(DatabaseName=self.database, TableInput=wanted)
        return True

    def add_partitions(self, table: LakeTable, pids: Sequence[str]) -> None:
        """Register partitions; ones already registered are left as they are."""
        inputs = [{
            "Values": list(partition_values(table, pid).values()),
            "StorageDescriptor": self._storage_descriptor(table, f"{table.prefix}/{pid}"),
        } for pid in pids]
        for start in range(0, len(inputs), CREATE_PARTITIONS_BATCH):
            batch = inputs[start:start + CREATE_PARTITIONS_BATCH]
            response = self.glue.batch_create_partition(
                DatabaseName=self.database, TableName=table.name, PartitionInputList=batch)
            errors = [e for e in response.get("Errors", [])
                      if e.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException"]
            if errors:
                raise GlueCatalogError(f"Glue did not register partitions of {self.database}.{table.name}: {errors}")

    def delete_partitions(self, table: LakeTable, pids: Sequence[str]) -> None:
        """Drop partitions whose data is gone; ones not registered are ignored."""
        values = [{"Values": list(partition_values(table, pid).values())} for pid in pids]
        for start in range(0, len(values), DELETE_PARTITIONS_BATCH):
            response = self.glue.batch_delete_partition(
                DatabaseName=self.database, TableName=table.name,
                PartitionsToDelete=values[start:start + DELETE_PARTITIONS_BATCH])
            errors = [e for e in response.get("Errors", [])
                      if e.get("ErrorDetail", {}).get("ErrorCode") != "EntityNotFoundException"]
            if errors:
                raise GlueCatalogError(f"Glue did not drop partitions of {self.database}.{table.name}: {errors}")

    def partitions(self, table: LakeTable) -> list[list[str]]:
        """The registered partitions' values."""
        paginator = self.glue.get_paginator("get_partitions")
        return [p["Values"] for page in paginator.paginate(DatabaseName=self.database, TableName=table.name)
                for p in page["Partitions"]]

    def _storage_descriptor(self, table: LakeTable, prefix: str) -> dict[str, Any]:
        return {
            "Columns": [_column(c) for c in table.columns],
            # A trailing slash: Athena reads every object under the prefix, and only those.
            "Location": f"{self.storage.uri(prefix)}/",
            "InputFormat": PARQUET_INPUT_FORMAT,
            "OutputFormat": PARQUET_OUTPUT_FORMAT,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}},
        }


def _column(column: Any) -> dict[str, str]:
    # Glue comments are limited to 255 characters.
    return {"Name": column.name, "Type": column.type, "Comment": column.description[:255]}


def _same_definition(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    def shape(definition: dict[str, Any]) -> tuple[Any, ...]:
        descriptor = definition.get("StorageDescriptor", {})
        return (
            definition.get("Description"),
            definition.get("PartitionKeys"),
            descriptor.get("Columns"),
            descriptor.get("Location"),
            descriptor.get("SerdeInfo", {}).get("SerializationLibrary"),
        )

    return shape(current) == shape(wanted)


__all__ = ["GlueCatalog", "GlueCatalogError"]
