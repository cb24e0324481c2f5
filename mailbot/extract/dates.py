"""Reading dates the British way (day before month) from what social workers type (pure).

Accepted: ``03/04/2015``, ``3/4/15``, ``03.04.15``, ``03-04-2015``, ``3rd April 2015``, ``3 Apr 15``,
``27-Jul-2020``, ``27/Jul/20``,
``3rd of April, 2015``, ``Tuesday 3 April 2015``, ``April 3rd 2015`` (month named, so unambiguous) and ISO
``2015-04-03``. A numeric date is always day/month/year: ``03/04/2015`` is 3 April 2015.

Two-digit years: the extractor has no clock, so the century comes from a fixed rule. By default a
two-digit year is in the 2000s (meeting and consent dates are recent). For a date of birth the caller
passes ``latest_year`` (the latest four-digit year written elsewhere in the document, else 2068, the
POSIX ``strptime`` pivot): ``yy`` becomes ``20yy`` unless that is after ``latest_year``, then ``19yy``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

_DATE = re.compile(
    rf"""
    (?<![\w/.\-])(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?![\w/\-])
    | (?<![\w/.\-])(?P<nd>\d{{1,2}})\s?(?P<sep>[/.\-])\s?(?P<nm>\d{{1,2}})\s?(?P=sep)\s?
      (?P<ny>\d{{4}}|\d{{2}})(?![\w/]|[.\-]\d)
    | (?<![\w])(?P<td>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-/.]\s*|\s*)(?:of\s+)?(?P<tm>{_MONTH})\.?
      (?:,?\s+|\s*[-/.]\s*)(?P<ty>\d{{4}}|\d{{2}})(?!\w)
    | (?<![\w])(?P<um>{_MONTH})\.?\s+(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<uy>\d{{4}})(?!\w)
    """,
    re.IGNORECASE | re.VERBOSE,
)

_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")

#: POSIX strptime's pivot: two-digit years 00-68 are 20xx, 69-99 are 19xx.
DEFAULT_LATEST_YEAR = 2068


def _year(text: str, latest_year: int | None) -> int:
    value = int(text)
    if len(text) == 4:
        return value
    if latest_year is None:
        return 2000 + value
    return 2000 + value if 2000 + value <= latest_year else 1900 + value


def iter_british_dates(text: str, *, latest_year: int | None = None) -> Iterator[tuple[date, int, int]]:
    """Yield ``(date, start, end)`` for every real calendar date written in ``text``, in order.

    Impossible dates (31/02/2015) are skipped rather than guessed.
    """
    for match in _DATE.finditer(text):
        groups = match.groupdict()
        try:
            if groups["iy"]:
                day, month, year = int(groups["id"]), int(groups["im"]), int(groups["iy"])
            elif groups["nd"]:
                day, month = int(groups["nd"]), int(groups["nm"])
                year = _year(groups["ny"], latest_year)
            elif groups["td"]:
                day, month = int(groups["td"]), _MONTHS[groups["tm"].lower()]
                year = _year(groups["ty"], latest_year)
            else:
                day, month = int(groups["ud"]), _MONTHS[groups["um"].lower()]
                year = int(groups["uy"])
            yield date(year, month, day), match.start(), match.end()
        except (ValueError, KeyError):
            continue


def parse_british_date(text: str, *, latest_year: int | None = None) -> date | None:
    """Return the first date written in ``text`` (day before month), or None when there is none.

    ``latest_year`` only matters for two-digit years; see the module docstring.
    """
    for found, _start, _end in iter_british_dates(text, latest_year=latest_year):
        return found
    return None


def latest_written_year(text: str) -> int | None:
    """The latest plausible four-digit year (1950-2099) written in ``text``: the document's "now"."""
    years = [int(y) for y in _FOUR_DIGIT_YEAR.findall(text)]
    return max(years) if years else None


def birth_date_in_window(
    text: str, window: tuple[int, int] | None, *, latest_year: int | None = None
) -> date | None:
    """The first date in ``text`` that can be a child's date of birth.

    ``window`` is (earliest, latest) year: from 25 years before the document's date to that date. A
    two-digit year resolves into it ("11/04/19" in a 2024 document is 2019, never 1919); a date outside
    it is no child's birth date and is skipped. Without a window, ``latest_year`` resolves two-digit
    years as ``parse_british_date`` does.
    """
    if window is None:
        return parse_british_date(text, latest_year=latest_year)
    earliest, latest = window
    for found, _start, _end in iter_british_dates(text, latest_year=latest):
        if earliest <= found.year <= latest:
            return found
    return None


def document_year(text: str) -> int | None:
    """The year a document was written: its latest four-digit year, or a later two-digit one up to ten
    years on ("closed 2018 episode" in a form dated 17.04.24 is 2024; a parent's "03.06.45" is no date
    of writing); with no four-digit year, its latest date of any kind."""
    year = latest_written_year(text)
    two_digit = [found.year for found, _s, _e in iter_british_dates(text, latest_year=DEFAULT_LATEST_YEAR)]
    if year is None:
        return max(two_digit) if two_digit else None
    return max([year, *(y for y in two_digit if y <= year + 10)])
