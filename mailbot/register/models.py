"""The register's tables as SQLAlchemy 2.0 typed mappings (DESIGN.md section 4).

The register is the CAF database team's record of every case, request, document and message, and the
outbox that makes sending safe. Personal data lives here (and only here and in the storage folder);
it never goes to logs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from mailbot.register.conditions import (  # re-exported: the conditions the partial indexes state
    FINISHED_REQUEST_STATES,
    OPEN_REQUEST,
    UNFILED_OUTBOX,
    UNSENT_OUTBOX,
    WAITING_MESSAGE,
    open_request,
    unsent_outbox,
    waiting_message,
)

__all__ = [
    "FINISHED_REQUEST_STATES",
    "OPEN_REQUEST",
    "UNFILED_OUTBOX",
    "UNSENT_OUTBOX",
    "WAITING_MESSAGE",
    "open_request",
    "unsent_outbox",
    "waiting_message",
]


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as naive UTC and returned aware, the same on SQLite and PostgreSQL.

    SQLite has no time zone type, so an aware datetime would come back naive and compare wrongly.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the register; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base; naming convention keeps Alembic constraint names stable across databases."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UtcDateTime()}  # noqa: RUF012


Base.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Sequence(Base):
    """Named counters (the URN sequence); incremented with a single UPDATE so two instances never clash."""

    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger)


class Case(Base):
    """One Early Help case, identified by its URN; a family case may hold several children."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    urn: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(30), default="open")
    district: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: When retention or erasure removed the children's details (the URN and this row stay).
    anonymised_at: Mapped[datetime | None]
    children: Mapped[list[Child]] = relationship(back_populates="case", order_by="Child.id")
    lead_professionals: Mapped[list[LeadProfessional]] = relationship(
        back_populates="case", order_by="LeadProfessional.id"
    )

    @property
    def current_lead_professional(self) -> LeadProfessional | None:
        current = [lp for lp in self.lead_professionals if lp.ended_at is None]
        return current[-1] if current else None


class Child(Base):
    """A child on a case. ``lcs_id`` is looked up as ``upper(lcs_id)`` (the expression index below),
    so it needs no plain index of its own (migration 0008 dropped it)."""

    __tablename__ = "children"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    lcs_id: Mapped[str | None] = mapped_column(String(40))
    postcode: Mapped[str | None] = mapped_column(String(12))
    case: Mapped[Case] = relationship(back_populates="children")


# The console finds a child by name or LCS id in any letter case, at a million cases (migration 0003);
# the duplicate check finds children by ``upper(lcs_id)`` too.
Index("ix_children_name_lower", func.lower(Child.name))
Index("ix_children_lcs_id_upper", func.upper(Child.lcs_id))


class LeadProfessional(Base):
    """A lead professional on a case; history is kept: the current one has ``ended_at`` None."""

    __tablename__ = "lead_professionals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    agency: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    recorded_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    case: Mapped[Case] = relationship(back_populates="lead_professionals")


class Request(Base):
    """One submission by a social worker (URN request, step down, new LP, TAF minutes...)."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_mailbox_state", "mailbox", "state"),
        # Only the requests not finished: ``status`` counts open work, whatever the history.
        Index(
            "ix_requests_open_state",
            "state",
            sqlite_where=text(OPEN_REQUEST),
            postgresql_where=text(OPEN_REQUEST),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(30), index=True)
    sender: Mapped[str] = mapped_column(String(254))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    missing: Mapped[list[Any]] = mapped_column(default=list)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    chase_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime]
    last_chased_at: Mapped[datetime | None]
    meeting_date: Mapped[date | None] = mapped_column(Date)
    #: when what the request waits for is due (the new LP's first TAF minutes); None when not set.
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    case: Mapped[Case | None] = relationship()

    @property
    def reference(self) -> str:
        """The reference carried in subjects as ``[SD-000123]`` so replies thread to this request."""
        return f"SD-{self.id:06d}"


class Message(Base):
    """Every message in and out. Incoming rows are written before the source is told it is done."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("mailbox", "direction", "sha256", name="uq_messages_mailbox_sha256"),
        # Only the messages waiting to be processed: what the pipeline and ``status`` look for.
        Index(
            "ix_messages_waiting",
            "mailbox",
            "id",
            sqlite_where=text(WAITING_MESSAGE),
            postgresql_where=text(WAITING_MESSAGE),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    raw_path: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(30), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    sender: Mapped[str | None] = mapped_column(String(254))
    #: Why mail cannot be sent to ``sender`` (``mailbot.mail.addresses``); None when it can.
    sender_problem: Mapped[str | None] = mapped_column(String(200))
    automatic: Mapped[str | None] = mapped_column(String(30))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class SourceLedger(Base):
    """Which source message (mailbox, folder, UIDVALIDITY, UID) became which register message.

    Deduplicating on UID alone breaks when a mailbox is rebuilt (paperless-ngx issue 10080); with the
    content hash in ``messages`` a re-delivered or re-numbered message is recognised and recorded once.
    """

    __tablename__ = "source_ledger"
    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_source_ledger_location"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(40))
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_row_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    seen_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class Document(Base):
    """One attachment (or file inside a container) read from an incoming message."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_row_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str | None] = mapped_column(String(64))
    stored_path: Mapped[str | None] = mapped_column(String(500))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    problems: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class Allocation(Base):
    """WPEHS's allocation of a step down to a worker, made at the weekly allocations meeting."""

    __tablename__ = "allocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    worker_name: Mapped[str] = mapped_column(String(200))
    worker_email: Mapped[str | None] = mapped_column(String(254))
    team: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(30))  # "email", "cli" or "console"
    allocated_at: Mapped[datetime]
    #: Set when the allocation was undone at the meeting (the row stays, for the record).
    undone_at: Mapped[datetime | None]


class Outbox(Base):
    """A message to send. Written in the same transaction as the decision that wants it sent.

    ``message_id`` is deterministic (derived from ``dedupe_key``) so after a crash the Sent folder tells
    whether the row already went; ``dedupe_key`` is unique so a decision replayed twice cannot queue
    the same reply twice. A row is ``sending`` only while one drain hands it over: ``claimed_until``
    is that claim's lease, after which any drain may take it over (``mailbot.transports.claims``).
    ``filed_at`` is when the copy went into the mailbox's Sent folder.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_created_at", "state", "created_at"),
        # Only rows not sent yet: what a drain looks for, whatever has been sent before.
        Index(
            "ix_outbox_unsent",
            "next_attempt_at",
            sqlite_where=text(UNSENT_OUTBOX),
            postgresql_where=text(UNSENT_OUTBOX),
        ),
        # Only rows whose Sent copy is not filed: what each drain's re-filing looks for.
        Index(
            "ix_outbox_unfiled",
            "id",
            sqlite_where=text(UNFILED_OUTBOX),
            postgresql_where=text(UNFILED_OUTBOX),
        ),
        Index("ix_outbox_counterpart_created_at", "counterpart", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    mailbox: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(60))
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    #: first recipient, lower-cased: counts replies per sender per hour without JSON queries.
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(20))  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    filed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    #: the outside sender whose mail caused this email (reply, chase-up, escalation), lower-cased;
    #: the reply limits count on it (``mailbot.rules.limits``). None for digests and allocations.
    counterpart: Mapped[str | None] = mapped_column(String(254))
    #: fingerprint of the incoming message that caused it (``mailbot.rules.limits.message_pattern``).
    pattern: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    #: When retention or erasure cut ``raw`` down to its headers (body and attachments gone).
    body_removed_at: Mapped[datetime | None]


class ReviewItem(Base):
    """Something the rules could not decide; the mailbox team works these."""

    __tablename__ = "review_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), index=True)  # open, resolved
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    message_row_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    #: set on the one item a reply limit opens (``sender:…``, ``pattern:…``, ``thread:…``): while it is
    #: open, emails under that key are held; resolving it lifts the hold.
    hold_key: Mapped[str | None] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)


class Event(Base):
    """Append-only audit log: every decision with the inputs that explain it, and who made it.

    ``actor`` is the person (``console:<user>`` signed in, ``cli:<OS user or --as>``); None when
    mailbot decided by itself. ``Register.transaction(actor=...)`` stamps it on every event written.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_request_at", "request_id", "at"),
        Index("ix_events_case_at", "case_id", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(60))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    message_row_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str | None] = mapped_column(String(200))


class MailboxHealth(Base):
    """One row per mailbox: when it last signed in and listened, and its last connection error.

    ``failing_since`` is the first failure after the last success (None while healthy), so
    ``mailbot status`` can say a mailbox has been unreachable for longer than the configured time.
    ``last_error`` is scrubbed of tokens and secrets before it is written.
    """

    __tablename__ = "mailbox_health"
    mailbox: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_signed_in_at: Mapped[datetime | None]
    last_listened_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]


class StaffMember(Base):
    """A person who has signed in to the console, with the roles their identity provider's groups
    gave them at their last sign-in.

    Why: a council keeps its WPEHS allocators in an Entra ID group, not in mailbot's config. When
    ``workflow.console_allocator_days`` is set, a digest reply from someone who signed in lately with
    a role that may allocate is accepted like one from a configured allocator. Each sign-in rewrites
    the roles, so a person taken out of the group stops allocating at their next sign-in, and anyone
    who has not signed in for that many days stops anyway. Staff data only: no child's data here.
    """

    __tablename__ = "staff"
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(JSON)
    first_signed_in_at: Mapped[datetime]
    last_signed_in_at: Mapped[datetime] = mapped_column(index=True)
