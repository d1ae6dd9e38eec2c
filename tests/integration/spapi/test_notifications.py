"""`subscribe_report_notifications` against the emulator's Notifications API: creates the SQS destination
and the subscription once; a second run changes nothing; a subscription elsewhere is refused clearly."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import httpx
import pytest
from sp_api.api import Notifications

from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.sandbox.server import LWA_TOKEN_PATH, SandboxServer
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.spapi.client import LwaTokenClient, SpApiEndpoints, SpApiSession
from vendorcast.spapi.notifications import SubscriptionConflict, subscribe_report_notifications

pytestmark = pytest.mark.integration

QUEUE = "arn:aws:sqs:us-east-1:111122223333:vendorcast-report-events"


@pytest.fixture
def session():
    settings = SandboxSettings(seed=1, n_asins=3, history_start=date(2026, 1, 1))
    account = parse_config({"accounts": [{"name": "acme-us", "region": "NA", "marketplace_ids": ["ATVPDKIKX0DER"],
                                          "secret_name": "unused", "backfill_start": "2026-06-07"}]}).accounts[0]
    LwaTokenClient.forget_tokens()
    with SandboxServer(settings, ScaledClock.starting_at(datetime(2026, 11, 21, tzinfo=UTC), 600)) as server:
        credentials = {"refresh_token": settings.refresh_token, "lwa_app_id": settings.lwa_client_id,
                       "lwa_client_secret": settings.lwa_client_secret}
        yield server, SpApiSession(account, "ATVPDKIKX0DER", credentials=credentials,
                                   endpoints=SpApiEndpoints(server.base_url, server.base_url + LWA_TOKEN_PATH))


def test_subscribes_once_and_a_second_run_changes_nothing(session) -> None:
    server, spapi = session
    first = subscribe_report_notifications(spapi, QUEUE)
    assert first.created_destination and first.created_subscription
    second = subscribe_report_notifications(spapi, QUEUE)
    assert (second.destination_id, second.subscription_id) == (first.destination_id, first.subscription_id)
    assert not second.created_destination and not second.created_subscription
    assert server.stats["createSubscription"].accepted == 1
    assert server.stats["createDestination"].accepted == 1
    client = spapi.client(Notifications)
    subscription = client.get_subscription("REPORT_PROCESSING_FINISHED", payloadVersion="2020-09-04").payload
    assert subscription["payloadVersion"] == "2020-09-04"
    assert subscription["destinationId"] == first.destination_id


def test_a_subscription_to_another_queue_is_refused_with_what_to_do(session) -> None:
    server, spapi = session
    subscribe_report_notifications(spapi, "arn:aws:sqs:us-east-1:111122223333:someone-elses-queue")
    with pytest.raises(SubscriptionConflict, match=r"already sends REPORT_PROCESSING_FINISHED to destination .*"
                                                   r"deleteSubscriptionById") as refused:
        subscribe_report_notifications(spapi, QUEUE)
    # Doing what the message says, as the emulator holds it to Amazon's model (a grantless token), works.
    path = re.search(r"DELETE (/notifications/v1/subscriptions/\S+),", str(refused.value))[1]
    settings = server.settings
    grantless = httpx.post(server.base_url + LWA_TOKEN_PATH, data={
        "grant_type": "client_credentials", "scope": re.search(r"scope (\S+)\)", str(refused.value))[1],
        "client_id": settings.lwa_client_id, "client_secret": settings.lwa_client_secret}).json()["access_token"]
    assert httpx.delete(server.base_url + path, headers={"x-amz-access-token": grantless}).status_code == 200
    again = subscribe_report_notifications(spapi, QUEUE)
    assert again.created_subscription and not again.created_destination
