"""The optional QuickSight dashboard of the deployed lake: an Athena data source on the lake's workgroup, queried
with a role of its own that may only read the lake (curated and forecast zones, the Glue database, the
workgroup's results); one dataset per query of the local dashboard (the same SQL, vendorcast/dashboard/sql/);
an analysis and a published dashboard with the same visuals; all owned by the config's QuickSight principal.

A stack of its own that no other stack depends on, deployed only when the config names a QuickSight principal:
a QuickSight problem (no subscription in the account, a principal that does not exist) fails this stack alone.
Its datasets query Athena directly (no SPICE import), so they show what the lake holds at the time."""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_quicksight as quicksight
from constructs import Construct

from stacks.grants import grant_query_lake_with_athena
from stacks.lake_storage import LakeStorageStack
from stacks.quicksight_definition import dashboard_definition
from vendorcast.config import AnalyticsConfig
from vendorcast.dashboard.contents import datasets
from vendorcast.resources import CURATED_PREFIX, FORECAST_PREFIX

# What the principal may do with each resource: everything an owner does in the QuickSight console.
DATA_SOURCE_ACTIONS = ("quicksight:DeleteDataSource", "quicksight:DescribeDataSource",
                       "quicksight:DescribeDataSourcePermissions", "quicksight:PassDataSource",
                       "quicksight:UpdateDataSource", "quicksight:UpdateDataSourcePermissions")
DATA_SET_ACTIONS = ("quicksight:CancelIngestion", "quicksight:CreateIngestion", "quicksight:DeleteDataSet",
                    "quicksight:DescribeDataSet", "quicksight:DescribeDataSetPermissions",
                    "quicksight:DescribeIngestion", "quicksight:ListIngestions", "quicksight:PassDataSet",
                    "quicksight:UpdateDataSet", "quicksight:UpdateDataSetPermissions")
ANALYSIS_ACTIONS = ("quicksight:DeleteAnalysis", "quicksight:DescribeAnalysis",
                    "quicksight:DescribeAnalysisPermissions", "quicksight:QueryAnalysis",
                    "quicksight:RestoreAnalysis", "quicksight:UpdateAnalysis",
                    "quicksight:UpdateAnalysisPermissions")
DASHBOARD_ACTIONS = ("quicksight:DeleteDashboard", "quicksight:DescribeDashboard",
                     "quicksight:DescribeDashboardPermissions", "quicksight:ListDashboardVersions",
                     "quicksight:QueryDashboard", "quicksight:UpdateDashboard",
                     "quicksight:UpdateDashboardPermissions", "quicksight:UpdateDashboardPublishedVersion")
# Every dataset is one physical table: its custom SQL (QuickSight puts the logical table over it by itself).
TABLE_ID = "query"


def quicksight_id(prefix: str, name: str) -> str:
    """`vendorcast-fan-chart`: QuickSight ids of one deployment's resources (unique in the account)."""
    return f"{prefix.lower()}-{name.replace('_', '-')}"


class AnalyticsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, lake: LakeStorageStack, analytics: AnalyticsConfig,
                 **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if analytics.quicksight_principal_arn is None:
            raise ValueError("the analytics stack needs analytics.quicksight_principal_arn in the config")
        principal = analytics.quicksight_principal_arn
        prefix = lake.prefix

        def owner(actions: tuple[str, ...]) -> list[quicksight.CfnDataSource.ResourcePermissionProperty]:
            return [quicksight.CfnDataSource.ResourcePermissionProperty(principal=principal, actions=list(actions))]

        # QuickSight queries Athena as this role (not as the account-wide QuickSight service role), so what the
        # dashboard may read is decided here: the lake, read-only, through the lake's workgroup.
        self.athena_role = iam.Role(
            self, "QuickSightAthenaRole",
            description="Assumed by QuickSight to query the vendorcast lake through its Athena workgroup (read-only)",
            assumed_by=iam.ServicePrincipal("quicksight.amazonaws.com", conditions={
                "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}),
        )
        grant_query_lake_with_athena(self.athena_role, prefix, lake.key, lake.database_name, lake.workgroup.name,
                                     lake.athena_results, zones=(CURATED_PREFIX, FORECAST_PREFIX))

        self.data_source = quicksight.CfnDataSource(
            self, "AthenaDataSource",
            aws_account_id=Aws.ACCOUNT_ID,
            data_source_id=quicksight_id(prefix, "athena"),
            name=f"{prefix} lake (Athena)",
            type="ATHENA",
            data_source_parameters=quicksight.CfnDataSource.DataSourceParametersProperty(
                athena_parameters=quicksight.CfnDataSource.AthenaParametersProperty(
                    work_group=lake.workgroup.name, role_arn=self.athena_role.role_arn)),
            ssl_properties=quicksight.CfnDataSource.SslPropertiesProperty(disable_ssl=False),
            permissions=owner(DATA_SOURCE_ACTIONS),
        )
        # QuickSight tries the role when it creates the data source: the role's policy must exist by then.
        self.data_source.node.add_dependency(self.athena_role.node.find_child("DefaultPolicy"))

        self.data_sets: dict[str, quicksight.CfnDataSet] = {}
        for name, found in datasets().items():
            data_set = quicksight.CfnDataSet(
                self, f"DataSet-{name}",
                aws_account_id=Aws.ACCOUNT_ID,
                data_set_id=quicksight_id(prefix, name),
                name=f"{prefix} {name}",
                import_mode="DIRECT_QUERY",
                physical_table_map={TABLE_ID: quicksight.CfnDataSet.PhysicalTableProperty(
                    custom_sql=quicksight.CfnDataSet.CustomSqlProperty(
                        data_source_arn=self.data_source.attr_arn, name=name,
                        sql_query=found.sql_in_database(lake.database_name),
                        columns=[quicksight.CfnDataSet.InputColumnProperty(name=c.name, type=c.type.value)
                                 for c in found.columns]))},
                permissions=[quicksight.CfnDataSet.ResourcePermissionProperty(principal=principal,
                                                                              actions=list(DATA_SET_ACTIONS))],
            )
            self.data_sets[name] = data_set
        arns = {name: data_set.attr_arn for name, data_set in self.data_sets.items()}

        self.analysis = quicksight.CfnAnalysis(
            self, "Analysis",
            aws_account_id=Aws.ACCOUNT_ID,
            analysis_id=quicksight_id(prefix, "analysis"),
            name=f"{prefix} demand forecasting",
            definition=dashboard_definition(quicksight.CfnAnalysis, arns),
            permissions=[quicksight.CfnAnalysis.ResourcePermissionProperty(principal=principal,
                                                                           actions=list(ANALYSIS_ACTIONS))],
        )
        self.dashboard = quicksight.CfnDashboard(
            self, "Dashboard",
            aws_account_id=Aws.ACCOUNT_ID,
            dashboard_id=quicksight_id(prefix, "dashboard"),
            name=f"{prefix} demand forecasting",
            definition=dashboard_definition(quicksight.CfnDashboard, arns),
            permissions=[quicksight.CfnDashboard.ResourcePermissionProperty(principal=principal,
                                                                            actions=list(DASHBOARD_ACTIONS))],
            dashboard_publish_options=quicksight.CfnDashboard.DashboardPublishOptionsProperty(
                ad_hoc_filtering_option=quicksight.CfnDashboard.AdHocFilteringOptionProperty(
                    availability_status="ENABLED"),
                export_to_csv_option=quicksight.CfnDashboard.ExportToCSVOptionProperty(availability_status="ENABLED"),
                sheet_controls_option=quicksight.CfnDashboard.SheetControlsOptionProperty(visibility_state="EXPANDED"),
            ),
        )

        CfnOutput(self, "QuickSightDashboardId", value=self.dashboard.dashboard_id,
                  description="QuickSight dashboard of the lake (QuickSight console: Dashboards)")
        CfnOutput(self, "QuickSightAthenaRoleArn", value=self.athena_role.role_arn,
                  description="Role QuickSight queries the lake with (for Lake Formation grants, where the account "
                              "uses them)")
