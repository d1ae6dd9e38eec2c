"""Reports API 2021-06-30 routes of the emulator (reports, report schedules, documents), and the pre-signed
document downloads behind getReportDocument (raw gzip bytes, URLs that expire after five simulated minutes,
optional truncation)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from vendorcast.clock import Clock
from vendorcast.sandbox.faults import FaultInjector
from vendorcast.sandbox.report_schedules import ReportSchedules
from vendorcast.sandbox.report_store import DONE, ReportStore
from vendorcast.sandbox.wire import ApiError, invalid_input, json_response

DOCUMENT_ROUTE = "/_documents"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


class ReportsApi:
    """Handlers of the Reports operations and of the document download URLs they hand out."""

    def __init__(
        self,
        store: ReportStore,
        clock: Clock,
        faults: FaultInjector,
        base_url: Callable[[], str],
        url_ttl_seconds: float,
    ) -> None:
        self._store = store
        self.schedules = ReportSchedules(clock, store.create)
        self._clock = clock
        self._faults = faults
        self._base_url = base_url
        self._ttl = url_ttl_seconds
        self._signing_key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._downloaded: set[str] = set()

    def routes(self) -> list[tuple[str, str, str, Callable[..., Response]]]:
        """(rule, method, operationId, handler); the handler gets the request and the rule's arguments."""
        base = "/reports/2021-06-30"
        return [
            (f"{base}/reports", "POST", "createReport", self.create_report),
            (f"{base}/reports", "GET", "getReports", self.get_reports),
            (f"{base}/reports/<report_id>", "GET", "getReport", self.get_report),
            (f"{base}/reports/<report_id>", "DELETE", "cancelReport", self.cancel_report),
            (f"{base}/schedules", "GET", "getReportSchedules", self.get_report_schedules),
            (f"{base}/schedules", "POST", "createReportSchedule", self.create_report_schedule),
            (f"{base}/schedules/<schedule_id>", "GET", "getReportSchedule", self.get_report_schedule),
            (f"{base}/schedules/<schedule_id>", "DELETE", "cancelReportSchedule", self.cancel_report_schedule),
            (f"{base}/documents/<path:document_id>", "GET", "getReportDocument", self.get_report_document),
        ]

    def create_report(self, request: Request) -> Response:
        return json_response({"reportId": self._store.create(_json_body(request))}, status=202)

    def get_reports(self, request: Request) -> Response:
        return json_response(self._store.reports(request.args))

    def get_report(self, request: Request, report_id: str) -> Response:
        return json_response(self._store.report(report_id))

    def cancel_report(self, request: Request, report_id: str) -> Response:
        self._store.cancel(report_id)
        return Response(b"", status=200, content_type="application/json")

    def get_report_schedules(self, request: Request) -> Response:
        return json_response(self.schedules.schedules(request.args))

    def create_report_schedule(self, request: Request) -> Response:
        return json_response({"reportScheduleId": self.schedules.create(_json_body(request))}, status=201)

    def get_report_schedule(self, request: Request, schedule_id: str) -> Response:
        return json_response(self.schedules.schedule(schedule_id))

    def cancel_report_schedule(self, request: Request, schedule_id: str) -> Response:
        self.schedules.cancel(schedule_id)
        return Response(b"", status=200, content_type="application/json")

    def get_report_document(self, request: Request, document_id: str) -> Response:
        self._store.document(document_id)
        encoding = request.args.get("enableContentEncodingUrlHeader", "false").lower() == "true"
        issued = self._clock.now().strftime(_AMZ_DATE)
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": issued,
            "X-Amz-Expires": str(int(self._ttl)),
        }
        if encoding:
            query["response-content-encoding"] = "gzip"
        query["X-Amz-Signature"] = self._sign(document_id, query)
        url = f"{self._base_url()}{DOCUMENT_ROUTE}/{document_id}?{urlencode(query)}"
        return json_response({"reportDocumentId": document_id, "url": url, "compressionAlgorithm": "GZIP"})

    def _sign(self, document_id: str, query: dict[str, str]) -> str:
        message = "|".join(
            [document_id, *(f"{k}={query[k]}" for k in sorted(query) if k != "X-Amz-Signature")]
        )
        return hmac.new(self._signing_key, message.encode(), hashlib.sha256).hexdigest()

    def download(self, request: Request, document_id: str) -> Response:
        """The pre-signed URL: no SP-API auth, S3-style XML errors, raw gzip bytes."""
        query = {k: request.args[k] for k in request.args}
        signature = query.get("X-Amz-Signature", "")
        if not hmac.compare_digest(signature, self._sign(document_id, query)):
            return _s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        issued = datetime.strptime(query["X-Amz-Date"], _AMZ_DATE).replace(tzinfo=UTC)
        if self._clock.now() > issued + timedelta(seconds=int(query["X-Amz-Expires"])):
            return _s3_error(403, "AccessDenied", "Request has expired")
        try:
            stored = self._store.document(document_id)
        except ApiError:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        content = stored.content
        with self._lock:
            first_download = document_id not in self._downloaded
            self._downloaded.add(document_id)
        if first_download and stored.final_status == DONE and self._faults.take_truncation():
            # A connection cut mid-transfer: the gzip stream ends before its end marker.
            content = content[: max(1, int(len(content) * 0.6))]
            self._store.record_fault(stored.report_id, "truncated_download")
        headers: dict[str, Any] = {}
        if query.get("response-content-encoding") == "gzip":
            headers["Content-Encoding"] = "gzip"
        return Response(content, status=200, content_type="application/octet-stream", headers=headers)


def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.get_data(as_text=True) or "null")
    except json.JSONDecodeError:
        raise invalid_input("The request body is not valid JSON") from None


def _s3_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{secrets.token_hex(8).upper()}"
        "</RequestId></Error>"
    )
    return Response(body, status=status, content_type="application/xml")
