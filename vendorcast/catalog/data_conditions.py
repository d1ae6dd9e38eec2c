"""Data-condition alerts, found by the catalog watch and sent with its digest: an ASIN whose weekly out-of-stock rate
crosses the configured threshold, an ASIN missing from the latest week of sales reports, and a report stream that
Amazon failed for good (with the reason it gave). Each finding carries the marker and progress that make the catalog
table record it once (vendorcast.catalog.store.CatalogStore.record_condition)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

import pyarrow.parquet as pq

from vendorcast.alerts.digest import ConditionAlert, ConditionItem, ConditionKind
from vendorcast.ingestion.ledger import LedgerEntry
from vendorcast.lake.storage import LakeStorage
from vendorcast.lake.tables import CURATED_TABLES

DEMAND_WEEKLY = CURATED_TABLES["demand_weekly"]


@dataclass(frozen=True)
class DemandWeek:
    """An ASIN's week in demand_weekly: units sold (None: no sales row) and out-of-stock rate (None: no inventory)."""

    asin: str
    week_start: date
    units: int | None
    out_of_stock_rate: float | None


@dataclass(frozen=True)
class FoundCondition:
    alert: ConditionAlert
    marker: str  # which condition (per account and marketplace)
    progress: str  # how far it is alerted once recorded: the week, or the latest failure time


def read_recent_demand(storage: LakeStorage, account: str, marketplace_id: str, weeks: int) -> list[DemandWeek]:
    """The last `weeks` published weeks of demand_weekly of one account and marketplace ([] before the first
    publication). Read file by file with pyarrow alone: the functions carry no numpy."""
    prefix = (f"{DEMAND_WEEKLY.prefix}/account={quote(account, safe='')}/"
              f"marketplace_id={quote(marketplace_id, safe='')}/week_start=")
    by_week: dict[date, list[str]] = defaultdict(list)
    for stored in storage.list(prefix.rsplit("/", 1)[0], ".parquet"):
        folder, name = stored.key.rsplit("/", 1)
        if folder.startswith(prefix) and not name.startswith((".", "_")):
            by_week[date.fromisoformat(folder[len(prefix):])].append(stored.key)
    out = []
    for week in sorted(by_week)[-weeks:]:
        for key in by_week[week]:
            with storage.filesystem.open_input_file(storage.path(key)) as source:
                columns = pq.read_table(source, columns=["asin", "units", "out_of_stock_rate"]).to_pydict()
            out += [DemandWeek(asin, week, units, rate) for asin, units, rate
                    in zip(columns["asin"], columns["units"], columns["out_of_stock_rate"], strict=True)]
    return out


def _latest(weeks: Iterable[DemandWeek], measure: str) -> date | None:
    return max((w.week_start for w in weeks if getattr(w, measure) is not None), default=None)


def out_of_stock_crossings(demand: list[DemandWeek], threshold: float, account: str, marketplace_id: str,
                           titles: Mapping[str, str | None]) -> FoundCondition | None:
    """ASINs at or above `threshold` in the latest week with inventory figures that were below it (or had none) the
    week before."""
    latest = _latest(demand, "out_of_stock_rate")
    if latest is None or threshold <= 0:
        return None
    previous = {w.asin: w.out_of_stock_rate for w in demand if w.week_start == latest - timedelta(weeks=1)}
    items = []
    for week in sorted((w for w in demand if w.week_start == latest), key=lambda w: w.asin):
        before = previous.get(week.asin)
        rate = week.out_of_stock_rate
        if rate is not None and rate >= threshold and (before is None or before < threshold):
            was = f"{before:.0%}" if before is not None else "no figure"
            items.append(ConditionItem(week.asin, titles.get(week.asin),
                                       f"{was} → {rate:.0%} of glance views out of stock"))
    if not items:
        return None
    summary = (f"{len(items)} ASIN{'s' if len(items) > 1 else ''} reached an out-of-stock rate of "
               f"{threshold:.0%} or more in the week of {latest}")
    alert = ConditionAlert(ConditionKind.OUT_OF_STOCK, account, marketplace_id, summary, tuple(items), latest)
    return FoundCondition(alert, ConditionKind.OUT_OF_STOCK.value, latest.isoformat())


def gone_from_sales(demand: list[DemandWeek], account: str, marketplace_id: str,
                    titles: Mapping[str, str | None]) -> FoundCondition | None:
    """ASINs with a sales row in the week before the latest week of sales and none in the latest."""
    latest = _latest(demand, "units")
    if latest is None:
        return None
    before = latest - timedelta(weeks=1)
    selling = {w.asin for w in demand if w.week_start == latest and w.units is not None}
    items = [ConditionItem(w.asin, titles.get(w.asin),
                           f"{w.units} units in the week of {before}, not in the sales report of the week of {latest}")
             for w in sorted(demand, key=lambda w: w.asin)
             if w.week_start == before and w.units is not None and w.asin not in selling]
    if not items:
        return None
    summary = (f"{len(items)} ASIN{'s' if len(items) > 1 else ''} missing from the sales report of the week of "
               f"{latest}")
    alert = ConditionAlert(ConditionKind.GONE_FROM_SALES, account, marketplace_id, summary, tuple(items), latest)
    return FoundCondition(alert, ConditionKind.GONE_FROM_SALES.value, latest.isoformat())


def failed_report_marker(stream: str) -> str:
    return f"{ConditionKind.REPORT_FAILED.value}#{stream}"


def failed_report_streams(entries: Iterable[LedgerEntry], account: str, marketplace_id: str,
                          alerted: Mapping[str, str | None]) -> list[FoundCondition]:
    """One finding per report stream with windows given up since it was last alerted (`alerted`: marker -> the
    failure time alerted last), quoting the latest reason."""
    by_stream: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in entries:
        if entry.account == account and entry.marketplace_id == marketplace_id:
            since = alerted.get(failed_report_marker(entry.stream))
            if since is None or entry.due_at > since:
                by_stream[entry.stream].append(entry)
    found = []
    for stream, failed in sorted(by_stream.items()):
        latest = max(failed, key=lambda e: e.due_at)
        window = latest.window
        options = ", ".join(value for _, value in window.report_options)
        name = f"{window.report_type.value} ({options})" if options else window.report_type.value
        windows = f"{len(failed)} window{'s' if len(failed) > 1 else ''}"
        detail = (f"{windows} given up, the latest {window.start}..{window.end}: "
                  f"{latest.reason or 'no reason recorded'}")
        alert = ConditionAlert(ConditionKind.REPORT_FAILED, account, marketplace_id,
                               f"Amazon failed {name} for good", (ConditionItem(name, None, detail),))
        found.append(FoundCondition(alert, failed_report_marker(stream), latest.due_at))
    return found


__all__ = ["DemandWeek", "FoundCondition", "failed_report_marker", "failed_report_streams",
           "gone_from_sales", "out_of_stock_crossings", "read_recent_demand"]
