"""HTTP details shared by the emulator's API handlers: Amazon's error bodies, JSON responses, and parsing of
query parameters the way SP-API reads them (CSV or repeated arrays, ISO 8601 date-times)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response


class ApiError(Exception):
    """An SP-API error answer: HTTP status and one `{code, message, details}` entry."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(f"{message}: {details}" if details else message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message, "details": self.details}]}


def invalid_input(details: str) -> ApiError:
    return ApiError(400, "InvalidInput", "Invalid input", details)


def not_found(details: str) -> ApiError:
    return ApiError(404, "NotFound", "Resource not found", details)


UNAUTHORIZED = ApiError(403, "Unauthorized", "Access to requested resource is denied.", "")
QUOTA_EXCEEDED = ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")


def server_error(status: int) -> ApiError:
    if status == 503:
        return ApiError(503, "ServiceUnavailable", "Service temporarily unavailable. Please retry.", "")
    return ApiError(500, "InternalFailure", "We encountered an internal error. Please try again.", "")


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def timestamp(moment: datetime) -> str:
    """Report times as Amazon prints them (UTC with an explicit offset)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_datetime(name: str, value: str) -> datetime:
    """A `date-time` of Amazon's models: ISO 8601 with a time and a UTC offset (RFC 3339); a bare date or a time
    without its offset is refused rather than guessed."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_input(f"{name} {value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise invalid_input(f"{name} {value!r} has no time zone; send a date-time with its offset, e.g. "
                            f"{moment.replace(tzinfo=UTC).isoformat()}")
    return moment


def list_param(args: MultiDict, name: str) -> list[str]:
    """An array query parameter sent either comma-separated or as repeated keys."""
    return [item.strip() for value in args.getlist(name) for item in value.split(",") if item.strip()]


def int_param(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_input(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise invalid_input(f"{name} must be between {low} and {high}, got {value}")
    return value


def encode_token(state: dict[str, Any]) -> str:
    """Opaque pagination token carrying the query and the offset of the next page."""
    return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode().rstrip("=")


def decode_token(token: str, name: str = "nextToken") -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError):
        raise invalid_input(f"{name} is not valid") from None
    if not isinstance(state, dict):
        raise invalid_input(f"{name} is not valid")
    return state
