"""The Athena side, against moto's Athena. moto runs no SQL and writes no result file, so these tests check what
vendorcast asks of Athena (the statement, the workgroup, the database, where the result is read from) and leave
the answers to the DuckDB tests of the same views."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import awswrangler as wr
import boto3
import pytest
from moto import mock_aws

from vendorcast.lake.analyst_views import analyst_views
from vendorcast.lake.athena import (
    AthenaQueryError,
    AthenaTarget,
    missing_view_tables,
    publish_views,
    register_view_tables,
)
from vendorcast.lake.forecast_tables import FORECAST_TABLES
from vendorcast.lake.glue_catalog import GlueCatalog
from vendorcast.lake.query import run_query
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CURATED_TABLES
from vendorcast.resources import ATHENA_WORKGROUP, ENV_ATHENA_WORKGROUP, ENV_GLUE_DATABASE, GLUE_DATABASE

RESULTS = "s3://vendorcast-athena-results/queries/"
WORKGROUP = "vendorcast-lake-test"
DATABASE = "vendorcast_lake_test"


@pytest.fixture
def athena(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's Athena with a workgroup like the lake stack's: engine v3, enforced, encrypted results."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", ENV_GLUE_DATABASE, ENV_ATHENA_WORKGROUP):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="vendorcast-athena-results")
        boto3.client("glue").create_database(DatabaseInput={"Name": DATABASE})
        client = boto3.client("athena")
        client.create_work_group(Name=WORKGROUP, Configuration={
            "ResultConfiguration": {"OutputLocation": RESULTS,
                                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"}},
            "EnforceWorkGroupConfiguration": True,
            "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
            "BytesScannedCutoffPerQuery": 10 * 1024**3,
        })
        yield client


def executions(client: Any) -> list[dict[str, Any]]:
    ids = client.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    return [client.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]


def test_a_query_goes_to_the_workgroup_and_database(athena: Any) -> None:
    sql = "SELECT asin, p90 FROM v_forecast_latest WHERE asin = 'B0KETTLE01'"
    # moto answers with no result file where Athena would have written the CSV: reading it is the one step left.
    with pytest.raises(wr.exceptions.NoFilesFound, match=RESULTS):
        run_query(sql, athena=True, workgroup=WORKGROUP, database=DATABASE, output_format="csv")
    [execution] = executions(athena)
    assert execution["Query"] == sql  # Trino SQL goes to Athena as written, untranslated
    assert execution["QueryExecutionContext"]["Database"] == DATABASE
    assert execution["WorkGroup"] == WORKGROUP
    # The workgroup's enforced settings: results under its location, encrypted.
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{RESULTS}{execution['QueryExecutionId']}.csv"
    assert execution["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert execution["Status"]["State"] == "SUCCEEDED"


def test_publish_views_creates_every_view_in_the_database(athena: Any) -> None:
    catalog = GlueCatalog(boto3.client("glue"), DATABASE, LakeStorage.s3("vendorcast-lake"))
    target = AthenaTarget(database=DATABASE, workgroup=WORKGROUP)
    assert set(register_view_tables(catalog)) == set(CURATED_TABLES) | set(FORECAST_TABLES)
    assert register_view_tables(catalog) == []  # defined already: nothing changes
    forecast = boto3.client("glue").get_table(DatabaseName=DATABASE, Name="forecast")["Table"]
    assert [k["Name"] for k in forecast["PartitionKeys"]] == ["forecast_origin"]
    assert forecast["StorageDescriptor"]["Location"] == "s3://vendorcast-lake/forecast/forecast/"

    published = publish_views(target)
    assert [p.name for p in published] == [v.name for v in analyst_views()]
    by_id = {e["QueryExecutionId"]: e for e in executions(athena)}
    for view, done in zip(analyst_views(), published, strict=True):
        execution = by_id[done.query_execution_id]
        assert execution["Query"] == view.statement  # the Trino text of the file, not DuckDB's translation
        assert execution["Query"].startswith(f"CREATE OR REPLACE VIEW {view.name} AS")
        assert execution["QueryExecutionContext"]["Database"] == DATABASE
        assert execution["Status"]["State"] == "SUCCEEDED"


def test_publish_views_wants_the_tables_defined_first(athena: Any) -> None:
    target = AthenaTarget(database=DATABASE, workgroup=WORKGROUP)
    catalog = GlueCatalog(boto3.client("glue"), DATABASE, LakeStorage.s3("vendorcast-lake"))
    for table in CURATED_TABLES.values():
        catalog.ensure_table(table)
    assert missing_view_tables(target) == ["forecast", "forecast_runs", "po_advice", "supply_plan"]
    with pytest.raises(AthenaQueryError, match="does not define forecast, forecast_runs, po_advice, supply_plan"):
        publish_views(target)
    assert executions(athena) == []  # no view half-published


def test_athena_target_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_GLUE_DATABASE, raising=False)
    monkeypatch.delenv(ENV_ATHENA_WORKGROUP, raising=False)
    assert AthenaTarget.resolve() == AthenaTarget(GLUE_DATABASE, ATHENA_WORKGROUP)
    monkeypatch.setenv(ENV_GLUE_DATABASE, "deployed_db")
    monkeypatch.setenv(ENV_ATHENA_WORKGROUP, "deployed-wg")
    assert AthenaTarget.resolve() == AthenaTarget("deployed_db", "deployed-wg")
    assert AthenaTarget.resolve("mine", None) == AthenaTarget("mine", "deployed-wg")


def test_the_publish_views_command_defines_the_tables_then_creates_the_views(athena: Any) -> None:
    from click.testing import CliRunner

    from vendorcast.cli import cli

    result = CliRunner().invoke(cli, ["publish-views", "--workgroup", WORKGROUP, "--database", DATABASE,
                                      "--lake-bucket", "vendorcast-lake"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    tables = set(CURATED_TABLES) | set(FORECAST_TABLES)
    assert {line.split(":")[0] for line in lines if line.endswith("table defined")} == {
        f"{DATABASE}.{name}" for name in tables}
    assert [line.split(":")[0] for line in lines if ": created (" in line] == [
        f"{DATABASE}.{view.name}" for view in analyst_views()]
    location = boto3.client("glue").get_table(DatabaseName=DATABASE, Name="vendor_sales")["Table"]
    assert location["StorageDescriptor"]["Location"] == "s3://vendorcast-lake/curated/vendor_sales/"
    again = CliRunner().invoke(cli, ["publish-views", "--workgroup", WORKGROUP, "--database", DATABASE,
                                     "--lake-bucket", "vendorcast-lake"])
    assert again.exit_code == 0 and "table defined" not in again.output
