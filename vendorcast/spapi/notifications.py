"""Subscribing the report-events queue to REPORT_PROCESSING_FINISHED (Notifications API v1), idempotently:
an existing destination for the queue and an existing subscription to it are kept, so running it again
changes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sp_api.api import Notifications

from vendorcast.spapi.client import SpApiSession
from vendorcast.spapi.errors import SpApiNotFound

log = logging.getLogger(__name__)

REPORT_PROCESSING_FINISHED = "REPORT_PROCESSING_FINISHED"
REPORT_PAYLOAD_VERSION = "2020-09-04"
DESTINATION_NAME = "vendorcast-report-events"


class SubscriptionConflict(Exception):
    """The vendor account already sends REPORT_PROCESSING_FINISHED somewhere else."""


@dataclass(frozen=True)
class SubscriptionResult:
    destination_id: str
    subscription_id: str
    created_destination: bool
    created_subscription: bool


def subscribe_report_notifications(session: SpApiSession, queue_arn: str) -> SubscriptionResult:
    """Make SP-API deliver this account's REPORT_PROCESSING_FINISHED notifications to `queue_arn`."""
    client = session.client(Notifications)
    destinations = session.call("getDestinations", client.get_destinations).payload or []
    destination = next((d for d in destinations if d.get("resource", {}).get("sqs", {}).get("arn") == queue_arn),
                       None)
    created_destination = destination is None
    if destination is None:
        destination = session.call("createDestination", client.create_destination,
                                   name=DESTINATION_NAME, arn=queue_arn).payload
    destination_id = destination["destinationId"]
    try:
        existing = session.call("getSubscription", client.get_subscription, REPORT_PROCESSING_FINISHED,
                                payloadVersion=REPORT_PAYLOAD_VERSION).payload
    except SpApiNotFound:
        existing = None
    if existing is not None:
        if existing["destinationId"] != destination_id:
            raise SubscriptionConflict(
                f"account {session.account.name!r} already sends {REPORT_PROCESSING_FINISHED} to destination "
                f"{existing['destinationId']} (subscription {existing['subscriptionId']}). If vendorcast should "
                "receive them instead, delete that subscription with SP-API deleteSubscriptionById (DELETE "
                f"/notifications/v1/subscriptions/{REPORT_PROCESSING_FINISHED}/{existing['subscriptionId']}, a "
                "grantless call: an access token from client credentials with scope "
                f"{Notifications.grantless_scope}), then run this again")
        return SubscriptionResult(destination_id, existing["subscriptionId"], created_destination, False)
    subscription = session.call("createSubscription", client.create_subscription, REPORT_PROCESSING_FINISHED,
                                destination_id=destination_id, payload_version=REPORT_PAYLOAD_VERSION).payload
    log.info("subscribed %s to %s for account %s", queue_arn, REPORT_PROCESSING_FINISHED, session.account.name)
    return SubscriptionResult(destination_id, subscription["subscriptionId"], created_destination, True)
