"""Deciding one read message and applying the decision, inside the caller's transaction.

The pipeline calls this for each message of a batch in turn, in one session, so every decision sees
the register as the earlier messages of the batch left it (the session flushes before each query).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.domain.facts import DocumentFacts
from mailbot.mail.authresults import exchange_internal, trusted_results
from mailbot.mail.message import ParsedMessage
from mailbot.mail.threads import find_request_references, thread_message_ids
from mailbot.register.models import Message, Request
from mailbot.register.queries import build_view, find_thread_request, request_view
from mailbot.rules.authentication import SenderAuthentication, authenticate_sender
from mailbot.rules.decide import Inbound, Rules, decide
from mailbot.rules.limits import message_pattern
from mailbot.rules.merge import merge_facts
from mailbot.rules.trust import address_domain
from mailbot.service.message_reading import ReadMessage, StoredFile
from mailbot.transports.outgoing import Shell
from mailbot.workflow.allocation import apply_digest_reply, is_digest_reply
from mailbot.workflow.apply import Incoming, StoredDocument, apply

log = logging.getLogger(__name__)


def _authenticated(authentication: SenderAuthentication | None, rules: Rules) -> bool:
    """Whether mail may act as its trusted sender (a digest reply allocates only when it may)."""
    if authentication is not None and authentication.verdict != "none":
        return authentication.verdict == "pass"
    return not rules.require_authentication


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
    parsed, written, body, automatic = opened.parsed, opened.written, opened.body, opened.automatic
    documents = [*opened.known, *read.documents]
    sender = parsed.sender.email.lower() if parsed.sender else None
    rules = rules_for(now)
    authentication = _authentication(shell, parsed, sender)
    pattern = (
        message_pattern(sender, parsed.subject, written, [d.sha256 or d.file for d in documents])
        if sender
        else None
    )
    thread_ids = thread_message_ids(parsed)
    # FOR UPDATE (PostgreSQL): a second instance working the same mailbox waits here, then sees the
    # message already processed. SQLite has one writer at a time anyway.
    row = session.get(Message, row_id, with_for_update=True)
    if row is None or row.state != "received":
        return  # another runner got here first
    mailbox = settings.mailboxes[row.mailbox]
    if (
        automatic is None
        and mailbox.role == "wpehs"
        and sender is not None
        and settings.is_trusted(sender)
        and parsed.sender_problem is None
        and _authenticated(authentication, rules)
        and is_digest_reply(session, parsed.subject, thread_ids)
    ):
        outcomes, problems = apply_digest_reply(session, shell, parsed.body_text, row, now)
        log.info(
            "digest reply processed row=%s allocations=%s problems=%s", row_id, len(outcomes), len(problems)
        )
        return
    request: Request | None = None
    if automatic is None:
        references = find_request_references(parsed.subject, written)
        request = find_thread_request(session, row.mailbox, references, thread_ids)
    prior = []
    if request is not None:
        prior_view = request_view(session, request)
        prior = [*prior_view.documents, *prior_view.bodies]
    merged = merge_facts([*prior, *documents], [body])
    view = build_view(
        session,
        request=request,
        urns=[*merged.urns],
        children=merged.children,
        sender=sender,
        now=now,
        pattern=pattern,
    )
    inbound = Inbound(
        mailbox_role=mailbox.role,
        sender=sender,
        text=f"{parsed.subject}\n{written}",
        body=body,
        documents=tuple(documents),
        automatic=automatic,
        sender_problem=parsed.sender_problem,
        authentication=authentication,
        pattern=pattern,
    )
    decision = decide(inbound, view, rules)
    row.automatic = automatic.kind if automatic else None
    apply(
        session,
        shell,
        decision,
        Incoming(
            row=row,
            sender_name=parsed.sender.display_name if parsed.sender else None,
            message_id=parsed.message_id,
            references=parsed.references,
            body=body,
            documents=_stored_documents(opened.files, documents),
            pattern=pattern,
        ),
        request,
        now,
    )
    log.info(
        "message processed row=%s mailbox=%s type=%s state=%s",
        row_id,
        row.mailbox,
        decision.request_type,
        decision.state,
    )
