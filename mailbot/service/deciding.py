"""Deciding one read message and applying the decision, inside the caller's transaction.

The pipeline calls this for each message of a batch in turn, in one session, so every decision sees
the register as the earlier messages of the batch left it (the session flushes before each query).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from mailbot.domain.facts import DocumentFacts
from mailbot.errors import RegisterError
from mailbot.mail.addresses import hides_another_address
from mailbot.mail.authresults import exchange_internal, trusted_results
from mailbot.mail.message import AutomaticMail, ParsedMessage
from mailbot.mail.threads import find_request_references, thread_message_ids
from mailbot.register.models import Message, Request
from mailbot.register.queries import (
    ViewQuery,
    answers_allocation_prompt,
    build_view,
    find_thread_request,
    handoff_view,
    request_view,
)
from mailbot.rules.authentication import SenderAuthentication, authenticate_sender
from mailbot.rules.decide import Inbound, Rules, decide
from mailbot.rules.limits import message_pattern
from mailbot.rules.merge import merge_facts
from mailbot.rules.trust import address_domain
from mailbot.rules.view import HandoffView, RegisterView
from mailbot.service.message_reading import ReadMessage, StoredFile
from mailbot.transports.outgoing import Shell
from mailbot.workflow.apply import Incoming, StoredDocument, apply

log = logging.getLogger(__name__)


def _authentication(shell: Shell, parsed: ParsedMessage, sender: str | None) -> SenderAuthentication | None:
    """The council's own servers' verdict on the From address, when config names those servers."""
    config = shell.settings.authentication
    domain = address_domain(sender) if sender else None
    if not config.enabled or domain is None:
        return None
    headers = trusted_results(parsed, config.trusted_authserv_ids, exchange_online=config.exchange_online)
    inside = config.exchange_online and exchange_internal(parsed)
    return authenticate_sender(domain, headers, inside_tenant=inside)


def _stored_documents(
    files: tuple[StoredFile, ...], documents: list[DocumentFacts]
) -> tuple[StoredDocument, ...]:
    by_name = {file.filename: file.path for file in files}
    return tuple(StoredDocument(facts, by_name.get(facts.file)) for facts in documents)


def _handoff(
    session: Session, shell: Shell, row: Message, parsed: ParsedMessage, automatic: AutomaticMail | None
) -> HandoffView | None:
    """Our own email from the other mailbox that carries work here (WPEHS's new-LP update to CAF@):
    processed like a person's, not ignored as a loop. Only an outbox row can prove it, so the worker
    that opened the message reads a loop's files and the register decides here."""
    if automatic is None or automatic.kind != "loop":
        return None
    address = shell.settings.mailboxes[row.mailbox].address
    return handoff_view(session, parsed.message_id, row.mailbox, address)


def _inbound(
    shell: Shell,
    mailbox_role: str,
    read: ReadMessage,
    automatic: AutomaticMail | None,
    documents: list[DocumentFacts],
) -> Inbound:
    """What the rules are told about the message itself, with its fingerprint for the reply limits."""
    opened = read.opened
    parsed = opened.parsed
    # An address mail cannot be sent to (checked once, when parsed) is no sender to reply to.
    sender = parsed.sender.email.lower() if parsed.sender and parsed.sender.usable else None
    pattern = (
        message_pattern(sender, parsed.subject, opened.written, [d.sha256 or d.file for d in documents])
        if sender
        else None
    )
    return Inbound(
        mailbox_role=mailbox_role,
        sender=sender,
        address_problem=parsed.sender.problem if parsed.sender else None,
        address_trick=bool(parsed.sender and hides_another_address(parsed.sender.email)),
        text=f"{parsed.subject}\n{opened.written}",
        body=opened.body,
        documents=tuple(documents),
        automatic=automatic,
        sender_problem=parsed.sender_problem,
        authentication=_authentication(shell, parsed, sender),
        pattern=pattern,
        body_text=parsed.body_text,
    )


def _view(
    session: Session,
    shell: Shell,
    row: Message,
    read: ReadMessage,
    inbound: Inbound,
    automatic: AutomaticMail | None,
    handoff: HandoffView | None,
    documents: list[DocumentFacts],
    now: datetime,
) -> tuple[Request | None, RegisterView]:
    """The request the message threads to (a reply to a chase-up), and what the register knows
    about everything the message and that request name, for ``decide``."""
    settings = shell.settings
    parsed, opened = read.opened.parsed, read.opened
    thread_ids = thread_message_ids(parsed)
    request: Request | None = None
    if automatic is None and handoff is None:
        references = find_request_references(parsed.subject, opened.written)
        request = find_thread_request(session, row.mailbox, references, thread_ids)
    prior = []
    if request is not None:
        prior_view = request_view(session, request)
        prior = [*prior_view.documents, *prior_view.bodies]
    merged = merge_facts([*prior, *documents], [opened.body])
    allocation_reply = (
        automatic is None
        and inbound.mailbox_role == "wpehs"
        and answers_allocation_prompt(session, parsed.subject, thread_ids)
    )
    view = build_view(
        session,
        ViewQuery(
            request=request,
            urns=[*merged.urns],
            children=merged.children,
            sender=inbound.sender,
            now=now,
            allocation_reply=allocation_reply,
            handoff=handoff,
            urn_scheme=settings.urn,
            urn_next_number=settings.urn_next_number,
            pattern=inbound.pattern,
            allocators_since=_allocators_since(settings.workflow.console_allocator_days, now),
        ),
    )
    return request, view


def _allocators_since(days: int, now: datetime) -> datetime | None:
    """Console sign-ins since then with an allocating role count as allocators (None: the setting is off)."""
    return now - timedelta(days=days) if days else None


def decide_and_apply(
    session: Session,
    shell: Shell,
    rules_for: Callable[[datetime], Rules],
    row_id: int,
    read: ReadMessage,
    now: datetime,
) -> None:
    """Decide what message ``row_id`` needs and carry it out in ``session`` (no commit here)."""
    settings = shell.settings
    opened = read.opened
    parsed = opened.parsed
    # FOR UPDATE (PostgreSQL): a second instance working the same mailbox waits here, then sees the
    # message already processed. SQLite has one writer at a time anyway.
    row = session.get(Message, row_id, with_for_update=True)
    if row is None:
        raise RegisterError(f"message row {row_id} vanished while it was processed")
    if row.state != "received":
        return  # another runner got here first
    mailbox = settings.mailboxes[row.mailbox]
    automatic = opened.automatic
    handoff = _handoff(session, shell, row, parsed, automatic)
    if handoff is not None:
        automatic = None
    # Never act on an auto-reply's or bounce's attachments (a worker does not even store them).
    documents = [*opened.known, *read.documents] if automatic is None else []
    inbound = _inbound(shell, mailbox.role, read, automatic, documents)
    request, view = _view(session, shell, row, read, inbound, automatic, handoff, documents, now)
    decision = decide(inbound, view, rules_for(now))
    row.automatic = automatic.kind if automatic else None
    incoming = Incoming(
        row=row,
        sender_name=parsed.sender.display_name if parsed.sender else None,
        message_id=parsed.message_id,
        references=parsed.references,
        body=opened.body,
        documents=_stored_documents(opened.files, documents),
        pattern=inbound.pattern,
    )
    apply(session, shell, decision, incoming, request, now)
    log.info(
        "message processed row=%s mailbox=%s type=%s state=%s",
        row_id,
        row.mailbox,
        decision.request_type,
        decision.state,
    )
