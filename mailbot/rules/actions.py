"""The actions ``decide`` returns and ``apply`` carries out in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mailbot.domain.facts import Child, LeadProfessional


@dataclass(frozen=True)
class IssueUrn:
    """Open a new case with a fresh URN for these children."""

    children: tuple[Child, ...]
    district_postcode: str | None = None


@dataclass(frozen=True)
class ReuseUrn:
    """The children already have a case: attach the request to it (and add any new children)."""

    urn: str
    new_children: tuple[Child, ...] = ()


@dataclass(frozen=True)
class AttachCase:
    """The request is about an existing case named by a valid, known URN."""

    urn: str


@dataclass(frozen=True)
class RecordLeadProfessional:
    """Make ``lead_professional`` the case's current LP (the previous one is kept as history)."""

    urn: str
    lead_professional: LeadProfessional


@dataclass(frozen=True)
class ExpectTafMinutes:
    """The new LP owes CAF@ TAF minutes by ``due_on``: open a request that waits for them.

    ``notify`` says the LP gets their own email (``lead_professional_welcome``) saying what they now
    hold and what CAF@ expects; False when they have no email address in a trusted domain. Any earlier
    expectation on the case (a previous LP's) is closed.
    """

    urn: str
    lead_professional: LeadProfessional
    due_on: date
    notify: bool


@dataclass(frozen=True)
class SatisfyTafExpectation:
    """TAF minutes (or a re-versioned assessment) for ``urn`` were filed: stop waiting for them."""

    urn: str


@dataclass(frozen=True)
class QueueForAllocation:
    """Put a WPEHS step down on the list for the weekly allocations meeting."""


@dataclass(frozen=True)
class RecordAllocation:
    """WPEHS allocated the request for ``urn`` to a worker (from a digest reply or the CLI)."""

    urn: str
    worker_name: str
    worker_email: str | None
    team: str | None


@dataclass(frozen=True)
class Send:
    """Queue an email from ``template`` to ``to``; ``apply`` adds the standard context keys.

    ``personal`` says whether the email carries personal data: such mail is only ever queued for
    trusted domains (invariant 4). ``attach_documents_of_request`` attaches the assessment and plan.
    """

    template: str
    to: tuple[str, ...]
    context: dict[str, Any] = field(default_factory=dict)
    personal: bool = True
    attach_documents_of_request: bool = False
    key: str = ""


@dataclass(frozen=True)
class Review:
    """Put the request/message in the review queue with a reason a person can act on.

    With a ``hold_key`` (a reply limit, ``mailbot.rules.limits``) at most one item is open per key:
    ``apply`` adds none while one is open, so a flood or a loop makes one item, not one per message.
    """

    reason: str
    detail: str = ""
    hold_key: str = ""


@dataclass(frozen=True)
class Ignore:
    """Record the message and do nothing else (auto-replies, loops, mailing lists)."""

    reason: str


@dataclass(frozen=True)
class MarkOutboxFailed:
    """A bounce came back for one of our messages."""

    message_id: str
    recipients: tuple[str, ...]


Action = (
    IssueUrn
    | ReuseUrn
    | AttachCase
    | RecordLeadProfessional
    | ExpectTafMinutes
    | SatisfyTafExpectation
    | QueueForAllocation
    | RecordAllocation
    | Send
    | Review
    | Ignore
    | MarkOutboxFailed
)


@dataclass(frozen=True)
class Decision:
    """What to do with one message: the request it belongs to and the actions, with the reasons.

    ``request_type`` None means no request is opened (automatic mail, allocation replies).
    ``state`` is the request's new state; ``missing`` what it still lacks, in words a social worker
    understands; ``explanation`` lines go to the audit log.
    """

    request_type: str | None
    state: str
    actions: tuple[Action, ...]
    missing: tuple[str, ...] = ()
    message_state: str = "processed"
    explanation: tuple[str, ...] = ()
    meeting_date: date | None = None
