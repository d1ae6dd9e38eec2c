"""Why a report failed: Amazon's FATAL reason documents ({"errorDetails": "..."}) turned into a typed
decision — request again later, or give up and tell an operator."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum


class FailureKind(StrEnum):
    NOT_YET_AVAILABLE = "NOT_YET_AVAILABLE"  # retry later
    INVALID_OPTIONS = "INVALID_OPTIONS"  # terminal: the report options are wrong
    INVALID_DATES = "INVALID_DATES"  # terminal: misaligned or out-of-range window
    WRONG_MARKETPLACE = "WRONG_MARKETPLACE"  # terminal
    ACCESS_DENIED = "ACCESS_DENIED"  # terminal: the app lacks the role for this report
    UNKNOWN = "UNKNOWN"  # retried a bounded number of times, then terminal

    @property
    def retryable(self) -> bool:
        return self in (FailureKind.NOT_YET_AVAILABLE, FailureKind.UNKNOWN)


# Order matters: the first pattern that matches decides.
_PATTERNS: list[tuple[FailureKind, re.Pattern[str]]] = [
    (FailureKind.NOT_YET_AVAILABLE, re.compile(
        r"not (yet )?available|no data (is )?available|not yet been (generated|processed)|try again later|"
        r"still being processed", re.I)),
    (FailureKind.ACCESS_DENIED, re.compile(r"access|role|not authori[sz]ed|permission|forbidden", re.I)),
    (FailureKind.WRONG_MARKETPLACE, re.compile(r"marketplace", re.I)),
    (FailureKind.INVALID_DATES, re.compile(
        r"date|period|sunday|saturday|aligned|first day|last day|look-?back|range|span", re.I)),
    (FailureKind.INVALID_OPTIONS, re.compile(
        r"reportOptions|option|distributorView|sellingProgram|reportPeriod|invalid", re.I)),
]


@dataclass(frozen=True)
class ReportFailure:
    kind: FailureKind
    details: str


def classify_failure(reason_document: bytes | str | None) -> ReportFailure:
    """Classify a FATAL report from its reason document (None when Amazon gave none)."""
    if not reason_document:
        return ReportFailure(FailureKind.UNKNOWN, "Amazon gave no reason document")
    text = reason_document.decode("utf-8", "replace") if isinstance(reason_document, bytes) else reason_document
    try:
        data = json.loads(text)
        details = str(data.get("errorDetails", text)) if isinstance(data, dict) else text
    except ValueError:
        details = text
    details = details.strip()[:1000]
    for kind, pattern in _PATTERNS:
        if pattern.search(details):
            return ReportFailure(kind, details)
    return ReportFailure(FailureKind.UNKNOWN, details)
