"""Working days (weekdays that are not bank holidays) for chase-up timing; pure, no clock.

Bank holidays come from the ``holidays`` package (``country_holidays("GB", subdiv=region)``), cached per
region and year. England and Wales share their bank holidays; Scotland and Northern Ireland differ.
A substitute day ("Boxing Day (observed)" on Monday 28 December 2026) counts as a bank holiday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

#: The UK subdivisions ``holidays`` knows: England, Wales, Scotland, Northern Ireland.
REGIONS = ("ENG", "WLS", "SCT", "NIR")
#: Each region's code and the name a council writes; "England" and "GB-ENG" mean "ENG".
REGION_NAMES = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
_REGION_SPELLINGS = {
    **{code.casefold(): code for code in REGIONS},
    **{f"gb-{code}".casefold(): code for code in REGIONS},
    **{name.casefold(): code for code, name in REGION_NAMES.items()},
    "england and wales": "ENG",
}


def region_code(text: str) -> str | None:
    """The region code for ``text`` ("England", "eng", "GB-ENG" → "ENG"); None when unknown."""
    return _REGION_SPELLINGS.get(" ".join(text.split()).casefold())


@lru_cache(maxsize=128)
def bank_holidays(year: int, region: str = "ENG") -> frozenset[date]:
    """The bank holidays of ``year`` in ``region``; raises ValueError for a region not in REGIONS."""
    if region not in REGIONS:
        raise ValueError(f"unknown bank holiday region {region!r}; expected one of {', '.join(REGIONS)}")
    # Imported here, on first use: ``holidays`` takes about a fifth of a second to import, and the
    # config (which every command loads) only needs the region names above.
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv=region, years=year).keys())


def is_working_day(day: date, region: str = "ENG") -> bool:
    """True for Monday to Friday when the day is not a bank holiday in ``region``."""
    return day.weekday() < 5 and day not in bank_holidays(day.year, region)


def add_working_days(start: date, days: int, region: str = "ENG") -> date:
    """The date ``days`` working days after ``start`` (before it when ``days`` is negative).

    ``start`` itself is never counted, so a request received on Friday with ``days=1`` is due on
    Monday (or Tuesday after an Easter Monday). ``days=0`` returns ``start`` unchanged.
    """
    step = timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    current = start
    while remaining:
        current += step
        if is_working_day(current, region):
            remaining -= 1
    return current


def working_days_between(a: date, b: date, region: str = "ENG") -> int:
    """How many working days fall after ``a`` up to and including ``b`` (negative when ``b < a``).

    It is the inverse of ``add_working_days``: for a working day ``b``,
    ``add_working_days(a, working_days_between(a, b)) == b``.
    """
    if b < a:
        return -working_days_between(b, a, region)
    full_weeks, rest = divmod((b - a).days, 7)
    count = full_weeks * 5
    count += sum(1 for offset in range(1, rest + 1) if (a + timedelta(days=offset)).weekday() < 5)
    for year in range(a.year, b.year + 1):
        count -= sum(1 for day in bank_holidays(year, region) if a < day <= b and day.weekday() < 5)
    return count
