"""The retail calendar that moves a vendor's demand in each country the emulator sells in: Prime Day on the days
Amazon held it there, Black Friday and Cyber Monday (strongest in the US), the Christmas run-up, Easter, Boxing Day
in the UK, New Year and Golden Week in Japan, as one demand multiplier per day. The emulator's own account of the
world, kept apart from the pipeline's event files (it judges them)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

# Prime Day as Amazon held it (first, last day) in the US and Europe; Japan's where it differed. Other years: the
# second Tuesday and Wednesday of July.
_PRIME_DAYS: dict[int, tuple[date, date]] = {
    2019: (date(2019, 7, 15), date(2019, 7, 16)),
    2020: (date(2020, 10, 13), date(2020, 10, 14)),
    2021: (date(2021, 6, 21), date(2021, 6, 22)),
    2022: (date(2022, 7, 12), date(2022, 7, 13)),
    2023: (date(2023, 7, 11), date(2023, 7, 12)),
    2024: (date(2024, 7, 16), date(2024, 7, 17)),
    2025: (date(2025, 7, 8), date(2025, 7, 11)),
}
_PRIME_DAYS_JP = {**_PRIME_DAYS, 2021: (date(2021, 6, 25), date(2021, 6, 26)),
                  2025: (date(2025, 7, 11), date(2025, 7, 14))}
# How strongly each country shops Black Friday and Cyber Monday, relative to the US (a share of the US lift).
_BLACK_FRIDAY_STRENGTH = {"US": 1.0, "CA": 0.8, "UK": 0.8, "DE": 0.7, "FR": 0.6, "IT": 0.6, "ES": 0.7, "JP": 0.4}


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


def prime_day(year: int, country: str = "US") -> tuple[date, date]:
    """Prime Day's first and last day in the country that year."""
    known = _PRIME_DAYS_JP if country == "JP" else _PRIME_DAYS
    if year in known:
        return known[year]
    first = date(year, 7, 1)
    first_tuesday = first + timedelta(days=(1 - first.weekday()) % 7)
    tuesday = first_tuesday + timedelta(weeks=1)
    return tuesday, tuesday + timedelta(days=1)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def event_days(year: int, country: str = "US") -> dict[str, list[date]]:
    """The deal events of a year in the country (days on which vendors run event deals)."""
    black_friday = thanksgiving(year) + timedelta(days=1)
    return {
        "prime_day": _days(*prime_day(year, country)),
        "black_friday_cyber_monday": [black_friday + timedelta(days=n) for n in range(4)],
    }


def _year_multipliers(year: int, country: str) -> dict[date, float]:
    out: dict[date, float] = {}
    japan = country == "JP"
    # Christmas: gifts are bought through December until the shipping cut-off, then demand collapses (Japan shops
    # Christmas less, and the New Year more).
    rush = 0.5 if japan else 1.0
    for day in range(1, 21):
        out[date(year, 12, day)] = 1.0 + rush * (0.25 + 0.02 * day)
    for day in range(21, 25):
        out[date(year, 12, day)] = 1.0 + rush * 0.2
    out[date(year, 12, 25)] = 0.55
    for day in range(26, 32):
        out[date(year, 12, day)] = 0.9
    if country in ("UK", "CA"):
        out[date(year, 12, 26)] = 1.6  # Boxing Day sales
    if japan:
        for day, factor in ((1, 1.5), (2, 1.6), (3, 1.4)):
            out[date(year, 1, day)] = factor  # New Year sales (hatsuuri)
        for day in _days(date(year, 4, 29), date(year, 5, 5)):
            out[day] = 1.2  # Golden Week
    # Thanksgiving week builds up to Black Friday; Cyber Monday closes the weekend (lighter outside the US).
    strength = _BLACK_FRIDAY_STRENGTH.get(country, 0.6)
    black_friday = thanksgiving(year) + timedelta(days=1)
    for n in range(-6, 0):
        out[black_friday + timedelta(days=n)] = 1.0 + strength * 0.15
    for n, factor in enumerate((2.6, 2.0, 1.8, 2.3)):
        out[black_friday + timedelta(days=n)] = 1.0 + strength * (factor - 1.0)
    out[black_friday + timedelta(days=4)] = 1.0 + strength * 0.2
    if not japan:
        easter = easter_sunday(year)
        for n in range(-10, 0):
            out[easter + timedelta(days=n)] = 1.15
        out[easter] = 0.8
    days = _days(*prime_day(year, country))
    out[days[0] - timedelta(days=1)] = 1.1
    for n, day in enumerate(days):
        out[day] = 2.2 if n == 0 else 2.0
    out[days[-1] + timedelta(days=1)] = 0.9
    return out


def holiday_multiplier(start: date, n_days: int, country: str = "US") -> np.ndarray:
    """Demand multiplier per day from `start` in the country (1.0 on ordinary days)."""
    out = np.ones(n_days)
    end = start + timedelta(days=n_days - 1)
    for year in range(start.year, end.year + 1):
        for day, factor in _year_multipliers(year, country).items():
            index = (day - start).days
            if 0 <= index < n_days:
                out[index] = factor
    return out


def event_mask(start: date, n_days: int, year: int, event: str, country: str = "US") -> np.ndarray:
    """Boolean mask of the days of one deal event in the country, on the axis starting at `start`."""
    mask = np.zeros(n_days, dtype=bool)
    for day in event_days(year, country)[event]:
        index = (day - start).days
        if 0 <= index < n_days:
            mask[index] = True
    return mask
