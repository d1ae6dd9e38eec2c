"""The CDK entry point: which config it reads, which stack prefixes it takes, and how a bad config stops it
with one line that names the field (run as `python app.py`, the way the CDK CLI runs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stacks.deployment import add_vendorcast_stacks, check_prefix, deployment_config_path, new_app
from stacks.packaging import REPO_ROOT
from vendorcast.config import ConfigError, load_config


def test_config_path_prefers_context_then_own_config_then_example(tmp_path: Path) -> None:
    assert deployment_config_path(None, tmp_path) == tmp_path / "vendorcast.example.toml"
    (tmp_path / "vendorcast.toml").write_text("")
    assert deployment_config_path(None, tmp_path) == tmp_path / "vendorcast.toml"
    assert deployment_config_path("elsewhere/acme.toml", tmp_path) == Path("elsewhere/acme.toml")


@pytest.mark.parametrize("prefix", ["Vendorcast", "AcmeUS", "acme-eu-2", "A" * 30])
def test_any_reasonable_prefix_is_accepted(prefix: str) -> None:
    assert check_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["", "2acme", "acme_us", "acme us", "A" * 31])
def test_a_prefix_that_cannot_name_resources_is_refused(prefix: str) -> None:
    with pytest.raises(ConfigError, match="stack prefix"):
        check_prefix(prefix)


def test_bad_config_fails_the_synth_naming_the_field(tmp_path: Path) -> None:
    example = (REPO_ROOT / "vendorcast.example.toml").read_text(encoding="utf-8")
    bad = tmp_path / "vendorcast.toml"
    bad.write_text(example.replace('region = "NA"', 'region = "US"'), encoding="utf-8")
    # The CDK CLI hands `-c config=...` to the app this way.
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(bad)}), "VENDORCAST_SKIP_BUNDLING": "1",
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"vendorcast: {bad}: accounts[0] (acme-us).region:")
    assert "Traceback" not in result.stderr



def test_another_prefix_names_every_stack_and_passes_the_checks(tmp_path: Path) -> None:
    """Names and cdk-nag acknowledgments that depend on the prefix hold for any prefix, not only the default."""
    app = new_app(outdir=str(tmp_path), skip_bundling=True)
    stacks = add_vendorcast_stacks(app, load_config(REPO_ROOT / "vendorcast.example.toml"), "Acme-Eu2")
    app.synth()  # raises on an unacknowledged cdk-nag finding
    assert [stack.stack_name for stack in stacks.all()] == [
        "Acme-Eu2-Lake", "Acme-Eu2-Alerts", "Acme-Eu2-Ingestion", "Acme-Eu2-Publishing", "Acme-Eu2-Catalog",
        "Acme-Eu2-Forecast",
        "Acme-Eu2-Monitoring"]
    lake = json.loads((tmp_path / "Acme-Eu2-Lake.template.json").read_text())
    names = {resource["Properties"].get("Name") or resource["Properties"].get("DatabaseInput", {}).get("Name")
             for resource in lake["Resources"].values()
             if resource["Type"] in ("AWS::Athena::WorkGroup", "AWS::Glue::Database")}
    assert names == {"acme-eu2-lake", "acme_eu2_lake"}
    publishing = json.loads((tmp_path / "Acme-Eu2-Publishing.template.json").read_text())
    (job,) = [r["Properties"] for r in publishing["Resources"].values() if r["Type"] == "AWS::Glue::Job"]
    assert (job["Name"], job["NonOverridableArguments"]["--GLUE_DATABASE"]) == ("acme-eu2-publish-lake",
                                                                               "acme_eu2_lake")
    forecast = json.loads((tmp_path / "Acme-Eu2-Forecast.template.json").read_text())
    (machine,) = [r["Properties"] for r in forecast["Resources"].values()
                  if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert machine["StateMachineName"] == "acme-eu2-forecast"


def test_publishing_workers_come_from_the_cdk_context(tmp_path: Path) -> None:
    """`npx cdk deploy -c publish_workers=...` reaches the job; a bad value stops the synth naming the key."""
    base = {**os.environ, "VENDORCAST_SKIP_BUNDLING": "1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "CDK_OUTDIR": str(tmp_path)}
    env = {**base, "CDK_CONTEXT_JSON": json.dumps({"publish_workers": "1"})}
    result = subprocess.run([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("vendorcast: context publish_workers: '1' must be")
