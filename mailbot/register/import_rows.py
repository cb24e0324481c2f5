"""Reading the council's existing register from CSV rows: columns, values, one case per URN (pure).

One CSV row is one child; rows with the same URN are one (family) case. The council's column headings
are mapped to mailbot's fields (config ``[register.columns]`` or ``--map field=Heading``), so the
export writes the same headings back. Every problem is a ``RowError`` naming the line and the column,
so the CAF team can fix the file and run the import again; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from mailbot.config.casework import REGISTER_FIELDS
from mailbot.domain.facts import Child, LeadProfessional
from mailbot.domain.urn import UrnScheme
from mailbot.extract.dates import iter_british_dates
from mailbot.rules.districts import normalise_postcode
from mailbot.rules.names import same_child

#: mailbot's fields, in the order the council CSV is written (the config maps each to the council's
#: column heading). ``urn`` and ``child_name`` are required.
FIELDS = REGISTER_FIELDS
REQUIRED = ("urn", "child_name")

#: How councils write a case's status, and what it is on the register.
STATUSES = {
    "open": "open",
    "active": "open",
    "current": "open",
    "live": "open",
    "allocated": "open",
    "closed": "closed",
    "close": "closed",
    "ended": "closed",
    "inactive": "closed",
    "stepped down": "closed",
    "": "open",
}


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in the file: ``line`` counts from 1 with the heading row as line 1."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column!r}: {self.message}"


@dataclass(frozen=True)
class ImportedCase:
    """One case as the file describes it, with the lines it came from."""

    urn: str
    children: tuple[Child, ...]
    lead_professional: LeadProfessional | None
    status: str
    lines: tuple[int, ...]


def _key(heading: str) -> str:
    return " ".join(heading.replace("\ufeff", "").replace("_", " ").split()).casefold()


def resolve_columns(headings: Sequence[str], columns: Mapping[str, str]) -> tuple[dict[str, int], list[str]]:
    """Where each field is in a row: ``{field: index}``, and what is wrong with the headings.

    A field's heading is ``columns[field]`` when mapped, else the field's own name; headings compare
    without case, extra spaces or underscores ("LCS ID" is ``lcs_id``). A required field with no column is a problem (the file cannot be
    read); an optional one is simply absent (a partial file updates what it has).
    """
    by_heading = {_key(h): i for i, h in enumerate(headings)}
    found: dict[str, int] = {}
    problems: list[str] = []
    for name in FIELDS:
        heading = columns.get(name, name)
        index = by_heading.get(_key(heading))
        if index is not None:
            found[name] = index
        elif name in REQUIRED:
            problems.append(f"no column {heading!r} for {name} (the file has: {', '.join(headings)})")
    return found, problems


@dataclass(frozen=True)
class _Row:
    line: int
    urn: str
    child: Child
    lead_professional: LeadProfessional | None
    status: str


_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")


def _exact_date(text: str, today: date) -> date | None:
    """The date ``text`` is (day before month, or ISO), when the cell holds a date and nothing else."""
    stripped = text.strip()
    numeric = _NUMERIC_DATE.fullmatch(stripped)
    if numeric is not None:  # the usual shapes, without the general reader's work
        day, month, year, iso_year, iso_month, iso_day = numeric.groups()
        try:
            if year:
                return date(int(year), int(month), int(day))
            return date(int(iso_year), int(iso_month), int(iso_day))
        except ValueError:
            return None
    for found, start, end in iter_british_dates(stripped, latest_year=today.year):
        if start == 0 and end == len(stripped):
            return found
    return None


def _read_row(
    line: int,
    cells: Sequence[str],
    where: Mapping[str, int],
    headings: Sequence[str],
    scheme: UrnScheme,
    today: date,
) -> tuple[_Row | None, list[RowError]]:
    values = {name: " ".join(cells[i].split()) if i < len(cells) else "" for name, i in where.items()}

    def cell(name: str) -> str:
        return values.get(name, "")

    def error(name: str, message: str) -> RowError:
        return RowError(line, headings[where[name]] if name in where else name, message)

    errors: list[RowError] = []
    written_urn = cell("urn")
    urn = (scheme.exact(written_urn) or scheme.normalise(written_urn)) if written_urn else None
    if not written_urn:
        errors.append(error("urn", "empty; every row needs the case's URN"))
    elif urn is None:
        errors.append(
            error("urn", f"{written_urn!r} is not a URN in a configured format (urn.prefix, urn.legacy)")
        )
    name = cell("child_name") or None
    if name is None:
        errors.append(error("child_name", "empty; every row is one child and needs the child's name"))
    dob: date | None = None
    if cell("date_of_birth"):
        dob = _exact_date(cell("date_of_birth"), today)
        if dob is None:
            errors.append(error("date_of_birth", f"{cell('date_of_birth')!r} is not a date (use DD/MM/YYYY)"))
        elif dob > today:
            errors.append(error("date_of_birth", f"{cell('date_of_birth')!r} is in the future"))
    postcode: str | None = None
    if cell("postcode"):
        postcode = normalise_postcode(cell("postcode"))
        if postcode is None:
            errors.append(error("postcode", f"{cell('postcode')!r} is not a UK postcode"))
    status = STATUSES.get(cell("status").casefold())
    if status is None:
        errors.append(error("status", f"{cell('status')!r} is not a status mailbot knows (open or closed)"))
    lp_name, agency, email = (
        cell("lead_professional"),
        cell("lead_professional_agency"),
        cell("lead_professional_email"),
    )
    if (agency or email) and not lp_name:
        errors.append(
            error("lead_professional", "empty, but an agency or email is given for the lead professional")
        )
    if email and "@" not in email:
        errors.append(error("lead_professional_email", f"{email!r} is not an email address"))
    if errors or urn is None:
        return None, errors
    lcs_id = cell("lcs_id") or None
    lead = (
        LeadProfessional(name=lp_name, agency=agency or None, email=email.lower() or None)
        if lp_name
        else None
    )
    return _Row(line, urn, Child(name, dob, lcs_id, postcode), lead, status or "open"), []


def parse_rows(
    rows: Iterable[tuple[int, Sequence[str]]],
    headings: Sequence[str],
    where: Mapping[str, int],
    scheme: UrnScheme,
    today: date,
) -> tuple[list[ImportedCase], list[RowError]]:
    """Group ``(line, cells)`` rows into one ``ImportedCase`` per URN, with every row's problems.

    Two rows of one URN that disagree on the lead professional or the status are errors (the file must
    say one thing); the same child twice is one child.
    """
    grouped: dict[str, list[_Row]] = {}
    errors: list[RowError] = []
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue  # blank lines are not rows
        row, problems = _read_row(line, cells, where, headings, scheme, today)
        errors.extend(problems)
        if row is not None:
            grouped.setdefault(row.urn, []).append(row)
    cases: list[ImportedCase] = []
    for urn, case_rows in grouped.items():
        first = case_rows[0]
        conflict = False
        for row in case_rows[1:]:
            for name, mine, theirs in (
                ("lead_professional", row.lead_professional, first.lead_professional),
                ("status", row.status, first.status),
            ):
                if mine != theirs:
                    conflict = True
                    heading = headings[where[name]] if name in where else name
                    errors.append(
                        RowError(row.line, heading, f"differs from line {first.line} for URN {urn}")
                    )
        if conflict:
            continue
        children: list[Child] = []
        for row in case_rows:
            if not any(same_child(known, row.child) for known in children):
                children.append(row.child)
        cases.append(
            ImportedCase(
                urn, tuple(children), first.lead_professional, first.status, tuple(r.line for r in case_rows)
            )
        )
    return cases, sorted(errors)


@dataclass(frozen=True)
class ExistingCase:
    """What the register already holds for a URN in the file (the import merges into it)."""

    id: int
    status: str
    children: tuple[tuple[int, Child], ...]
    lead_professional: LeadProfessional | None


@dataclass
class ImportPlan:
    """What an import creates and changes; a dry run reports it, a real run writes exactly this."""

    create: list[ImportedCase]
    #: existing case id → children to add to it
    add_children: dict[int, list[Child]]
    #: existing child row id → the child with the gaps (date of birth, LCS id, postcode) filled
    fill_children: dict[int, Child]
    #: existing case id → the lead professional to record (the current one is kept as history)
    record_lead_professionals: dict[int, LeadProfessional]
    #: existing case id → new status
    set_status: dict[int, str]
    unchanged: int = 0
    #: existing case ids whose children had gaps filled
    filled_case_ids: set[int] = field(default_factory=set)

    @property
    def merged(self) -> int:
        """Existing cases the import changes."""
        return len(
            set(self.add_children)
            | set(self.record_lead_professionals)
            | set(self.set_status)
            | self.filled_case_ids
        )


def same_lead_professional(a: LeadProfessional | None, b: LeadProfessional | None) -> bool:
    """The same person: same name (case and spacing aside) and no two different email addresses."""
    if a is None or b is None:
        return a is b
    same_name = (a.name or "").casefold().split() == (b.name or "").casefold().split()
    emails = {(a.email or "").lower(), (b.email or "").lower()} - {""}
    return same_name and len(emails) <= 1


def _filled(existing: Child, imported: Child) -> Child | None:
    """``existing`` with the gaps ``imported`` fills, or None when it adds nothing."""
    filled = Child(
        name=existing.name or imported.name,
        date_of_birth=existing.date_of_birth or imported.date_of_birth,
        lcs_id=existing.lcs_id or imported.lcs_id,
        postcode=existing.postcode or imported.postcode,
    )
    return None if filled == existing else filled


def plan_import(cases: Sequence[ImportedCase], existing: Mapping[str, ExistingCase]) -> ImportPlan:
    """Compare the file with the register: new cases, and for known URNs what the file adds or changes.

    Running the same file twice plans nothing the second time: children already there (same LCS id, or
    same name and date of birth, as the duplicate check matches them) are not added again, the same LP
    is not recorded again, the same status is not set again.
    """
    plan = ImportPlan(
        create=[], add_children={}, fill_children={}, record_lead_professionals={}, set_status={}
    )
    for case in cases:
        known = existing.get(case.urn)
        if known is None:
            plan.create.append(case)
            continue
        changed = False
        for child in case.children:
            match = next(((row_id, c) for row_id, c in known.children if same_child(c, child)), None)
            if match is None:
                plan.add_children.setdefault(known.id, []).append(child)
                changed = True
            elif (filled := _filled(match[1], child)) is not None:
                plan.fill_children[match[0]] = filled
                plan.filled_case_ids.add(known.id)
                changed = True
        if case.lead_professional is not None and not same_lead_professional(
            known.lead_professional, case.lead_professional
        ):
            plan.record_lead_professionals[known.id] = case.lead_professional
            changed = True
        if case.status != known.status:
            plan.set_status[known.id] = case.status
            changed = True
        if not changed:
            plan.unchanged += 1
    return plan
