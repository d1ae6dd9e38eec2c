"""The deployment config: one typed, validated model read by the CDK app, the Lambdas, the CLI and the
local runtime. Invalid config fails at load with one message naming the field and what is allowed."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sp_api.base import Marketplaces

from vendorcast.resources import SPAPI_PARTNER_SOURCE_PREFIX
from vendorcast.vocabulary.catalog_fields import DEFAULT_ALERT_FIELDS, CatalogField
from vendorcast.vocabulary.report_catalogue import (
    OPTION_DISTRIBUTOR_VIEW,
    OPTION_REPORT_PERIOD,
    OPTION_SELLING_PROGRAM,
    DistributorView,
    ReportPeriod,
    ReportSpec,
    ReportType,
    SellingProgram,
    report_spec,
)


class ConfigError(ValueError):
    """The config cannot be used; the message names the field and what to write there instead."""


class SpApiRegion(StrEnum):
    NA = "NA"
    EU = "EU"
    FE = "FE"


def _region_of_endpoint(endpoint: str) -> SpApiRegion:
    return SpApiRegion(endpoint.split("sellingpartnerapi-")[1][:2].upper())


# marketplaceId -> (country code, SP-API region), from python-amazon-sp-api's Marketplaces enum.
MARKETPLACES: dict[str, tuple[str, SpApiRegion]] = {
    m.marketplace_id: (m.name, _region_of_endpoint(m.endpoint)) for m in Marketplaces
}

# Periods re-pulled on every restatement pass unless the report config says otherwise.
DEFAULT_RESTATEMENT_LOOKBACK: dict[ReportPeriod, int] = {
    ReportPeriod.DAY: 14,
    ReportPeriod.WEEK: 4,
    ReportPeriod.MONTH: 2,
    ReportPeriod.QUARTER: 1,
    ReportPeriod.YEAR: 0,
}

_Strict = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class ReportConfig(BaseModel):
    """One report stream to pull: a report type with fixed options."""

    model_config = _Strict

    report_type: ReportType
    report_period: ReportPeriod | None = None
    distributor_view: DistributorView | None = None
    selling_program: SellingProgram | None = None
    # Closed periods re-requested on each restatement pass (Amazon restates recent figures).
    restatement_lookback_periods: Annotated[int, Field(ge=0, le=400)] | None = None
    # Fewer periods per createReport than the catalogue's maximum (smaller documents).
    max_periods_per_request: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _check_options(self) -> ReportConfig:
        spec = self.spec
        if spec.hourly:
            raise ValueError(
                f"{self.report_type} is an hourly real-time report, which vendorcast does not pull on a "
                "schedule yet; remove it or use a periodic report type"
            )
        # Reuse the catalogue's check so that config, planner and emulator agree on the option matrix.
        spec.validate_options(self.report_options)
        if self.report_period and self.max_periods_per_request:
            limit = spec.max_periods_per_request[self.report_period]
            if self.max_periods_per_request > limit:
                raise ValueError(
                    f"max_periods_per_request {self.max_periods_per_request} is above the limit of {limit} "
                    f"{self.report_period} periods per request for {self.report_type}"
                )
        return self

    @property
    def spec(self) -> ReportSpec:
        return report_spec(self.report_type)

    @property
    def report_options(self) -> dict[str, str]:
        """reportOptions exactly as sent to createReport (a JSON object of strings)."""
        options = {
            OPTION_REPORT_PERIOD: self.report_period,
            OPTION_DISTRIBUTOR_VIEW: self.distributor_view,
            OPTION_SELLING_PROGRAM: self.selling_program,
        }
        return {key: str(value) for key, value in options.items() if value is not None}

    @property
    def stream_name(self) -> str:
        """Stable, readable id of this stream: the report type and its option values."""
        values = list(self.report_options.values())
        return "/".join([self.report_type.value, *values]) if values else self.report_type.value

    @property
    def restatement_periods(self) -> int:
        if self.restatement_lookback_periods is not None:
            return self.restatement_lookback_periods
        return DEFAULT_RESTATEMENT_LOOKBACK[self.report_period] if self.report_period else 0

    @property
    def periods_per_request(self) -> int:
        if self.report_period is None:
            return 1
        return self.max_periods_per_request or self.spec.max_periods_per_request[self.report_period]


def default_reports() -> list[ReportConfig]:
    """The streams a vendor's forecasting needs, pulled weekly; Amazon's forecast is snapshotted weekly."""
    week = ReportPeriod.WEEK
    return [
        ReportConfig(report_type=ReportType.SALES, report_period=week,
                     distributor_view=DistributorView.MANUFACTURING, selling_program=SellingProgram.RETAIL),
        ReportConfig(report_type=ReportType.SALES, report_period=week,
                     distributor_view=DistributorView.SOURCING, selling_program=SellingProgram.RETAIL),
        ReportConfig(report_type=ReportType.TRAFFIC, report_period=week),
        ReportConfig(report_type=ReportType.INVENTORY, report_period=week,
                     distributor_view=DistributorView.MANUFACTURING, selling_program=SellingProgram.RETAIL),
        ReportConfig(report_type=ReportType.NET_PURE_PRODUCT_MARGIN, report_period=ReportPeriod.DAY),
        ReportConfig(report_type=ReportType.NET_PURE_PRODUCT_MARGIN, report_period=week),
        ReportConfig(report_type=ReportType.FORECASTING, selling_program=SellingProgram.RETAIL),
    ]


def schedule_expression(value: str) -> str:
    """An EventBridge schedule expression, or ValueError saying how to write one."""
    if not (value.startswith("rate(") or value.startswith("cron(")) or not value.endswith(")"):
        raise ValueError(f"{value!r} is not an EventBridge schedule expression; use rate(...) or cron(...)")
    return value


_VENDOR_CODE = re.compile(r"^[A-Za-z0-9]{1,16}$")


class PurchaseOrdersConfig(BaseModel):
    """Amazon's purchase orders of an account (Vendor Orders API), pulled on their own schedule."""

    model_config = _Strict

    # None: on for an account with one marketplace, or whose marketplaces all have their vendor codes below; off
    # (and said in the docs) otherwise. true: on, and an account with several marketplaces must list their codes.
    enabled: bool | None = None
    # Each run reads what changed since the last one; hourly keeps the acknowledgement alerts timely.
    schedule: str = "rate(1 hour)"
    # The vendor codes (sellingParty) of each marketplace. The Vendor Orders API answers for the whole vendor group
    # of the region, so an account with several marketplaces must say which vendor codes order for which one;
    # with one marketplace every PO of the account is that marketplace's.
    vendor_codes: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("schedule")
    @classmethod
    def _schedule_expression(cls, value: str) -> str:
        return schedule_expression(value)

    @field_validator("vendor_codes")
    @classmethod
    def _vendor_codes(cls, codes: dict[str, list[str]]) -> dict[str, list[str]]:
        for marketplace_id, listed in codes.items():
            bad = [c for c in listed if not _VENDOR_CODE.match(c)]
            if bad or not listed:
                raise ValueError(f"vendor codes of {marketplace_id} must be a non-empty list of letters and digits "
                                 f"(Vendor Central's vendor codes, e.g. ABCDE); got {listed!r}")
        return codes


class AccountConfig(BaseModel):
    """A Vendor Central account authorized for vendorcast."""

    model_config = _Strict

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
    region: SpApiRegion
    marketplace_ids: Annotated[list[str], Field(min_length=1)]
    # Secrets Manager secret (JSON with refresh_token, lwa_app_id, lwa_client_secret).
    secret_name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9/_+=.@-]+$")]
    backfill_start: date
    reports: list[ReportConfig] = Field(default_factory=default_reports)
    purchase_orders: PurchaseOrdersConfig = Field(default_factory=PurchaseOrdersConfig)

    @property
    def pulls_purchase_orders(self) -> bool:
        """Whether the purchase orders pull runs for this account: as configured, else when every PO can be told
        its marketplace (one marketplace, or vendor codes for each)."""
        orders = self.purchase_orders
        if orders.enabled is not None:
            return orders.enabled
        return len(self.marketplace_ids) == 1 or all(m in orders.vendor_codes for m in self.marketplace_ids)

    @field_validator("marketplace_ids")
    @classmethod
    def _known_marketplaces(cls, ids: list[str]) -> list[str]:
        for marketplace_id in ids:
            if marketplace_id not in MARKETPLACES:
                known = ", ".join(f"{mid} ({cc})" for mid, (cc, _) in sorted(MARKETPLACES.items(), key=lambda i: i[1]))
                raise ValueError(f"unknown marketplace id {marketplace_id!r}; known: {known}")
        if len(set(ids)) != len(ids):
            raise ValueError("marketplace ids must not repeat")
        return ids

    @model_validator(mode="after")
    def _marketplaces_in_region(self) -> AccountConfig:
        for marketplace_id in self.marketplace_ids:
            country, region = MARKETPLACES[marketplace_id]
            if region != self.region:
                raise ValueError(
                    f"marketplace {marketplace_id} ({country}) is served by SP-API region {region}, "
                    f"not {self.region}; set region = \"{region}\" or use a separate account entry"
                )
        orders = self.purchase_orders
        unknown = sorted(set(orders.vendor_codes) - set(self.marketplace_ids))
        if unknown:
            raise ValueError(f"purchase_orders.vendor_codes names marketplaces the account does not have: "
                             f"{', '.join(unknown)}; its marketplaces: {', '.join(self.marketplace_ids)}")
        if orders.enabled and len(self.marketplace_ids) > 1:
            missing = [m for m in self.marketplace_ids if m not in orders.vendor_codes]
            if missing:
                raise ValueError(
                    f"purchase_orders.vendor_codes must list the vendor codes of every marketplace of an account with "
                    f"several (Amazon's Vendor Orders API answers for the whole region); missing: {', '.join(missing)}"
                    "; or leave purchase_orders.enabled unset or false")
        streams = [r.stream_name for r in self.reports]
        duplicates = sorted({s for s in streams if streams.count(s) > 1})
        if duplicates:
            raise ValueError(f"report streams listed twice: {', '.join(duplicates)}")
        return self


class ScheduleConfig(BaseModel):
    """EventBridge schedule expressions and the timing rules of the ingestion."""

    model_config = _Strict

    # Hourly: a run with nothing due costs a few reads, and a backfill (capped per run by the function
    # timeout, at Amazon's one createReport a minute) finishes in hours instead of days.
    request_reports: str = "rate(1 hour)"
    poll_reports: str = "rate(15 minutes)"
    # The lake's publishing job (Glue): once a day, after the night's documents landed (05:00 UTC is before the
    # working day in the Americas and Europe). It is incremental, so a run with nothing new is short.
    publish_lake: str = "cron(0 5 * * ? *)"
    # The weekly forecast run: Amazon publishes a week's reports up to 72 h after it ends (Saturday), the
    # publishing job makes them curated at 05:00 UTC, so Wednesday 07:00 UTC forecasts from complete weeks.
    forecast: str = "cron(0 7 ? * WED *)"
    # A request with no notification after this long is checked with getReport by poll_reports.
    poll_after_minutes: Annotated[int, Field(ge=1)] = 30
    # A report still unfinished after this long is given up (marked failed, operator alerted).
    report_timeout_hours: Annotated[int, Field(ge=1)] = 48
    # A window that failed because its data was not yet available is requested again after this long.
    retry_not_available_after_hours: Annotated[int, Field(ge=1)] = 12
    # Attempts per window (FATAL not-yet-available, lost reports) before it is given up.
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 6
    # The catalog watch: daily, after the lake's publishing job, so its data-condition alerts see the latest week.
    catalog_watch: str = "cron(0 7 * * ? *)"

    @field_validator("request_reports", "poll_reports", "publish_lake", "forecast", "catalog_watch")
    @classmethod
    def _schedule_expression(cls, value: str) -> str:
        return schedule_expression(value)


# A plain shape check: SNS itself confirms each address by e-mail before it delivers anything.
_EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


_ASIN = re.compile(r"^[A-Z0-9]{10}$")
# SP-API's EventBridge destination: aws.partner/sellingpartnerapi.amazon.com/<AWS account id>/<application id>.
_PARTNER_EVENT_SOURCE = re.compile(r"^aws\.partner/sellingpartnerapi\.amazon\.com/\d{12}/[A-Za-z0-9._-]{1,100}$")


def _asin_list(asins: list[str]) -> list[str]:
    for asin in asins:
        if not _ASIN.match(asin):
            raise ValueError(f"{asin!r} is not an ASIN; write its 10 upper-case letters and digits, e.g. B0C1234567")
    duplicates = sorted({a for a in asins if asins.count(a) > 1})
    if duplicates:
        raise ValueError(f"ASINs listed twice: {', '.join(duplicates)}")
    return asins


class CatalogWatchConfig(BaseModel):
    """Which ASINs the catalog watch looks at and which of their field changes alert (the lake keeps every change)."""

    model_config = _Strict

    alert_fields: list[CatalogField] = Field(default_factory=lambda: list(DEFAULT_ALERT_FIELDS))
    # Watched besides every ASIN in the vendor's reports of the last `report_weeks` weeks.
    asins: list[str] = Field(default_factory=list)
    # Never alerted about (their changes still go to the lake).
    ignore_asins: list[str] = Field(default_factory=list)
    report_weeks: Annotated[int, Field(ge=1, le=104)] = 8
    # SP-API's EventBridge partner event source, once the account is subscribed to BRANDED_ITEM_CONTENT_CHANGE and
    # ITEM_PRODUCT_TYPE_CHANGE: the stack then routes those notifications to the catalog watch too.
    partner_event_source: str | None = None

    @field_validator("alert_fields", mode="before")
    @classmethod
    def _known_fields(cls, fields: Any) -> Any:
        known = [f.value for f in CatalogField]
        for name in fields if isinstance(fields, list) else []:
            if name not in known:
                raise ValueError(f"unknown catalog field {name!r}; use any of {', '.join(known)}")
        if isinstance(fields, list) and len(set(fields)) != len(fields):
            raise ValueError("catalog fields listed twice")
        return fields

    @field_validator("asins", "ignore_asins")
    @classmethod
    def _asins(cls, asins: list[str]) -> list[str]:
        return _asin_list(asins)

    @field_validator("partner_event_source")
    @classmethod
    def _partner_event_source(cls, source: str | None) -> str | None:
        if source is not None and not _PARTNER_EVENT_SOURCE.match(source):
            raise ValueError(f"{source!r} is not SP-API's partner event source; it reads "
                             f"{SPAPI_PARTNER_SOURCE_PREFIX}/<AWS account id>/<application id> (EventBridge console, "
                             "Partner event sources)")
        return source

    @model_validator(mode="after")
    def _watched_or_ignored(self) -> CatalogWatchConfig:
        both = sorted(set(self.asins) & set(self.ignore_asins))
        if both:
            raise ValueError(f"ASINs both watched and ignored: {', '.join(both)}; keep each in one list")
        return self


class DataConditionsConfig(BaseModel):
    """Alerts about the vendor's data, sent with the catalog alerts."""

    model_config = _Strict

    # An ASIN whose weekly out-of-stock rate reaches this share of glance views (from below); 0 switches it off.
    out_of_stock_rate: Annotated[float, Field(ge=0, le=1)] = 0.2
    # An ASIN that sold in the week before the latest week of sales reports and is missing from the latest one.
    gone_from_sales: bool = True
    # A report stream that Amazon failed for good (bad options, missing role, wrong marketplace), with its reason.
    failed_reports: bool = True


class PurchaseOrderAlertsConfig(BaseModel):
    """Alerts about Amazon's purchase orders, each sent once."""

    model_config = _Strict

    # A PO still not acknowledged this many hours after Amazon placed it (Amazon expects an answer within a day or
    # two); 0 switches it off.
    unacknowledged_hours: Annotated[int, Field(ge=0, le=24 * 14)] = 48
    # An open line whose delivery window ends within this many days with accepted units not yet received; 0: off.
    at_risk_days: Annotated[int, Field(ge=0, le=30)] = 3
    # The weekly OTIF digest names the account and the ASINs whose OTIF (units received on time and in full over
    # units ordered) of the last complete week is below this; 0 switches it off.
    otif_threshold: Annotated[float, Field(ge=0, le=1)] = 0.9
    # ASINs with fewer ordered units in the week are left out of the digest (their rate says little).
    otif_min_units: Annotated[int, Field(ge=1)] = 10


class AlertsConfig(BaseModel):
    """Who is told what: e-mail recipients of the SNS topics, and how long a silent pipeline may stay silent."""

    model_config = _Strict

    # Subscribed to the alert topic (catalog changes, forecast summaries) and the ops topic (alarms).
    emails: list[str] = Field(default_factory=list)
    # Alarm when no report has landed for this many days (a CloudWatch alarm looks back at most 7 days).
    no_report_landed_days: Annotated[int, Field(ge=1, le=7)] = 7
    catalog: CatalogWatchConfig = Field(default_factory=CatalogWatchConfig)
    conditions: DataConditionsConfig = Field(default_factory=DataConditionsConfig)
    purchase_orders: PurchaseOrderAlertsConfig = Field(default_factory=PurchaseOrderAlertsConfig)

    @field_validator("emails")
    @classmethod
    def _email_addresses(cls, emails: list[str]) -> list[str]:
        for email in emails:
            if not _EMAIL_ADDRESS.match(email) or len(email) > 254:
                raise ValueError(f"{email!r} is not an e-mail address; write it as name@example.com")
        lowered = [e.lower() for e in emails]
        duplicates = sorted({e for e in lowered if lowered.count(e) > 1})
        if duplicates:
            raise ValueError(f"e-mail addresses listed twice: {', '.join(duplicates)}")
        return emails


# arn:<partition>:quicksight:<identity region>:<account>:user|group/<namespace>/<name>; a federated user's name
# holds a slash (role/session).
_QUICKSIGHT_PRINCIPAL = re.compile(
    r"^arn:aws(-[a-z]+)*:quicksight:[a-z]{2}(-[a-z]+)+-\d:\d{12}:(user|group)/[A-Za-z0-9._-]+/[^\s]+$")


class AnalyticsConfig(BaseModel):
    """The optional QuickSight dashboard of the deployed lake: off unless a QuickSight principal is named."""

    model_config = _Strict

    # The QuickSight user or group that owns the data source, datasets, analysis and dashboard.
    quicksight_principal_arn: str | None = None

    @field_validator("quicksight_principal_arn")
    @classmethod
    def _principal_arn(cls, value: str | None) -> str | None:
        if value is not None and not _QUICKSIGHT_PRINCIPAL.match(value):
            raise ValueError(
                f"{value!r} is not a QuickSight user or group ARN; write "
                "arn:aws:quicksight:<identity region>:<account id>:user/default/<user name> (or group/default/"
                "<group name>), as `aws quicksight list-users --aws-account-id <id> --namespace default` shows it"
            )
        return value

    @property
    def quicksight_enabled(self) -> bool:
        return self.quicksight_principal_arn is not None


class LocalConfig(BaseModel):
    """Settings of the embedded runtime (no AWS account)."""

    model_config = _Strict

    # Simulated seconds per wall-clock second, shared by the SP-API emulator and the pipeline.
    time_scale: Annotated[float, Field(gt=0, le=100_000)] = 600.0


class PlanningConfig(BaseModel):
    """From forecast to plan: the supply plan's horizon and review period, the fill-rate target of its alert, and the
    defaults of the vendor's own inputs (inputs/supply/ in the lake) for ASINs or fields the vendor leaves out."""

    model_config = _Strict

    # Weeks planned ahead (week 1 is the decision to act on now, later weeks are the projection).
    horizon_weeks: Annotated[int, Field(ge=1, le=52)] = 12
    # Weeks between two plans: the plan covers Amazon's orders over lead time plus this.
    review_weeks: Annotated[int, Field(ge=1, le=8)] = 1
    # The alert and the digest name ASINs whose expected fill rate in the decision week falls below this.
    fill_rate_target: Annotated[float, Field(gt=0, le=1)] = 0.95
    # Defaults of the vendor inputs: production or procurement lead time in weeks.
    lead_time_weeks: Annotated[int, Field(ge=0, le=52)] = 4
    # Units are started in multiples of this (a batch, a pallet, a supplier's case).
    lot_size: Annotated[int, Field(ge=1)] = 1
    # Nothing is started below this many units (0: no minimum).
    min_order_units: Annotated[int, Field(ge=0)] = 0
    # Units that can be started per week and ASIN at most (unset: unbounded).
    weekly_capacity_units: Annotated[float, Field(gt=0)] | None = None
    # Cost of one unit to the vendor (money of the vendor's choice, the same in every input).
    unit_cost: Annotated[float, Field(gt=0)] = 10.0
    # Cost of holding a unit for a year, as a share of its unit cost.
    holding_cost_rate: Annotated[float, Field(gt=0, le=5)] = 0.25
    # Cost of a unit Amazon ordered that the vendor could not ship: lost margin and Amazon's chargebacks.
    shortage_cost: Annotated[float, Field(gt=0)] = 5.0

    @model_validator(mode="after")
    def _lead_time_within_horizon(self) -> PlanningConfig:
        if self.lead_time_weeks + self.review_weeks > self.horizon_weeks:
            raise ValueError(
                f"lead_time_weeks ({self.lead_time_weeks}) + review_weeks ({self.review_weeks}) exceed horizon_weeks "
                f"({self.horizon_weeks}): the plan must see Amazon's orders over the whole lead time; raise "
                "horizon_weeks")
        return self


class VendorcastConfig(BaseModel):
    model_config = _Strict

    accounts: Annotated[list[AccountConfig], Field(min_length=1)]
    schedules: ScheduleConfig = Field(default_factory=ScheduleConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    local: LocalConfig = Field(default_factory=LocalConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    planning: PlanningConfig = Field(default_factory=PlanningConfig)

    @model_validator(mode="after")
    def _unique_accounts(self) -> VendorcastConfig:
        names = [a.name for a in self.accounts]
        if len(set(names)) != len(names):
            raise ValueError(f"account names must be unique, got {names}")
        return self

    def account(self, name: str) -> AccountConfig:
        for account in self.accounts:
            if account.name == name:
                return account
        raise ConfigError(f"no account named {name!r} in the config; accounts: {[a.name for a in self.accounts]}")

    @cached_property
    def as_json(self) -> str:
        return self.model_dump_json()


def _field_path(location: tuple[Any, ...], data: Any) -> str:
    """accounts[0].reports[2].selling_program, naming list items by their `name` when they have one."""
    parts: list[str] = []
    node = data
    for item in location:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict):
                if "name" in node[item]:
                    label = f"[{item}] ({node[item]['name']})"
                elif "report_type" in node[item]:
                    label = f"[{item}] ({node[item]['report_type']})"
            parts.append(label)
        elif isinstance(item, str) and not item.startswith("function-after"):
            parts.append(f".{item}" if parts else item)
        node = node[item] if isinstance(node, list | dict) and _has(node, item) else None
    return "".join(parts)


def _has(node: list | dict, key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(key, int) and key < len(node)


def _message(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if error["type"] == "extra_forbidden":
        message = "unknown setting (check its spelling)"
    return message


def parse_config(data: dict[str, Any], source: str = "config") -> VendorcastConfig:
    try:
        return VendorcastConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = _field_path(first["loc"], data) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise ConfigError(f"{source}: {path}: {_message(first)}{more}") from None


def load_config(path: str | Path) -> VendorcastConfig:
    """Read and validate a TOML config file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found; copy vendorcast.example.toml to start") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, source=str(path))


def config_from_json(text: str) -> VendorcastConfig:
    """The config as the Lambdas receive it (JSON from the SSM parameter)."""
    return parse_config(json.loads(text), source="config parameter")
