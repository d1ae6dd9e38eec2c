"""The local query engine reads a lake in S3 (the AWS emulator's, as in the embedded runtime) through pyarrow's S3
filesystem: the same tables and views as from a folder."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta

import boto3
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tests.integration.moto_server import moto_endpoint
from vendorcast.lake.query import LocalLake, query_schema, run_query
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import DEMAND_WEEKLY

pytestmark = pytest.mark.integration

BUCKET = "vendorcast-lake-query-test"


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    with moto_endpoint() as endpoint:
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        yield endpoint


def test_views_over_a_lake_in_s3(s3_endpoint: str) -> None:
    storage = LakeStorage.s3(BUCKET, endpoint_url=s3_endpoint)
    first = date(2024, 1, 7)
    rows = [{"account": "acme-us", "marketplace_id": "ATVPDKIKX0DER", "asin": "B0KETTLE01",
             "week_start": first + timedelta(weeks=k), "units": units, "revenue": units * 25.0}
            for k, units in enumerate((40, 50))]
    schema = query_schema(DEMAND_WEEKLY)
    ds.write_dataset(
        pa.Table.from_pylist([{n: r.get(n) for n in schema.names} for r in rows], schema=schema),
        storage.path(DEMAND_WEEKLY.prefix), filesystem=storage.filesystem, format="parquet",
        partitioning=ds.partitioning(pa.schema([schema.field(n) for n in DEMAND_WEEKLY.partition_names]),
                                     flavor="hive"),
    )
    result = run_query("SELECT week_start, units, units_wow_change, units_wow_change_rate FROM v_sales_trend "
                       "ORDER BY week_start", lake=f"s3://{BUCKET}", output_format="csv", stdout=io.BytesIO())
    assert result.to_pylist() == [
        {"week_start": first, "units": 40, "units_wow_change": None, "units_wow_change_rate": None},
        {"week_start": first + timedelta(weeks=1), "units": 50, "units_wow_change": 10,
         "units_wow_change_rate": pytest.approx(0.25)},
    ]
    with LocalLake.open(f"s3://{BUCKET}") as lake:
        assert lake.tables["demand_weekly"].files == 2
        assert lake.tables["forecast"].files == 0

