"""One synth of the whole CDK app per test session, offline (bundling skipped, no AWS credentials, no Docker),
from the example config plus a second vendor account (another SP-API region and secret, its purchase orders not
pulled), alert recipients and a QuickSight principal, so that every per-account and per-recipient resource and the
optional stack appear."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# app.py and stacks/ live at the repository root, outside the installed `vendorcast` package.
sys.path.insert(0, str(REPO_ROOT))
# jsii (the CDK's Node.js bridge) prints an end-of-life banner for Node 20 on every start otherwise.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk.assertions import Template  # noqa: E402

from stacks.deployment import DEFAULT_PREFIX, VendorcastStacks, add_vendorcast_stacks, new_app  # noqa: E402
from vendorcast.config import VendorcastConfig, parse_config  # noqa: E402

ALERT_EMAILS = ["ops@acme.example", "planning@acme.example"]
QUICKSIGHT_PRINCIPAL = "arn:aws:quicksight:us-east-1:111122223333:group/default/vendorcast-planners"
PARTNER_EVENT_SOURCE = "aws.partner/sellingpartnerapi.amazon.com/123456789012/amzn1.sellerapps.app.0a1b2c3d"
SECOND_ACCOUNT = {
    "name": "acme-eu",
    "region": "EU",
    "marketplace_ids": ["A1PA6795UKMFR9", "A13V1IB3VIYZZH"],
    "secret_name": "vendorcast/acme-eu/spapi",
    "backfill_start": "2025-01-06",
    "purchase_orders": {"enabled": False},
}
# The example account's purchase orders on a schedule of its own (not the default), to show where rules read it.
PURCHASE_ORDERS_SCHEDULE = "cron(20 * * * ? *)"


def _example_config_data() -> dict[str, Any]:
    return tomllib.loads((REPO_ROOT / "vendorcast.example.toml").read_text(encoding="utf-8"))


def infra_test_config() -> VendorcastConfig:
    data = _example_config_data()
    data["accounts"][0]["purchase_orders"]["schedule"] = PURCHASE_ORDERS_SCHEDULE
    data["accounts"].append(SECOND_ACCOUNT)
    data["alerts"] = {"emails": ALERT_EMAILS, "no_report_landed_days": 5,
                      "catalog": {"partner_event_source": PARTNER_EVENT_SOURCE}}
    data["analytics"] = {"quicksight_principal_arn": QUICKSIGHT_PRINCIPAL}
    return parse_config(data, source="infra test config")


@dataclass
class Synthesized:
    config: VendorcastConfig
    stacks: VendorcastStacks
    outdir: Path
    # cdk-nag's verdict: None when the synth passed validation, else the report CDK wrote.
    validation_report: dict[str, Any] | None
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)

    def template(self, stack_id: str) -> Template:
        return Template.from_json(self.templates[stack_id])

    def resources(self, stack_id: str, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.templates[stack_id]["Resources"].items() if v["Type"] == resource_type}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("cdk.out")
    config = infra_test_config()
    app = new_app(outdir=str(outdir), skip_bundling=True)
    stacks = add_vendorcast_stacks(app, config, DEFAULT_PREFIX)
    report = None
    try:
        app.synth()
    except RuntimeError as exc:
        # An unacknowledged cdk-nag finding stops the synth after the templates are written.
        if "ValidationFailed" not in str(exc):
            raise
        report = json.loads((outdir / "validation-report.json").read_text())
    templates = {path.name.removesuffix(".template.json"): json.loads(path.read_text())
                 for path in outdir.glob("*.template.json")}
    return Synthesized(config, stacks, outdir, report, templates)


@pytest.fixture
def example_config_data() -> dict[str, Any]:
    """vendorcast.example.toml as parsed TOML, before validation."""
    return _example_config_data()
