"""``mailbot register import FILE.csv``: take over the council's existing cases (the database side).

The file is read and checked row by row (``import_rows``, pure); the register is read in chunks for
the URNs the file names; the plan is written in batched inserts and updates in one transaction, so
100,000 rows take seconds and a failure leaves the register as it was. A file with row errors is not
imported at all unless the caller allows it (the CAF team fixes the file and runs it again: the same
file twice changes nothing the second time).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from mailbot.domain.facts import Child as ChildFacts
from mailbot.domain.facts import LeadProfessional as LeadProfessionalFacts
from mailbot.domain.urn import UrnScheme
from mailbot.errors import ImportFileError
from mailbot.register.database import Register
from mailbot.register.import_rows import (
    ExistingCase,
    ImportedCase,
    ImportPlan,
    RowError,
    parse_rows,
    plan_import,
    resolve_columns,
)
from mailbot.register.models import Case, Child, Event, LeadProfessional
from mailbot.rules.districts import UNKNOWN_DISTRICT, DistrictMap

log = logging.getLogger(__name__)

# Core tables: batches go through Core executemany (insertmanyvalues), not the ORM's unit of work.
_CASES = cast(Table, Case.__table__)
_CHILDREN = cast(Table, Child.__table__)
_LEAD_PROFESSIONALS = cast(Table, LeadProfessional.__table__)

#: Rows per INSERT batch and URNs per lookup: below SQLite's and psycopg's parameter limits.
BATCH = 2000
LOOKUP_CHUNK = 500


@dataclass
class ImportReport:
    """What an import found and did (or, for a dry run, would do). Counts only: no personal data."""

    rows: int = 0
    cases_in_file: int = 0
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    children_added: int = 0
    children_completed: int = 0
    lead_professionals_recorded: int = 0
    statuses_changed: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False


@dataclass(frozen=True)
class ImportOptions:
    scheme: UrnScheme
    columns: Mapping[str, str]
    districts: Mapping[str, str]
    now: datetime
    dry_run: bool = False
    allow_errors: bool = False


def read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]], str]:
    """Headings, ``(line, cells)`` rows and the file's sha256; raises ImportFileError when unreadable."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # Excel's "CSV" on a UK Windows machine
    first_line = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        headings = next(reader)
    except StopIteration:
        raise ImportFileError(f"{path}: the file is empty") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for cells in reader:
            yield reader.line_num, cells

    return headings, rows(), hashlib.sha256(raw).hexdigest()


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Above this many URNs the whole register is read once instead of looked up in chunks.
FULL_READ_FROM = 5000


def existing_cases(session: Session, urns: Sequence[str]) -> dict[str, ExistingCase]:
    """What the register holds for ``urns``: case, children and current LP.

    A small file is looked up in chunks; a large one (a whole council's register) reads the cases,
    children and current LPs in three streamed queries, which is much faster than hundreds of lookups.
    """
    wanted = set(urns)
    cases: list[tuple[int, str, str]] = []
    if len(wanted) >= FULL_READ_FROM:
        cases = [
            (r.id, r.urn, r.status)
            for r in session.execute(select(Case.id, Case.urn, Case.status))
            if r.urn in wanted
        ]
        ids: set[int] | None = {case_id for case_id, _, _ in cases}
        children_query = select(
            Child.id, Child.case_id, Child.name, Child.date_of_birth, Child.lcs_id, Child.postcode
        )
        leads_query = select(
            LeadProfessional.case_id, LeadProfessional.name, LeadProfessional.agency, LeadProfessional.email
        ).where(LeadProfessional.ended_at.is_(None))
        return _assemble(session, cases, children_query, leads_query, ids)
    found: dict[str, ExistingCase] = {}
    for chunk in _chunks(list(wanted), LOOKUP_CHUNK):
        page = [
            (r.id, r.urn, r.status)
            for r in session.execute(select(Case.id, Case.urn, Case.status).where(Case.urn.in_(chunk)))
        ]
        if not page:
            continue
        page_ids = [case_id for case_id, _, _ in page]
        children_query = select(
            Child.id, Child.case_id, Child.name, Child.date_of_birth, Child.lcs_id, Child.postcode
        ).where(Child.case_id.in_(page_ids))
        leads_query = select(
            LeadProfessional.case_id, LeadProfessional.name, LeadProfessional.agency, LeadProfessional.email
        ).where(LeadProfessional.case_id.in_(page_ids), LeadProfessional.ended_at.is_(None))
        found.update(_assemble(session, page, children_query, leads_query, None))
    return found


def _assemble(
    session: Session,
    cases: Sequence[tuple[int, str, str]],
    children_query: Any,
    leads_query: Any,
    only: set[int] | None,
) -> dict[str, ExistingCase]:
    children: dict[int, list[tuple[int, ChildFacts]]] = {}
    for row in session.execute(children_query.order_by(Child.id)):
        if only is None or row.case_id in only:
            children.setdefault(row.case_id, []).append(
                (row.id, ChildFacts(row.name, row.date_of_birth, row.lcs_id, row.postcode))
            )
    leads: dict[int, LeadProfessionalFacts] = {}
    for lead in session.execute(leads_query.order_by(LeadProfessional.id)):
        if only is None or lead.case_id in only:
            leads[lead.case_id] = LeadProfessionalFacts(name=lead.name, agency=lead.agency, email=lead.email)
    return {
        urn: ExistingCase(case_id, status, tuple(children.get(case_id, ())), leads.get(case_id))
        for case_id, urn, status in cases
    }


def _child_row(case_id: int, child: ChildFacts) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "name": child.name,
        "date_of_birth": child.date_of_birth,
        "lcs_id": child.lcs_id,
        "postcode": child.postcode,
    }


def _lp_row(case_id: int, lead: LeadProfessionalFacts, now: datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "name": lead.name,
        "role": lead.role,
        "agency": lead.agency,
        "email": lead.email,
        "phone": lead.phone,
        "recorded_at": now,
        "ended_at": None,
        "request_id": None,
    }


def _district(districts: DistrictMap, case: ImportedCase) -> str | None:
    postcode = next((c.postcode for c in case.children if c.postcode), None)
    district = districts.district_for(postcode) if postcode else UNKNOWN_DISTRICT
    return None if district == UNKNOWN_DISTRICT else district


def _create(
    session: Session, cases: Sequence[ImportedCase], districts: DistrictMap, now: datetime
) -> tuple[int, int]:
    """Insert new cases with their children and LPs in batches; returns (children, lead professionals)."""
    children = leads = 0
    for chunk in _chunks(cases, BATCH):
        rows = [
            {
                "urn": case.urn,
                "status": case.status,
                "district": _district(districts, case),
                "created_at": now,
                "updated_at": now,
            }
            for case in chunk
        ]
        connection = session.connection()
        returned = connection.execute(insert(_CASES).returning(_CASES.c.urn, _CASES.c.id), rows)
        ids: dict[str, int] = {urn: case_id for urn, case_id in returned}
        child_rows = [_child_row(ids[case.urn], child) for case in chunk for child in case.children]
        lp_rows = [
            _lp_row(ids[case.urn], case.lead_professional, now) for case in chunk if case.lead_professional
        ]
        if child_rows:
            connection.execute(insert(_CHILDREN), child_rows)
        if lp_rows:
            connection.execute(insert(_LEAD_PROFESSIONALS), lp_rows)
        children += len(child_rows)
        leads += len(lp_rows)
    return children, leads


def _merge(session: Session, plan: ImportPlan, now: datetime) -> None:
    """Write the changes to existing cases: children added or completed, LPs (with history), statuses."""
    added = [_child_row(case_id, child) for case_id, kids in plan.add_children.items() for child in kids]
    for chunk in _chunks(added, BATCH):
        session.connection().execute(insert(_CHILDREN), list(chunk))
    filled = [
        {
            "b_id": row_id,
            "b_dob": c.date_of_birth,
            "b_lcs": c.lcs_id,
            "b_postcode": c.postcode,
            "b_name": c.name,
        }
        for row_id, c in plan.fill_children.items()
    ]
    if filled:
        session.connection().execute(
            update(_CHILDREN)
            .where(_CHILDREN.c.id == bindparam("b_id"))
            .values(
                name=bindparam("b_name"),
                date_of_birth=bindparam("b_dob"),
                lcs_id=bindparam("b_lcs"),
                postcode=bindparam("b_postcode"),
            ),
            filled,
        )
    case_ids = list(plan.record_lead_professionals)
    for chunk in _chunks(case_ids, LOOKUP_CHUNK):
        session.execute(
            update(LeadProfessional)
            .where(LeadProfessional.case_id.in_(chunk), LeadProfessional.ended_at.is_(None))
            .values(ended_at=now)
        )
    leads = [_lp_row(case_id, lead, now) for case_id, lead in plan.record_lead_professionals.items()]
    for chunk in _chunks(leads, BATCH):
        session.connection().execute(insert(_LEAD_PROFESSIONALS), list(chunk))
    statuses = [{"b_id": case_id, "b_status": status} for case_id, status in plan.set_status.items()]
    if statuses:
        session.connection().execute(
            update(_CASES)
            .where(_CASES.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), updated_at=now),
            statuses,
        )


def import_register(register: Register, path: Path, options: ImportOptions) -> ImportReport:
    """Import ``path`` into ``register`` (or, for a dry run, only say what would happen)."""
    headings, rows, sha256 = read_csv(path)
    where, problems = resolve_columns(headings, options.columns)
    if problems:
        raise ImportFileError(f"{path}: " + "; ".join(problems))
    counted: list[int] = []

    def counting() -> Iterator[tuple[int, list[str]]]:
        for line, cells in rows:
            counted.append(line)
            yield line, cells

    today: date = options.now.date()
    cases, errors = parse_rows(counting(), headings, where, options.scheme, today)
    report = ImportReport(rows=len(counted), cases_in_file=len(cases), errors=errors, dry_run=options.dry_run)
    with register.transaction() as session:
        plan = plan_import(cases, existing_cases(session, [c.urn for c in cases]))
        report.created = len(plan.create)
        report.merged = plan.merged
        report.unchanged = plan.unchanged
        report.children_added = sum(len(c.children) for c in plan.create) + sum(
            len(kids) for kids in plan.add_children.values()
        )
        report.children_completed = len(plan.fill_children)
        report.lead_professionals_recorded = sum(1 for c in plan.create if c.lead_professional) + len(
            plan.record_lead_professionals
        )
        report.statuses_changed = len(plan.set_status)
        if options.dry_run or (errors and not options.allow_errors):
            return report
        _create(session, plan.create, DistrictMap.from_config(options.districts), options.now)
        _merge(session, plan, options.now)
        session.add(
            Event(
                at=options.now,
                kind="register_imported",
                detail={
                    "file_sha256": sha256,
                    "rows": report.rows,
                    "created": report.created,
                    "merged": report.merged,
                    "unchanged": report.unchanged,
                    "row_errors": len(errors),
                },
            )
        )
        report.written = True
    log.info(
        "register import rows=%s created=%s merged=%s unchanged=%s errors=%s",
        report.rows,
        report.created,
        report.merged,
        report.unchanged,
        len(errors),
    )
    return report
