"""The weekly allocation digest to WPEHS: gather what is waiting from the register and queue the email.

The content rules (grouping, ordering, initials only) live in the pure ``mailbot.rules.digest``; this module
only reads the register and queues one email per week (dedupe key ``digest:<date>``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mailbot.domain.facts import DocumentFacts
from mailbot.register.models import Case, Document, Outbox, Request, open_request
from mailbot.rules.digest import DigestEntry, build_digest, initials, redact_names
from mailbot.rules.districts import district_for_postcode
from mailbot.rules.merge import merge_facts
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


def digest_entries(session: Session, shell: Shell, as_of: date) -> list[DigestEntry]:
    """Every WPEHS request waiting for allocation or still incomplete, as digest rows (the requests
    read from the index of open ones, whatever the history; their documents in one query)."""
    settings = shell.settings
    wpehs = settings.mailbox_by_role("wpehs").name
    requests = (
        session.execute(
            select(Request)
            .where(Request.mailbox == wpehs, Request.state.in_(WAITING_STATES + INCOMPLETE_STATES))
            .where(open_request())
            .options(selectinload(Request.case).selectinload(Case.children))  # the board reads it live
            .order_by(Request.id)
        )
        .scalars()
        .all()
    )
    documents: dict[int, list[DocumentFacts]] = defaultdict(list)
    ids = [r.id for r in requests]
    if ids:  # every request's documents in one query, not one query a request
        rows = session.execute(
            select(Document.request_id, Document.facts)
            .where(Document.request_id.in_(ids))
            .order_by(Document.id)
        )
        for request_id, stored in rows:
            documents[request_id].append(DocumentFacts.from_json(stored))
    entries: list[DigestEntry] = []
    for request in requests:
        bodies = [DocumentFacts.from_json(b) for b in request.facts.get("bodies", [])]
        facts = merge_facts(documents[request.id], bodies)
        case = request.case
        children = case.children if case is not None and case.children else []
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
    meeting = settings.next_allocations_meeting(now)
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
