"""The request ledger's conditional transitions, on moto's DynamoDB with the table the stacks create."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from vendorcast.config import load_config
from vendorcast.ingestion.ledger import OPEN_STATUSES, LedgerConflict, LedgerEntry, RequestLedger, RequestStatus
from vendorcast.local.aws import LocalAws
from vendorcast.reports.windows import PULL_INITIAL, ReportWindow
from vendorcast.resources import LEDGER_TABLE
from vendorcast.vocabulary.report_catalogue import ReportPeriod, ReportType

pytestmark = pytest.mark.integration

NOW = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
POLL_AFTER = timedelta(minutes=30)
MARKETPLACE = "ATVPDKIKX0DER"
OPTIONS = (("reportPeriod", "WEEK"), ("distributorView", "MANUFACTURING"), ("sellingProgram", "RETAIL"))
_weeks = itertools.count()


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    local = LocalAws.start()
    local.create_resources(load_config("vendorcast.example.toml"), {})
    yield local
    local.stop()


@pytest.fixture(scope="module")
def ledger(aws: LocalAws) -> RequestLedger:
    return RequestLedger(LEDGER_TABLE, aws.resource("dynamodb"))


def new_entry(stream: str = "acme-us/ATVPDKIKX0DER/GET_VENDOR_SALES_REPORT/WEEK/MANUFACTURING/RETAIL",
              account: str = "acme-us") -> LedgerEntry:
    """A planned window that no other test uses (each call takes the next week)."""
    start = date(2020, 1, 5) + timedelta(weeks=next(_weeks))
    window = ReportWindow(ReportType.SALES, OPTIONS, ReportPeriod.WEEK, start, start + timedelta(days=6), PULL_INITIAL)
    return LedgerEntry(request_key=window.request_key(account, MARKETPLACE), stream=stream, account=account,
                       marketplace_id=MARKETPLACE, window=window, status=RequestStatus.REQUESTING,
                       due_at=NOW.isoformat(timespec="seconds"))


def new_entry_like(entry: LedgerEntry) -> LedgerEntry:
    """The same window, planned afresh."""
    return LedgerEntry(request_key=entry.request_key, stream=entry.stream, account=entry.account,
                       marketplace_id=entry.marketplace_id, window=entry.window, status=RequestStatus.REQUESTING,
                       due_at=NOW.isoformat(timespec="seconds"))


def requested(ledger: RequestLedger, report_id: str, now: datetime = NOW, **entry_args: str) -> LedgerEntry:
    entry = ledger.claim(new_entry(**entry_args), now, POLL_AFTER)
    ledger.mark_requested(entry, report_id, now, POLL_AFTER)
    return ledger.get(entry.request_key)


def land(ledger: RequestLedger, entry: LedgerEntry, report_id: str, now: datetime = NOW) -> None:
    ledger.mark_landed(entry, report_id, now, landing_key=f"landing/{report_id}.json.gz",
                       raw_key=f"raw/{report_id}.parquet", rows=12, last_updated_date="2025-06-14")


# ------------------------------------------------------------------------------------------------ claim
def test_a_window_is_claimed_once(ledger: RequestLedger) -> None:
    entry = new_entry()
    claimed = ledger.claim(entry, NOW, POLL_AFTER)
    stored = ledger.get(entry.request_key)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.window) == (RequestStatus.REQUESTING, 1, entry.window)
    assert stored.due_at == (NOW + POLL_AFTER).isoformat(timespec="seconds")
    assert stored.created_at == NOW.isoformat(timespec="seconds") == claimed.created_at

    # A racing or re-run planner builds the same entry again: it loses, and the first claim stands.
    with pytest.raises(LedgerConflict):
        ledger.claim(new_entry_like(entry), NOW + timedelta(seconds=1), POLL_AFTER)
    assert ledger.get(entry.request_key) == stored


def test_a_due_retry_can_be_claimed_again_but_not_before(ledger: RequestLedger) -> None:
    entry = ledger.claim(new_entry(), NOW, POLL_AFTER)
    not_before = NOW + timedelta(hours=12)
    ledger.mark_retry_later(entry, None, NOW, not_before, "data not yet available")

    early = ledger.get(entry.request_key)
    with pytest.raises(LedgerConflict):
        ledger.claim(early, not_before - timedelta(seconds=1), POLL_AFTER)
    assert ledger.get(entry.request_key).status is RequestStatus.RETRY_LATER

    due = ledger.get(entry.request_key)
    ledger.claim(due, not_before, POLL_AFTER)
    stored = ledger.get(entry.request_key)
    assert (stored.status, stored.attempts) == (RequestStatus.REQUESTING, 2)
    assert stored.created_at == NOW.isoformat(timespec="seconds"), "the first claim's time is kept"
    assert stored.updated_at == not_before.isoformat(timespec="seconds")

    # Claimed again: a second claimant at the same moment loses.
    with pytest.raises(LedgerConflict):
        ledger.claim(ledger.get(entry.request_key), not_before, POLL_AFTER)


def test_an_interrupted_claim_is_taken_over_only_once_stale(ledger: RequestLedger) -> None:
    entry = ledger.claim(new_entry(), NOW, POLL_AFTER)  # createReport never answered
    with pytest.raises(LedgerConflict):
        ledger.claim(ledger.get(entry.request_key), NOW + POLL_AFTER - timedelta(seconds=1), POLL_AFTER)
    ledger.claim(ledger.get(entry.request_key), NOW + POLL_AFTER, POLL_AFTER)
    assert ledger.get(entry.request_key).attempts == 2


# ------------------------------------------------------------------------------------ requested, landed
def test_a_requested_entry_is_found_by_its_report_id(ledger: RequestLedger) -> None:
    entry = requested(ledger, "rep-find-1")
    [found] = ledger.find_by_report_id("rep-find-1")
    assert found.request_key == entry.request_key
    assert (found.status, found.report_id, found.report_ids) == (RequestStatus.REQUESTED, "rep-find-1", ["rep-find-1"])
    assert found.due_at == (NOW + POLL_AFTER).isoformat(timespec="seconds")
    assert ledger.find_by_report_id("rep-nobody") == []
    # Only a claimed (REQUESTING) entry takes a report id; a second one is refused.
    with pytest.raises(LedgerConflict):
        ledger.mark_requested(found, "rep-find-2", NOW, POLL_AFTER)
    assert ledger.get(entry.request_key).report_id == "rep-find-1"


def test_a_report_id_cannot_be_set_on_an_unclaimed_window(ledger: RequestLedger) -> None:
    entry = new_entry()
    with pytest.raises(LedgerConflict):
        ledger.mark_requested(entry, "rep-unclaimed", NOW, POLL_AFTER)
    assert ledger.get(entry.request_key) is None


def test_only_the_current_report_lands(ledger: RequestLedger) -> None:
    entry = requested(ledger, "rep-old")
    ledger.mark_retry_later(entry, "rep-old", NOW, NOW + timedelta(hours=1), "report timed out")
    retry = ledger.get(entry.request_key)
    ledger.claim(retry, NOW + timedelta(hours=1), POLL_AFTER)
    ledger.mark_requested(retry, "rep-new", NOW + timedelta(hours=1), POLL_AFTER)

    with pytest.raises(LedgerConflict):
        land(ledger, retry, "rep-old")
    with pytest.raises(LedgerConflict):
        ledger.mark_failed(retry, "rep-old", NOW, "late FATAL of the old report")
    assert ledger.get(entry.request_key).status is RequestStatus.REQUESTED

    land(ledger, retry, "rep-new", NOW + timedelta(hours=2))
    stored = ledger.get(entry.request_key)
    assert (stored.status, stored.report_id, stored.report_ids) == (RequestStatus.LANDED, "rep-new",
                                                                    ["rep-old", "rep-new"])
    assert (stored.landing_key, stored.raw_key, stored.rows, stored.last_updated_date) == (
        "landing/rep-new.json.gz", "raw/rep-new.parquet", 12, "2025-06-14")


def test_a_superseded_report_cannot_land_while_its_window_is_requested_again(ledger: RequestLedger) -> None:
    """Between the re-claim and the new report id (createReport in flight), the old report is no longer
    current: a late event for it must not finish the window."""
    entry = requested(ledger, "rep-superseded")
    ledger.mark_retry_later(entry, "rep-superseded", NOW, NOW, "report timed out")
    retry = ledger.get(entry.request_key)
    ledger.claim(retry, NOW, POLL_AFTER)

    for finish in (
        lambda: land(ledger, retry, "rep-superseded"),
        lambda: ledger.mark_no_data(retry, "rep-superseded", NOW, "cancelled"),
        lambda: ledger.mark_retry_later(retry, "rep-superseded", NOW, NOW, "not available"),
    ):
        with pytest.raises(LedgerConflict):
            finish()
    assert ledger.get(entry.request_key).status is RequestStatus.REQUESTING
    ledger.mark_requested(retry, "rep-successor", NOW, POLL_AFTER)  # the in-flight request still records


def test_a_failed_create_report_is_recorded_without_a_report_id(ledger: RequestLedger) -> None:
    entry = ledger.claim(new_entry(), NOW, POLL_AFTER)
    ledger.mark_failed(entry, None, NOW, "Amazon rejected the request")
    stored = ledger.get(entry.request_key)
    assert (stored.status, stored.reason, stored.report_id) == (RequestStatus.FAILED,
                                                                "Amazon rejected the request", None)


# ------------------------------------------------------------------------------------------ terminal
@pytest.mark.parametrize("ending", ["landed", "no_data", "failed"])
def test_a_finished_entry_never_moves_again(ledger: RequestLedger, ending: str) -> None:
    report_id = f"rep-terminal-{ending}"
    entry = requested(ledger, report_id)
    if ending == "landed":
        land(ledger, entry, report_id)
    elif ending == "no_data":
        ledger.mark_no_data(entry, report_id, NOW, "cancelled: no data")
    else:
        ledger.mark_failed(entry, report_id, NOW, "fatal")
    before = ledger.get(entry.request_key)
    assert before.status.terminal
    finished = ledger.get(entry.request_key)  # what a late caller holds (the transitions may change it)

    later = NOW + timedelta(days=30)
    moves = {
        "claim": lambda: ledger.claim(ledger.get(entry.request_key), later, POLL_AFTER),
        "requested": lambda: ledger.mark_requested(finished, "rep-other", later, POLL_AFTER),
        "landed": lambda: land(ledger, finished, report_id, later),
        "no_data": lambda: ledger.mark_no_data(finished, report_id, later, "again"),
        "failed": lambda: ledger.mark_failed(finished, report_id, later, "again"),
        "failed without id": lambda: ledger.mark_failed(finished, None, later, "again"),
        "retry_later": lambda: ledger.mark_retry_later(finished, report_id, later, later, "again"),
        "postpone": lambda: ledger.postpone(finished, later),
    }
    for name, move in moves.items():
        with pytest.raises(LedgerConflict):
            move()
        assert ledger.get(entry.request_key) == before, f"{name} changed a {ending} entry"


# ------------------------------------------------------------------------------------------- queries
def test_due_returns_only_requested_entries_whose_time_has_come(ledger: RequestLedger) -> None:
    # Long before the other tests' entries come due, so that only these can be.
    t = datetime(2001, 3, 1, 12, 0, tzinfo=UTC)
    past = requested(ledger, "rep-due-past", t - timedelta(hours=2))  # due at t - 1:30
    exact = requested(ledger, "rep-due-exact", t - POLL_AFTER)  # due at t exactly
    requested(ledger, "rep-due-future", t)  # due at t + 0:30
    postponed = requested(ledger, "rep-due-postponed", t - timedelta(hours=3))
    ledger.postpone(postponed, t + timedelta(hours=1))
    retry = ledger.claim(new_entry(), t - timedelta(hours=3), POLL_AFTER)
    ledger.mark_retry_later(retry, None, t - timedelta(hours=3), t - timedelta(hours=1), "later")
    landed = requested(ledger, "rep-due-landed", t - timedelta(hours=3))
    land(ledger, landed, "rep-due-landed", t - timedelta(hours=3))

    due = ledger.due(RequestStatus.REQUESTED, t)
    assert sorted(e.report_id for e in due) == ["rep-due-exact", "rep-due-past"]
    assert {e.request_key for e in due} == {past.request_key, exact.request_key}
    assert all(e.status is RequestStatus.REQUESTED for e in due)
    assert [e.request_key for e in ledger.due(RequestStatus.RETRY_LATER, t)] == [retry.request_key]
    assert ledger.due(RequestStatus.REQUESTED, t - timedelta(days=1)) == []
    later = {e.report_id for e in ledger.due(RequestStatus.REQUESTED, t + timedelta(hours=1))}
    assert later == {"rep-due-past", "rep-due-exact", "rep-due-future", "rep-due-postponed"}


def test_stream_entries_returns_every_window_of_its_stream_only(ledger: RequestLedger) -> None:
    stream = "acme-us/ATVPDKIKX0DER/GET_VENDOR_TRAFFIC_REPORT/WEEK"
    other = "acme-us/ATVPDKIKX0DER/GET_VENDOR_INVENTORY_REPORT/WEEK/MANUFACTURING/RETAIL"
    mine = [ledger.claim(new_entry(stream), NOW, POLL_AFTER) for _ in range(25)]
    ledger.mark_requested(mine[0], "rep-stream-0", NOW, POLL_AFTER)
    land(ledger, mine[0], "rep-stream-0")
    ledger.mark_retry_later(mine[1], None, NOW, NOW, "later")
    ledger.claim(new_entry(other), NOW, POLL_AFTER)

    entries = ledger.stream_entries(stream)
    assert sorted(e.request_key for e in entries) == sorted(e.request_key for e in mine)
    assert all(e.stream == stream for e in entries)
    by_key = {e.request_key: e for e in entries}
    assert by_key[mine[0].request_key].status is RequestStatus.LANDED
    assert by_key[mine[1].request_key].status is RequestStatus.RETRY_LATER
    assert by_key[mine[2].request_key].window == mine[2].window  # windows come back whole
    assert ledger.stream_entries("acme-us/ATVPDKIKX0DER/nothing") == []


def test_mark_requested_updates_the_entry_in_hand_only_when_stored(ledger: RequestLedger) -> None:
    entry = ledger.claim(new_entry(), NOW, POLL_AFTER)
    ledger.mark_requested(entry, "R-in-hand-1", NOW, POLL_AFTER)
    assert (entry.status, entry.report_id, entry.report_ids) == (RequestStatus.REQUESTED, "R-in-hand-1",
                                                                 ["R-in-hand-1"])
    ledger.postpone(entry, NOW + timedelta(hours=1))  # the same object works for the next transition
    with pytest.raises(LedgerConflict):
        ledger.mark_requested(entry, "R-in-hand-2", NOW, POLL_AFTER)
    assert entry.report_ids == ["R-in-hand-1"]



def test_count_by_status_counts_every_entry_in_its_current_status(ledger: RequestLedger) -> None:
    landed = requested(ledger, "count-1")
    ledger.mark_landed(landed, "count-1", NOW, landing_key="l", raw_key="r", rows=1, last_updated_date=None)
    requested(ledger, "count-2")
    ledger.claim(new_entry(), NOW, POLL_AFTER)
    expected = Counter(e.status.value for e in ledger.all_entries())

    assert ledger.count_by_status() == dict(expected)
    assert ledger.count_by_status(OPEN_STATUSES) == {s: n for s, n in expected.items() if s in OPEN_STATUSES}
    # A transition moves the entry from one count to the other.
    still_open = requested(ledger, "count-3")
    before = ledger.count_by_status()
    ledger.mark_failed(still_open, "count-3", NOW, "gave up")
    after = ledger.count_by_status()
    assert after["REQUESTED"] == before["REQUESTED"] - 1
    assert after["FAILED"] == before.get("FAILED", 0) + 1
