"""The SP-API emulator and the seeded vendor simulator behind it: the local stand-in for Amazon."""

from vendorcast.sandbox.documents import build_report_document, expected_by_asin_rows
from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.server import SandboxServer, serve
from vendorcast.sandbox.settings import (
    FaultSettings,
    NotificationTarget,
    ProcessingTimes,
    RateLimit,
    SandboxSettings,
)
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.truth import export_truth

__all__ = [
    "FaultSettings",
    "ManualClock",
    "NotificationTarget",
    "ProcessingTimes",
    "RateLimit",
    "SandboxServer",
    "SandboxSettings",
    "VendorSimulator",
    "build_report_document",
    "expected_by_asin_rows",
    "export_truth",
    "serve",
]
