"""Finding cases and children by URN, name, date of birth or LCS id, always through an index.

URN: the unique index on ``cases.urn``. Name: ``lower(children.name)`` (expression index, whole
name in any letter case). Date of birth: ``children.date_of_birth``. LCS id: ``upper(lcs_id)``.
Each query is an equality on an indexed expression, so it stays fast at a million cases
(benchmarks/bench_console.py measures it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mailbot.domain.urn import UrnScheme
from mailbot.register.models import Case, Child

LIMIT = 50
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


def parse_day(text: str) -> date | None:
    """DD/MM/YYYY (as staff write it) or YYYY-MM-DD; None when it is not a date."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        if match.group(1):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    except ValueError:
        return None


@dataclass(frozen=True)
class Found:
    """One child on a case, as a search result."""

    urn: str
    child_id: int | None
    name: str | None
    date_of_birth: date | None
    lcs_id: str | None
    district: str | None


def _children(query: Select[Child, Case]) -> Select[Child, Case]:
    # No ORDER BY in SQL: with one, PostgreSQL may walk the primary key in order hoping to find the
    # first rows early instead of using the search's index. Results are sorted by the caller.
    return query.limit(LIMIT)


def children_named(name: str, born: date | None) -> Select[Child, Case]:
    query = (
        select(Child, Case)
        .join(Case, Child.case_id == Case.id)
        .where(func.lower(Child.name) == " ".join(name.split()).lower())
    )
    if born is not None:
        query = query.where(Child.date_of_birth == born)
    return _children(query)


def search(session: Session, scheme: UrnScheme, text: str) -> list[Found]:
    """Cases matching ``text``: a URN, a date of birth, an LCS id or a whole name (in that order)."""
    text = " ".join(text.split())
    if not text:
        return []
    base = select(Child, Case).join(Case, Child.case_id == Case.id)
    urn = scheme.normalise(text)
    born = parse_day(text)
    if urn is not None:
        case = session.execute(select(Case).where(Case.urn == urn)).scalar_one_or_none()
        if case is None:
            return []
        if not case.children:
            return [Found(case.urn, None, None, None, None, case.district)]
        return [
            Found(case.urn, c.id, c.name, c.date_of_birth, c.lcs_id, case.district) for c in case.children
        ]
    if born is not None:
        query = _children(base.where(Child.date_of_birth == born))
    elif " " not in text and any(ch.isdigit() for ch in text):
        query = _children(base.where(func.upper(Child.lcs_id) == text.upper()))
    else:
        query = children_named(text, None)
    found = [
        Found(case.urn, child.id, child.name, child.date_of_birth, child.lcs_id, case.district)
        for child, case in session.execute(query).all()
    ]
    return sorted(found, key=lambda f: (f.urn, f.child_id or 0))
