"""What the reader learns from one document or email body: the facts, where each came from, and problems.

These values are the reader's contract (``mailbot read-document`` prints ``DocumentFacts.to_json()``)
and the input of ``rules.decide``. Errors are values here: a document that cannot be read carries a
``Problem``; it never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

DocumentKind = Literal["assessment", "plan", "taf_minutes", "consent", "email", "other"]

#: Problem codes the chase-up templates know how to explain to a social worker.
PROBLEM_CODES = (
    "encrypted",  # password protected: ask for an unprotected copy
    "corrupt",  # the file is damaged or not what its name says
    "too_large",  # over the configured size or page limit
    "timeout",  # reading took longer than the configured limit
    "no_text_layer",  # a scan with no text and no OCR available
    "unsupported_format",  # a format we cannot read (named in the detail)
    "invalid_urn",  # a URN-shaped string whose check character fails
    "macro_enabled",  # .docm: read as text only, macros never run
    "empty",  # a readable document with no text at all
    # The reader found disagreeing candidates for a fact and chose none: the detail starts with the
    # fact's path ("children[0].date_of_birth: ...") and lists the candidates with where each was read.
    # It sends the request to review with the candidates shown, never to a chase-up of the sender.
    "uncertain",
)


@dataclass(frozen=True)
class Problem:
    """Why a document (or part of it) could not be read; ``detail`` is safe to show the sender."""

    code: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class Child:
    """One child named in a document; a family often has several."""

    name: str | None = None
    date_of_birth: date | None = None
    lcs_id: str | None = None
    postcode: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "lcs_id": self.lcs_id,
            "postcode": self.postcode,
        }


@dataclass(frozen=True)
class LeadProfessional:
    """The professional who will lead the Early Help work after the step down."""

    name: str | None = None
    role: str | None = None
    agency: str | None = None
    email: str | None = None
    phone: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "role": self.role,
            "agency": self.agency,
            "email": self.email,
            "phone": self.phone,
        }

    @property
    def has_contact(self) -> bool:
        return bool(self.email or self.phone)


@dataclass(frozen=True)
class Consent:
    """Whether the family consented to Early Help and to sharing the assessment and plan."""

    given: bool | None = None
    date: date | None = None
    signed_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "given": self.given,
            "date": self.date.isoformat() if self.date else None,
            "signed_by": self.signed_by,
        }


@dataclass(frozen=True)
class DocumentFacts:
    """Facts read from one document (or one email body, with ``kind="email"``).

    ``provenance`` maps a field path (``urn``, ``children[0].date_of_birth``,
    ``lead_professional.email``) to where it was read (``table 2 row 3``, ``page 1``); ``confidence``
    maps the same paths to 0..1. A field the document is silent on stays None: a wrong value is worse
    than a chase-up.
    """

    file: str
    kind: DocumentKind = "other"
    urn: str | None = None
    children: tuple[Child, ...] = ()
    lead_professional: LeadProfessional | None = None
    consent: Consent = field(default_factory=Consent)
    level_of_need: int | None = None
    work_requested: str | None = None
    meeting_date: date | None = None
    problems: tuple[Problem, ...] = ()
    provenance: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    #: URN-shaped strings whose check character failed, as written (for the "please confirm" reply).
    invalid_urns: tuple[str, ...] = ()
    sha256: str | None = None

    @property
    def readable(self) -> bool:
        """False when a problem stopped us reading the content at all."""
        blocking = {
            "encrypted",
            "corrupt",
            "too_large",
            "timeout",
            "no_text_layer",
            "unsupported_format",
            "empty",
        }
        return not any(p.code in blocking for p in self.problems)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentFacts:
        """Rebuild facts stored in the register (the inverse of ``to_json``)."""

        def day(text: Any) -> date | None:
            return date.fromisoformat(text) if text else None

        lp = data.get("lead_professional")
        consent = data.get("consent") or {}
        return cls(
            file=data.get("file", ""),
            kind=data.get("kind", "other"),
            urn=data.get("urn"),
            children=tuple(
                Child(c.get("name"), day(c.get("date_of_birth")), c.get("lcs_id"), c.get("postcode"))
                for c in data.get("children", [])
            ),
            lead_professional=LeadProfessional(**lp) if lp else None,
            consent=Consent(consent.get("given"), day(consent.get("date")), consent.get("signed_by")),
            level_of_need=data.get("level_of_need"),
            work_requested=data.get("work_requested"),
            meeting_date=day(data.get("meeting_date")),
            problems=tuple(Problem(p["code"], p["detail"]) for p in data.get("problems", [])),
            provenance=dict(data.get("provenance", {})),
            confidence=dict(data.get("confidence", {})),
            invalid_urns=tuple(data.get("invalid_urns", ())),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "urn": self.urn,
            "children": [c.to_json() for c in self.children],
            "lead_professional": self.lead_professional.to_json() if self.lead_professional else None,
            "consent": self.consent.to_json(),
            "level_of_need": self.level_of_need,
            "work_requested": self.work_requested,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "problems": [p.to_json() for p in self.problems],
            "provenance": dict(self.provenance),
            "confidence": dict(self.confidence),
            "invalid_urns": list(self.invalid_urns),
        }
