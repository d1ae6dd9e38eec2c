"""The vendorcast CDK app: which config it reads, which stacks it builds from it (named from a prefix, so
several deployments fit one account and region), and the security checks that run on every synth."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import App, Environment, Stack, Tags

from stacks.alerts import AlertsStack
from stacks.analytics import AnalyticsStack
from stacks.catalog import CatalogStack
from stacks.forecasting import ForecastingStack
from stacks.ingestion import IngestionStack
from stacks.lake_storage import LakeStorageStack
from stacks.monitoring import MonitoringStack, metrics_namespace
from stacks.nag import check_aws_solutions
from stacks.packaging import REPO_ROOT
from stacks.publish_lake_job import WORKER_TYPES, PublishWorkers
from stacks.publishing import PublishingStack
from vendorcast.config import ConfigError, VendorcastConfig, load_config

DEFAULT_PREFIX = "Vendorcast"
# `npx cdk deploy -c config=path/to/vendorcast.toml -c prefix=AcmeUs`
CONFIG_CONTEXT_KEY = "config"
PREFIX_CONTEXT_KEY = "prefix"
# `-c publish_worker_type=G.2X -c publish_workers=4`: the Glue job's default workers (G.1X, 2).
PUBLISH_WORKER_TYPE_CONTEXT_KEY = "publish_worker_type"
PUBLISH_WORKERS_CONTEXT_KEY = "publish_workers"
MAX_PUBLISH_WORKERS = 100
# `VENDORCAST_SKIP_BUNDLING=1`: stage the Lambda sources as they are instead of installing dependencies
# (offline synth and tests; a deploy must bundle).
SKIP_BUNDLING_ENV = "VENDORCAST_SKIP_BUNDLING"
# CDK's own switch: the stacks whose assets are bundled ([] = none).
BUNDLING_STACKS_CONTEXT_KEY = "aws:cdk:bundling-stacks"
_PREFIX_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,29}$")


def deployment_config_path(explicit: str | None = None, root: Path = REPO_ROOT) -> Path:
    """`-c config=PATH` if given, else `vendorcast.toml`, else the example config."""
    if explicit:
        return Path(explicit)
    own = root / "vendorcast.toml"
    return own if own.exists() else root / "vendorcast.example.toml"


def check_prefix(prefix: str) -> str:
    if not _PREFIX_PATTERN.match(prefix):
        raise ConfigError(
            f"stack prefix {prefix!r} must start with a letter and hold up to 30 letters, digits and dashes "
            "(it names the stacks, the Glue database and the Athena workgroup)"
        )
    return prefix


def new_app(*, outdir: str | None = None, skip_bundling: bool | None = None) -> App:
    """An App with cdk.json's feature flags also when run as `python app.py` (the CDK CLI passes them itself,
    and whatever it passes wins)."""
    flags = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    if skip_bundling is None:
        skip_bundling = os.environ.get(SKIP_BUNDLING_ENV) == "1"
    if outdir is None and not os.environ.get("CDK_OUTDIR"):
        outdir = str(REPO_ROOT / "cdk.out")
    return App(context=flags, outdir=outdir,
               post_cli_context={BUNDLING_STACKS_CONTEXT_KEY: []} if skip_bundling else None)


def publish_workers(worker_type: object = None, count: object = None) -> PublishWorkers:
    """The Glue job's workers from the context values (strings on the command line), checked."""
    default = PublishWorkers()
    worker_type = default.worker_type if worker_type is None else str(worker_type)
    if worker_type not in WORKER_TYPES:
        raise ConfigError(f"context {PUBLISH_WORKER_TYPE_CONTEXT_KEY}: {worker_type!r} is not a Glue worker type "
                          f"for Spark jobs; use one of {', '.join(WORKER_TYPES)}")
    try:
        workers = default.count if count is None else int(str(count))
    except ValueError:
        workers = 0
    if not 2 <= workers <= MAX_PUBLISH_WORKERS:
        raise ConfigError(f"context {PUBLISH_WORKERS_CONTEXT_KEY}: {count!r} must be a whole number from 2 (a "
                          f"Glue Spark job's minimum) to {MAX_PUBLISH_WORKERS}")
    return PublishWorkers(worker_type=worker_type, count=workers)


@dataclass(frozen=True)
class VendorcastStacks:
    lake: LakeStorageStack
    alerts: AlertsStack
    ingestion: IngestionStack
    publishing: PublishingStack
    catalog: CatalogStack
    forecasting: ForecastingStack
    monitoring: MonitoringStack
    # Only with a QuickSight principal in the config; no other stack depends on it.
    analytics: AnalyticsStack | None = None

    def all(self) -> tuple[Stack, ...]:
        core = (self.lake, self.alerts, self.ingestion, self.publishing, self.catalog, self.forecasting,
                 self.monitoring)
        return core if self.analytics is None else (*core, self.analytics)


def add_vendorcast_stacks(app: App, config: VendorcastConfig, prefix: str = DEFAULT_PREFIX,
                          workers: PublishWorkers | None = None) -> VendorcastStacks:
    """Every vendorcast stack, in any account and region (the CLI's credentials pick them at deploy time),
    with cdk-nag's AWS Solutions checks on the whole app."""
    prefix = check_prefix(prefix)
    workers = workers or PublishWorkers()
    env = Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    lake = LakeStorageStack(app, f"{prefix}-Lake", prefix=prefix, env=env,
                            description="vendorcast lake storage: lake and Athena buckets, Glue database, workgroup")
    alerts = AlertsStack(app, f"{prefix}-Alerts", alerts=config.alerts, env=env,
                         description="vendorcast alerts: alert and ops SNS topics")
    ingestion = IngestionStack(app, f"{prefix}-Ingestion", config=config, lake=lake, alerts=alerts, env=env,
                               description="vendorcast ingestion: SP-API report requests into the lake")
    publishing = PublishingStack(app, f"{prefix}-Publishing", config=config, lake=lake, workers=workers, env=env,
                                 description="vendorcast publishing: the Glue job that builds the curated tables")
    catalog = CatalogStack(app, f"{prefix}-Catalog", config=config, lake=lake, alerts=alerts, ingestion=ingestion,
                           env=env, description="vendorcast catalog watch: catalog change and data-condition alerts")
    forecasting = ForecastingStack(app, f"{prefix}-Forecast", config=config, lake=lake, alerts=alerts, env=env,
                                   deployment_config=ingestion.deployment_config.parameter,
                                   description="vendorcast forecast: the Step Functions forecast workflow and its "
                                               "weekly start")
    monitoring = MonitoringStack(app, f"{prefix}-Monitoring", ingestion=ingestion, publishing=publishing,
                                 catalog=catalog, forecasting=forecasting, alerts=alerts, alerts_config=config.alerts,
                                 namespace=metrics_namespace(prefix), dashboard_name=f"{prefix}-pipeline", env=env,
                                 description="vendorcast monitoring: alarms and the pipeline dashboard")
    analytics = None
    if config.analytics.quicksight_enabled:
        analytics = AnalyticsStack(app, f"{prefix}-Analytics", lake=lake, analytics=config.analytics, env=env,
                                   description="vendorcast analytics (optional): the QuickSight dashboard of the lake")
    stacks = VendorcastStacks(lake, alerts, ingestion, publishing, catalog, forecasting, monitoring, analytics)
    for stack in stacks.all():
        Tags.of(stack).add("project", "vendorcast")
        Tags.of(stack).add("vendorcast:deployment", prefix)
    check_aws_solutions(app)
    return stacks


def synthesize(app: App) -> None:
    """Read the config the context names, build the stacks, write the cloud assembly."""
    config = load_config(deployment_config_path(app.node.try_get_context(CONFIG_CONTEXT_KEY)))
    workers = publish_workers(app.node.try_get_context(PUBLISH_WORKER_TYPE_CONTEXT_KEY),
                              app.node.try_get_context(PUBLISH_WORKERS_CONTEXT_KEY))
    add_vendorcast_stacks(app, config, app.node.try_get_context(PREFIX_CONTEXT_KEY) or DEFAULT_PREFIX, workers)
    app.synth()
