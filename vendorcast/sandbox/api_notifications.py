"""Notifications API v1 routes of the emulator, as Amazon's model (models/notifications.json) defines them: SQS and
EventBridge destinations, subscriptions by type or by id, `payload` envelopes, the refusal of a second subscription
to the same notification type and payload version, and which operations are grantless. (Delivery of
REPORT_PROCESSING_FINISHED follows the emulator's settings, not these subscriptions.)"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from vendorcast.sandbox.wire import (
    ApiError,
    decode_token,
    encode_token,
    int_param,
    invalid_input,
    json_response,
    list_param,
    not_found,
)

BASE = "/notifications/v1"
SQS_ARN = re.compile(r"^arn:aws:sqs:\S+:\S+:\S+$")
AWS_ACCOUNT_ID = re.compile(r"^\d{12}$")
AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# The EventBridge partner event source Amazon creates for a destination (reference §4.2).
PARTNER_EVENT_SOURCE = "aws.partner/sellingpartnerapi.amazon.com/{account_id}/{application_id}"
# The operations that act on the application rather than a selling partner: they take an access token from
# grant_type=client_credentials (scope sellingpartnerapi::notifications), and only such a token (model, §1.5).
GRANTLESS_OPERATIONS = frozenset({
    "getDestinations", "createDestination", "getDestination", "deleteDestination",
    "getSubscriptionById", "deleteSubscriptionById",
})
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


def _conflict(details: str) -> ApiError:
    return ApiError(409, "Conflict", "Resource already exists", details)


class NotificationsApi:
    """Destinations and subscriptions, kept in memory for the life of the emulator."""

    def __init__(self, application_id: str) -> None:
        self._application_id = application_id
        self._lock = threading.Lock()
        self._destinations: dict[str, dict[str, Any]] = {}
        # subscriptionId -> (notification type, subscription), in creation order.
        self._subscriptions: dict[str, tuple[str, dict[str, Any]]] = {}

    def routes(self) -> list[tuple[str, str, str, Callable[..., Response]]]:
        by_type = f"{BASE}/subscriptions/<notification_type>"
        return [
            (f"{BASE}/destinations", "POST", "createDestination", self.create_destination),
            (f"{BASE}/destinations", "GET", "getDestinations", self.get_destinations),
            (f"{BASE}/destinations/<destination_id>", "GET", "getDestination", self.get_destination),
            (f"{BASE}/destinations/<destination_id>", "DELETE", "deleteDestination", self.delete_destination),
            (f"{BASE}/subscriptions", "GET", "getSubscriptions", self.get_subscriptions),
            (by_type, "POST", "createSubscription", self.create_subscription),
            (by_type, "GET", "getSubscription", self.get_subscription),
            (f"{by_type}/<subscription_id>", "GET", "getSubscriptionById", self.get_subscription_by_id),
            (f"{by_type}/<subscription_id>", "DELETE", "deleteSubscriptionById", self.delete_subscription_by_id),
        ]

    # ------------------------------------------------------------------ destinations
    def create_destination(self, request: Request) -> Response:
        body = _json_body(request)
        name = body.get("name")
        if not name or not isinstance(name, str) or len(name) > 256:
            raise invalid_input("name is required: a string of at most 256 characters")
        specification = body.get("resourceSpecification")
        kinds = sorted(specification) if isinstance(specification, dict) else []
        if kinds not in (["sqs"], ["eventBridge"]):
            raise invalid_input("resourceSpecification must hold exactly one of sqs {arn} or eventBridge "
                                "{region, accountId}")
        resource = self._sqs(specification["sqs"]) if kinds == ["sqs"] else self._event_bridge(
            specification["eventBridge"])
        with self._lock:
            for existing in self._destinations.values():
                if existing["resource"] == resource:
                    raise _conflict(f"Destination {existing['destinationId']} already delivers to {resource}")
                if "eventBridge" in resource and existing["resource"].get("eventBridge", {}).get(
                        "accountId") == resource["eventBridge"]["accountId"]:
                    raise _conflict(f"AWS account {resource['eventBridge']['accountId']} already has an "
                                    f"EventBridge destination: {existing['destinationId']}")
            destination = {"destinationId": str(uuid.uuid4()), "name": name, "resource": resource}
            self._destinations[destination["destinationId"]] = destination
        return _payload(destination)

    @staticmethod
    def _sqs(specification: Any) -> dict[str, Any]:
        arn = specification.get("arn") if isinstance(specification, dict) else None
        if not isinstance(arn, str) or len(arn) > 1000 or not SQS_ARN.match(arn):
            raise invalid_input("resourceSpecification.sqs.arn must be an SQS queue ARN "
                                "(arn:aws:sqs:<region>:<account>:<queue>)")
        return {"sqs": {"arn": arn}}

    def _event_bridge(self, specification: Any) -> dict[str, Any]:
        spec = specification if isinstance(specification, dict) else {}
        region, account_id = spec.get("region"), spec.get("accountId")
        if not isinstance(region, str) or not AWS_REGION.match(region):
            raise invalid_input("resourceSpecification.eventBridge.region must be an AWS region, e.g. us-east-1")
        if not isinstance(account_id, str) or not AWS_ACCOUNT_ID.match(account_id):
            raise invalid_input("resourceSpecification.eventBridge.accountId must be a 12-digit AWS account id")
        source = PARTNER_EVENT_SOURCE.format(account_id=account_id, application_id=self._application_id)
        return {"eventBridge": {"name": source, "region": region, "accountId": account_id}}

    def get_destinations(self, request: Request) -> Response:
        with self._lock:
            return _payload(list(self._destinations.values()))

    def get_destination(self, request: Request, destination_id: str) -> Response:
        with self._lock:
            destination = self._destinations.get(destination_id)
        if destination is None:
            raise not_found(f"No destination {destination_id}")
        return _payload(destination)

    def delete_destination(self, request: Request, destination_id: str) -> Response:
        with self._lock:
            if self._destinations.pop(destination_id, None) is None:
                raise not_found(f"No destination {destination_id}")
        return json_response({})

    # ------------------------------------------------------------------ subscriptions
    @staticmethod
    def _check_type(notification_type: str, payload_version: str | None) -> str:
        versions = PAYLOAD_VERSIONS.get(notification_type)
        if versions is None:
            raise invalid_input(f"Unknown notificationType {notification_type}; known: {', '.join(PAYLOAD_VERSIONS)}")
        version = payload_version or versions[-1]
        if version not in versions:
            raise invalid_input(f"payloadVersion {version} is not valid for {notification_type}; use {versions[-1]}")
        return version

    def create_subscription(self, request: Request, notification_type: str) -> Response:
        body = _json_body(request)
        missing = [name for name in ("payloadVersion", "destinationId") if not body.get(name)]
        if missing:
            raise invalid_input(f"{' and '.join(missing)} required (CreateSubscriptionRequest)")
        version = self._check_type(notification_type, body["payloadVersion"])
        destination_id = body["destinationId"]
        with self._lock:
            if destination_id not in self._destinations:
                raise invalid_input(f"destinationId {destination_id} does not exist")
            if self._find(notification_type, version) is not None:
                raise _conflict(f"A {notification_type} subscription with payloadVersion {version} exists")
            subscription = {"subscriptionId": str(uuid.uuid4()), "payloadVersion": version,
                            "destinationId": destination_id}
            if "processingDirective" in body:
                subscription["processingDirective"] = body["processingDirective"]
            self._subscriptions[subscription["subscriptionId"]] = (notification_type, subscription)
        return _payload(subscription)

    def _find(self, notification_type: str, version: str) -> dict[str, Any] | None:
        return next((s for t, s in self._subscriptions.values()
                     if t == notification_type and s["payloadVersion"] == version), None)

    def get_subscription(self, request: Request, notification_type: str) -> Response:
        version = self._check_type(notification_type, request.args.get("payloadVersion"))
        with self._lock:
            subscription = self._find(notification_type, version)
        if subscription is None:
            raise not_found(f"No {notification_type} subscription with payloadVersion {version}")
        return _payload(subscription)

    def get_subscriptions(self, request: Request) -> Response:
        """All subscriptions of one notification type (of one payload version if given), 30 to 100 a page."""
        token = request.args.get("nextToken")
        query = decode_token(token) if token else self._subscriptions_query(request)
        offset, size = int(query.get("offset", 0)), int(query["page_size"])
        with self._lock:
            matches = [s for t, s in self._subscriptions.values() if t == query["type"]
                       and (query["version"] is None or s["payloadVersion"] == query["version"])]
        payload: dict[str, Any] = {"subscriptions": matches[offset:offset + size]}
        if offset + size < len(matches):
            payload["nextToken"] = encode_token({**query, "offset": offset + size})
        return _payload(payload)

    def _subscriptions_query(self, request: Request) -> dict[str, Any]:
        types = list_param(request.args, "notificationTypes")
        if len(types) != 1:
            raise invalid_input("notificationTypes must name exactly one notification type")
        # Without payloadVersion, every version's subscriptions (the model); the check still refuses unknown types.
        version = request.args.get("payloadVersion")
        self._check_type(types[0], version)
        return {"type": types[0], "version": version,
                "page_size": int_param(request.args, "pageSize", 30, 30, 100), "offset": 0}

    def _by_id(self, notification_type: str, subscription_id: str) -> dict[str, Any]:
        self._check_type(notification_type, None)
        found = self._subscriptions.get(subscription_id)
        if found is None or found[0] != notification_type:
            raise not_found(f"No {notification_type} subscription {subscription_id}")
        return found[1]

    def get_subscription_by_id(self, request: Request, notification_type: str, subscription_id: str) -> Response:
        with self._lock:
            return _payload(self._by_id(notification_type, subscription_id))

    def delete_subscription_by_id(self, request: Request, notification_type: str, subscription_id: str) -> Response:
        with self._lock:
            self._by_id(notification_type, subscription_id)
            del self._subscriptions[subscription_id]
        return json_response({})
