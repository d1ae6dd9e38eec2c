"""The retail event calendar the forecaster knows in advance: Amazon's Prime events, Black Friday / Cyber
Monday, the Christmas run-up and Easter, as one flag per event and week, for weeks starting on any weekday."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from dateutil.easter import easter

# Amazon's announced Prime Day dates (US); other years fall back to the usual mid-July slot.
PRIME_DAYS: dict[int, tuple[date, date]] = {
    2015: (date(2015, 7, 15), date(2015, 7, 15)),
    2016: (date(2016, 7, 12), date(2016, 7, 12)),
    2017: (date(2017, 7, 10), date(2017, 7, 11)),
    2018: (date(2018, 7, 16), date(2018, 7, 17)),
    2019: (date(2019, 7, 15), date(2019, 7, 16)),
    2020: (date(2020, 10, 13), date(2020, 10, 14)),
    2021: (date(2021, 6, 21), date(2021, 6, 22)),
    2022: (date(2022, 7, 12), date(2022, 7, 13)),
    2023: (date(2023, 7, 11), date(2023, 7, 12)),
    2024: (date(2024, 7, 16), date(2024, 7, 17)),
    2025: (date(2025, 7, 8), date(2025, 7, 11)),
}
# Prime Big Deal Days, Amazon's October event since 2022.
PRIME_FALL_EVENTS: dict[int, tuple[date, date]] = {
    2022: (date(2022, 10, 11), date(2022, 10, 12)),
    2023: (date(2023, 10, 10), date(2023, 10, 11)),
    2024: (date(2024, 10, 8), date(2024, 10, 9)),
    2025: (date(2025, 10, 7), date(2025, 10, 8)),
}


def thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7) + timedelta(weeks=3)


def prime_day(year: int) -> tuple[date, date]:
    if year in PRIME_DAYS:
        return PRIME_DAYS[year]
    first = date(year, 7, 1)
    tuesday = first + timedelta(days=(1 - first.weekday()) % 7) + timedelta(weeks=1)
    return tuesday, tuesday + timedelta(days=1)


def _events(year: int) -> dict[str, tuple[date, date]]:
    """Each event's first and last day in `year`."""
    black_friday = thanksgiving(year) + timedelta(days=1)
    events = {
        "event_prime_day": prime_day(year),
        "event_black_friday": (thanksgiving(year), black_friday + timedelta(days=1)),
        "event_cyber_monday": (black_friday + timedelta(days=3), black_friday + timedelta(days=3)),
        "event_christmas_rush": (date(year, 12, 10), date(year, 12, 23)),
        "event_christmas": (date(year, 12, 24), date(year, 12, 31)),
        "event_easter": (easter(year) - timedelta(days=6), easter(year)),
        "event_mothers_day": _mothers_day_window(year),
    }
    if year in PRIME_FALL_EVENTS:
        events["event_prime_fall"] = PRIME_FALL_EVENTS[year]
    return events


def _mothers_day_window(year: int) -> tuple[date, date]:
    first = date(year, 5, 1)
    sunday = first + timedelta(days=(6 - first.weekday()) % 7) + timedelta(weeks=1)
    return sunday - timedelta(days=6), sunday


EVENT_NAMES = tuple(sorted({*_events(2025), "event_prime_fall"}))


def calendar_features(week_starts: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """For each week (its start day + 6 days), the share of each event's days falling in it, the week of the year
    and the weeks to Christmas (negative after it)."""
    starts = pd.DatetimeIndex(week_starts)
    features = {name: np.zeros(len(starts)) for name in EVENT_NAMES}
    years = range(starts.min().year - 1, starts.max().year + 2)
    for year in years:
        for name, (first, last) in _events(year).items():
            first_ts, last_ts = pd.Timestamp(first), pd.Timestamp(last)
            days = (last_ts - first_ts).days + 1
            overlap_start = np.maximum(starts.values, np.datetime64(first_ts))
            overlap_end = np.minimum((starts + pd.Timedelta(days=6)).values, np.datetime64(last_ts))
            overlap = (overlap_end - overlap_start).astype("timedelta64[D]").astype(int) + 1
            features[name] += np.clip(overlap, 0, None) / days
    features["week_of_year"] = starts.isocalendar().week.to_numpy().astype(float)
    christmas = pd.to_datetime([f"{y}-12-25" for y in starts.year])
    features["weeks_to_christmas"] = ((christmas - starts).days / 7.0).to_numpy()
    return features
