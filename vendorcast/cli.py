"""The `vendorcast` command: validate and plan a config, parse a report file, run the SP-API emulator, run the
pipeline locally with no AWS account, and operate a deployment (status, repull, redrive).

Start-up stays short because this module imports only click, the standard library and vendorcast's light
modules (`resources`, `spapi.errors`): `vendorcast --help` and every `vendorcast CMD --help`
run without pandas, pyarrow, DuckDB, LightGBM, statsforecast, boto3 or pydantic (tests/unit/test_cli_startup.py).
To add a command, define it here with its options and import what it runs inside the function body:

    @cli.command("do-thing")
    @click.option("--lake", ...)
    def do_thing(lake: str) -> None:
        "One line for --help (the docstring)."
        from vendorcast.things import do_thing  # the library: imported only when the command runs

        click.echo(do_thing(lake))

The command parses and prints; the library does the work and raises its own errors (see `main`)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vendorcast.resources import FORECAST_STATE_MACHINE
from vendorcast.spapi.errors import SpApiError

if TYPE_CHECKING:
    from vendorcast.operations.deployment import InvalidOption

DEFAULT_CONFIG = "vendorcast.toml"


def _config_path(path: str | None) -> Path:
    if path:
        return Path(path)
    return Path(DEFAULT_CONFIG) if Path(DEFAULT_CONFIG).exists() else Path("vendorcast.example.toml")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """vendorcast: demand-forecasting data lake for Amazon Vendor Central."""


@cli.command("validate-config")
@click.argument("config", required=False)
def validate_config(config: str | None) -> None:
    """Check a config file (default: vendorcast.toml, else the example) and summarise it."""
    from vendorcast.config import load_config

    path = _config_path(config)
    loaded = load_config(path)
    for account in loaded.accounts:
        click.echo(f"{account.name}: {account.region} {', '.join(account.marketplace_ids)}, "
                   f"backfill from {account.backfill_start}, secret {account.secret_name}")
        for report in account.reports:
            click.echo(f"  {report.stream_name}")
    click.echo(f"{path}: OK")


@cli.command("plan")
@click.option("--config", "config_path", help="config file (default: vendorcast.toml, else the example)")
@click.option("--now", "now_text", help="plan as of this UTC time (ISO 8601); default: now")
def plan(config_path: str | None, now_text: str | None) -> None:
    """Show the createReport calls a first run would make (a dry run; nothing is requested)."""
    from vendorcast.config import load_config
    from vendorcast.reports.windows import plan_report_windows

    config = load_config(_config_path(config_path))
    now = datetime.fromisoformat(now_text).replace(tzinfo=UTC) if now_text else datetime.now(UTC)
    total = 0
    for account in config.accounts:
        for report in account.reports:
            windows = plan_report_windows(report, backfill_start=account.backfill_start, now=now)
            total += len(windows) * len(account.marketplace_ids)
            span = f"{windows[0].start} .. {windows[-1].end}" if windows else "nothing due"
            click.echo(f"{account.name} {report.stream_name}: {len(windows)} request(s), {span}")
    click.echo(f"{total} createReport call(s) in all; at Amazon's 1 per minute after a burst of 15, "
               f"about {max(0, total - 15)} minute(s)")


@cli.command("parse-report")
@click.option("--report-type", required=True, help="e.g. GET_VENDOR_SALES_REPORT")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="report document, .json or .json.gz")
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Parquet file to write")
def parse_report(report_type: str, input_path: Path, output_path: Path) -> None:
    """Parse a report document into the typed Parquet of the raw zone."""
    from vendorcast.reports.parsers import parse_report_file

    summary = parse_report_file(report_type, input_path, output_path)
    click.echo(f"{output_path}: {summary.rows} rows, {summary.asins} ASINs, {summary.periods} periods "
               f"in {summary.seconds:.2f} s")


@cli.command("publish-lake")
@click.argument("lake_dir", required=False, default="demo-output/lake",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--full-refresh", is_flag=True, help="rebuild every curated partition, not only the new ones")
def publish_lake_command(lake_dir: Path, full_refresh: bool) -> None:
    """Publish a local lake's raw/ zone into curated/ (what the Glue job does on AWS), incrementally."""
    import json

    from vendorcast.lake.publish import publish_lake_local

    result = publish_lake_local(lake_dir, full_refresh=full_refresh)
    click.echo(json.dumps(result.summary(), indent=2))
    if not result.ok:
        raise click.ClickException(f"{len(result.failures)} raw file(s) could not be published; the rest was")


@cli.command("query")
@click.argument("sql")
@click.option("--lake", help="lake folder, or s3://bucket (default: demo-output/lake)")
@click.option("--athena", is_flag=True, help="run in the deployed Athena workgroup instead of on the local lake")
@click.option("--workgroup", help="Athena workgroup (default: $VENDORCAST_ATHENA_WORKGROUP, else vendorcast-lake)")
@click.option("--database", help="Glue database (default: $VENDORCAST_GLUE_DATABASE, else vendorcast_lake)")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "parquet", "json"]), default="table",
              show_default=True)
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              help="file for csv, parquet or json (default: standard output)")
@click.option("--dialect", type=click.Choice(["trino", "duckdb"]), default="trino", show_default=True,
              help="SQL of a local query: trino (Athena's, translated to DuckDB) or duckdb (as is)")
def query(sql: str, lake: str | None, athena: bool, workgroup: str | None, database: str | None,
          output_format: str, output_path: Path | None, dialect: str) -> None:
    """Run SQL on the lake's tables and v_* views: locally with DuckDB, or with --athena on Athena."""
    from vendorcast.lake.query import run_query

    run_query(sql, lake=lake, athena=athena, workgroup=workgroup, database=database, output_format=output_format,
              output_path=output_path, dialect=dialect)


@cli.command("plan-supply")
@click.option("--lake", default="demo-output/lake", show_default=True, help="lake folder, or s3://bucket")
@click.option("--origin", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="plan from the latest SUCCEEDED forecast run of this origin (default: the latest run)")
@click.option("--run-id", help="plan from this forecast run")
@click.option("--config", "config_path", help="config file for [planning] (default: vendorcast.toml, else the example)")
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              help="folder for po_forecast.parquet, supply_plan.parquet and po_advice.parquet")
@click.option("--format", "output_format", type=click.Choice(["summary", "json"]), default="summary",
              show_default=True, help="json: print the three tables as JSON instead of the summary")
def plan_supply_command(lake: str, origin: datetime | None, run_id: str | None, config_path: str | None,
                        output_dir: Path | None, output_format: str) -> None:
    """Plan supply from a lake's latest forecast: Amazon's orders forecast, what to start, what to confirm."""
    from vendorcast.config import load_config
    from vendorcast.lake.planning_inputs import read_planning_inputs
    from vendorcast.lake.query import lake_storage
    from vendorcast.planning.plan import plan_supply
    from vendorcast.planning.settings import PlanningSettings

    settings = PlanningSettings.from_config(load_config(_config_path(config_path)))
    inputs = read_planning_inputs(lake_storage(lake), settings, origin.date() if origin else None, run_id)
    result = plan_supply(inputs, settings)
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        for name, table in result.tables.items():
            table.to_parquet(output_dir / f"{name}.parquet", index=False)
    if output_format == "json":
        # Missing values as null, dates as YYYY-MM-DD and timestamps in ISO 8601.
        tables = {name: table.astype(object).where(table.notna(), None).to_dict("records")
                  for name, table in result.tables.items()}
        click.echo(json.dumps({"origin": inputs.origin.isoformat(), "run_id": inputs.run_id, **tables,
                               "problems": [str(p) for p in result.problems]}, indent=2,
                              default=lambda value: value.isoformat()))
        return
    click.echo(f"Supply plan from forecast run {inputs.run_id} (origin {inputs.origin}):")
    for line in result.summary(settings.fill_rate_target):
        click.echo(line)
    if output_dir is not None:
        click.echo(f"tables written to {output_dir}/ (po_forecast, supply_plan, po_advice .parquet)")


@cli.command("dashboard")
@click.option("--lake", default="demo-output/lake", show_default=True, help="lake folder, or s3://bucket")
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("demo-output/dashboard.html"), show_default=True, help="HTML file to write")
@click.option("--title", default="vendorcast", show_default=True, help="heading of the page")
@click.option("--history-weeks", type=click.IntRange(1, 520), default=52, show_default=True,
              help="weeks of sales the forecast charts show before the forecast")
def dashboard(lake: str, output_path: Path, title: str, history_weeks: int) -> None:
    """Write the dashboard of a lake as one HTML file that opens offline: forecasts per ASIN, accuracy next to
    Amazon's, sales trend, stockout risk, catalog changes and ingestion health (what QuickSight shows on AWS)."""
    from vendorcast.dashboard.page import build_dashboard

    result = build_dashboard(lake, output_path, title=title, history_weeks=history_weeks)
    click.echo(f"{result.path}: {result.asins} ASINs, {result.size_bytes / 1e6:.1f} MB")


@cli.command("publish-views")
@click.option("--workgroup", help="Athena workgroup (default: $VENDORCAST_ATHENA_WORKGROUP, else vendorcast-lake)")
@click.option("--database", help="Glue database (default: $VENDORCAST_GLUE_DATABASE, else vendorcast_lake)")
@click.option("--lake-bucket", required=True, help="the lake bucket (output LakeBucketName)")
def publish_views_command(workgroup: str | None, database: str | None, lake_bucket: str) -> None:
    """Define the lake's tables in the Glue database, then create or replace the analysts' v_* views through
    Athena (safe to run again)."""
    import boto3

    from vendorcast.lake.athena import AthenaTarget, publish_views, register_view_tables
    from vendorcast.lake.glue_catalog import GlueCatalog
    from vendorcast.lake.storage import LakeStorage

    target = AthenaTarget.resolve(database, workgroup)
    catalog = GlueCatalog(boto3.client("glue"), target.database, LakeStorage.s3(lake_bucket))
    for name in register_view_tables(catalog):
        click.echo(f"{target.database}.{name}: table defined")
    for view in publish_views(target):
        click.echo(f"{target.database}.{view.name}: created ({view.query_execution_id})")


def _forecast_settings(horizon: int, quantiles: str, windows: int, models: str) -> object:
    from vendorcast.forecasting.files import parse_quantiles
    from vendorcast.forecasting.settings import ForecastSettings

    names = tuple(name.strip() for name in models.split(",") if name.strip()) or None
    return ForecastSettings(horizon=horizon, levels=parse_quantiles(quantiles), backtest_windows=windows,
                            models=names)


_QUANTILES_HELP = "quantile levels, comma-separated"
_MODELS_HELP = ("models the ensemble chooses from, comma-separated (default: "
                "seasonal_naive,ets,year_over_year,lightgbm_global; opt-in: sarima, mq_cnn with the neural extra)")


def _report_skipped(problem: str) -> None:
    """A row of an input file that was skipped, and why (the command goes on with the good rows)."""
    click.echo(f"skipped: {problem}", err=True)


@cli.command("forecast-file")
@click.option("--history", "history_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Parquet: item_id, week_start, units, optional censored flag and numeric covariates")
@click.option("--horizon", default=12, show_default=True, help="weeks to forecast")
@click.option("--quantiles", default="0.1,0.5,0.9", show_default=True, help=_QUANTILES_HELP)
@click.option("--future", "future_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Parquet: item_id, week_start and the covariates' known values for the forecast weeks")
@click.option("--promotions", "promotions_path", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV or Parquet: the promotion plan, past and planned (item_id, start_date, end_date, "
                   "promotion_type, discount_percent or planned_price; docs/operations.md)")
@click.option("--backtest-windows", default=3, show_default=True, help="rolling origins the ensemble learns from")
@click.option("--models", default="", help=_MODELS_HELP)
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def forecast_file_command(history_path: Path, horizon: int, quantiles: str, future_path: Path | None,
                          promotions_path: Path | None, backtest_windows: int, models: str,
                          output_path: Path) -> None:
    """Forecast every item of a history file: item_id, week_start, mean, p10, p50, p90 ... (the ensemble)."""
    from vendorcast.forecasting.files import forecast_file
    from vendorcast.forecasting.panel import PanelError

    try:
        output = forecast_file(history_path, output_path,
                               _forecast_settings(horizon, quantiles, backtest_windows, models), future_path,
                               promotions_path, on_problem=_report_skipped,
                               on_note=lambda note: click.echo(note, err=True))
    except PanelError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"forecast {output['item_id'].nunique()} item(s) x {horizon} week(s) -> {output_path}")


@cli.command("backtest-file")
@click.option("--history", "history_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Parquet: item_id, week_start, units, optional censored flag and numeric covariates")
@click.option("--horizon", default=12, show_default=True, help="weeks forecast at each origin")
@click.option("--windows", default=3, show_default=True, help="rolling origins, horizon weeks apart")
@click.option("--quantiles", default="0.1,0.5,0.7,0.8,0.9", show_default=True, help=_QUANTILES_HELP)
@click.option("--past-only", default="", help="covariates NOT known ahead, comma-separated (default: all are known)")
@click.option("--promotions", "promotions_path", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV or Parquet: the promotion plan, as for forecast-file")
@click.option("--models", default="", help=_MODELS_HELP)
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def backtest_file_command(history_path: Path, horizon: int, windows: int, quantiles: str, past_only: str,
                          promotions_path: Path | None, models: str, output_path: Path) -> None:
    """Backtest every model and the ensemble at rolling origins; metrics JSON next to seasonal naive's."""
    from vendorcast.forecasting.files import backtest_file
    from vendorcast.forecasting.panel import PanelError

    try:
        report = backtest_file(history_path, output_path, _forecast_settings(horizon, quantiles, windows, models),
                               [c.strip() for c in past_only.split(",") if c.strip()], promotions_path,
                               on_problem=_report_skipped)
    except PanelError as exc:
        raise click.ClickException(str(exc)) from None
    for name, result in report["models"].items():
        metrics = result["metrics"]
        click.echo(f"{name:>16}: wql_mean {metrics.get('wql_mean')}, wape {metrics.get('wape')}, "
                   f"coverage_p10_p90 {metrics.get('coverage_p10_p90')}")
    click.echo(f"-> {output_path}")


@cli.group()
def secrets() -> None:
    """The SP-API credentials in Secrets Manager."""


@secrets.command("put")
@click.option("--config", "config_path", help="config file (default: vendorcast.toml, else the example)")
@click.option("--account", "account_name", required=True, help="account name from the config")
def secrets_put(config_path: str | None, account_name: str) -> None:
    """Store an account's LWA client id, client secret and refresh token in its secret (asked for, never shown;
    AWS credentials and region from the environment, as for `aws`)."""
    import boto3

    from vendorcast.config import load_config
    from vendorcast.spapi.client import store_credentials
    from vendorcast.spapi.errors import SpApiCredentialsError

    config = load_config(_config_path(config_path))
    account = next((a for a in config.accounts if a.name == account_name), None)
    if account is None:
        raise click.ClickException(f"no account {account_name!r} in the config; it has "
                                   f"{', '.join(a.name for a in config.accounts)}")
    credentials = {
        "lwa_app_id": click.prompt("LWA client id", hide_input=False),
        "lwa_client_secret": click.prompt("LWA client secret", hide_input=True),
        "refresh_token": click.prompt("Refresh token", hide_input=True),
    }
    try:
        outcome = store_credentials(account.secret_name, credentials, boto3.client("secretsmanager"),
                                    description=f"vendorcast SP-API credentials of {account.name}")
    except SpApiCredentialsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{outcome} secret {account.secret_name} for account {account.name} (values not shown)")


@cli.group()
def notifications() -> None:
    """SP-API notifications for the deployed pipeline."""


@notifications.command("subscribe")
@click.option("--config", "config_path", help="config file (default: vendorcast.toml, else the example)")
@click.option("--account", "account_name", required=True, help="account name from the config")
@click.option("--queue-arn", required=True, help="the report-events queue (output ReportEventsQueueArn)")
def notifications_subscribe(config_path: str | None, account_name: str, queue_arn: str) -> None:
    """Have SP-API send this account's REPORT_PROCESSING_FINISHED to the queue (safe to run again).

    Reads the account's LWA credentials from its Secrets Manager secret with your AWS credentials."""
    from vendorcast.config import load_config
    from vendorcast.resources import SPAPI_NOTIFICATION_PRINCIPAL_ACCOUNTS
    from vendorcast.spapi.client import SpApiSession
    from vendorcast.spapi.notifications import SubscriptionConflict, subscribe_report_notifications

    account = load_config(_config_path(config_path)).account(account_name)
    if not SPAPI_NOTIFICATION_PRINCIPAL_ACCOUNTS.get(account.region.value):
        raise click.ClickException(
            f"account {account.name!r} is in SP-API region {account.region.value}, whose notification sender Amazon "
            "does not publish (docs/deploy.md, 'Let Amazon notify the queue'): the queue cannot allow it, so there is "
            "nothing to subscribe; poll_reports finds this account's finished reports")
    for marketplace_id in account.marketplace_ids[:1]:  # one subscription per selling partner and region
        try:
            result = subscribe_report_notifications(SpApiSession(account, marketplace_id), queue_arn)
        except SubscriptionConflict as exc:
            raise click.ClickException(str(exc)) from None
        verb = "subscribed" if result.created_subscription else "already subscribed"
        click.echo(f"{account.name}: {verb} (destination {result.destination_id}, "
                   f"subscription {result.subscription_id})")


@cli.group()
def forecast() -> None:
    """The deployed forecast workflow (Step Functions)."""


@forecast.command("start")
@click.option("--origin", help="first forecast week, a Sunday (YYYY-MM-DD); default: this week's")
@click.option("--horizon", type=int, help="weeks to forecast; default: the workflow's")
@click.option("--name", help="execution name, which runs once; default: manual-<origin>-<UTC time>")
@click.option("--state-machine", default=FORECAST_STATE_MACHINE, show_default=True,
              help="name or ARN of the forecast state machine (stack output ForecastStateMachineArn)")
def forecast_start(origin: str | None, horizon: int | None, name: str | None, state_machine: str) -> None:
    """Start a forecast run now, with your AWS credentials (the weekly schedule starts one by itself)."""
    import boto3

    from vendorcast.forecasting.start import parse_start_request, start_forecast

    options = {"origin": origin, "horizon": horizon, "name": name}
    request = parse_start_request({"trigger": "manual", **{k: v for k, v in options.items() if v is not None}})
    stepfunctions = boto3.client("stepfunctions")
    arn = state_machine
    if not arn.startswith("arn:"):
        region = stepfunctions.meta.region_name
        account = boto3.client("sts").get_caller_identity()["Account"]
        partition = boto3.session.Session().get_partition_for_region(region)
        arn = f"arn:{partition}:states:{region}:{account}:stateMachine:{state_machine}"
    started = start_forecast(stepfunctions, arn, request, datetime.now(UTC))
    if started.already_started:
        click.echo(f"{started.name} exists already (started before): nothing new started")
    else:
        click.echo(f"started {started.name} with input {json.dumps(started.execution_input)}")
    click.echo(f"follow it: aws stepfunctions describe-execution --execution-arn {started.execution_arn}")


_STACK_PREFIX = click.option(
    "--stack-prefix", envvar="VENDORCAST_STACK_PREFIX",
    help="the prefix the stacks were deployed with (Vendorcast unless `-c prefix=` said otherwise; env "
         "VENDORCAST_STACK_PREFIX); without it, the local runtime's resources where AWS_ENDPOINT_URL points")


def _bad_option(exc: InvalidOption) -> click.BadParameter:
    """The library's InvalidOption as click's own error, naming the option."""
    return click.BadParameter(str(exc), param_hint=f"'--{exc.option}'")


@cli.command("status")
@click.option("--account", help="one account of the deployed config (default: every account)")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_STACK_PREFIX
def status_command(account: str | None, output_format: str, stack_prefix: str | None) -> None:
    """Where a deployment stands: per account and report stream the last period landed, requests still open and
    for how long, windows given up with Amazon's reason; the dead-letter queues; the last forecast run and catalog
    watch."""
    from vendorcast.operations.deployment import InvalidOption, OperatorContext
    from vendorcast.operations.status import collect_status, render_status_table

    try:
        result = collect_status(OperatorContext.connect(stack_prefix), account)
    except InvalidOption as exc:
        raise _bad_option(exc) from None
    click.echo(result.to_json() if output_format == "json" else render_status_table(result))


@cli.command("repull")
@click.option("--account", required=True, help="account of the deployed config")
@click.option("--report-type", required=True,
              help="a report type (every stream of it the account pulls) or one stream, e.g. "
                   "GET_VENDOR_SALES_REPORT/WEEK/SOURCING/RETAIL")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="first day of the range")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="last day of the range")
@click.option("--dry-run", is_flag=True, help="show the windows and what would happen; request nothing")
@_STACK_PREFIX
def repull_command(account: str, report_type: str, first: datetime, last: datetime, dry_run: bool,
                   stack_prefix: str | None) -> None:
    """Request a date range of report windows again (the whole periods holding its days, as the planner cuts
    them), beside the earlier requests; safe to run again. createReport is paced by Amazon's limits: beyond a
    burst of 15, one a minute."""
    from vendorcast.operations.deployment import InvalidOption, OperatorContext
    from vendorcast.operations.repull import PlannedRepull, plan_repull, repull

    ctx = OperatorContext.connect(stack_prefix)
    try:
        planned = plan_repull(ctx, account, report_type, first.date(), last.date())
    except InvalidOption as exc:
        raise _bad_option(exc) from None

    def show(item: PlannedRepull, outcome: str) -> None:
        click.echo(f"{item.request_key}: {outcome}" + (f" ({item.open_request})" if item.open_request else ""))

    result = repull(ctx, planned, dry_run=dry_run, on_outcome=show)
    counts = ", ".join(f"{result.count(o)} {o}" for o in dict.fromkeys(result.outcomes.values()))
    click.echo(f"{len(planned)} window(s): {counts}")


@cli.command("redrive")
@click.option("--queue", required=True, help="report-events or catalog-items (their dead-letter queues)")
@click.option("--dry-run", is_flag=True, help="show the dead-lettered messages and their reasons; move nothing")
@click.option("--max", "max_messages", type=click.IntRange(min=1), help="at most this many messages (default: all)")
@_STACK_PREFIX
def redrive_command(queue: str, dry_run: bool, max_messages: int | None, stack_prefix: str | None) -> None:
    """Show each message of a queue's dead-letter queue with why it failed, and send it back to the queue (a
    message that fails again comes back with its new reason)."""
    from vendorcast.operations.deployment import InvalidOption, OperatorContext
    from vendorcast.operations.redrive import redrive

    try:
        result = redrive(OperatorContext.connect(stack_prefix), queue, dry_run=dry_run, max_messages=max_messages)
    except InvalidOption as exc:
        raise _bad_option(exc) from None
    for message in result.messages:
        received = f", received {message.receive_count} times" if message.receive_count else ""
        click.echo(f"{message.message_id}{received}: {message.reason}")
    verb = "would send back" if dry_run else "sent back"
    click.echo(f"{queue}: {verb} {len(result.messages) if dry_run else result.sent_back} message(s); "
               f"{result.left} left on its dead-letter queue")


@cli.group()
def sandbox() -> None:
    """The SP-API emulator: a simulated vendor behind Amazon's APIs, on 127.0.0.1."""


@sandbox.command("serve")
@click.option("--seed", default=7, show_default=True)
@click.option("--asins", default=50, show_default=True)
@click.option("--port", default=8765, show_default=True)
@click.option("--time-scale", default=1.0, show_default=True, help="simulated seconds per real second")
@click.option("--faults", type=click.Choice(["none", "realistic", "heavy"]), default="none", show_default=True)
@click.option("--marketplaces", default="ATVPDKIKX0DER", show_default=True,
              help="the vendor's marketplace ids, comma-separated, all of one SP-API region (the endpoint it plays)")
def sandbox_serve(seed: int, asins: int, port: int, time_scale: float, faults: str, marketplaces: str) -> None:
    """Serve LWA, Reports, Catalog Items and Vendor Orders for a simulated vendor until Ctrl-C."""
    from pydantic import ValidationError

    from vendorcast.sandbox.server import serve
    from vendorcast.sandbox.settings import FaultSettings, SandboxSettings

    try:
        settings = SandboxSettings(seed=seed, n_asins=asins, port=port, faults=FaultSettings.preset(faults),
                                   marketplace_ids=tuple(m.strip() for m in marketplaces.split(",") if m.strip()))
    except ValidationError as exc:
        raise click.BadParameter(str(exc.errors()[0]["msg"]).removeprefix("Value error, "),
                                 param_hint="--marketplaces") from None
    serve(settings, scale=time_scale)


@sandbox.command("export-truth")
@click.option("--seed", default=7, show_default=True)
@click.option("--asins", default=50, show_default=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]), default=None,
              help="UTC moment the purchase order items are shown as of  [default: midnight after --end]")
def sandbox_export_truth(seed: int, asins: int, start: datetime, end: datetime, output: Path,
                         as_of: datetime | None) -> None:
    """Write the simulator's ground truth (demand, sales, inventory, Amazon's forecasts, purchase orders) as
    Parquet."""
    from vendorcast.sandbox.truth import export_truth

    moment = as_of.replace(tzinfo=UTC) if as_of else None
    try:
        paths = export_truth(seed, asins, start.date(), end.date(), output, moment)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    for path in paths:
        click.echo(path)


@cli.command("supply-sim")
@click.option("--asins", type=click.IntRange(1, 1000), help="ASINs of the simulated vendor  [default: the emulator's]")
@click.option("--weeks", default=52, show_default=True, type=click.IntRange(1, 60),
              help="weeks simulated, the last of the vendor's history")
@click.option("--seed", type=int, help="the simulated vendor  [default: the emulator's]")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=Path("supply-sim-output"),
              show_default=True, help="folder for supply_sim.json and supply_sim.html")
@click.option("--refit-weeks", default=13, show_default=True, type=click.IntRange(1, 52),
              help="train the forecast's pooled model (LightGBM) every this many simulated weeks")
@click.option("--models", default="", help="models of the sell-through forecast, comma-separated  [default: all]")
def supply_sim(asins: int | None, weeks: int, seed: int | None, output: Path, refit_weeks: int, models: str) -> None:
    """Prove the supply plan by simulation: vendorcast's plan against baseline policies on the emulator's vendor,
    as fill rate against vendor inventory."""
    from vendorcast.supply_sim import run_supply_sim, summary_lines

    chosen = tuple(name.strip() for name in models.split(",") if name.strip()) or None
    payload = run_supply_sim(asins=asins, weeks=weeks, seed=seed, output=output, refit_weeks=refit_weeks,
                             models=chosen)
    for line in summary_lines(payload):
        click.echo(line)


@cli.command("demo")
@click.option("--asins", default=200, show_default=True, help="ASINs of the simulated vendor")
@click.option("--weeks", default=104, show_default=True, help="weeks of history to backfill (at least 40)")
@click.option("--seed", default=7, show_default=True)
@click.option("--faults", type=click.Choice(["none", "realistic", "heavy"]), default="realistic", show_default=True)
@click.option("--time-scale", default=None, type=float, help="simulated seconds per real second")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"),
              show_default=True)
@click.option("--regions", default="NA", show_default=True,
              help="SP-API regions of the demo's accounts, comma-separated: NA (US), EU (UK, DE, FR, IT, ES), FE (JP)")
def demo(asins: int, weeks: int, seed: int, faults: str, time_scale: float | None, output: Path,
         regions: str) -> None:
    """Run the pipeline end to end on this machine: AWS emulator + SP-API emulator; backfill, publishing job,
    catalog watch, forecast workflow; the outputs in --output."""
    from vendorcast.local.demo import run_demo

    try:
        run_demo(asins=asins, weeks=weeks, seed=seed, faults=faults, time_scale=time_scale, output=output,
                 today=date.today(), regions=tuple(r.strip().upper() for r in regions.split(",") if r.strip()))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    # The library's input errors (ConfigError, UnknownReportType, ...) are ValueErrors: their modules need not be
    # imported here to be caught.
    except (SpApiError, ValueError, FileNotFoundError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
