"""Reports API 2021-06-30 for the pipeline: create a report for a window, read its status, and download its
document as served (gzip bytes, kept for the landing zone) with a check that the stream was complete."""

from __future__ import annotations

import functools
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field
from sp_api.api import Reports

from vendorcast.reports.windows import ReportWindow
from vendorcast.spapi.client import SpApiSession, tls_context
from vendorcast.spapi.errors import SpApiServerError

log = logging.getLogger(__name__)

TERMINAL_STATUSES = frozenset({"DONE", "FATAL", "CANCELLED"})


class TruncatedDocument(Exception):
    """The document download ended before the end of its gzip stream."""


class ReportStatus(BaseModel):
    """getReport's `Report`, typed at the edge."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    report_id: str = Field(alias="reportId")
    report_type: str = Field(alias="reportType")
    processing_status: str = Field(alias="processingStatus")
    report_document_id: str | None = Field(default=None, alias="reportDocumentId")
    created_time: datetime | None = Field(default=None, alias="createdTime")
    processing_end_time: datetime | None = Field(default=None, alias="processingEndTime")

    @property
    def finished(self) -> bool:
        return self.processing_status in TERMINAL_STATUSES


@dataclass(frozen=True)
class ReportDocument:
    document_id: str
    served: bytes  # the bytes exactly as the document URL served them
    content: bytes  # the decompressed JSON
    compressed: bool


def inflate_complete(data: bytes) -> bytes:
    """Decompress gzip/zlib bytes, refusing a stream that ends before its end marker."""
    inflater = zlib.decompressobj(wbits=47)
    try:
        content = inflater.decompress(data) + inflater.flush()
    except zlib.error as exc:
        raise TruncatedDocument(f"corrupt gzip stream: {exc}") from None
    if not inflater.eof:
        raise TruncatedDocument(f"gzip stream ended early after {len(data)} bytes")
    return content


@functools.cache
def _download_http() -> httpx.Client:
    """One pool for document downloads (pre-signed URLs on Amazon's S3), reused by every download of the process."""
    return httpx.Client(timeout=60.0, verify=tls_context())


class ReportsApi:
    """The Reports operations the ingestion needs, paced and retried by the session."""

    def __init__(self, session: SpApiSession, download_attempts: int = 3) -> None:
        self.session = session
        self.download_attempts = download_attempts
        self._client: Reports | None = None

    @property
    def client(self) -> Reports:
        if self._client is None:
            self._client = self.session.client(Reports)
        return self._client

    def create_report(self, window: ReportWindow) -> str:
        body: dict[str, Any] = {
            "reportType": window.report_type.value,
            "marketplaceIds": [self.session.marketplace_id],
        }
        if window.options:
            body["reportOptions"] = window.options
        if window.period is not None:
            body["dataStartTime"] = window.data_start_time().isoformat()
            body["dataEndTime"] = window.data_end_time().isoformat()
        response = self.session.call("createReport", self.client.create_report, **body)
        return str(response.payload["reportId"])

    def get_report(self, report_id: str) -> ReportStatus:
        response = self.session.call("getReport", self.client.get_report, report_id)
        return ReportStatus.model_validate(response.payload)

    def download_document(self, document_id: str) -> ReportDocument:
        """Fetch a document; a truncated stream is downloaded again (with a fresh URL), a bounded number
        of times."""
        last: Exception | None = None
        for attempt in range(1, self.download_attempts + 1):
            meta = self.session.call("getReportDocument", self.client.get_report_document, document_id).payload
            compressed = bool(meta.get("compressionAlgorithm"))
            try:
                served = self._fetch(meta["url"])
                content = inflate_complete(served) if compressed else served
                return ReportDocument(document_id, served, content, compressed)
            except (TruncatedDocument, SpApiServerError) as exc:
                last = exc
                log.warning("report document %s download %d failed: %s", document_id, attempt, exc)
        raise TruncatedDocument(
            f"report document {document_id} could not be downloaded whole in {self.download_attempts} "
            f"attempts: {last}"
        )

    def _fetch(self, url: str) -> bytes:
        # Pre-signed URL: no SP-API headers; raw bytes, since the library's download decodes to text.
        try:
            response = _download_http().get(url)
        except httpx.TransportError as exc:
            raise SpApiServerError("downloadReportDocument", None, type(exc).__name__, str(exc)) from None
        if response.status_code != 200:
            raise SpApiServerError("downloadReportDocument", response.status_code, "DownloadFailed",
                                   response.text[:200])
        return response.content
