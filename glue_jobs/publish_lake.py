"""Glue 5.0 Spark job `publish_lake`: raw/ into the curated tables and the Glue Data Catalog, incrementally.

Job parameters: --LAKE_BUCKET, --GLUE_DATABASE, and optionally --FULL_REFRESH true (rebuild every partition).
The vendorcast wheel comes with --extra-py-files. `awsglue` exists only on Glue, so it is imported in `main`;
tests run `run_publish_job` with plain pyspark.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from vendorcast.lake.engines import SparkEngine
from vendorcast.lake.glue_catalog import GlueCatalog
from vendorcast.lake.publish import PublishIncomplete, PublishResult, publish_lake
from vendorcast.lake.storage import LakeStorage
from vendorcast.resources import PUBLISH_JOB_ARG_FULL_REFRESH as ARG_FULL_REFRESH
from vendorcast.resources import PUBLISH_JOB_ARG_GLUE_DATABASE as ARG_GLUE_DATABASE
from vendorcast.resources import PUBLISH_JOB_ARG_LAKE_BUCKET as ARG_LAKE_BUCKET

log = logging.getLogger("publish_lake")


def run_publish_job(spark: Any, storage: LakeStorage, catalog: GlueCatalog | None,
                    full_refresh: bool = False) -> PublishResult:
    """The job's work: publish with Spark, log the run's summary, and fail the run (after publishing what it
    could) when a raw file could not be published, so that the failure alarms."""
    result = publish_lake(storage, SparkEngine(spark, storage), catalog=catalog, full_refresh=full_refresh)
    log.info("publish_lake result: %s", json.dumps(result.summary()))
    if not result.ok:
        raise PublishIncomplete(result)
    return result


def parse_full_refresh(value: str | None) -> bool:
    """--FULL_REFRESH true|false (absent: false)."""
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise ValueError(f"--{ARG_FULL_REFRESH} must be true or false, got {value!r}")
    return value.lower() == "true"


def main(argv: list[str]) -> None:
    import boto3
    from awsglue.utils import getResolvedOptions
    from pyspark.sql import SparkSession

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = getResolvedOptions(argv, [ARG_LAKE_BUCKET, ARG_GLUE_DATABASE])
    # getResolvedOptions rejects a missing parameter, so the optional one is looked up by hand.
    full_refresh = None
    if f"--{ARG_FULL_REFRESH}" in argv:
        full_refresh = getResolvedOptions(argv, [ARG_FULL_REFRESH])[ARG_FULL_REFRESH]
    spark = (SparkSession.builder.appName("vendorcast-publish-lake")
             .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
             .getOrCreate())
    storage = LakeStorage.s3(args[ARG_LAKE_BUCKET], region=boto3.session.Session().region_name)
    catalog = GlueCatalog(boto3.client("glue"), args[ARG_GLUE_DATABASE], storage)
    run_publish_job(spark, storage, catalog, parse_full_refresh(full_refresh))


if __name__ == "__main__":
    main(sys.argv)
