"""The weekly allocation digest to WPEHS: gather what is waiting from the register and queue the email.

The content rules (grouping, ordering, initials only) live in the pure ``mailbot.rules.digest``; this module
only reads the register and queues one email per week (dedupe key ``digest:<date>``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.domain.facts import DocumentFacts
from mailbot.register.models import Case, Child, Document, Outbox, Request, open_request
from mailbot.rules.digest import DigestEntry, build_digest, initials, next_allocations_meeting, redact_names
from mailbot.rules.districts import district_for_postcode
from mailbot.rules.merge import RequestFacts, merge_facts
from mailbot.templating.templates import RenderedEmail
from mailbot.transports.outgoing import Shell, queue_email

#: Request states listed in the digest: ready for allocation, or still being chased.
WAITING_STATES = ("awaiting_allocation",)
INCOMPLETE_STATES = ("incomplete", "awaiting_urn")


def digest_reference(as_of: date) -> str:
    """The digest's subject tag; replies to it carry allocations (``WD-2026-11-30``)."""
    return f"WD-{as_of.isoformat()}"


def _summary(text: str | None, limit: int = 90) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _in_chunks(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _facts_by_request(session: Session, requests: Sequence[Request]) -> dict[int, RequestFacts]:
    """Every listed request's merged facts, its documents read with one query per 500 requests."""
    documents: dict[int, list[DocumentFacts]] = {request.id: [] for request in requests}
    for chunk in _in_chunks([request.id for request in requests]):
        rows = session.execute(
            select(Document.request_id, Document.facts)
            .where(Document.request_id.in_(chunk))
            .order_by(Document.request_id, Document.id)
        )
        for request_id, facts in rows:
            documents[request_id].append(DocumentFacts.from_json(facts))
    return {
        request.id: merge_facts(
            documents[request.id],
            [DocumentFacts.from_json(body) for body in request.facts.get("bodies", [])],
        )
        for request in requests
    }


def _children_by_case(session: Session, case_ids: Sequence[int]) -> dict[int, list[Child]]:
    children: dict[int, list[Child]] = {case_id: [] for case_id in case_ids}
    for chunk in _in_chunks(case_ids):
        for child in session.execute(
            select(Child).where(Child.case_id.in_(chunk)).order_by(Child.case_id, Child.id)
        ).scalars():
            children[child.case_id].append(child)
    return children


def digest_entries(session: Session, shell: Shell, as_of: date) -> list[DigestEntry]:
    """Every WPEHS request waiting for allocation or still incomplete, as digest rows.

    The requests come from the index of open states; their cases, children and documents are read
    in bulk (one query per table per 500 requests), so the digest costs the same whatever the size
    of the register's history.
    """
    settings = shell.settings
    wpehs = settings.mailbox_by_role("wpehs").name
    rows = session.execute(
        select(Request, Case)
        .outerjoin(Case, Case.id == Request.case_id)
        .where(
            Request.mailbox == wpehs, Request.state.in_(WAITING_STATES + INCOMPLETE_STATES), open_request()
        )
        .order_by(Request.id)
    ).all()
    requests = [request for request, _case in rows]
    facts_of = _facts_by_request(session, requests)
    children_of = _children_by_case(session, sorted({case.id for _request, case in rows if case is not None}))
    entries: list[DigestEntry] = []
    for request, case in rows:
        facts = facts_of[request.id]
        children = children_of.get(case.id, []) if case is not None else []
        names = [c.name for c in children] or [c.name for c in facts.children]
        postcode = next((c.postcode for c in children if c.postcode), None) or next(
            (c.postcode for c in facts.children if c.postcode), None
        )
        district = (case.district if case is not None else None) or district_for_postcode(
            postcode, settings.districts
        )
        received = request.created_at.astimezone(settings.zone).date()
        shown_initials = (
            " and ".join(dict.fromkeys(initials(n) for n in names if n))
            if settings.workflow.digest_personal_data == "initials"
            else "-"
        )
        entries.append(
            DigestEntry(
                reference=request.reference,
                urn=case.urn if case is not None else None,
                initials=shown_initials or "-",
                district=district,
                received=received,
                days_waiting=(as_of - received).days,
                state="waiting" if request.state in WAITING_STATES else "incomplete",
                missing=list(request.missing),
                meeting_date=request.meeting_date,
                work_requested_summary=_summary(
                    redact_names(facts.work_requested, [*names, *(c.name for c in facts.children)])
                ),
            )
        )
    return entries


def digest_context(session: Session, shell: Shell, as_of: date, now: datetime) -> dict[str, object]:
    settings = shell.settings
    workflow = settings.workflow
    meeting = next_allocations_meeting(
        now, workflow.allocation_weekday, workflow.allocation_time, settings.timezone
    )
    return {
        **build_digest(digest_entries(session, shell, as_of), as_of=as_of, next_meeting=meeting.date()),
        "reference": digest_reference(as_of),
    }


def preview_digest(session: Session, shell: Shell, as_of: date, now: datetime) -> RenderedEmail:
    """Render the digest without queueing it (``mailbot digest --preview``)."""
    from mailbot.transports.outgoing import standard_context

    wpehs = shell.settings.mailbox_by_role("wpehs")
    context = {**standard_context(shell, None, wpehs.name, now), **digest_context(session, shell, as_of, now)}
    return shell.renderer.render("weekly_digest", context)


def queue_digest(session: Session, shell: Shell, as_of: date, now: datetime) -> Outbox | None:
    """Queue this week's digest to WPEHS (once per ``as_of`` date); returns the outbox row or None."""
    wpehs = shell.settings.mailbox_by_role("wpehs")
    return queue_email(
        session,
        shell,
        template="weekly_digest",
        to=[wpehs.address],
        context=digest_context(session, shell, as_of, now),
        dedupe_key=f"digest:{as_of.isoformat()}",
        mailbox_name=wpehs.name,
        request=None,
        now=now,
        auto_submitted="auto-generated",
    )
