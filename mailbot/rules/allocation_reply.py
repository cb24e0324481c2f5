"""Read allocations out of a WPEHS manager's reply to the weekly digest (pure).

The digest asks for one line per child, ``URN: worker name <email>, team``. Managers also write
``URN LAN-004217-K - Jo Bloggs, jo.bloggs@lancashire.gov.uk, Team: Preston North``, paste rows of the
digest table (tab-separated cells), or use bullets; all of those are read. Quoted text (``>`` lines) and
everything from the quoted digest down (Outlook's ``From: … Sent:`` block, ``-----Original Message-----``,
``On … wrote:``) is ignored, because the digest itself is full of URNs.

A line that mentions a URN but cannot be read becomes an ``AllocationProblem`` (never a guess): the
URN fails its check character, no worker name is there, two different emails, the same URN allocated
twice differently. Problems carry the line number, the URN as written and the reason, and no names,
so they can be logged and sent back to the manager.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mailbot.domain.urn import UrnCandidate, UrnScheme


@dataclass(frozen=True)
class AllocationLine:
    """One allocation read from the reply: ``urn`` is canonical; ``line_number`` counts from 1."""

    urn: str
    worker_name: str
    worker_email: str | None
    team: str | None
    line_number: int


@dataclass(frozen=True)
class AllocationProblem:
    """A line that mentions a URN but could not be read as an allocation; ``reason`` is for the manager."""

    line_number: int
    urn_as_written: str
    reason: str


_EMAIL = re.compile(r"(?:mailto:)?([A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Outlook writes the header block of the quoted message as "From: …" then "Sent: …" (or "Date: …").
_FROM = re.compile(r"^\s*\**From:\**\s", re.IGNORECASE)
_SENT = re.compile(r"^\s*\**(Sent|Date):\**\s", re.IGNORECASE)
_QUOTE_STARTS = (
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*On .{4,200}wrote:\s*$", re.IGNORECASE),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above the quoted header block
)
# What may stand before the URN on an allocation line: bullets, numbering, a "URN" label, a table bar.
_PREFIX = re.compile(r"^[\s\-*•·–—|>\d.)(]*(?:URN\b\s*(?:no\.?|number)?\s*[:#]?\s*)?$", re.IGNORECASE)
_SEPARATORS = " \t:;,|-–—=>"
_TEAM_LABEL = re.compile(r"^\s*team\s*[:\-–]\s*", re.IGNORECASE)
_NAME_LABEL = re.compile(r"^\s*(?:worker|name|allocated to|lead professional|lp)\s*[:\-–]?\s+", re.IGNORECASE)
_EMAIL_LABEL = re.compile(r"^\s*e-?mail\s*[:\-–]?\s*$", re.IGNORECASE)
# Cells pasted from the digest table that are not the worker: initials, dates, day counts, references.
_NOISE_CELL = re.compile(
    r"^(?:(?:[A-Z]\.){1,3}|\d+|\d{1,2} [A-Za-z]{3,9} \d{4}|\d{1,2}/\d{1,2}/\d{2,4}|[A-Z]{2,4}-\d{3,}|-)$"
)
_EMAIL_CELL = "\x00"
_NAME_SHAPE = re.compile(r"^[^\W\d_][^\d@<>]{0,58}$")


def _quoted_from(lines: list[str]) -> int:
    """Index of the first line of the quoted original, or ``len(lines)`` when nothing is quoted."""
    for index, line in enumerate(lines):
        if any(pattern.match(line) for pattern in _QUOTE_STARTS):
            return index
        if _FROM.match(line) and any(_SENT.match(next_line) for next_line in lines[index + 1 : index + 5]):
            return index
    return len(lines)


def _cells(rest: str) -> list[str]:
    """Split what follows the URN into cells: tabs or bars from a pasted table, else commas."""
    tabular = "\t" in rest or " | " in rest
    parts = re.split(r"\t+|\s\|\s", rest) if tabular else rest.split(",")
    cells: list[str] = []
    for part in parts:
        cell = part.strip(_SEPARATORS + "<>()[]")
        if cell:
            cells.append(cell)
    return cells


def _read_worker(rest: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(name, email, team, reason it could not be read) from the text after the URN."""
    emails = {m.group(1).lower() for m in _EMAIL.finditer(rest)}
    if len(emails) > 1:
        return None, None, None, "more than one email address on the line"
    email = emails.pop() if emails else None

    name: str | None = None
    team: str | None = None
    tabular = "\t" in rest or " | " in rest
    separator = "\t" if tabular else ","
    # The email becomes a cell of its own (Outlook's "jo@x<mailto:jo@x>" gives two such cells).
    cells = _cells(_EMAIL.sub(f"{separator}{_EMAIL_CELL}{separator}", rest))
    cells = [c for c in cells if not _NOISE_CELL.match(c) and not _EMAIL_LABEL.match(c)]
    if tabular and email:
        # A digest row pasted with the worker added: the name stands right before the email and the
        # team right after, whatever digest columns (district, work requested) come earlier.
        at = cells.index(_EMAIL_CELL)
        before = [c for c in cells[:at] if c != _EMAIL_CELL]
        after = [c for c in cells[at:] if c != _EMAIL_CELL]
        cells = before[-1:] + after[:1]
    for cell in cells:
        if cell == _EMAIL_CELL:
            continue
        team_match = _TEAM_LABEL.match(cell)
        if team_match:
            team = team or cell[team_match.end() :].strip() or None
            continue
        cell = _NAME_LABEL.sub("", cell).strip()
        if name is None:
            name = cell
        elif team is None:
            team = cell
    if name is None or not _NAME_SHAPE.match(name):
        return None, email, team, "no worker name after the URN"
    if len(name.split()) > 5:
        return None, email, team, "the worker's name could not be told apart from other text"
    return " ".join(name.split()), email, team, None


def _urns_on_line(line: str, scheme: UrnScheme) -> list[UrnCandidate]:
    """URNs on an allocation line. A bare (digits-only) URN counts at the start of the line, where the
    digest asks for it, as if labelled: ``123456: Jo Bloggs``."""
    found = scheme.find(line)
    if found or not scheme.has_bare_format:
        return found
    bullet = re.match(r"^[\s\-*•·–—|>]*(?:\d{1,2}[.)]\s+)?", line)
    offset = bullet.end() if bullet else 0
    return [
        replace(candidate, start=candidate.start + offset)
        for candidate in scheme.find(line[offset:], labelled=True)
        if candidate.start == 0
    ]


def parse_allocation_reply(
    body: str, scheme: UrnScheme
) -> tuple[list[AllocationLine], list[AllocationProblem]]:
    """Every allocation in ``body`` (a reply to the digest) and every URN line that could not be read.

    Lines are numbered from 1 in ``body`` as given. The same URN allocated twice to the same worker
    counts once; allocated twice differently, both lines become problems (a person must choose).
    """
    lines = body.splitlines()
    allocations: list[AllocationLine] = []
    problems: list[AllocationProblem] = []
    for index, line in enumerate(lines[: _quoted_from(lines)]):
        number = index + 1
        if line.lstrip().startswith(">"):
            continue
        found = _urns_on_line(line, scheme)
        if not found:
            continue
        first = found[0]
        if len(found) > 1:
            problems.append(AllocationProblem(number, first.as_written, "more than one URN on the line"))
            continue
        if not first.valid:
            problem = (
                "the URN has no check character (the letter or digit at the end)"
                if first.problem == "no_check_character"
                else "the URN's check character does not match; please check it against the digest"
            )
            problems.append(AllocationProblem(number, first.as_written, problem))
            continue
        if not _PREFIX.match(line[: first.start]):
            problems.append(
                AllocationProblem(number, first.as_written, "the line does not start with the URN")
            )
            continue
        rest = line[first.start + len(first.as_written) :]
        name, email, team, reason = _read_worker(rest)
        if reason is not None or name is None:
            problems.append(AllocationProblem(number, first.as_written, reason or "no worker name"))
            continue
        allocations.append(AllocationLine(first.normalised, name, email, team, number))
    return _drop_conflicts(allocations, problems)


def _drop_conflicts(
    allocations: list[AllocationLine], problems: list[AllocationProblem]
) -> tuple[list[AllocationLine], list[AllocationProblem]]:
    kept: dict[str, AllocationLine] = {}
    conflicted: set[str] = set()
    for allocation in allocations:
        earlier = kept.get(allocation.urn)
        if earlier is None:
            kept[allocation.urn] = allocation
        elif (earlier.worker_name, earlier.worker_email, earlier.team) != (
            allocation.worker_name,
            allocation.worker_email,
            allocation.team,
        ):
            conflicted.add(allocation.urn)
    for allocation in allocations:
        if allocation.urn in conflicted:
            problems.append(
                AllocationProblem(
                    allocation.line_number,
                    allocation.urn,
                    "this URN is allocated differently on another line",
                )
            )
    problems.sort(key=lambda p: p.line_number)
    return [a for a in kept.values() if a.urn not in conflicted], problems
