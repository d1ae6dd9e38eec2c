"""The US retail calendar that moves a vendor's demand: Black Friday and Cyber Monday, the Christmas run-up,
Easter and Prime Day, as one demand multiplier per day."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np


def easter_sunday(year: int) -> date:
    """Western Easter (anonymous Gregorian computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def thanksgiving(year: int) -> date:
    """Fourth Thursday of November; Black Friday is the day after, Cyber Monday four days after."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def prime_day(year: int) -> tuple[date, date]:
    """Prime Day as the second Tuesday and Wednesday of July (Amazon's usual mid-July slot)."""
    first = date(year, 7, 1)
    first_tuesday = first + timedelta(days=(1 - first.weekday()) % 7)
    tuesday = first_tuesday + timedelta(weeks=1)
    return tuesday, tuesday + timedelta(days=1)


def event_days(year: int) -> dict[str, list[date]]:
    """The deal events of a year (days on which vendors run event deals)."""
    black_friday = thanksgiving(year) + timedelta(days=1)
    return {
        "prime_day": list(prime_day(year)),
        "black_friday_cyber_monday": [black_friday + timedelta(days=n) for n in range(4)],
    }


def _year_multipliers(year: int) -> dict[date, float]:
    out: dict[date, float] = {}
    # Christmas: gifts are bought through December until the shipping cut-off, then demand collapses.
    for day in range(1, 21):
        out[date(year, 12, day)] = 1.25 + 0.02 * day
    for day in range(21, 25):
        out[date(year, 12, day)] = 1.2
    out[date(year, 12, 25)] = 0.55
    for day in range(26, 32):
        out[date(year, 12, day)] = 0.9
    # Thanksgiving week builds up to Black Friday; Cyber Monday closes the weekend.
    black_friday = thanksgiving(year) + timedelta(days=1)
    for n in range(-6, 0):
        out[black_friday + timedelta(days=n)] = 1.15
    for n, factor in enumerate((2.6, 2.0, 1.8, 2.3)):
        out[black_friday + timedelta(days=n)] = factor
    out[black_friday + timedelta(days=4)] = 1.2
    easter = easter_sunday(year)
    for n in range(-10, 0):
        out[easter + timedelta(days=n)] = 1.15
    out[easter] = 0.8
    first, second = prime_day(year)
    out[first - timedelta(days=1)] = 1.1
    out[first] = 2.2
    out[second] = 2.0
    out[second + timedelta(days=1)] = 0.9
    return out


def holiday_multiplier(start: date, n_days: int) -> np.ndarray:
    """Demand multiplier per day from `start` (1.0 on ordinary days)."""
    out = np.ones(n_days)
    end = start + timedelta(days=n_days - 1)
    for year in range(start.year, end.year + 1):
        for day, factor in _year_multipliers(year).items():
            index = (day - start).days
            if 0 <= index < n_days:
                out[index] = factor
    return out


def event_mask(start: date, n_days: int, year: int, event: str) -> np.ndarray:
    """Boolean mask of the days of one deal event, on the axis starting at `start`."""
    mask = np.zeros(n_days, dtype=bool)
    for day in event_days(year)[event]:
        index = (day - start).days
        if 0 <= index < n_days:
            mask[index] = True
    return mask
