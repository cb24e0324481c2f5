"""``mailbot register export --format council-csv``: the register in the shape the council's case
system takes back in — the import's columns, under the council's own headings (read-only).

Streamed: cases are read in pages by id, each page's children and current lead professionals in two
queries, and every row is written as soon as it is made, so a register of 100,000 cases never sits
in memory and the first rows appear at once.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.register.import_rows import FIELDS
from mailbot.register.models import Case, Child, LeadProfessional

PAGE = 1000
#: How dates are written unless the council says otherwise (its case system reads day/month/year).
DATE_FORMAT = "%d/%m/%Y"


def headings(columns: Mapping[str, str]) -> list[str]:
    """The council's heading for each field (the field's own name when not mapped)."""
    return [columns.get(name, name) for name in FIELDS]


def _pages(session: Session) -> Iterator[list[tuple[int, str, str]]]:
    last = 0
    while True:
        page = [
            (row.id, row.urn, row.status)
            for row in session.execute(
                select(Case.id, Case.urn, Case.status).where(Case.id > last).order_by(Case.id).limit(PAGE)
            )
        ]
        if not page:
            return
        yield page
        last = page[-1][0]


def council_rows(session: Session, date_format: str = DATE_FORMAT) -> Iterator[list[str]]:
    """One row per child per case (a case without children still gets one row), in FIELDS order."""
    for page in _pages(session):
        ids = [case_id for case_id, _, _ in page]
        children: dict[int, list[Any]] = {}
        for child in session.execute(
            select(Child.case_id, Child.name, Child.date_of_birth, Child.lcs_id, Child.postcode)
            .where(Child.case_id.in_(ids))
            .order_by(Child.id)
        ):
            children.setdefault(child.case_id, []).append(child)
        leads: dict[int, Any] = {}
        for lead_row in session.execute(
            select(
                LeadProfessional.case_id,
                LeadProfessional.name,
                LeadProfessional.agency,
                LeadProfessional.email,
            )
            .where(LeadProfessional.case_id.in_(ids), LeadProfessional.ended_at.is_(None))
            .order_by(LeadProfessional.id)
        ):
            leads[lead_row.case_id] = lead_row
        for case_id, urn, status in page:
            lead = leads.get(case_id)
            for child in children.get(case_id) or [None]:
                yield [
                    urn,
                    (child.name or "") if child else "",
                    child.date_of_birth.strftime(date_format) if child and child.date_of_birth else "",
                    (child.lcs_id or "") if child else "",
                    (child.postcode or "") if child else "",
                    (lead.name or "") if lead else "",
                    (lead.agency or "") if lead else "",
                    (lead.email or "") if lead else "",
                    status,
                ]


def write_council_csv(
    session: Session, out: TextIO, columns: Mapping[str, str], date_format: str = DATE_FORMAT
) -> int:
    """Write the council CSV to ``out`` row by row; returns the number of rows after the headings."""
    writer = csv.writer(out)
    writer.writerow(headings(columns))
    count = 0
    for row in council_rows(session, date_format):
        writer.writerow(row)
        count += 1
    return count
