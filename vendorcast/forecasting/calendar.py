"""The retail event calendar the forecaster knows in advance, per marketplace: each country's events (Prime Day,
Black Friday, Christmas, Golden Week, ...) read from vendorcast/forecasting/events/<country>.csv, which a user
extends without a code change, as one feature per event and week for weeks starting on any weekday."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sp_api.base import Marketplaces

from vendorcast.forecasting.errors import PanelError

EVENTS_DIR = Path(__file__).with_name("events")
EVENT_COLUMNS = ("event", "first_day", "last_day", "status")
EVENT_STATUSES = ("announced", "expected", "holiday")
# The marketplace of a panel that names none (forecast-file on a vendor's own history).
DEFAULT_MARKETPLACE_ID = Marketplaces.US.marketplace_id
_EVENT_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class CalendarError(PanelError):
    """An events file cannot be read; the message names the file, the line and what to write there."""


@dataclass(frozen=True)
class EventCalendar:
    """One marketplace's events: (event, first day, last day), both days inclusive."""

    country: str
    source: str
    events: tuple[tuple[str, date, date], ...]

    @property
    def last_day(self) -> date | None:
        """The last day any known event covers: forecast weeks after it see no event."""
        return max((last for _, _, last in self.events), default=None)

    def names(self) -> set[str]:
        return {name for name, _, _ in self.events}


def country_of(marketplace_id: str) -> str:
    """The events file's country code of a marketplace (UK for Amazon.co.uk, as Amazon's marketplace list names it)."""
    for marketplace in Marketplaces:
        if marketplace.marketplace_id == marketplace_id:
            return "UK" if marketplace.name == "GB" else marketplace.name
    raise CalendarError(f"unknown marketplace id {marketplace_id!r}: no event calendar for it")


def _parse_day(text: str, where: str, column: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CalendarError(f"{where}: {column} {text!r} is not a date; write YYYY-MM-DD") from None


def read_events(path: Path, country: str) -> EventCalendar:
    """An events file (EVENT_COLUMNS, '#' comment lines), checked row by row."""
    lines = [(number, line) for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.reader(line for _, line in lines)
    header = tuple(column.strip() for column in next(reader, ()))
    if header != EVENT_COLUMNS:
        raise CalendarError(f"{path}: the header must be {','.join(EVENT_COLUMNS)}, not {','.join(header)}")
    events = []
    for (number, _), row in zip(lines[1:], reader, strict=True):
        where = f"{path} line {number}"
        if len(row) != len(EVENT_COLUMNS):
            raise CalendarError(f"{where}: {len(row)} values; write {','.join(EVENT_COLUMNS)}")
        name, first_text, last_text, status = (value.strip() for value in row)
        if not name or not set(name) <= _EVENT_NAME_CHARS:
            raise CalendarError(f"{where}: event {name!r} must be lower-case letters, digits and _ (e.g. prime_day)")
        first, last = _parse_day(first_text, where, "first_day"), _parse_day(last_text, where, "last_day")
        if last < first:
            raise CalendarError(f"{where}: last_day {last} is before first_day {first}")
        if status not in EVENT_STATUSES:
            raise CalendarError(f"{where}: status {status!r} is not one of {', '.join(EVENT_STATUSES)}")
        events.append((name, first, last))
    return EventCalendar(country, str(path), tuple(events))


@functools.cache
def event_calendar(marketplace_id: str) -> EventCalendar:
    """The marketplace's events; a marketplace without a file has none (the run warns, see calendar_warning)."""
    country = country_of(marketplace_id)
    path = EVENTS_DIR / f"{country}.csv"
    if not path.exists():
        return EventCalendar(country, str(path), ())
    return read_events(path, country)


@functools.cache
def event_names() -> tuple[str, ...]:
    """Every event of every shipped file, as feature names: each forecast sees the same columns whatever its
    marketplaces (an event a marketplace does not have is 0 there)."""
    names: set[str] = set()
    for path in sorted(EVENTS_DIR.glob("*.csv")):
        names |= read_events(path, path.stem).names()
    return tuple(f"event_{name}" for name in sorted(names))


def calendar_features(week_starts: pd.DatetimeIndex, marketplace_id: str = DEFAULT_MARKETPLACE_ID,
                      ) -> dict[str, np.ndarray]:
    """For each week (its start day + 6 days), the share of each event's days falling in it in the marketplace,
    the week of the year and the weeks to Christmas (negative after it)."""
    starts = pd.DatetimeIndex(week_starts)
    features = {name: np.zeros(len(starts)) for name in event_names()}
    ends = (starts + pd.Timedelta(days=6)).values
    for name, first, last in event_calendar(marketplace_id).events:
        first_day, last_day = np.datetime64(first, "ns"), np.datetime64(last, "ns")
        overlap = (np.minimum(ends, last_day) - np.maximum(starts.values, first_day)).astype("timedelta64[D]")
        days = (last - first).days + 1
        features[f"event_{name}"] += np.clip(overlap.astype(int) + 1, 0, None) / days
    features["week_of_year"] = starts.isocalendar().week.to_numpy().astype(float)
    christmas = pd.to_datetime([f"{y}-12-25" for y in starts.year])
    features["weeks_to_christmas"] = ((christmas - starts).days / 7.0).to_numpy()
    return features


def calendar_warning(marketplace_id: str, last_forecast_day: date) -> str | None:
    """What to tell the planner when a forecast reaches past the marketplace's last known event (None when it does
    not): the later weeks are forecast as if no event fell in them."""
    calendar = event_calendar(marketplace_id)
    known = calendar.last_day
    if known is not None and last_forecast_day <= known:
        return None
    reach = f"the forecast reaches {last_forecast_day}"
    if known is None:
        return (f"{calendar.country} ({marketplace_id}): no event calendar ({calendar.source} does not exist), so "
                f"{reach} without Prime Day, holidays or sales; add the file to forecast them")
    gap = (last_forecast_day - known).days
    return (f"{calendar.country} ({marketplace_id}): {reach}, {gap} day(s) past the last known event day {known} in "
            f"{calendar.source}; weeks after it are forecast without events: add the coming dates (Prime Day, "
            "holidays) to that file")


def last_forecast_day(origin: date, horizon: int) -> date:
    """The last day of a forecast of `horizon` weeks whose first week starts on `origin`."""
    return origin + timedelta(weeks=horizon) - timedelta(days=1)
