"""Queueing outgoing email: render the template, refuse personal data to untrusted domains, compose
the exact bytes, and write the outbox row (sending is ``mailbot.transports.outbox``'s job).

Used by every part that emails: decisions (``apply``), chase-ups, the weekly digest and allocations.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.mail.addresses import check_address
from mailbot.mail.compose import FileToAttach, compose, deterministic_message_id
from mailbot.register.models import Case, Document, Outbox, Request, ReviewItem
from mailbot.register.storage import Storage
from mailbot.rules.digest import initials
from mailbot.templating.templates import TemplateRenderer
from mailbot.transports.claims import add_send_review

log = logging.getLogger(__name__)


@dataclass
class Shell:
    """What ``apply`` and the outbox need from the outside world, built once by ``bootstrap``."""

    settings: Settings
    renderer: TemplateRenderer
    storage: Storage


_BRACKETED = re.compile(r"\s*[\(\[][^)\]]*[\)\]]")


def greeting_name(display_name: str | None) -> str | None:
    """The name to greet a sender by, from their display name as mail systems write it.

    NHSmail and many councils add the organisation in brackets ("Nurse Kim (LANCASHIRE AND SOUTH
    CUMBRIA NHS FOUNDATION TRUST)"); directories write "Worker, Sam". Returns None when nothing
    usable is left (then the email says "Hello,").
    """
    if not display_name:
        return None
    name = _BRACKETED.sub("", display_name).strip(" \t\"'")
    if name.count(",") == 1:
        surname, _, given = name.partition(",")
        name = f"{given.strip()} {surname.strip()}"
    if "@" in name or not any(ch.isalpha() for ch in name):
        return None
    return " ".join(name.split()) or None


def _child_initials(case: Case | None) -> str | None:
    if case is None or not case.children:
        return None
    return " and ".join(dict.fromkeys(initials(c.name) for c in case.children))


def standard_context(
    shell: Shell, request: Request | None, mailbox_name: str, now: datetime, recipient_name: str | None = None
) -> dict[str, Any]:
    """Keys every template may use (see mailbot/templating/samples.py); a decision's context overrides them."""
    settings = shell.settings
    workflow = settings.workflow
    mailbox = settings.mailboxes[mailbox_name]
    case = request.case if request is not None else None
    lp = case.current_lead_professional if case is not None else None
    today = now.astimezone(settings.zone).date()
    created = request.created_at.astimezone(settings.zone).date() if request is not None else today
    meeting = settings.next_allocations_meeting(now)
    return {
        "reference": request.reference if request is not None else "",
        "team_name": mailbox.team_name,
        "council_name": settings.council_name,
        "mailbox_address": mailbox.address,
        "caf_mailbox": settings.mailbox_by_role("caf").address,
        "wpehs_mailbox": settings.mailbox_by_role("wpehs").address,
        "recipient_name": greeting_name(recipient_name),
        "request_type": request.type if request is not None else None,
        "urn": case.urn if case is not None else None,
        "child_initials": _child_initials(case),
        "district": (case.district if case is not None else None) or "Unknown district",
        "lead_professional": (
            {"name": lp.name, "role": lp.role, "agency": lp.agency, "email": lp.email, "phone": lp.phone}
            if lp is not None
            else None
        ),
        "meeting_date": request.meeting_date if request is not None else None,
        "next_allocations_meeting": meeting.date(),
        "work_requested_summary": None,
        "attempt": 0,
        "max_attempts": workflow.max_chases,
        "first_asked_on": created,
        "received_on": created,
        "filed_on": today,
        "allocated_on": today,
        "documents": [],
        "missing": [],
        "file_problems": [],
        "taf_weeks": workflow.taf_minutes_within_weeks,
        "taf_due_on": (request.due_on if request is not None and request.due_on else None)
        or today + timedelta(weeks=workflow.taf_minutes_within_weeks),
    }


def queue_email(
    session: Session,
    shell: Shell,
    *,
    template: str,
    to: Sequence[str],
    context: dict[str, Any],
    dedupe_key: str,
    mailbox_name: str,
    request: Request | None,
    now: datetime,
    personal: bool = True,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Sequence[FileToAttach] = (),
    auto_submitted: str = "auto-replied",
    recipient_name: str | None = None,
    counterpart: str | None = None,
    pattern: str | None = None,
) -> Outbox | None:
    """Render ``template`` and add an outbox row, unless the same ``dedupe_key`` is already queued.

    ``counterpart`` is the outside sender whose mail caused this email and ``pattern`` that mail's
    fingerprint: the reply limits count on them (``mailbot.rules.limits``); None for digests and
    allocation mail, which no incoming message caused.

    Personal mail to an address outside the trusted domains is refused here, whatever the rules said
    (invariant 4): the row is not written and a review item says why. An email that cannot be made
    — a recipient address mail cannot be sent to, a template that fails for this context, a header
    that cannot be encoded — is written as a ``failed`` row with a review item giving the reason, and
    the decision that wanted it stands (poison isolation: one email, not the message, fails). Returns
    the pending row, or None when nothing is to be sent.
    """
    settings = shell.settings
    if session.execute(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key)).first():
        return None
    recipients = [address for address in to if address]
    untrusted = [address for address in recipients if not settings.is_trusted(address)]
    if personal and untrusted:
        session.add(
            ReviewItem(
                reason="untrusted_recipient",
                detail=f"refused to send '{template}' with personal data outside the trusted domains",
                state="open",
                request_id=request.id if request else None,
                created_at=now,
            )
        )
        return None
    if not recipients:
        return None
    row = Outbox(
        dedupe_key=dedupe_key,
        message_id=deterministic_message_id(dedupe_key, settings.message_id_domain),
        mailbox=mailbox_name,
        template=template,
        recipients=list(recipients),
        to_address=recipients[0].lower()[:254],
        subject="",
        raw=b"",
        state="pending",
        attempts=0,
        next_attempt_at=now,
        request_id=request.id if request else None,
        counterpart=counterpart.lower() if counterpart else None,
        pattern=pattern,
        created_at=now,
    )
    problem = _check_recipients(row)
    if problem is None:
        full_context = {**standard_context(shell, request, mailbox_name, now, recipient_name), **context}
        problem = _render_and_compose(
            row,
            shell,
            full_context,
            date=now,
            in_reply_to=in_reply_to,
            references=references,
            attachments=attachments,
            auto_submitted=auto_submitted,
        )
    if problem is not None:
        row.state, row.last_error = "failed", problem
    session.add(row)
    session.flush()
    if problem is not None:
        add_send_review(session, row, problem, now)
        log.warning("outgoing email not queued outbox_id=%s template=%s", row.id, template)
        return None
    return row


def _check_recipients(row: Outbox) -> str | None:
    """Put the recipients in their sending form; the problem with the first that has one, or None."""
    checks = [check_address(address) for address in row.recipients]
    problem = next((f"recipient address unusable: {c.problem}" for c in checks if c.problem), None)
    if problem is None:
        row.recipients = [c.address for c in checks]
        row.to_address = row.recipients[0].lower()[:254]
    return problem


def _render_and_compose(row: Outbox, shell: Shell, context: dict[str, Any], **options: Any) -> str | None:
    """Fill the row's subject and bytes from its template; the problem when that cannot be done.

    A council-edited template can raise anything (a jinja2 error, a filter's TypeError, 1 // 0): that
    fails this email, not the message that wanted it. A header that cannot be encoded (a lone
    surrogate, a line break in a subject) fails it too.
    """
    mailbox = shell.settings.mailboxes[row.mailbox]
    try:
        rendered = shell.renderer.render(row.template, context)
    except Exception as error:  # once per outgoing email, as the docstring says
        return f"the template failed: {type(error).__name__}: {str(error)[:300]}"
    # Stored as text the register can hold even when the email cannot be encoded.
    row.subject = rendered.subject.encode("utf-8", "replace").decode("utf-8")[:500]
    try:
        row.raw = compose(
            from_address=mailbox.address,
            from_name=mailbox.team_name,
            to=row.recipients,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=row.message_id,
            **options,
        )
    except (ValueError, TypeError, HeaderParseError) as error:  # UnicodeError is a ValueError
        return f"the email could not be encoded: {type(error).__name__}"
    return None


def request_documents(session: Session, shell: Shell, request: Request) -> list[FileToAttach]:
    """The stored assessment and plan files of a request, newest of each kind, to attach to CAF@."""
    rows = session.execute(
        select(Document)
        .where(Document.request_id == request.id, Document.kind.in_(("assessment", "plan")))
        .where(Document.stored_path.is_not(None))
        .order_by(Document.id.desc())
    ).scalars()
    chosen: dict[str, FileToAttach] = {}
    for row in rows:
        if row.kind not in chosen and row.stored_path:
            chosen[row.kind] = FileToAttach(
                row.filename.rpartition("/")[2], shell.storage.get(row.stored_path)
            )
    return list(chosen.values())
