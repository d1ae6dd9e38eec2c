"""Settings of the SP-API emulator: the simulated vendor, the credentials it accepts, Amazon's rate limits,
report processing times, where notifications go, and which faults it injects."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vendorcast.sandbox.marketplaces import marketplace

Rate = Annotated[float, Field(ge=0, le=1)]

_Frozen = ConfigDict(extra="forbid", frozen=True)


class FaultSettings(BaseModel):
    """Faults injected the way the real service fails. Rates are probabilities per call (or per report /
    notification); every fault kind draws from its own RNG seeded from the sandbox seed."""

    model_config = _Frozen

    throttle_rate: Rate = 0.0  # extra 429 QuotaExceeded on SP-API calls (beyond the token buckets)
    server_error_rate: Rate = 0.0  # 500 InternalFailure / 503 ServiceUnavailable on SP-API calls
    fatal_not_available_rate: Rate = 0.0  # dated reports that end FATAL "data not yet available"
    duplicate_notification_rate: Rate = 0.0
    lost_notification_rate: Rate = 0.0
    delayed_notification_rate: Rate = 0.0
    notification_delay_seconds: Annotated[float, Field(ge=0)] = 900.0  # simulated seconds
    truncated_documents: Annotated[int, Field(ge=0)] = 0  # first N documents' first download is cut short
    # Vendor Orders pages hold at most this many orders whatever `limit` asks (Amazon's limit is a maximum), so
    # that a week of the vendor's POs comes in several pages behind nextToken.
    orders_page_size: Annotated[int, Field(ge=1, le=100)] = 100

    @classmethod
    def none(cls) -> FaultSettings:
        return cls()

    @classmethod
    def realistic(cls) -> FaultSettings:
        return cls(
            throttle_rate=0.10,
            server_error_rate=0.05,
            fatal_not_available_rate=0.05,
            duplicate_notification_rate=0.10,
            lost_notification_rate=0.10,
            delayed_notification_rate=0.10,
            notification_delay_seconds=900.0,
            truncated_documents=1,
            orders_page_size=3,
        )

    @classmethod
    def heavy(cls) -> FaultSettings:
        return cls(
            throttle_rate=0.25,
            server_error_rate=0.12,
            fatal_not_available_rate=0.15,
            duplicate_notification_rate=0.25,
            lost_notification_rate=0.20,
            delayed_notification_rate=0.25,
            notification_delay_seconds=3600.0,
            truncated_documents=3,
            orders_page_size=2,
        )

    @classmethod
    def preset(cls, name: Literal["none", "realistic", "heavy"] | str) -> FaultSettings:
        presets = {"none": cls.none, "realistic": cls.realistic, "heavy": cls.heavy}
        if name not in presets:
            raise ValueError(f"unknown fault preset {name!r}; use one of {', '.join(presets)}")
        return presets[name]()


class RateLimit(BaseModel):
    model_config = _Frozen

    rate: Annotated[float, Field(gt=0)]  # requests per simulated second
    burst: Annotated[int, Field(ge=1)]


# Amazon's default usage plans (spapi.md §2.1, §5.1, §6.1), by operationId.
DEFAULT_RATE_LIMITS: dict[str, RateLimit] = {
    "createReport": RateLimit(rate=0.0167, burst=15),
    "getReport": RateLimit(rate=2.0, burst=15),
    "getReports": RateLimit(rate=0.0222, burst=10),
    "cancelReport": RateLimit(rate=0.0222, burst=10),
    "getReportDocument": RateLimit(rate=0.0167, burst=15),
    "getCatalogItem": RateLimit(rate=2.0, burst=2),
    "searchCatalogItems": RateLimit(rate=2.0, burst=2),
    "getPurchaseOrders": RateLimit(rate=10.0, burst=10),
    "getPurchaseOrder": RateLimit(rate=10.0, burst=10),
    "getPurchaseOrdersStatus": RateLimit(rate=10.0, burst=10),
    "getReportSchedules": RateLimit(rate=0.0222, burst=10),
    "createReportSchedule": RateLimit(rate=0.0222, burst=10),
    "getReportSchedule": RateLimit(rate=0.0222, burst=10),
    "cancelReportSchedule": RateLimit(rate=0.0222, burst=10),
    # Notifications (§4.1): one plan for every operation.
    **{operation: RateLimit(rate=1.0, burst=5) for operation in (
        "createDestination", "getDestinations", "getDestination", "deleteDestination",
        "createSubscription", "getSubscription", "getSubscriptions", "getSubscriptionById", "deleteSubscriptionById",
    )},
}


class NotificationTarget(BaseModel):
    """The SQS queue that REPORT_PROCESSING_FINISHED notifications are sent to."""

    model_config = _Frozen

    queue_url: str
    endpoint_url: str | None = None  # the AWS emulator; None for real AWS
    region: str = "us-east-1"


class CatalogEventTarget(BaseModel):
    """The EventBridge bus that catalog notifications (BRANDED_ITEM_CONTENT_CHANGE, ITEM_PRODUCT_TYPE_CHANGE) are put
    on, as SP-API puts them on a subscribed account's partner event bus."""

    model_config = _Frozen

    event_bus: str  # name or ARN
    source: str = "aws.partner/sellingpartnerapi.amazon.com/123456789012/amzn1.sellerapps.app.sandbox"
    endpoint_url: str | None = None  # the AWS emulator; None for real AWS
    region: str = "us-east-1"


class ProcessingTimes(BaseModel):
    """How long reports wait and run, in simulated seconds (each report varies deterministically +-50%)."""

    model_config = _Frozen

    queue_seconds: Annotated[float, Field(ge=0)] = 20.0
    processing_seconds: Annotated[float, Field(ge=0)] = 90.0


class SandboxSettings(BaseModel):
    """Everything the emulator needs; the defaults make a working sandbox."""

    model_config = _Frozen

    seed: int = 42
    n_asins: Annotated[int, Field(ge=1, le=1000)] = 50
    # First simulated day; None: January 1st three years before the clock's today when the server starts
    # (Amazon's look-back), which stays put for a whole year of restarts.
    history_start: date | None = None
    # Days simulated past the clock's today when the server starts (extended automatically later).
    horizon_days: Annotated[int, Field(ge=7)] = 120
    # The vendor account's marketplaces, all in the one SP-API region this emulator plays (an account of several
    # regions is one emulator per region, sharing Login with Amazon). The first is the one whose purchase orders
    # and catalog notifications are served.
    marketplace_ids: Annotated[tuple[str, ...], Field(min_length=1)] = ("ATVPDKIKX0DER",)
    account_id: Annotated[str, Field(pattern=r"^amzn1\.vg\.\d+$")] = "amzn1.vg.1234567"
    application_id: str = "amzn1.sellerapps.app.00000000-aaaa-bbbb-cccc-000000000000"
    subscription_id: str = "7d2b8a1e-5c0f-4c3e-9d7e-1e2f3a4b5c6d"
    lwa_client_id: str = "amzn1.application-oa2-client.sandbox"
    lwa_client_secret: str = "amzn1.oa2-cs.v1.sandbox-secret"
    refresh_token: str = "Atzr|sandbox-refresh-token"
    faults: FaultSettings = Field(default_factory=FaultSettings)
    notifications: NotificationTarget | None = None
    # Mean days between two content changes of one ASIN's detail page.
    catalog_change_days: Annotated[float, Field(gt=0)] = 160.0
    # Pages keep the content they were listed with until this day, then change as above (None: from the listing).
    # The demo starts its catalog watch months after the pipeline's deployment and wants the changes to come then.
    catalog_changes_from: date | None = None
    # Catalog notifications go nowhere unless a bus is given (Amazon sends them only to subscribed accounts).
    catalog_events: CatalogEventTarget | None = None
    processing: ProcessingTimes = Field(default_factory=ProcessingTimes)
    rate_limits: dict[str, RateLimit] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    # Pre-signed document URLs expire after this many simulated seconds, as Amazon's do.
    document_url_ttl_seconds: Annotated[float, Field(gt=0)] = 300.0
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 0

    @field_validator("marketplace_ids")
    @classmethod
    def _one_region(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        regions = {marketplace(m).region for m in ids}
        if len(regions) > 1:
            raise ValueError(f"marketplaces {', '.join(ids)} span the SP-API regions {', '.join(sorted(regions))}; "
                             "one emulator plays one regional endpoint: run one per region")
        if len(set(ids)) != len(ids):
            raise ValueError("marketplace ids must not repeat")
        return ids

    @property
    def region(self) -> str:
        return marketplace(self.marketplace_ids[0]).region

    @property
    def marketplace_id(self) -> str:
        """The first marketplace (purchase orders, catalog notifications)."""
        return self.marketplace_ids[0]

    def seed_of(self, marketplace_id: str) -> int:
        """Each marketplace its own simulated history (the first keeps `seed`)."""
        return self.seed + 7919 * self.marketplace_ids.index(marketplace_id)
