"""Vendor Orders over HTTP: every served page validates against Amazon's model, the served lines say what the
truth export says at the same moment, lines change between two reads, and the three routes take part in the
usage plans, the injected faults and nextToken paging."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

import vendorcast.spapi
from vendorcast.sandbox.manual_clock import ManualClock
from vendorcast.sandbox.purchase_orders import RETENTION
from vendorcast.sandbox.settings import FaultSettings, SandboxSettings
from vendorcast.sandbox.simulator import VendorSimulator
from vendorcast.sandbox.truth import purchase_order_items_table

pytestmark = pytest.mark.integration

MODEL = Path(vendorcast.spapi.__file__).parent / "models" / "openapi" / "vendorOrders.json"
NOW = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
ORDERS, STATUS = "/vendor/orders/v1/purchaseOrders", "/vendor/orders/v1/purchaseOrdersStatus"
FAULTS = (429, 500, 503)


def model_errors(definition: str, document: dict) -> tuple[list[str], int]:
    """Errors of `document` against Amazon's `definition`, and how many units of measure differ from the
    model's enum only in case (Amazon's own examples write "CASES"; consumers must accept them)."""
    definitions = json.loads(MODEL.read_text())["definitions"]
    validator = jsonschema.Draft4Validator(
        {"$ref": f"#/definitions/{definition}", "definitions": definitions}, format_checker=jsonschema.FormatChecker()
    )
    errors, case_variants = [], 0
    for error in validator.iter_errors(document):
        if (
            error.validator == "enum"
            and error.path
            and error.path[-1] == "unitOfMeasure"
            and error.instance.lower() in {value.lower() for value in error.validator_value}
        ):
            case_variants += 1
        else:
            errors.append(f"{list(error.path)}: {error.message}")
    return errors, case_variants


class VendorOrdersClient:
    """Plain HTTP to the emulator's Vendor Orders routes; counts the units written in capitals it was served."""

    def __init__(self, server: Any, settings: SandboxSettings, clock: ManualClock) -> None:
        token = httpx.post(
            f"{server.base_url}/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": settings.refresh_token,
                "client_id": settings.lwa_client_id,
                "client_secret": settings.lwa_client_secret,
            },
        ).json()["access_token"]
        self.http = httpx.Client(base_url=server.base_url, headers={"x-amz-access-token": token}, timeout=30)
        self.clock = clock
        self.case_variants = 0

    def get(self, path: str, params: dict[str, str]) -> httpx.Response:
        # A paced client: a tenth of a second between calls keeps within 10 requests a second.
        self.clock.advance(0.1)
        return self.http.get(path, params=params)

    def payload(self, path: str, params: dict[str, str], definition: str) -> dict:
        """One page, retried after injected 429s and 5xx, validated against Amazon's model."""
        for _ in range(20):
            response = self.get(path, params)
            if response.status_code not in FAULTS:
                break
        assert response.status_code == 200, response.text
        body = response.json()
        errors, case_variants = model_errors(definition, body)
        assert not errors, errors[:3]
        self.case_variants += case_variants
        return body["payload"]

    def pages_of(self, path: str, params: dict[str, str], key: str, definition: str) -> Iterator[list[dict]]:
        while True:
            payload = self.payload(path, params, definition)
            yield payload[key]
            token = payload.get("pagination", {}).get("nextToken")
            if not token:
                return
            params = {"nextToken": token}

    def read_all(self, now: datetime) -> tuple[list[dict], list[dict]]:
        """Every PO and PO status Amazon keeps, window by 7-day window back from `now`."""
        orders: dict[str, dict] = {}
        statuses: dict[str, dict] = {}
        start = now - RETENTION
        while start < now:
            end = min(start + timedelta(days=7), now)
            window = {"createdAfter": iso(start), "createdBefore": iso(end)}
            for page in self.pages_of(ORDERS, window, "orders", "GetPurchaseOrdersResponse"):
                orders.update((o["purchaseOrderNumber"], o) for o in page)
            for page in self.pages_of(STATUS, window, "ordersStatus", "GetPurchaseOrdersStatusResponse"):
                statuses.update((s["purchaseOrderNumber"], s) for s in page)
            start = end
        assert set(orders) == set(statuses)
        return list(orders.values()), list(statuses.values())


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def served_items(orders: list[dict], statuses: list[dict]) -> list[dict]:
    """The truth export's rows, computed from the served documents alone."""
    details = {o["purchaseOrderNumber"]: o for o in orders}
    rows = []
    for status in statuses:
        order = details[status["purchaseOrderNumber"]]
        about = order["orderDetails"]
        window_start, window_end = about["deliveryWindow"].split("--")
        items = {i["itemSequenceNumber"]: i for i in about["items"]}
        for line in status["itemStatus"]:
            item = items[line["itemSequenceNumber"]]
            ordered = item["orderedQuantity"]
            acknowledged = line["acknowledgementStatus"]
            receiving = line["receivingStatus"]

            def units(quantity: dict | None) -> int:
                return quantity["amount"] * quantity["unitSize"] if quantity else 0

            rows.append(
                {
                    "purchase_order_number": order["purchaseOrderNumber"],
                    "item_sequence_number": line["itemSequenceNumber"],
                    "purchase_order_state": order["purchaseOrderState"],
                    "order_date": moment(about["purchaseOrderDate"]),
                    "delivery_window_start": moment(window_start),
                    "delivery_window_end": moment(window_end),
                    "ship_to": about["shipToParty"]["partyId"],
                    "asin": item["amazonProductIdentifier"],
                    "vendor_sku": item["vendorProductIdentifier"],
                    "unit_of_measure": ordered["unitOfMeasure"].capitalize(),
                    "unit_size": ordered["unitSize"],
                    "ordered_units": units(ordered),
                    "accepted_units": units(acknowledged.get("acceptedQuantity")),
                    "rejected_units": units(acknowledged.get("rejectedQuantity")),
                    "received_units": units(receiving["receivedQuantity"]),
                    "last_receive_date": moment(receiving.get("lastReceiveDate")),
                    "net_cost": float(item["netCost"]["amount"]),
                    "list_price": float(item["listPrice"]["amount"]),
                    "currency": item["netCost"]["currencyCode"],
                }
            )
    return sorted(rows, key=lambda r: (r["purchase_order_number"], int(r["item_sequence_number"])))


def truth_items(settings: SandboxSettings, now: datetime) -> list[dict]:
    # A simulation of its own, ending at `now`: the served history must not depend on how far ahead the
    # emulator has simulated.
    sim = VendorSimulator(settings.seed, settings.n_asins, settings.history_start, now.date())
    rows = purchase_order_items_table(sim, now).to_pylist()
    return sorted(rows, key=lambda r: (r["purchase_order_number"], int(r["item_sequence_number"])))


def test_served_lines_validate_and_say_what_the_truth_export_says_at_two_moments(start_sandbox, settings):
    clock = ManualClock(NOW)
    server = start_sandbox(settings, clock)
    client = VendorOrdersClient(server, settings, clock)
    first_read = served_items(*client.read_all(clock.now()))
    assert first_read == truth_items(settings, clock.now())
    assert {r["purchase_order_state"] for r in first_read} == {"Acknowledged", "Closed"}
    assert {r["unit_of_measure"] for r in first_read} == {"Cases", "Eaches"}
    assert client.case_variants > 0

    # To the next Monday, 10:00: receipts came in, and that morning's POs are not acknowledged yet.
    clock.advance(timedelta(days=5, hours=1).total_seconds())
    second_read = served_items(*client.read_all(clock.now()))
    assert second_read == truth_items(settings, clock.now())
    before = {(r["purchase_order_number"], r["item_sequence_number"]): r for r in first_read}
    rank = {"New": 0, "Acknowledged": 1, "Closed": 2}
    changed = 0
    for row in second_read:
        old = before.get((row["purchase_order_number"], row["item_sequence_number"]))
        if old is None:
            continue
        assert rank[old["purchase_order_state"]] <= rank[row["purchase_order_state"]]
        assert old["received_units"] <= row["received_units"]
        changed += old != row
    assert changed > 0
    new = [row for row in second_read if (row["purchase_order_number"], row["item_sequence_number"]) not in before]
    assert new and {r["purchase_order_state"] for r in new} == {"New"}
    assert all(r["accepted_units"] == r["received_units"] == 0 and r["last_receive_date"] is None for r in new)


def test_a_po_and_its_status_read_alone(start_sandbox, settings):
    clock = ManualClock(NOW)
    server = start_sandbox(settings, clock)
    client = VendorOrdersClient(server, settings, clock)
    window = {"createdAfter": iso(NOW - timedelta(days=7)), "createdBefore": iso(NOW)}
    listed = next(client.pages_of(ORDERS, window, "orders", "GetPurchaseOrdersResponse"))
    number = listed[0]["purchaseOrderNumber"]
    alone = client.payload(f"{ORDERS}/{number}", {}, "GetPurchaseOrderResponse")
    assert alone == listed[0]
    status = client.payload(STATUS, {"purchaseOrderNumber": number}, "GetPurchaseOrdersStatusResponse")
    assert [s["purchaseOrderNumber"] for s in status["ordersStatus"]] == [number]


def test_a_week_of_pos_comes_in_several_pages_through_heavy_faults(start_sandbox, settings):
    clock = ManualClock(NOW)
    faulty = settings.model_copy(update={"faults": FaultSettings.heavy()})
    server = start_sandbox(faulty, clock)
    client = VendorOrdersClient(server, faulty, clock)
    window = {"createdAfter": iso(NOW - timedelta(days=7)), "createdBefore": iso(NOW)}
    pages = list(client.pages_of(ORDERS, window, "orders", "GetPurchaseOrdersResponse"))
    assert len(pages) >= 2 and all(len(page) <= FaultSettings.heavy().orders_page_size for page in pages)
    numbers = [o["purchaseOrderNumber"] for page in pages for o in page]
    assert len(numbers) == len(set(numbers))
    truth = truth_items(settings, NOW)
    assert set(numbers) == {r["purchase_order_number"] for r in truth if r["order_date"] >= NOW - timedelta(days=7)}
    status_pages = list(client.pages_of(STATUS, window, "ordersStatus", "GetPurchaseOrdersStatusResponse"))
    assert len(status_pages) >= 2

    for number in numbers:
        client.payload(f"{ORDERS}/{number}", {}, "GetPurchaseOrderResponse")
    # The paced client never met the token buckets; every 429 and 5xx it retried was an injected fault.
    stats = [server.stats[op] for op in ("getPurchaseOrders", "getPurchaseOrder", "getPurchaseOrdersStatus")]
    assert all(s.throttled == 0 for s in stats)
    assert sum(s.injected_throttles for s in stats) > 0
    assert sum(s.server_errors for s in stats) > 0


@pytest.mark.parametrize(
    "path", [ORDERS, f"{ORDERS}/NUMBER", STATUS], ids=["getPurchaseOrders", "getPurchaseOrder", "getStatus"]
)
def test_each_operation_has_amazons_usage_plan_of_ten_a_second_burst_ten(start_sandbox, settings, path):
    clock = ManualClock(NOW)
    server = start_sandbox(settings, clock)
    client = VendorOrdersClient(server, settings, clock)
    window = {"createdAfter": iso(NOW - timedelta(days=7)), "createdBefore": iso(NOW)}
    number = client.payload(ORDERS, window, "GetPurchaseOrdersResponse")["orders"][0]["purchaseOrderNumber"]
    clock.advance(10)
    url, params = (path.replace("NUMBER", number), {}) if "NUMBER" in path else (path, window)
    # The clock stands still: the burst of ten goes through, the eleventh call is throttled.
    answers = [client.http.get(url, params=params) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert answers[0].headers["x-amzn-RateLimit-Limit"] == "10.0"
    assert answers[-1].json()["errors"][0]["code"] == "QuotaExceeded"
    # A token comes back every tenth of a second.
    clock.advance(0.15)
    assert client.http.get(url, params=params).status_code == 200
