"""The publishing stack's template: the Glue 5.0 job with its script, the vendorcast wheel and its arguments,
the security configuration and log groups, what the job's role may do in the lake and the catalog, the
schedule; and that the job imports nothing Glue 5.0 lacks. With VENDORCAST_BUILD_BUNDLES=1 the wheel is built
and imported from the zip the job receives."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from stacks.deployment import publish_workers
from stacks.packaging import GLUE_JOBS_DIR, REPO_ROOT, build_library_wheel
from stacks.publish_lake_job import (
    ADDITIONAL_PYTHON_MODULES,
    ARG_GLUE_DATABASE,
    ARG_LAKE_BUCKET,
    DEFAULT_WORKERS,
    GLUE_VERSION,
    JOB,
    PUBLISH_LAKE_TIMEOUT,
    PublishWorkers,
)
from tests.infra.cfn_values import grants_of, render
from vendorcast import resources as r
from vendorcast.config import ConfigError, parse_config

if TYPE_CHECKING:
    from conftest import Synthesized

BUILD_BUNDLES = os.environ.get("VENDORCAST_BUILD_BUNDLES") == "1"
JOB_SCRIPT = GLUE_JOBS_DIR / f"{JOB}.py"
# What AWS Glue 5.0 provides to a Spark job's Python 3.11 ("Python modules already provided in AWS Glue",
# https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-python-libraries.html), and Glue's own.
GLUE_5_PROVIDED = {
    "aiobotocore", "aiohappyeyeballs", "aiohttp", "aioitertools", "aiosignal", "appdirs", "attrs", "boto3",
    "botocore", "certifi", "charset-normalizer", "contourpy", "cycler", "fonttools", "frozenlist", "fsspec", "idna",
    "jmespath", "kaleido", "kiwisolver", "matplotlib", "multidict", "numpy", "packaging", "pandas", "pillow",
    "pip", "plotly", "pyarrow", "pyparsing", "python-dateutil", "pytz", "requests", "s3fs", "s3transfer",
    "seaborn", "setuptools", "six", "tenacity", "tzdata", "urllib3", "virtualenv", "wrapt", "yarl",
    "pyspark", "py4j", "awsglue",
}


def _stack(synthesized: Synthesized) -> str:
    return synthesized.stacks.publishing.stack_name


def _logical_id(synthesized: Synthesized, construct: Any) -> str:
    return synthesized.stacks.publishing.get_logical_id(construct.node.default_child or construct)


def _job(synthesized: Synthesized) -> dict[str, Any]:
    (job,) = synthesized.resources(_stack(synthesized), "AWS::Glue::Job").values()
    return job["Properties"]


def _asset_url(synthesized: Synthesized, display_name: str) -> tuple[str, Path]:
    """s3://... of an asset of the publishing stack, and the file or folder it was staged from."""
    manifest = json.loads((synthesized.outdir / f"{_stack(synthesized)}.assets.json").read_text())
    (asset,) = [a for a in manifest["files"].values() if a.get("displayName") == display_name]
    (destination,) = asset["destinations"].values()
    source = Path(asset["source"]["path"])
    return (f"s3://{destination['bucketName']}/{destination['objectKey']}".replace("${AWS::AccountId}", "<account>")
            .replace("${AWS::Region}", "<region>"), source if source.is_absolute() else synthesized.outdir / source)


def _statements(synthesized: Synthesized) -> list[dict[str, Any]]:
    role = synthesized.stacks.publishing.publish_lake.role
    policy = role.node.find_child("DefaultPolicy")
    resources = synthesized.templates[_stack(synthesized)]["Resources"]
    return resources[_logical_id(synthesized, policy)]["Properties"]["PolicyDocument"]["Statement"]


def _grants(synthesized: Synthesized) -> dict[str, set[str]]:
    """Rendered resource -> the actions the job's role is allowed on it."""
    return grants_of(_statements(synthesized))


LAKE = "arn:aws:s3:::vendorcast-lake-<account>-<region>"


def test_job_runs_the_script_on_glue_5_with_the_wheel(synthesized: Synthesized) -> None:
    job = _job(synthesized)
    assert job["GlueVersion"] == GLUE_VERSION == "5.0"
    assert job["Command"]["Name"] == "glueetl" and job["Command"]["PythonVersion"] == "3"
    script_url, script = _asset_url(synthesized, "PublishLake/Script")
    assert render(job["Command"]["ScriptLocation"]) == script_url and script_url.endswith(".py")
    assert script.read_bytes() == JOB_SCRIPT.read_bytes()
    arguments = job["DefaultArguments"]
    library_url, _ = _asset_url(synthesized, "PublishLake/Library")
    # PySpark puts only .zip (.egg, .jar) files of --extra-py-files on the Python path.
    assert render(arguments["--extra-py-files"]) == library_url and library_url.endswith(".zip")
    assert arguments["--job-bookmark-option"] == "job-bookmark-disable"
    assert arguments["--enable-continuous-cloudwatch-log"] == "true"
    assert "--enable-metrics" in arguments
    assert ("--additional-python-modules" in arguments) == bool(ADDITIONAL_PYTHON_MODULES)
    assert {render(v) for v in job["NonOverridableArguments"].values()} == {
        "vendorcast-lake-<account>-<region>", "vendorcast_lake"}
    assert set(job["NonOverridableArguments"]) == {ARG_LAKE_BUCKET, ARG_GLUE_DATABASE}
    assert not set(arguments) & {ARG_LAKE_BUCKET, ARG_GLUE_DATABASE}


def test_job_is_sized_bounded_and_runs_once_at_a_time(synthesized: Synthesized) -> None:
    job = _job(synthesized)
    assert (job["WorkerType"], job["NumberOfWorkers"]) == ("G.1X", DEFAULT_WORKERS) == ("G.1X", 2)
    assert job["Timeout"] == PUBLISH_LAKE_TIMEOUT.to_minutes()
    assert job["MaxRetries"] == 0
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert job["JobRunQueuingEnabled"] is True
    assert job["Name"] == "vendorcast-publish-lake"


def test_security_configuration_encrypts_s3_logs_and_bookmarks(synthesized: Synthesized) -> None:
    publishing = synthesized.stacks.publishing
    (configuration,) = synthesized.resources(_stack(synthesized), "AWS::Glue::SecurityConfiguration").values()
    encryption = configuration["Properties"]["EncryptionConfiguration"]
    publishing_key = {"Fn::GetAtt": [_logical_id(synthesized, publishing.key), "Arn"]}
    (s3,) = encryption["S3Encryptions"]
    assert s3["S3EncryptionMode"] == "SSE-KMS"
    # The lake's own key, from the lake stack.
    lake_key = s3["KmsKeyArn"]["Fn::GetStackOutput"]
    assert lake_key["StackName"] == synthesized.stacks.lake.stack_name and "LakeKey" in lake_key["OutputName"]
    assert encryption["CloudWatchEncryption"] == {"CloudWatchEncryptionMode": "SSE-KMS",
                                                  "KmsKeyArn": publishing_key}
    assert encryption["JobBookmarksEncryption"] == {"JobBookmarksEncryptionMode": "CSE-KMS",
                                                    "KmsKeyArn": publishing_key}
    assert _job(synthesized)["SecurityConfiguration"] == {
        "Ref": _logical_id(synthesized, publishing.publish_lake.security_configuration)}


def test_log_groups_are_where_glue_writes_encrypted_with_a_retention(synthesized: Synthesized) -> None:
    publishing = synthesized.stacks.publishing
    role = _logical_id(synthesized, publishing.publish_lake.role)
    groups = synthesized.resources(_stack(synthesized), "AWS::Logs::LogGroup").values()
    assert {render(g["Properties"]["LogGroupName"]) for g in groups} == {
        f"/aws-glue/jobs/vendorcast-publish-lake-role/<{role}>/{kind}" for kind in ("error", "output")}
    for group in groups:
        assert group["Properties"]["RetentionInDays"] == 90
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [_logical_id(synthesized, publishing.key), "Arn"]}
        assert group["DeletionPolicy"] == "Retain"
    (key,) = synthesized.resources(_stack(synthesized), "AWS::KMS::Key").values()
    (logs,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"]
               if s.get("Sid", "").startswith("AllowCloudWatchLogs")]
    assert render(logs["Principal"]["Service"]) == "logs.<region>.amazonaws.com"
    assert render(logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]) == (
        "arn:aws:logs:<region>:<account>:log-group:/aws-glue/jobs/vendorcast-publish-lake-role/*")
    # The job may write its runs' streams there and attach the key, in these two groups only.
    grants = _grants(synthesized)
    log_grants = {resource: actions for resource, actions in grants.items() if ":logs:" in resource
                  or any(a.startswith("logs:") for a in actions)}
    assert set().union(*log_grants.values()) == {"logs:AssociateKmsKey", "logs:CreateLogGroup",
                                                 "logs:CreateLogStream", "logs:PutLogEvents"}
    assert len(log_grants) == 4


def test_role_reads_raw_and_rewrites_curated_and_its_state_only(synthesized: Synthesized) -> None:
    grants = _grants(synthesized)
    objects = {resource.removeprefix(f"{LAKE}/"): actions for resource, actions in grants.items()
               if resource.startswith(f"{LAKE}/")}
    replace = {"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"}
    state = r.PUBLISH_STATE_PREFIX
    assert objects == {
        f"{r.RAW_PREFIX}/*": {"s3:GetObject"}, r.RAW_PREFIX: {"s3:GetObject"},
        f"{r.RAW_PREFIX}_$folder$": {"s3:GetObject"},
        f"{r.CURATED_PREFIX}/*": replace, r.CURATED_PREFIX: replace, f"{r.CURATED_PREFIX}_$folder$": replace,
        f"{state}/*": replace, state: replace, f"{state}_$folder$": replace,
        "_state": replace, "_state_$folder$": replace,
    }
    assert grants[LAKE] == {"s3:GetBucketLocation", "s3:ListBucket"}
    text = json.dumps(_statements(synthesized))
    for zone in (r.LANDING_PREFIX, r.FORECAST_PREFIX):
        assert f"/{zone}" not in text
    kms = [s for s in _statements(synthesized) if any(a.startswith("kms:") for a in s["Action"])]
    assert {action for statement in kms for action in statement["Action"]} == {"kms:Decrypt", "kms:GenerateDataKey"}
    for statement in kms:
        assert render(statement["Condition"]["StringEquals"]["kms:ViaService"]) == "s3.<region>.amazonaws.com"
        assert "LakeKey" in statement["Resource"]["Fn::GetStackOutput"]["OutputName"]


def test_role_reads_exactly_its_script_and_wheel(synthesized: Synthesized) -> None:
    assets = {resource for resource, actions in _grants(synthesized).items() if "cdk-hnb659fds-assets" in resource}
    expected = {_asset_url(synthesized, name)[0].replace("s3://", "arn:aws:s3:::")
                for name in ("PublishLake/Script", "PublishLake/Library")}
    assert assets == expected
    assert all(_grants(synthesized)[asset] == {"s3:GetObject"} for asset in assets)


def _glue_catalog_calls() -> set[str]:
    """The Glue API calls of vendorcast.lake.glue_catalog as IAM actions (get_table -> glue:GetTable)."""
    tree = ast.parse((REPO_ROOT / "vendorcast" / "lake" / "glue_catalog.py").read_text(encoding="utf-8"))
    methods = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "glue"):
            method = node.func.attr
            methods.add(node.args[0].value if method == "get_paginator" else method)
    return {"glue:" + "".join(part.title() for part in method.split("_")) for method in methods}


def test_role_does_in_the_catalog_what_the_job_calls_on_the_lake_database_only(synthesized: Synthesized) -> None:
    glue = {resource: actions for resource, actions in _grants(synthesized).items()
            if any(a.startswith("glue:") for a in actions) and resource != "*"}
    base = "arn:aws:glue:<region>:<account>"
    assert set(glue) == {f"{base}:catalog", f"{base}:database/vendorcast_lake", f"{base}:table/vendorcast_lake/*"}
    actions = set().union(*glue.values())
    # The embedded runtime creates its database itself; on AWS the lake stack does.
    assert actions == _glue_catalog_calls() - {"glue:GetDatabase", "glue:CreateDatabase"}
    assert not actions & {"glue:DeleteTable", "glue:DeleteDatabase", "glue:CreateDatabase", "glue:UpdateDatabase"}


def test_role_allows_no_wildcard_action_and_star_only_without_a_resource_type(synthesized: Synthesized) -> None:
    for statement in _statements(synthesized):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(action != "*" and not action.endswith(":*") for action in actions)
    grants = _grants(synthesized)
    assert grants["*"] == {"glue:GetSecurityConfiguration", "cloudwatch:PutMetricData"}
    (metrics,) = [s for s in _statements(synthesized) if s["Action"] == "cloudwatch:PutMetricData"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Glue"}}


def test_schedule_starts_the_job_from_the_config(synthesized: Synthesized) -> None:
    (schedule,) = synthesized.resources(_stack(synthesized), "AWS::Scheduler::Schedule").values()
    properties = schedule["Properties"]
    assert properties["ScheduleExpression"] == synthesized.config.schedules.publish_lake
    assert properties["State"] == "ENABLED"
    target = properties["Target"]
    assert render(target["Arn"]) == "arn:aws:scheduler:::aws-sdk:glue:startJobRun"
    assert json.loads(target["Input"]) == {"JobName": "vendorcast-publish-lake"}
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    resources = synthesized.templates[_stack(synthesized)]["Resources"]
    (policy,) = [p for p in resources.values() if p["Type"] == "AWS::IAM::Policy"
                 and p["Properties"]["Roles"] == [{"Ref": role_id}]]
    assert [(s["Action"], render(s["Resource"])) for s in policy["Properties"]["PolicyDocument"]["Statement"]] == [
        ("glue:StartJobRun", "arn:aws:glue:<region>:<account>:job/vendorcast-publish-lake")]
    trust = resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]


def test_default_publish_schedule_is_daily() -> None:
    assert parse_config({"accounts": [{
        "name": "a", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"], "secret_name": "s",
        "backfill_start": "2025-01-05"}]}).schedules.publish_lake == "cron(0 5 * * ? *)"


def test_bad_publish_schedule_names_the_field(example_config_data: dict[str, Any]) -> None:
    data = {**example_config_data, "schedules": {**example_config_data["schedules"], "publish_lake": "daily"}}
    with pytest.raises(ConfigError, match=re.escape("schedules.publish_lake: 'daily' is not an EventBridge schedule")):
        parse_config(data)


@pytest.mark.parametrize(("worker_type", "count", "expected"), [
    (None, None, PublishWorkers("G.1X", 2)),
    ("G.2X", "4", PublishWorkers("G.2X", 4)),  # -c on the command line gives strings
    (None, 10, PublishWorkers("G.1X", 10)),  # cdk.json gives numbers
])
def test_workers_come_from_the_context(worker_type: object, count: object, expected: PublishWorkers) -> None:
    assert publish_workers(worker_type, count) == expected


@pytest.mark.parametrize(("worker_type", "count", "message"), [
    ("G.025X", None, "context publish_worker_type: 'G.025X' is not a Glue worker type"),
    (None, "1", "context publish_workers: '1' must be a whole number from 2"),
    (None, "two", "context publish_workers: 'two' must be a whole number from 2"),
])
def test_bad_workers_name_the_context_key(worker_type: object, count: object, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        publish_workers(worker_type, count)


def _module_file(module: str) -> Path | None:
    base = REPO_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(node: ast.If) -> bool:
    return (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING") or (
        isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module, everywhere: bool) -> list[str]:
    """Modules a file imports: at import time (module level, class bodies, try/if blocks, not under
    TYPE_CHECKING), or `everywhere` (the entry script, whose functions all run)."""
    found: list[str] = []
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.If) and _is_type_checking(node):
            pending += node.orelse
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and not everywhere:
            continue
        else:
            pending += list(ast.iter_child_nodes(node))
    return found


def _third_party_imports_of_the_job() -> set[str]:
    """Top-level third-party modules a run of the job imports: everything its script imports, and what the
    library modules it reaches import when they load (a function's own import inside the library is not
    followed: the test of that function's module must cover it)."""
    found: set[str] = set()
    seen: set[Path] = set()
    pending = [(JOB_SCRIPT, True)]
    while pending:
        path, everywhere = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in _imports(ast.parse(path.read_text(encoding="utf-8")), everywhere):
            top = module.split(".")[0]
            if top == "vendorcast":
                parts = module.split(".")
                for depth in range(2, len(parts) + 1):  # a package's __init__ runs before its modules
                    if (file := _module_file(".".join(parts[:depth]))) is not None:
                        pending.append((file, False))
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.add(top)
    return found


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_job_imports_only_what_glue_5_provides_or_installs() -> None:
    distributions = packages_distributions()
    needed = {_normalize(dist) for module in _third_party_imports_of_the_job()
              for dist in distributions.get(module, [module])}
    installed = {_normalize(pin.split("==")[0]) for pin in ADDITIONAL_PYTHON_MODULES}
    assert needed - GLUE_5_PROVIDED - installed == set()
    # The job's closure must not reach the laptop's or the Lambdas' heavy parts.
    assert not needed & {"pydantic", "python-amazon-sp-api", "duckdb", "moto", "aws-lambda-powertools"} - installed


def test_additional_python_modules_are_pinned_to_the_lock() -> None:
    lock = {_normalize(p["name"]): p["version"] for p in tomllib.loads(
        (REPO_ROOT / "uv.lock").read_text(encoding="utf-8"))["package"]}
    for pin in ADDITIONAL_PYTHON_MODULES:
        name, version = pin.split("==")
        assert lock[_normalize(name)] == version, pin


@pytest.mark.skipif(not BUILD_BUNDLES, reason="set VENDORCAST_BUILD_BUNDLES=1 to build the wheel (uv build)")
def test_wheel_imports_from_the_zip_the_job_receives(tmp_path: Path) -> None:
    staged = build_library_wheel(tmp_path)
    assert staged.suffix == ".zip"
    names = zipfile.ZipFile(staged).namelist()
    assert "vendorcast/__init__.py" in names and "vendorcast/lake/tables.py" in names
    assert any(name.startswith("vendorcast/lake/sql/") and name.endswith(".sql") for name in names)
    assert not any("__pycache__" in name for name in names)
    # As Spark's --py-files do it: the zip first on the path, then the job's environment (pyarrow here).
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    probe = (f"import sys; sys.path[:0] = [{str(staged)!r}]; sys.path.append({site_packages!r}); "
             "import vendorcast.lake.tables; from importlib import resources; "
             "assert vendorcast.__file__.startswith(sys.path[0]), vendorcast.__file__; "
             "assert any(resources.files('vendorcast.lake').joinpath('sql').iterdir())")
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
