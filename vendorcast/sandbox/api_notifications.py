"""Notifications API v1 routes of the emulator: SQS destinations and subscriptions, with Amazon's `payload`
envelopes and its refusal of a second subscription to the same notification type and payload version.
(Delivery of REPORT_PROCESSING_FINISHED follows the emulator's settings, not these subscriptions.)"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from vendorcast.sandbox.wire import ApiError, invalid_input, json_response, not_found

BASE = "/notifications/v1"
SQS_ARN = re.compile(r"^arn:aws:sqs:\S+:\S+:\S+$")
# Notification types this emulator knows and the payload versions each supports.
PAYLOAD_VERSIONS = {
    "REPORT_PROCESSING_FINISHED": ("2020-09-04",),
    "BRANDED_ITEM_CONTENT_CHANGE": ("1.0",),
    "ITEM_PRODUCT_TYPE_CHANGE": ("1.0",),
}


def _payload(body: Any) -> Response:
    return json_response({"payload": body})


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise invalid_input("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid_input("The request body must be a JSON object")
    return body


class NotificationsApi:
    """Destinations and subscriptions, kept in memory for the life of the emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._destinations: dict[str, dict[str, Any]] = {}
        self._subscriptions: dict[tuple[str, str], dict[str, Any]] = {}

    def routes(self) -> list[tuple[str, str, str, Callable[..., Response]]]:
        return [
            (f"{BASE}/destinations", "POST", "createDestination", self.create_destination),
            (f"{BASE}/destinations", "GET", "getDestinations", self.get_destinations),
            (f"{BASE}/destinations/<destination_id>", "DELETE", "deleteDestination", self.delete_destination),
            (f"{BASE}/subscriptions/<notification_type>", "POST", "createSubscription", self.create_subscription),
            (f"{BASE}/subscriptions/<notification_type>", "GET", "getSubscription", self.get_subscription),
        ]

    def create_destination(self, request: Request) -> Response:
        body = _json_body(request)
        name = body.get("name")
        sqs = (body.get("resourceSpecification") or {}).get("sqs") or {}
        arn = sqs.get("arn")
        if not name or not isinstance(name, str):
            raise invalid_input("name is required")
        if not arn or not SQS_ARN.match(str(arn)):
            raise invalid_input("resourceSpecification.sqs.arn must be an SQS queue ARN")
        with self._lock:
            if any(d["resource"]["sqs"]["arn"] == arn for d in self._destinations.values()):
                raise ApiError(409, "Conflict", "Destination already exists", f"A destination for {arn} exists")
            destination = {"destinationId": str(uuid.uuid4()), "name": name, "resource": {"sqs": {"arn": arn}}}
            self._destinations[destination["destinationId"]] = destination
        return _payload(destination)

    def get_destinations(self, request: Request) -> Response:
        with self._lock:
            return _payload(list(self._destinations.values()))

    def delete_destination(self, request: Request, destination_id: str) -> Response:
        with self._lock:
            if self._destinations.pop(destination_id, None) is None:
                raise not_found(f"No destination {destination_id}")
        return json_response({})

    def _check_type(self, notification_type: str, payload_version: str | None) -> str:
        versions = PAYLOAD_VERSIONS.get(notification_type)
        if versions is None:
            raise invalid_input(f"Unknown notificationType {notification_type}")
        version = payload_version or versions[-1]
        if version not in versions:
            raise invalid_input(f"payloadVersion {version} is not valid for {notification_type}; use {versions[-1]}")
        return version

    def create_subscription(self, request: Request, notification_type: str) -> Response:
        body = _json_body(request)
        version = self._check_type(notification_type, body.get("payloadVersion") or "missing")
        destination_id = body.get("destinationId")
        with self._lock:
            if destination_id not in self._destinations:
                raise invalid_input(f"destinationId {destination_id} does not exist")
            if (notification_type, version) in self._subscriptions:
                raise ApiError(409, "Conflict", "Subscription already exists",
                               f"A {notification_type} subscription with payloadVersion {version} exists")
            subscription = {"subscriptionId": str(uuid.uuid4()), "payloadVersion": version,
                            "destinationId": destination_id}
            self._subscriptions[(notification_type, version)] = subscription
        return _payload(subscription)

    def get_subscription(self, request: Request, notification_type: str) -> Response:
        version = self._check_type(notification_type, request.args.get("payloadVersion"))
        with self._lock:
            subscription = self._subscriptions.get((notification_type, version))
        if subscription is None:
            raise not_found(f"No {notification_type} subscription with payloadVersion {version}")
        return _payload(subscription)
