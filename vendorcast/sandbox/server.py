"""The SP-API emulator's HTTP server on 127.0.0.1: Login with Amazon, Reports, Catalog Items, Vendor Orders and
Notifications routes behind Amazon's token check (the right grant for each operation), media type check, usage plans
and injected faults, plus a background thread that creates scheduled reports, moves reports through their states in
simulated time and delivers their notifications."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from vendorcast.clock import Clock, ScaledClock, SystemClock
from vendorcast.sandbox.api_catalog import CatalogApi
from vendorcast.sandbox.api_notifications import GRANTLESS_OPERATIONS, NotificationsApi
from vendorcast.sandbox.api_reports import DOCUMENT_ROUTE, ReportsApi
from vendorcast.sandbox.api_vendor_orders import VendorOrdersApi
from vendorcast.sandbox.catalog import SimulatedCatalog
from vendorcast.sandbox.catalog_events import CatalogEventDispatcher, CatalogEventRecord
from vendorcast.sandbox.faults import Fault, FaultInjector
from vendorcast.sandbox.lwa import NOTIFICATIONS_SCOPE, SELLING_PARTNER, LoginWithAmazon
from vendorcast.sandbox.notifications import NotificationDispatcher, NotificationRecord
from vendorcast.sandbox.report_store import ReportStore, ServedReport
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.sandbox.simulation import SimulationHolder
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.throttling import OperationStats, RateLimiter
from vendorcast.sandbox.wire import QUOTA_EXCEEDED, UNAUTHORIZED, ApiError, json_response, server_error

log = logging.getLogger(__name__)

LWA_TOKEN_PATH = "/auth/o2/token"
REQUEST_ID_HEADER = "x-amzn-RequestId"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
ACCESS_TOKEN_HEADER = "x-amz-access-token"
JSON_MEDIA_TYPE = "application/json"
BODY_METHODS = ("POST", "PUT", "PATCH")
# Real seconds between two passes of the background thread (reports advance, notifications go out).
TICK_SECONDS = 0.05
_LWA, _DOWNLOAD = "lwa", "download"


class _QuietRequestHandler(WSGIRequestHandler):
    """Access lines at debug level: a pipeline run makes thousands of calls."""

    def log(self, type: str, message: str, *args: object) -> None:
        log.log(
            logging.ERROR if type == "error" else logging.DEBUG,
            "%s - " + message,
            self.address_string(),
            *args,
        )


class SandboxServer:
    """`with SandboxServer(settings, clock) as server:` serves on `server.base_url` until the block ends."""

    def __init__(self, settings: SandboxSettings, clock: Clock, lwa: LoginWithAmazon | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self._faults = FaultInjector(settings.faults, settings.seed)
        # Amazon's usage plans are counted per regional endpoint: each emulator (one per region) has its buckets.
        self._limiter = RateLimiter(clock, settings.rate_limits)
        # Login with Amazon is one service for every region (spapi.md §1.1): emulators of several regions share one.
        self._lwa = lwa or LoginWithAmazon(settings)
        self._simulation = SimulationHolder(settings)
        self._store = ReportStore(
            settings, clock, self._simulation.simulator, self._faults, on_finished=self._report_finished
        )
        self._notifier = NotificationDispatcher(
            settings, clock, self._faults, record_fault=self._store.record_fault
        )
        self._catalog_events = CatalogEventDispatcher(
            settings, clock, lambda day: self._simulation.covering(day).catalog
        )
        self._reports_api = ReportsApi(
            self._store, clock, self._faults, lambda: self.base_url, settings.document_url_ttl_seconds
        )
        apis = [
            self._reports_api,
            CatalogApi(self._simulation.covering, clock, settings.marketplace_ids),
            VendorOrdersApi(self._simulation.covering, clock, settings.faults.orders_page_size),
            NotificationsApi(settings.application_id),
        ]
        self._handlers: dict[str, Callable[..., Response]] = {}
        rules = [
            Rule(LWA_TOKEN_PATH, endpoint=_LWA, methods=["POST"]),
            Rule(f"{DOCUMENT_ROUTE}/<path:document_id>", endpoint=_DOWNLOAD, methods=["GET"]),
        ]
        for api in apis:
            for rule, method, operation, handler in api.routes():
                rules.append(Rule(rule, endpoint=operation, methods=[method]))
                self._handlers[operation] = handler
        self._url_map = Map(rules, strict_slashes=False)
        self._http: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Build the simulation, bind a port (0 = any free one) and serve; returns the base URL."""
        if self._http is not None:
            return self.base_url
        self._simulation.covering(self.clock.now().date())
        self._http = make_server(
            self.settings.host,
            self.settings.port,
            self._wsgi,
            threaded=True,
            request_handler=_QuietRequestHandler,
        )
        self._stopping.clear()
        self._threads = [
            threading.Thread(target=self._serve, name="sandbox-http", daemon=True),
            threading.Thread(target=self._background, name="sandbox-clock", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        log.info("SP-API sandbox listening on %s", self.base_url)
        return self.base_url

    def stop(self) -> None:
        if self._http is None:
            return
        self._stopping.set()
        self._http.shutdown()
        for thread in self._threads:
            thread.join(timeout=10)
        self._http.server_close()
        self._http = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return f"http://{self.settings.host}:{self._http.server_port}"

    # ------------------------------------------------------------------ what tests look at
    @property
    def stats(self) -> dict[str, OperationStats]:
        """Per operationId: calls, 429s (bucket and injected), injected 5xx and the deepest burst."""
        return self._limiter.stats()

    @property
    def served_reports(self) -> dict[str, ServedReport]:
        self._store.advance()
        return self._store.served_reports()

    @property
    def notifications(self) -> dict[str, NotificationRecord]:
        """Per reportId: the REPORT_PROCESSING_FINISHED notification and its fate."""
        return self._notifier.records()

    @property
    def catalog(self) -> SimulatedCatalog:
        """The simulated catalog behind getCatalogItem (covering the clock's today)."""
        return self._simulation.covering(self.clock.now().date()).catalog

    @property
    def catalogs(self) -> list[SimulatedCatalog]:
        """Every marketplace's simulated catalog (covering the clock's today)."""
        today = self.clock.now().date()
        return [self._simulation.covering(today, m).catalog for m in self.settings.marketplace_ids]

    @property
    def catalog_events(self) -> list[CatalogEventRecord]:
        """The catalog notifications scheduled so far and their fate."""
        return self._catalog_events.records()

    def deliver_catalog_events(self) -> None:
        """Put the catalog notifications due by the clock's now on the bus at once (the background thread does it
        within a tick anyway); for callers that move a manual clock and want the events before going on."""
        self._catalog_events.deliver_due()

    @property
    def simulator(self) -> VendorSimulator:
        """The simulator behind the first marketplace's data (covering the clock's today)."""
        return self._simulation.simulator(self.clock.now().date())

    def simulator_of(self, marketplace_id: str) -> VendorSimulator:
        """The simulator behind a marketplace's data (covering the clock's today)."""
        return self._simulation.simulator(self.clock.now().date(), marketplace_id)

    @property
    def lwa(self) -> LoginWithAmazon:
        """The token endpoint's registry, for an emulator of another region to share."""
        return self._lwa

    # ------------------------------------------------------------------ background work
    def _serve(self) -> None:
        if self._http is not None:
            # A short poll interval lets stop() return quickly.
            self._http.serve_forever(poll_interval=0.05)

    def _report_finished(self, report: ServedReport, ended: datetime) -> None:
        self._notifier.report_finished(report, ended)

    def _background(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self._reports_api.schedules.create_due()
                self._store.advance()
                self._notifier.deliver_due()
                self._catalog_events.deliver_due()
            except Exception:
                log.exception("the sandbox's background pass failed")

    # ------------------------------------------------------------------ HTTP
    def _wsgi(self, environ: dict, start_response: Callable) -> object:
        request = Request(environ)
        response = self._dispatch(request)
        response.headers[REQUEST_ID_HEADER] = str(uuid.uuid4())
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        # Bound to a fixed name: the Host header is never checked (python-amazon-sp-api sends a cut one).
        adapter = self._url_map.bind("sandbox.local")
        try:
            endpoint, args = adapter.match(request.path, method=request.method)
        except MethodNotAllowed:
            return _error(
                ApiError(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}")
            )
        except NotFound:
            return _error(ApiError(404, "NotFound", "Resource not found", f"No operation at {request.path}"))
        if endpoint == _LWA:
            status, body = self._lwa.exchange(request.form)
            return json_response(body, status)
        if endpoint == _DOWNLOAD:
            return self._reports_api.download(request, **args)
        grant = self._lwa.grant(request.headers.get(ACCESS_TOKEN_HEADER))
        if grant is None:
            return _error(UNAUTHORIZED)
        wrong_grant = _wrong_grant(endpoint, grant)
        if wrong_grant:
            return _error(wrong_grant)
        if request.method in BODY_METHODS and request.mimetype != JSON_MEDIA_TYPE:
            return _error(ApiError(415, "UnsupportedMediaType", "The request's Content-Type is not supported.",
                                   f"Send the body as {JSON_MEDIA_TYPE}, not {request.mimetype or 'no type'}"))
        if not self._limiter.acquire(endpoint):
            return _error(QUOTA_EXCEEDED)
        if self._faults.hits(Fault.THROTTLE):
            self._limiter.record_fault(endpoint, throttle=True)
            return _error(QUOTA_EXCEEDED)
        if self._faults.hits(Fault.SERVER_ERROR):
            self._limiter.record_fault(endpoint, server_error=True)
            return _error(server_error(self._faults.server_error_status()))
        try:
            response = self._handlers[endpoint](request, **args)
        except ApiError as exc:
            response = _error(exc)
        except Exception:
            log.exception("the sandbox failed on %s %s", request.method, request.path)
            response = _error(server_error(500))
        if response.status_code < 500:
            response.headers[RATE_LIMIT_HEADER] = str(self._limiter.limit(endpoint).rate)
        return response


def _error(error: ApiError) -> Response:
    return json_response(error.body(), error.status)


def _wrong_grant(operation: str, grant: str) -> ApiError | None:
    """Amazon's models: a grantless operation takes only a notifications-scope token from client credentials,
    every other operation only a token from the selling partner's refresh token."""
    if operation in GRANTLESS_OPERATIONS:
        if grant == NOTIFICATIONS_SCOPE:
            return None
        needed = (f"{operation} is grantless: use an access token from grant_type=client_credentials with scope "
                  f"{NOTIFICATIONS_SCOPE}")
    else:
        if grant == SELLING_PARTNER:
            return None
        needed = (f"{operation} acts for a selling partner: use an access token from grant_type=refresh_token, "
                  f"not a grantless one ({grant})")
    return ApiError(UNAUTHORIZED.status, UNAUTHORIZED.code, UNAUTHORIZED.message, needed)


def serve(settings: SandboxSettings, scale: float = 1.0, start_at: datetime | None = None) -> None:
    """Run the sandbox until Ctrl-C (what `vendorcast sandbox serve` calls). With `scale` != 1 the simulated
    clock runs that much faster, starting at `start_at` (default: now)."""
    clock: Clock
    if scale == 1.0 and start_at is None:
        clock = SystemClock()
    else:
        clock = ScaledClock.starting_at(start_at or datetime.now(UTC), scale)
    with SandboxServer(settings, clock) as server:
        print(
            f"SP-API sandbox listening on {server.base_url} "
            f"(LWA token URL {server.base_url}{LWA_TOKEN_PATH})",
            flush=True,
        )
        print(f"  client id {settings.lwa_client_id}, refresh token {settings.refresh_token}", flush=True)
        if isinstance(clock, ScaledClock):
            print("  share its clock with the pipeline:", flush=True)
            for key, value in clock.environment().items():
                print(f"  export {key}={value}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopping the SP-API sandbox", flush=True)
