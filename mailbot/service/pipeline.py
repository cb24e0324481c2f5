"""Processing stored messages: parse → read documents → extract → decide → apply, one message a txn.

Messages are processed from the register (state ``received``), not from the source, so a crash
between intake and processing loses nothing: the next run picks them up. Documents of a whole batch
are read concurrently in the worker pool so both cores work while a backlog drains.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from mailbot.domain.content import InputFile
from mailbot.domain.facts import DocumentFacts
from mailbot.errors import RegisterError
from mailbot.extract import FieldVocabulary, extract_message_facts
from mailbot.mail.addresses import hides_another_address
from mailbot.mail.attachments import sort_attachments
from mailbot.mail.authresults import exchange_internal, trusted_results
from mailbot.mail.automatic import classify_automatic
from mailbot.mail.message import AutomaticMail, ParsedMessage
from mailbot.mail.parse import parse_message
from mailbot.mail.quoting import new_text
from mailbot.mail.threads import find_request_references, thread_message_ids
from mailbot.register.database import Register
from mailbot.register.models import Message, Request, ReviewItem
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
from mailbot.rules.view import HandoffView
from mailbot.transports.outgoing import Shell
from mailbot.workflow.apply import Incoming, StoredDocument, apply

log = logging.getLogger(__name__)


class DocumentReader(Protocol):
    """Reads attachments into facts (the worker pool in production, in-process for the CLI)."""

    def read(self, files: Sequence[InputFile]) -> list[DocumentFacts]: ...


@dataclass(frozen=True)
class Prepared:
    """A stored message parsed and ready for its documents to be read."""

    row_id: int
    mailbox: str
    parsed: ParsedMessage
    files: tuple[InputFile, ...]
    stored_paths: dict[str, str]
    automatic: AutomaticMail | None
    known: tuple[DocumentFacts, ...] = ()
    handoff: HandoffView | None = None


class Pipeline:
    """Turns ``received`` messages into decisions applied to the register."""

    def __init__(
        self,
        register: Register,
        shell: Shell,
        reader: DocumentReader,
        vocabulary: FieldVocabulary,
        now: Callable[[], datetime],
        rules_for: Callable[[datetime], Rules],
        concurrency: int = 16,
    ) -> None:
        self.register = register
        self.shell = shell
        self.reader = reader
        self.vocabulary = vocabulary
        self.now = now
        self.rules_for = rules_for
        self.concurrency = concurrency

    def waiting(self, limit: int = 200, mailbox: str | None = None) -> list[int]:
        with self.register.transaction() as session:
            query = select(Message.id).where(Message.direction == "in", Message.state == "received")
            if mailbox is not None:
                query = query.where(Message.mailbox == mailbox)
            return list(session.execute(query.order_by(Message.id).limit(limit)).scalars())

    def process_waiting(self, limit: int = 200, mailbox: str | None = None) -> int:
        """Process up to ``limit`` waiting messages; returns how many were processed."""
        ids = self.waiting(limit, mailbox)
        self.process(ids)
        return len(ids)

    def _prepare(self, row_id: int) -> Prepared:
        with self.register.transaction() as session:
            row = session.get(Message, row_id)
            if row is None:
                raise RegisterError(f"message row {row_id} vanished before it was processed")
            raw = self.shell.storage.get(row.raw_path)
            mailbox = row.mailbox
            parsed = parse_message(raw)
            settings = self.shell.settings
            automatic = classify_automatic(
                parsed, settings.own_addresses, own_message_id_domain=settings.message_id_domain
            )
            handoff = None
            if automatic is not None and automatic.kind == "loop":
                # Our own email from the other mailbox that carries work here (WPEHS's new-LP update to
                # CAF@) is processed like a person's, not ignored as a loop.
                handoff = handoff_view(
                    session, parsed.message_id, mailbox, settings.mailboxes[mailbox].address
                )
                if handoff is not None:
                    automatic = None
        if automatic is not None:
            # Never read an auto-reply's or bounce's attachments: nothing in them is acted on.
            return Prepared(row_id, mailbox, parsed, (), {}, automatic)
        attachments = sort_attachments(parsed.attachments)
        stored: dict[str, str] = {}
        for index, attachment in enumerate(attachments.to_read):
            # Not fsynced: an attachment can always be recovered from the durable raw message.
            _sha, path = self.shell.storage.put("documents", attachment.payload, durable=False)
            stored[f"{index}:{attachment.filename}"] = path
        return Prepared(
            row_id, mailbox, parsed, attachments.to_read, stored, None, attachments.facts, handoff
        )

    def process(self, ids: Sequence[int]) -> None:
        """Process messages in order, streaming: while the worker pool reads one message's documents,
        the next messages are parsed and the ones already read are decided and applied, so the
        workers never wait for the database and the database never waits for the workers.
        """
        pending: deque[tuple[Prepared, Future[list[DocumentFacts]] | None]] = deque()
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as threads:
            for row_id in ids:
                try:
                    item = self._prepare(row_id)
                except Exception as error:  # one broad catch per message: record it, move on
                    self._fail(row_id, error)
                    continue
                reading = threads.submit(self.reader.read, item.files) if item.files else None
                pending.append((item, reading))
                while pending and (pending[0][1] is None or pending[0][1].done()):
                    self._finish(*pending.popleft())
            while pending:
                self._finish(*pending.popleft())

    def _finish(self, item: Prepared, reading: Future[list[DocumentFacts]] | None) -> None:
        try:
            documents = [*item.known, *(reading.result() if reading is not None else [])]
            self._decide_and_apply(item, documents)
        except Exception as error:  # one broad catch per message: record it, move on
            self._fail(item.row_id, error)

    def _fail(self, row_id: int, error: Exception) -> None:
        log.error("message processing failed row=%s error=%s", row_id, type(error).__name__)
        with self.register.transaction() as session:
            row = session.get(Message, row_id)
            if row is None:
                return
            row.state = "failed"
            row.error = type(error).__name__
            row.processed_at = self.now()
            session.add(
                ReviewItem(
                    reason="processing_failed",
                    detail=f"mailbot could not process this message ({type(error).__name__})",
                    state="open",
                    message_row_id=row_id,
                    created_at=self.now(),
                )
            )

    def _stored_documents(self, item: Prepared, documents: list[DocumentFacts]) -> tuple[StoredDocument, ...]:
        by_name = {key.partition(":")[2]: path for key, path in item.stored_paths.items()}
        return tuple(StoredDocument(facts, by_name.get(facts.file)) for facts in documents)

    def _authentication(self, parsed: ParsedMessage, sender: str | None) -> SenderAuthentication | None:
        """The council's own servers' verdict on the From address, when config names those servers."""
        config = self.shell.settings.authentication
        domain = address_domain(sender) if sender else None
        if not config.enabled or domain is None:
            return None
        headers = trusted_results(parsed, config.trusted_authserv_ids, exchange_online=config.exchange_online)
        inside = config.exchange_online and exchange_internal(parsed)
        return authenticate_sender(domain, headers, inside_tenant=inside)

    def _decide_and_apply(self, item: Prepared, documents: list[DocumentFacts]) -> None:
        settings = self.shell.settings
        parsed = item.parsed
        now = self.now()
        mailbox = settings.mailboxes[item.mailbox]
        written = new_text(parsed.body_text)
        body = extract_message_facts(parsed.subject, written, self.vocabulary, settings.urn)
        automatic = item.automatic
        # An address mail cannot be sent to (checked once, when parsed) is no sender to reply to.
        sender = parsed.sender.email.lower() if parsed.sender and parsed.sender.usable else None
        rules = self.rules_for(now)
        authentication = self._authentication(parsed, sender)
        pattern = (
            message_pattern(sender, parsed.subject, written, [d.sha256 or d.file for d in documents])
            if sender
            else None
        )
        inbound = Inbound(
            mailbox_role=mailbox.role,
            sender=sender,
            address_problem=parsed.sender.problem if parsed.sender else None,
            address_trick=bool(parsed.sender and hides_another_address(parsed.sender.email)),
            text=f"{parsed.subject}\n{written}",
            body=body,
            documents=tuple(documents),
            automatic=automatic,
            sender_problem=parsed.sender_problem,
            authentication=authentication,
            pattern=pattern,
            body_text=parsed.body_text,
        )
        references = find_request_references(parsed.subject, written)
        thread_ids = thread_message_ids(parsed)
        with self.register.transaction() as session:
            # FOR UPDATE (PostgreSQL): a second instance working the same mailbox waits here, then
            # sees the message already processed. SQLite has one writer at a time anyway.
            row = session.get(Message, item.row_id, with_for_update=True)
            if row is None:
                raise RegisterError(f"message row {item.row_id} vanished while it was processed")
            if row.state != "received":
                return  # another runner got here first
            request: Request | None = None
            if automatic is None and item.handoff is None:
                request = find_thread_request(session, item.mailbox, references, thread_ids)
            prior = []
            if request is not None:
                prior_view = request_view(session, request)
                prior = [*prior_view.documents, *prior_view.bodies]
            merged = merge_facts([*prior, *documents], [body])
            allocation_reply = (
                automatic is None
                and mailbox.role == "wpehs"
                and answers_allocation_prompt(session, parsed.subject, thread_ids)
            )
            view = build_view(
                session,
                ViewQuery(
                    request=request,
                    urns=[*merged.urns],
                    children=merged.children,
                    sender=sender,
                    now=now,
                    allocation_reply=allocation_reply,
                    handoff=item.handoff,
                    urn_scheme=settings.urn,
                    urn_next_number=settings.urn_next_number,
                    pattern=pattern,
                    allocators_since=(
                        now - timedelta(days=rules.console_allocator_days) if rules.console_allocator_days else None
                    ),
                ),
            )
            decision = decide(inbound, view, rules)
            row.automatic = automatic.kind if automatic else None
            apply(
                session,
                self.shell,
                decision,
                Incoming(
                    row=row,
                    sender_name=parsed.sender.display_name if parsed.sender else None,
                    message_id=parsed.message_id,
                    references=parsed.references,
                    body=body,
                    documents=self._stored_documents(item, documents),
                    pattern=pattern,
                ),
                request,
                now,
            )
        log.info(
            "message processed row=%s mailbox=%s type=%s state=%s",
            item.row_id,
            item.mailbox,
            decision.request_type,
            decision.state,
        )
