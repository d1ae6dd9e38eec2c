"""The security bar on every synthesized template: cdk-nag's AWS Solutions checks with each acknowledgment on
the resource it concerns and with a reason, checkov (a second, independent scanner) with each skip likewise,
cfn-lint without errors or warnings, and no secret anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aws_cdk import Stack, Validations
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from checkov.cloudformation.runner import Runner as CheckovRunner
from checkov.common.output.report import Report as CheckovReport
from checkov.runner_filter import RunnerFilter

from stacks.checkov_skips import CHECKOV_METADATA_KEY
from vendorcast.sandbox.settings import SandboxSettings

if TYPE_CHECKING:
    from conftest import Synthesized

# Regions vendors of the three SP-API regions deploy to; cfn-lint checks resource availability per region.
LINT_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"]
# What LWA credentials look like (refresh tokens start Atzr|, client secrets amzn1.oa2-cs.).
CREDENTIAL_PATTERNS = [re.compile(r"Atzr\|"), re.compile(r"amzn1\.oa2-cs\.")]


def test_cdk_nag_has_no_unacknowledged_findings(synthesized: Synthesized) -> None:
    report = synthesized.validation_report
    findings = [] if report is None else [
        f"{violation['ruleName']} at {construct['constructPath']}"
        for plugin in report["pluginReports"] for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]
    assert findings == []


def test_every_acknowledgment_names_its_resource_and_a_reason(synthesized: Synthesized) -> None:
    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    acknowledgments = [
        (construct, rule, reason)
        for stack in synthesized.stacks.all() for construct in stack.node.find_all()
        for entry in construct.node.metadata if entry.type == key
        for rule, reason in entry.data.items()
    ]
    assert acknowledgments
    for construct, rule, reason in acknowledgments:
        assert not isinstance(construct, Stack), f"{rule} is acknowledged for a whole stack"
        assert rule.startswith("AwsSolutions::AwsSolutions-"), rule
        assert len(reason.split()) >= 12, f"{rule} on {construct.node.path}: give the reason, not a label"


@pytest.fixture(scope="module")
def checkov_report(synthesized: Synthesized) -> CheckovReport:
    """checkov's CloudFormation checks on every template, as `checkov -d cdk.out --framework cloudformation`
    runs them (in process, offline)."""
    templates = sorted(str(path) for path in synthesized.outdir.glob("*.template.json"))
    return CheckovRunner().run(root_folder=None, files=templates,
                               runner_filter=RunnerFilter(framework=["cloudformation"]))


def _finding(record: object) -> str:
    return f"{record.check_id} {record.resource} ({Path(record.file_path).name})"


def test_checkov_finds_nothing(synthesized: Synthesized, checkov_report: CheckovReport) -> None:
    assert [_finding(record) for record in checkov_report.failed_checks] == []
    assert checkov_report.parsing_errors == []
    scanned = {Path(resource.split(".template.json:")[0]).name for resource in checkov_report.resources}
    assert scanned == set(synthesized.templates)


def test_every_checkov_skip_is_on_its_resource_with_a_reason_for_a_check_run_there(
        synthesized: Synthesized, checkov_report: CheckovReport) -> None:
    skips = {
        (f"{stack}.template.json", logical_id, skip["id"]): skip.get("comment", "")
        for stack, template in synthesized.templates.items()
        for logical_id, resource in template["Resources"].items()
        for skip in resource.get("Metadata", {}).get(CHECKOV_METADATA_KEY, {}).get("skip", [])
    }
    assert skips
    for (template, logical_id, check), reason in skips.items():
        assert len(reason.split()) >= 12, f"{check} on {logical_id} ({template}): give the reason, not a label"
    # A skip checkov did not apply names a check it does not run on that resource (or no check at all).
    applied = {(Path(record.file_path).name, record.resource.split(".", 1)[1], record.check_id)
               for record in checkov_report.skipped_checks}
    assert set(skips) == applied


@pytest.mark.parametrize("stack", ["Vendorcast-Lake", "Vendorcast-Alerts", "Vendorcast-Ingestion",
                                   "Vendorcast-Publishing", "Vendorcast-Catalog", "Vendorcast-Forecast",
                                   "Vendorcast-Monitoring", "Vendorcast-Analytics"])
def test_cfn_lint_finds_nothing(synthesized: Synthesized, stack: str) -> None:
    template = json.dumps(synthesized.templates[stack])
    matches = lint(template, config=ManualArgs(regions=LINT_REGIONS))
    assert [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches] == []


def test_all_stacks_are_synthesized(synthesized: Synthesized) -> None:
    assert set(synthesized.templates) == {stack.stack_name for stack in synthesized.stacks.all()}


def test_no_secret_value_in_any_template_or_asset_manifest(synthesized: Synthesized) -> None:
    sandbox = SandboxSettings()
    known_secrets = [sandbox.refresh_token, sandbox.lwa_client_secret]
    for path in [*synthesized.outdir.glob("*.template.json"), *synthesized.outdir.glob("*.assets.json")]:
        text = path.read_text()
        for secret in known_secrets:
            assert secret not in text, f"{path.name} holds a credential"
        for pattern in CREDENTIAL_PATTERNS:
            assert not pattern.search(text), f"{path.name} holds something shaped like a credential"


def test_functions_get_no_credential_through_their_environment(synthesized: Synthesized) -> None:
    for template in synthesized.templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            for name in resource["Properties"]["Environment"]["Variables"]:
                assert not re.search(r"SECRET|TOKEN|PASSWORD|CREDENTIAL|REFRESH", name), name
