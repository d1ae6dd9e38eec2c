"""FATAL reason documents become a retry-or-give-up decision."""

from __future__ import annotations

import json

import pytest

from vendorcast.reports.failures import FailureKind, classify_failure


@pytest.mark.parametrize("details, kind", [
    ("Data for the requested date range is not yet available. Please try again later.", FailureKind.NOT_YET_AVAILABLE),
    ("Report requires the reportOptions distributorView and sellingProgram", FailureKind.INVALID_OPTIONS),
    ("The dataStartTime must be the first day (Sunday) of a WEEK period", FailureKind.INVALID_DATES),
    ("Marketplace A1PA6795UKMFR9 does not match the vendor account", FailureKind.WRONG_MARKETPLACE),
    ("The application does not have access to this report (missing role)", FailureKind.ACCESS_DENIED),
    ("Something odd happened", FailureKind.UNKNOWN),
])
def test_reason_documents_are_classified(details: str, kind: FailureKind) -> None:
    failure = classify_failure(json.dumps({"errorDetails": details}).encode())
    assert failure.kind is kind
    assert failure.details == details


def test_only_availability_and_unknown_failures_are_retried() -> None:
    assert FailureKind.NOT_YET_AVAILABLE.retryable and FailureKind.UNKNOWN.retryable
    assert not any(k.retryable for k in (FailureKind.INVALID_OPTIONS, FailureKind.INVALID_DATES,
                                         FailureKind.WRONG_MARKETPLACE, FailureKind.ACCESS_DENIED))


def test_missing_or_non_json_reason() -> None:
    assert classify_failure(None).kind is FailureKind.UNKNOWN
    assert classify_failure(b"<html>oops</html>").details == "<html>oops</html>"
