"""The lake on Athena: run an analyst's query in the vendorcast workgroup, and publish the analysts' views into
the Glue database (after defining the tables they read), through awswrangler."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import awswrangler as wr
import pyarrow as pa
from botocore.exceptions import ClientError

from vendorcast.lake.analyst_views import analyst_views
from vendorcast.lake.forecast_tables import FORECAST_TABLES
from vendorcast.lake.glue_catalog import GlueCatalog
from vendorcast.lake.tables import CURATED_TABLES
from vendorcast.resources import ATHENA_WORKGROUP, ENV_ATHENA_WORKGROUP, ENV_GLUE_DATABASE, GLUE_DATABASE

if TYPE_CHECKING:
    import boto3


class AthenaQueryError(ValueError):
    """Athena refused or failed a query; the message carries Athena's reason."""


@dataclass(frozen=True)
class AthenaTarget:
    """Where a query runs: the Glue database its unqualified table names resolve in, and the workgroup (which
    fixes the engine version, the encrypted result location and the bytes-scanned cutoff)."""

    database: str
    workgroup: str

    @classmethod
    def resolve(cls, database: str | None = None, workgroup: str | None = None) -> AthenaTarget:
        """Explicit names first, then the environment the stacks set, then the names in vendorcast.resources."""
        return cls(
            database=database or os.environ.get(ENV_GLUE_DATABASE) or GLUE_DATABASE,
            workgroup=workgroup or os.environ.get(ENV_ATHENA_WORKGROUP) or ATHENA_WORKGROUP,
        )


def run_athena_query(sql: str, target: AthenaTarget, boto3_session: boto3.Session | None = None) -> pa.Table:
    """Run one query in the workgroup and return its rows.

    Results are read from the CSV Athena writes to the workgroup's (enforced, encrypted) result location rather
    than through a CTAS table, so an analyst needs no right to create tables in the Glue database.
    """
    try:
        frame = wr.athena.read_sql_query(
            sql, database=target.database, workgroup=target.workgroup, ctas_approach=False,
            dtype_backend="pyarrow", boto3_session=boto3_session,
        )
    except (wr.exceptions.QueryFailed, ClientError) as exc:
        # QueryFailed: Athena ran it and failed (syntax, permissions, the bytes-scanned cutoff); ClientError: Athena
        # refused it (no such workgroup or database, throttling).
        raise AthenaQueryError(f"Athena query failed in workgroup {target.workgroup} "
                               f"(database {target.database}): {exc}") from exc
    return pa.Table.from_pandas(frame, preserve_index=False)


@dataclass(frozen=True)
class PublishedView:
    name: str
    query_execution_id: str


def register_view_tables(catalog: GlueCatalog) -> list[str]:
    """Define every curated and forecast table in the Glue database (created, or updated to the contract), so
    the views can be created before the publishing job or the forecast workflow first writes them; returns the
    tables changed. Partitions are left to the writers."""
    tables = [*CURATED_TABLES.values(), *FORECAST_TABLES.values()]
    return [table.name for table in tables if catalog.ensure_table(table)]


def missing_view_tables(target: AthenaTarget, boto3_session: boto3.Session | None = None) -> list[str]:
    """Tables the views read that the Glue database does not define (the views they read are created with them)."""
    views = analyst_views()
    needed = sorted(set().union(*(view.tables for view in views)) - {view.name for view in views})
    return [name for name in needed
            if not wr.catalog.does_table_exist(database=target.database, table=name, boto3_session=boto3_session)]


def publish_views(target: AthenaTarget, boto3_session: boto3.Session | None = None) -> list[PublishedView]:
    """Create or replace every analyst view in the Glue database, one Athena DDL query each, waiting for each.

    Idempotent (CREATE OR REPLACE), so a deploy step can run it on every deployment. Athena checks a view against
    the tables it reads, so they must be defined first (register_view_tables); they need not hold data.
    """
    missing = missing_view_tables(target, boto3_session)
    if missing:
        raise AthenaQueryError(f"the Glue database {target.database} does not define {', '.join(missing)}, which "
                               "the views read: register the tables first (register_view_tables)")
    published = []
    for view in analyst_views():
        try:
            execution = wr.athena.start_query_execution(
                view.statement, database=target.database, workgroup=target.workgroup, wait=True,
                boto3_session=boto3_session,
            )
        except (wr.exceptions.QueryFailed, ClientError) as exc:
            raise AthenaQueryError(f"creating view {view.name} in {target.database} failed: {exc}") from exc
        published.append(PublishedView(view.name, execution["QueryExecutionId"]))
    return published


__all__ = [
    "AthenaQueryError",
    "AthenaTarget",
    "PublishedView",
    "missing_view_tables",
    "publish_views",
    "register_view_tables",
    "run_athena_query",
]
