"""The optional analytics stack's template: an Athena data source on the lake's workgroup queried with a read-only
role, one dataset per query of the local dashboard with the same SQL and columns, an analysis and a dashboard
with the same sheets and visuals, all owned by the config's QuickSight principal; and that it is off by default
and nothing depends on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stacks.analytics import ANALYSIS_ACTIONS, DASHBOARD_ACTIONS, DATA_SET_ACTIONS, DATA_SOURCE_ACTIONS
from stacks.deployment import add_vendorcast_stacks, new_app
from stacks.lake_storage import athena_workgroup_name, lake_database_name
from stacks.packaging import REPO_ROOT
from vendorcast.config import load_config
from vendorcast.dashboard.contents import ACCURACY_CHART_METRICS, SECTIONS, VisualKind, datasets

if TYPE_CHECKING:
    from conftest import Synthesized

STACK = "Vendorcast-Analytics"
QUICKSIGHT_KINDS = {VisualKind.FAN_CHART: "LineChartVisual", VisualKind.LINE_CHART: "LineChartVisual",
                    VisualKind.BAR_CHART: "BarChartVisual", VisualKind.HEAT_MAP: "HeatMapVisual",
                    VisualKind.TABLE: "TableVisual"}


def _one(synthesized: Synthesized, resource_type: str) -> tuple[str, dict[str, Any]]:
    (found,) = synthesized.resources(STACK, resource_type).items()
    return found[0], found[1]["Properties"]


def _fields(node: Any) -> list[dict[str, Any]]:
    """Every ColumnIdentifier under a node of the definition."""
    if isinstance(node, dict):
        own = [node] if set(node) == {"DataSetIdentifier", "ColumnName"} else []
        return own + [c for value in node.values() for c in _fields(value)]
    if isinstance(node, list):
        return [c for value in node for c in _fields(value)]
    return []


def test_it_is_off_by_default_and_nothing_depends_on_it(synthesized: Synthesized, tmp_path: Path) -> None:
    analytics = synthesized.stacks.analytics
    assert analytics is not None and analytics.stack_name == STACK
    assert [d.stack_name for d in analytics.dependencies] == [synthesized.stacks.lake.stack_name]
    for stack in synthesized.stacks.all():
        if stack is not analytics:
            assert analytics not in stack.dependencies, stack.stack_name
            assert STACK not in json.dumps(synthesized.templates[stack.stack_name]), stack.stack_name
    # The example config names no principal: no analytics stack, no QuickSight resource anywhere.
    app = new_app(outdir=str(tmp_path), skip_bundling=True)
    stacks = add_vendorcast_stacks(app, load_config(REPO_ROOT / "vendorcast.example.toml"))
    assert stacks.analytics is None and len(stacks.all()) == 7
    assert not [s.stack_name for s in app.synth().stacks if "AWS::QuickSight" in json.dumps(s.template)]


def test_the_data_source_is_the_lakes_workgroup_through_its_own_role(synthesized: Synthesized) -> None:
    principal = synthesized.config.analytics.quicksight_principal_arn
    _, source = _one(synthesized, "AWS::QuickSight::DataSource")
    assert source["Type"] == "ATHENA" and source["SslProperties"] == {"DisableSsl": False}
    athena = source["DataSourceParameters"]["AthenaParameters"]
    assert athena["WorkGroup"] == athena_workgroup_name("Vendorcast")
    role_id = athena["RoleArn"]["Fn::GetAtt"][0]
    assert source["Permissions"] == [{"Principal": principal, "Actions": list(DATA_SOURCE_ACTIONS)}]
    role = synthesized.templates[STACK]["Resources"][role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "quicksight.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]


def test_the_role_only_reads_the_lake(synthesized: Synthesized) -> None:
    _, policy = _one(synthesized, "AWS::IAM::Policy")
    statements = policy["PolicyDocument"]["Statement"]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"athena:StartQueryExecution", "athena:GetQueryResults", "glue:GetTable", "s3:GetObject"} <= actions
    assert not {a for a in actions if a.startswith(("glue:Create", "glue:Update", "glue:Delete", "s3:Delete"))}
    # The only writes are Athena's query results, in the workgroup's results bucket.
    (writes,) = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert "AthenaResults" in json.dumps(writes["Resource"])
    lake_reads = [s for s in statements if s["Action"] == "s3:GetObject"]
    zones = json.dumps(lake_reads)
    assert "/curated/*" in zones and "/forecast/*" in zones and "/raw/" not in zones and "/landing/" not in zones
    (athena,) = [s for s in statements if "athena:StartQueryExecution" in s["Action"]]
    assert json.dumps(athena["Resource"]).endswith(':workgroup/vendorcast-lake"]]}')


def test_one_dataset_per_query_of_the_local_dashboard_with_its_sql(synthesized: Synthesized) -> None:
    principal = synthesized.config.analytics.quicksight_principal_arn
    source_id, _ = _one(synthesized, "AWS::QuickSight::DataSource")
    found = {p["Properties"]["DataSetId"]: p["Properties"]
             for p in synthesized.resources(STACK, "AWS::QuickSight::DataSet").values()}
    assert sorted(found) == sorted(f"vendorcast-{name.replace('_', '-')}" for name in datasets())
    for name, dataset in datasets().items():
        data_set = found[f"vendorcast-{name.replace('_', '-')}"]
        assert data_set["ImportMode"] == "DIRECT_QUERY"
        (table,) = data_set["PhysicalTableMap"].values()
        sql = table["CustomSql"]
        assert sql["SqlQuery"] == dataset.sql_in_database(lake_database_name("Vendorcast"))
        assert sql["Columns"] == [{"Name": c.name, "Type": c.type.value} for c in dataset.columns]
        assert sql["DataSourceArn"] == {"Fn::GetAtt": [source_id, "Arn"]}
        assert data_set["Permissions"] == [{"Principal": principal, "Actions": list(DATA_SET_ACTIONS)}]


def test_analysis_and_dashboard_show_the_local_dashboards_visuals(synthesized: Synthesized) -> None:
    principal = synthesized.config.analytics.quicksight_principal_arn
    data_sets = {p["Properties"]["DataSetId"]: k for k, p in synthesized.resources(
        STACK, "AWS::QuickSight::DataSet").items()}
    _, analysis = _one(synthesized, "AWS::QuickSight::Analysis")
    _, dashboard = _one(synthesized, "AWS::QuickSight::Dashboard")
    # One definition for both.
    assert analysis["Definition"] == dashboard["Definition"]
    assert analysis["Permissions"] == [{"Principal": principal, "Actions": list(ANALYSIS_ACTIONS)}]
    assert dashboard["Permissions"] == [{"Principal": principal, "Actions": list(DASHBOARD_ACTIONS)}]
    definition = dashboard["Definition"]
    declared = {d["Identifier"]: d["DataSetArn"] for d in definition["DataSetIdentifierDeclarations"]}
    assert declared == {name: {"Fn::GetAtt": [data_sets[f"vendorcast-{name.replace('_', '-')}"], "Arn"]}
                        for name in datasets()}
    assert [(s["SheetId"], s["Name"]) for s in definition["Sheets"]] == [(s.id, s.title) for s in SECTIONS]
    for sheet, section in zip(definition["Sheets"], SECTIONS, strict=True):
        shown = []
        for visual in sheet["Visuals"]:
            ((kind, body),) = visual.items()
            shown.append((body["VisualId"], body["Title"]["FormatText"]["PlainText"]))
            expected = next(v for v in section.visuals if v.id == body["VisualId"])
            assert kind == QUICKSIGHT_KINDS[expected.kind], body["VisualId"]
            # Every field of a visual comes from the dataset its local twin reads, with a column it declares.
            for field in _fields(body):
                assert field["DataSetIdentifier"] == expected.dataset, body["VisualId"]
                assert field["ColumnName"] in datasets()[expected.dataset].column_names
        assert shown == [(v.id, v.title) for v in section.visuals]
        layout = sheet["Layouts"][0]["Configuration"]["GridLayout"]["Elements"]
        assert [e["ElementId"] for e in layout] == [v.id for v in section.visuals]


def test_the_asin_picker_filters_the_fan_chart(synthesized: Synthesized) -> None:
    _, dashboard = _one(synthesized, "AWS::QuickSight::Dashboard")
    definition = dashboard["Definition"]
    forecast = next(s for s in definition["Sheets"] if s["SheetId"] == "forecast")
    (control,) = forecast["FilterControls"]
    assert control["Dropdown"]["Type"] == "SINGLE_SELECT" and control["Dropdown"]["Title"] == "ASIN"
    groups = {g["FilterGroupId"]: g for g in definition["FilterGroups"]}
    (asin,) = groups["asin-picker"]["Filters"]
    assert asin["CategoryFilter"]["FilterId"] == control["Dropdown"]["SourceFilterId"]
    assert asin["CategoryFilter"]["Column"] == {"DataSetIdentifier": "fan_chart", "ColumnName": "asin"}
    scope = groups["asin-picker"]["ScopeConfiguration"]["SelectedSheets"]["SheetVisualScopingConfigurations"]
    assert scope == [{"SheetId": "forecast", "Scope": "SELECTED_VISUALS", "VisualIds": ["fan_chart"]}]
    (metrics,) = groups["accuracy-metrics"]["Filters"]
    assert metrics["CategoryFilter"]["Configuration"]["FilterListConfiguration"]["CategoryValues"] == list(
        ACCURACY_CHART_METRICS)
