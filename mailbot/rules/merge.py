"""Combine the facts of every document and email body of one request into one picture (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from mailbot.domain.facts import Child, Consent, DocumentFacts, LeadProfessional, Problem
from mailbot.rules.names import normalise_name, same_child


@dataclass(frozen=True)
class FileProblem:
    file: str
    problem: Problem


@dataclass(frozen=True)
class RequestFacts:
    """Everything known about a request. ``urns`` are the distinct valid URNs seen, by source."""

    urns_in_email: tuple[str, ...] = ()
    urns_in_documents: tuple[str, ...] = ()
    invalid_urns: tuple[str, ...] = ()
    children: tuple[Child, ...] = ()
    lead_professional: LeadProfessional | None = None
    consent: Consent = field(default_factory=Consent)
    level_of_need: int | None = None
    work_requested: str | None = None
    meeting_date: date | None = None
    document_kinds: tuple[str, ...] = ()
    readable_documents: int = 0
    file_problems: tuple[FileProblem, ...] = ()

    @property
    def urns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.urns_in_email + self.urns_in_documents))


def _merge_child(known: list[Child], child: Child) -> None:
    for index, existing in enumerate(known):
        if same_child(existing, child):
            known[index] = _combined(existing, child)
            return
    meant = _the_child_meant(known, child)
    if meant is not None:
        known[meant] = _combined(known[meant], child)
        return
    if child.name or child.lcs_id:
        known.append(child)


def _combined(existing: Child, child: Child) -> Child:
    return Child(
        name=existing.name or child.name,
        date_of_birth=existing.date_of_birth or child.date_of_birth,
        lcs_id=existing.lcs_id or child.lcs_id,
        postcode=existing.postcode or child.postcode,
    )


def _the_child_meant(known: list[Child], child: Child) -> int | None:
    """The one known child a reply's sentence can only mean, or None.

    "Tom's date of birth is 14/06/2017" names the child by first name only; "the date of birth is
    14/06/2017" names nobody. Either completes a child named earlier in the request when exactly one
    child fits (same first name, or the only child still without a date of birth); otherwise nothing
    is guessed.
    """
    if child.lcs_id or child.date_of_birth is None:
        return None
    words = normalise_name(child.name).split() if child.name else []
    if len(words) > 1:
        return None
    candidates = [
        index
        for index, existing in enumerate(known)
        if existing.date_of_birth is None
        and (not words or (existing.name is not None and normalise_name(existing.name).split()[:1] == words))
    ]
    return candidates[0] if len(candidates) == 1 else None


def _merge_lp(current: LeadProfessional | None, new: LeadProfessional | None) -> LeadProfessional | None:
    if new is None or not new.name:
        return current
    if current is None or not current.name:
        return new
    if current.name.casefold() != new.name.casefold():
        return new  # the newest statement of the new LP wins; a changed mind is common
    return LeadProfessional(
        name=current.name,
        role=new.role or current.role,
        agency=new.agency or current.agency,
        email=new.email or current.email,
        phone=new.phone or current.phone,
    )


def merge_facts(documents: Sequence[DocumentFacts], bodies: Sequence[DocumentFacts]) -> RequestFacts:
    """Merge documents then email bodies (see ``merge_history`` for the rules)."""
    return merge_history([*documents, *bodies])


def merge_history(items: Sequence[DocumentFacts]) -> RequestFacts:
    """Merge facts in arrival order (email bodies have ``kind="email"``).

    Later statements fill gaps and, for the lead professional, replace earlier ones; a refusal of
    consent anywhere stays a refusal. Only a readable document counts as the kind it is: a
    password-protected "assessment" has not been received, it has a problem.
    """
    children: list[Child] = []
    lp: LeadProfessional | None = None
    consent = Consent()
    level: int | None = None
    work: str | None = None
    meeting: date | None = None
    kinds: list[str] = []
    problems: list[FileProblem] = []
    readable = 0
    for facts in items:
        for child in facts.children:
            _merge_child(children, child)
        lp = _merge_lp(lp, facts.lead_professional)
        if facts.consent.given is not None:
            consent = Consent(
                given=facts.consent.given if consent.given is not False else False,
                date=facts.consent.date or consent.date,
                signed_by=facts.consent.signed_by or consent.signed_by,
            )
        level = facts.level_of_need if facts.level_of_need is not None else level
        work = facts.work_requested or work
        meeting = facts.meeting_date or meeting
        if facts.kind != "email":
            if facts.readable:
                kinds.append(facts.kind)
                readable += 1
            problems.extend(FileProblem(facts.file, p) for p in facts.problems)
    bodies = [f for f in items if f.kind == "email"]
    documents = [f for f in items if f.kind != "email"]
    return RequestFacts(
        urns_in_email=tuple(dict.fromkeys(f.urn for f in bodies if f.urn)),
        urns_in_documents=tuple(dict.fromkeys(f.urn for f in documents if f.urn)),
        invalid_urns=tuple(dict.fromkeys(u for f in items for u in f.invalid_urns)),
        children=tuple(children),
        lead_professional=lp,
        consent=consent,
        level_of_need=level,
        work_requested=work,
        meeting_date=meeting,
        document_kinds=tuple(kinds),
        readable_documents=readable,
        file_problems=tuple(problems),
    )
