"""The embedded runtime: AWS emulator + SP-API emulator + the Lambda handlers in-process, driven the way AWS
drives them. The SQS event source runs in its own thread (as Lambda's poller does) while a scheduler invokes
the scheduled functions on the shared, scaled clock; the forecast workflow runs on the emulator's Step
Functions."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from aws_lambda_powertools.utilities import parameters

from vendorcast import resources as r
from vendorcast.clock import Clock, FastForwardClock, ScaledClock, use_clock
from vendorcast.config import MARKETPLACES, SpApiRegion, VendorcastConfig
from vendorcast.forecasting.start import parse_start_request
from vendorcast.ingestion.context import IngestionContext
from vendorcast.ingestion.ledger import OPEN_STATUSES, LedgerEntry, RequestLedger, RequestStatus
from vendorcast.ingestion.requester import due_requests
from vendorcast.lake.publish import PublishResult, publish_lake_emulated
from vendorcast.local.aws import LocalAws, apply_environment, restore_environment
from vendorcast.local.lambdas import (
    SqsEventSource,
    invoke_handler,
    invoke_scheduled,
    load_handler,
    load_handler_instance,
)
from vendorcast.local.outbox import DeliveredEmail, EmailOutbox
from vendorcast.local.stepfunctions import ExecutionOutcome, Handler, LocalStepFunctions, create_forecast_workflow
from vendorcast.redaction import register_secret
from vendorcast.sandbox.server import LWA_TOKEN_PATH, SandboxServer
from vendorcast.sandbox.settings import CatalogEventTarget, NotificationTarget, SandboxSettings
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.spapi.client import LwaTokenClient

log = logging.getLogger(__name__)

# Locally the scheduled functions run more often than their AWS schedules (re-runs are no-ops), so that
# retries and overdue reports are picked up within a few simulated hours rather than a day.
REQUEST_EVERY = timedelta(hours=1)
POLL_EVERY = timedelta(minutes=15)
# How often (real seconds) run_until_settled reports progress; counting the ledger is not free on the emulator.
PROGRESS_EVERY = 0.5


# Each region's emulator simulates its own vendor history (the NA one keeps the settings' seed).
REGION_SEEDS = {SpApiRegion.NA.value: 0, SpApiRegion.EU.value: 1_000_003, SpApiRegion.FE.value: 2_000_003}


def regional_marketplaces(config: VendorcastConfig) -> dict[str, tuple[str, ...]]:
    """The marketplaces of the config's accounts by SP-API region, in config order."""
    regions: dict[str, list[str]] = {}
    for account in config.accounts:
        listed = regions.setdefault(account.region.value, [])
        listed.extend(m for m in account.marketplace_ids if m not in listed)
    return {region: tuple(ids) for region, ids in regions.items()}


@dataclass(frozen=True)
class CatalogWatchRun:
    """One catalog watch, as the local runtime ran it: catalog_watch's reply, the catalog-items messages handled,
    and the e-mails delivered to the outbox meanwhile."""

    summary: dict[str, Any]
    messages: int
    emails: list[DeliveredEmail]


@dataclass
class Progress:
    """What a progress display needs: ledger entries by status, events processed, time."""

    by_status: dict[str, int] = field(default_factory=dict)
    events: int = 0
    sim_now: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def finished(self) -> int:
        return sum(n for s, n in self.by_status.items() if s in ("LANDED", "NO_DATA", "FAILED"))


class LocalPipeline:
    """`with LocalPipeline(config, sandbox_settings, clock) as pipeline: pipeline.run_until_settled()`.

    `clock` is the shared scaled clock, or a ManualClock (vendorcast.sandbox.manual_clock) that moves only when
    the caller advances it or a wait (pacing, backoff) sleeps on it. E-mails go to `outbox` (default: a new
    temporary folder)."""

    def __init__(self, config: VendorcastConfig, sandbox: SandboxSettings, clock: Clock,
                 outbox: Path | None = None, forecast_handlers: Mapping[str, Handler] | None = None) -> None:
        self.config = config
        self.clock = clock
        self.sandbox_settings = sandbox
        self.outbox_dir = outbox
        self.aws: LocalAws | None = None
        # One SP-API emulator per region of the config's accounts, as Amazon has one endpoint per region; `sandbox`
        # is the first (the one region of most configs).
        self.sandboxes: dict[str, SandboxServer] = {}
        self.sandbox: SandboxServer | None = None
        self._previous_env: dict[str, str | None] = {}
        self._events_thread: threading.Thread | None = None
        self._stop_events = threading.Event()
        self._events_processed = 0
        self._event_errors: list[BaseException] = []
        # The forecast workflow's task handlers by function (default: lambdas/forecast_*/handler.py).
        self._forecast_handlers = forecast_handlers
        self._step_functions: LocalStepFunctions | None = None
        self._forecast_machine = ""
        self._ledger: RequestLedger | None = None
        self._planner: IngestionContext | None = None  # what _nothing_due plans with, made once the emulators run

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalPipeline:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.aws = LocalAws.start()
        self._previous_env = apply_environment(self.aws.environment())
        secrets = {account.secret_name: {
            "refresh_token": self.sandbox_settings.refresh_token,
            "lwa_app_id": self.sandbox_settings.lwa_client_id,
            "lwa_client_secret": self.sandbox_settings.lwa_client_secret,
        } for account in self.config.accounts}
        # Creating the secrets logs their values at DEBUG (botocore): redact them from the start.
        register_secret(self.sandbox_settings.refresh_token)
        register_secret(self.sandbox_settings.lwa_client_secret)
        self.aws.create_resources(self.config, secrets)
        update: dict[str, Any] = {"notifications": NotificationTarget(
            queue_url=self.aws.queue_url, endpoint_url=self.aws.endpoint_url)}
        if self.config.alerts.catalog.partner_event_source:
            # Subscribed to the catalog notifications: they arrive on the (local) partner bus, as the stack routes.
            update["catalog_events"] = CatalogEventTarget(
                event_bus=self.aws.partner_event_bus, source=self.config.alerts.catalog.partner_event_source,
                endpoint_url=self.aws.endpoint_url)
        regions = regional_marketplaces(self.config)
        if self.sandbox_settings.region in regions:
            # The settings' own region serves the settings' marketplaces (default: the US only), so that a configured
            # marketplace the vendor does not sell in fails as on Amazon (WRONG_MARKETPLACE); other regions serve
            # the marketplaces their accounts name.
            regions[self.sandbox_settings.region] = self.sandbox_settings.marketplace_ids
        for region, marketplace_ids in regions.items():
            # Each region's vendor: its own simulated history and its own Amazon account id (a vendor group per region).
            offset = REGION_SEEDS[region]
            account_id = f"amzn1.vg.{int(self.sandbox_settings.account_id.rsplit('.', 1)[1]) + offset}"
            settings = self.sandbox_settings.model_copy(update={
                **update, "marketplace_ids": marketplace_ids, "seed": self.sandbox_settings.seed + offset,
                "account_id": account_id})
            # Login with Amazon is one service for every region: the first emulator's, shared.
            self.sandboxes[region] = SandboxServer(settings, self.clock, lwa=self.sandbox.lwa if self.sandbox else None)
            self.sandbox = self.sandbox or self.sandboxes[region]
            self.sandboxes[region].start()
        self._previous_env.update(apply_environment({
            **self.aws.function_environment(),
            **self.aws.forecast_function_environment(),
            **(self.clock.environment() if isinstance(self.clock, ScaledClock) else {}),
            **{f"{r.ENV_SPAPI_ENDPOINT}_{region}": server.base_url for region, server in self.sandboxes.items()},
            r.ENV_LWA_TOKEN_URL: f"{self.sandbox.base_url}{LWA_TOKEN_PATH}",
        }))
        use_clock(self.clock)
        # Caches that outlive a run in this process (secrets, access tokens) belong to the previous one.
        parameters.clear_caches()
        LwaTokenClient.forget_tokens()
        self._request_reports = load_handler("request_reports")
        self._poll_reports = load_handler("poll_reports")
        process_reports = load_handler("process_reports")
        self._event_source = SqsEventSource(self.aws.client("sqs"), self.aws.queue_url, process_reports,
                                            "process_reports")
        self._catalog_watch = load_handler("catalog_watch")
        self._purchase_orders = load_handler(r.PURCHASE_ORDERS_FUNCTION)
        # Lambda's SQS poller runs up to the mapping's maximum concurrency of execution environments.
        self._catalog_sources = [
            SqsEventSource(self.aws.client("sqs"), self.aws.catalog_queue_url,
                           load_handler_instance("catalog_item", instance), "catalog_item",
                           batch_size=r.CATALOG_ITEM_BATCH_SIZE)
            for instance in range(r.CATALOG_ITEM_MAX_CONCURRENCY)
        ]
        if self.outbox_dir is None:
            self.outbox_dir = Path(tempfile.mkdtemp(prefix="vendorcast-outbox-"))
        self.outbox = EmailOutbox(self.outbox_dir, self.aws, self.clock)
        self._stop_events.clear()
        self._events_thread = threading.Thread(target=self._consume_events, name="sqs-event-source", daemon=True)
        self._events_thread.start()
        return self

    def stop(self) -> None:
        if self._step_functions:
            self._step_functions.close()
            self._step_functions = None
        self._stop_events.set()
        if self._events_thread:
            self._events_thread.join(timeout=30)
        for server in self.sandboxes.values():
            server.stop()
        self.sandboxes.clear()
        self.sandbox = None
        if self.aws:
            self.aws.stop()
        use_clock(None)
        restore_environment(self._previous_env)
        self._ledger = self._planner = None

    def __enter__(self) -> LocalPipeline:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------------ the functions, as AWS calls them
    def request_reports(self) -> dict[str, Any]:
        return invoke_scheduled(self._request_reports, "request_reports", self.clock.now())

    def pull_purchase_orders(self) -> list[dict[str, Any]]:
        """One run of each enabled account's purchase_orders schedule (the rule's input: the account's name)."""
        return [
            invoke_handler(self._purchase_orders, r.PURCHASE_ORDERS_FUNCTION,
                           {r.PURCHASE_ORDERS_EVENT_ACCOUNT: account.name})
            for account in self.config.accounts if account.pulls_purchase_orders
        ]

    def poll_reports(self) -> dict[str, Any]:
        return invoke_scheduled(self._poll_reports, "poll_reports", self.clock.now())

    def stop_event_source(self) -> None:
        """Stop the background SQS poller (tests then call `process_events` themselves)."""
        self._stop_events.set()
        if self._events_thread:
            self._events_thread.join(timeout=30)
            self._events_thread = None

    @property
    def event_source(self) -> SqsEventSource:
        return self._event_source

    def process_events(self, wait_seconds: int = 0) -> int:
        """One receive + invoke of process_reports, as Lambda's SQS poller does; returns messages received."""
        return self._event_source.poll_once(wait_seconds)

    def _consume_events(self) -> None:
        while not self._stop_events.is_set():
            try:
                # Long polling, as Lambda's poller does: the emulator answers as soon as a message arrives, and
                # an idle queue costs one request a second instead of twenty.
                received = self._event_source.poll_once(wait_seconds=1)
            except Exception as exc:  # the handler reports per-record failures; this is the runtime breaking
                log.exception("the SQS event source failed")
                self._event_errors.append(exc)
                self._stop_events.wait(0.05)
                continue
            self._events_processed += received

    # ------------------------------------------------------------------ state
    @property
    def ledger(self) -> RequestLedger:
        """The ledger, read by the thread driving the pipeline (a boto3 resource is not shared across threads)."""
        assert self.aws is not None
        if self._ledger is None:
            self._ledger = RequestLedger(r.LEDGER_TABLE, self.aws.resource("dynamodb"))
        return self._ledger

    def queue_depth(self, queue_url: str | None = None) -> int:
        """Messages waiting, in flight or delayed. moto counts the three one after another, so a message whose
        visibility timeout ends between two counts is in neither; it ends only once, so a second read of an empty
        queue counts it."""
        assert self.aws is not None
        sqs = self.aws.client("sqs")

        def depth() -> int:
            attributes = sqs.get_queue_attributes(
                QueueUrl=queue_url or self.aws.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                "ApproximateNumberOfMessagesDelayed"],
            )["Attributes"]
            return sum(int(v) for v in attributes.values())

        return depth() or depth()

    def progress(self) -> Progress:
        return Progress(self.ledger.count_by_status(), self._events_processed, self.clock.now())

    def entries(self) -> list[LedgerEntry]:
        return self.ledger.all_entries()

    # ------------------------------------------------------------------ the catalog watch
    def run_catalog_watch(self, timeout: float = 600.0) -> CatalogWatchRun:
        """One scheduled catalog_watch, its chunks handled by catalog_item until the queue is empty, and the
        e-mails published meanwhile delivered to the outbox."""
        summary = invoke_scheduled(self._catalog_watch, "catalog_watch", self.clock.now())
        messages = self.process_catalog_items(timeout)
        return CatalogWatchRun(summary, messages, self.deliver_emails())

    def deliver_catalog_events(self) -> None:
        """Have the SP-API emulators put the catalog notifications due by now on the partner bus (its rule forwards
        them to the catalog-items queue at once)."""
        for server in self.sandboxes.values():
            server.deliver_catalog_events()

    def simulator_of(self, marketplace_id: str) -> VendorSimulator:
        """The simulated history behind a marketplace's reports (its region's emulator)."""
        region = MARKETPLACES[marketplace_id][1].value
        return self.sandboxes[region].simulator_of(marketplace_id)

    def process_catalog_items(self, timeout: float = 600.0) -> int:
        """Run catalog_item on the catalog-items queue until it is empty (messages in flight or waiting for their
        visibility timeout included), in as many concurrent environments as the event source mapping allows;
        returns the messages received."""
        assert self.aws is not None
        deadline = time.monotonic() + timeout
        received = [0] * len(self._catalog_sources)
        failures: list[BaseException] = []

        def consume(index: int) -> None:
            source = self._catalog_sources[index]
            try:
                while time.monotonic() < deadline:
                    count = source.poll_once(wait_seconds=0)
                    received[index] += count
                    if not count:
                        if self.queue_depth(self.aws.catalog_queue_url) == 0:
                            return
                        time.sleep(0.05)
            except BaseException as exc:  # the runtime itself failed: report it to the caller
                failures.append(exc)

        threads = [threading.Thread(target=consume, args=(i,), name=f"catalog-item-{i}", daemon=True)
                   for i in range(len(self._catalog_sources))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()) + 5)
        if failures:
            raise RuntimeError("the catalog-items event source failed") from failures[0]
        if self.queue_depth(self.aws.catalog_queue_url):
            raise TimeoutError(f"the catalog-items queue was not drained in {timeout:.0f} s")
        return sum(received)

    def deliver_emails(self) -> list[DeliveredEmail]:
        """SNS e-mail, locally: what was published to the topics since the last call, as .eml files in the
        outbox."""
        return self.outbox.deliver()

    # ------------------------------------------------------------------ the lake
    def publish_lake(self, full_refresh: bool = False) -> PublishResult:
        """The publishing job's work on the emulator (DuckDB instead of Glue's Spark): raw/ into curated/ and
        the emulator's Glue Data Catalog."""
        assert self.aws is not None
        return publish_lake_emulated(self.aws.endpoint_url, self.aws.client("glue"), full_refresh)

    # ------------------------------------------------------------------ the forecast workflow
    def run_forecast(self, request: Mapping[str, object], timeout: float = 1800.0) -> ExecutionOutcome:
        """One forecast run as the scheduled starter starts it on AWS: `{"trigger": "scheduled"}` (the week's
        run, named weekly-<origin>) or a manual request (origin, horizon, name). stepfunctions/forecast.asl.json
        runs on the emulator's Step Functions; its summary or failure goes to the alert topic."""
        assert self.aws is not None
        if self._step_functions is None:
            handlers = self._forecast_handlers or {function: load_handler(function).handler
                                                   for function in r.FORECAST_FUNCTION_PLACEHOLDERS}
            self._step_functions = LocalStepFunctions(self.aws).start()
            self._forecast_machine = create_forecast_workflow(self._step_functions, handlers,
                                                              self.aws.alert_topic_arn)
        start = parse_start_request(request)
        now = self.clock.now()
        return self._step_functions.run(self._forecast_machine, start.execution_name(now),
                                        start.execution_input(now), timeout)

    # ------------------------------------------------------------------ running
    def run_until_settled(self, timeout: float = 600.0, on_progress: Callable[[Progress], None] | None = None,
                          ) -> Progress:
        """Run the schedules until every planned window is terminal, nothing more is due, and the queue is
        empty; raise TimeoutError after `timeout` real seconds."""
        deadline = time.monotonic() + timeout
        next_request = next_poll = self.clock.now()
        shown = float("-inf")
        while True:
            if self._event_errors:
                raise RuntimeError("the SQS event source failed") from self._event_errors[0]
            now = self.clock.now()
            requested_now = False
            if now >= next_request:
                summary = self.request_reports()
                requested_now = bool(summary["requested"] or summary["retried"] or summary["deferred"])
                next_request = self.clock.now() + REQUEST_EVERY
            if now >= next_poll:
                self.poll_reports()
                next_poll = self.clock.now() + POLL_EVERY
            if on_progress and time.monotonic() >= shown + PROGRESS_EVERY:
                on_progress(self.progress())
                shown = time.monotonic()
            # No message waits or is being handled (and none was just requested).
            quiet = not requested_now and self.queue_depth() == 0
            open_entries = self.ledger.count_by_status(OPEN_STATUSES) if quiet else {}
            if quiet and not open_entries and self._nothing_due():
                progress = self.progress()
                if on_progress:
                    on_progress(progress)
                return progress
            if time.monotonic() > deadline:
                raise TimeoutError(f"the local pipeline did not settle in {timeout:.0f} s: "
                                   f"{self.progress().by_status}")
            if quiet and isinstance(self.clock, FastForwardClock):
                # On AWS the pipeline now sits idle until its next schedule (Amazon's report processing goes on
                # meanwhile). A clock that can jump goes there at once.
                if not open_entries.get(RequestStatus.REQUESTED.value):
                    # Nothing is with Amazon, so no notification can come and the polls find nothing: the next
                    # request run (retries due, new windows) is the next thing to happen.
                    self.clock.advance_to(next_request)
                    continue
                self.clock.advance_to(min(next_request, next_poll))
            time.sleep(0.2)

    def _nothing_due(self) -> bool:
        if self._planner is None:
            self._planner = IngestionContext.from_environment()
        return not due_requests(self._planner, self.clock.now())
