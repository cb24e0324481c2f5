"""The form model a walk produces: labelled values with their section, group and place (pure values).

``layout`` walks a document's blocks into these; the readers per concern (children, lead professional,
consent, the document) read them. Nothing here knows file formats or what a label means.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field

from mailbot.extract.vocabulary import LabelMatch

#: A label is short; a longer piece of text is a value or prose.
MAX_LABEL = 90
#: Words going on in lower case, no "@" or digits: the second line of a wrapped label.
WRAPPED_LINE = re.compile(r"[a-z][a-z\s'/,()-]*[?:]?$")


@dataclass(frozen=True)
class Entry:
    """One labelled value: ``section``/``field`` from the vocabulary, ``group`` tells people apart."""

    section: str
    field: str
    value: str
    where: str
    group: Hashable | None
    instance: int
    confidence: float
    #: the section the walker was in when it read this value (a label may name another section).
    context: str | None = None


@dataclass(frozen=True)
class Option:
    """A check-box option (``"Level 2"``) and whether it is ticked, with the section it sits in."""

    text: str
    ticked: bool
    where: str
    section: str | None
    label: LabelMatch | None


@dataclass
class Walk:
    """What walking one document produced."""

    entries: list[Entry] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    #: plain text lines (not used as labels or values) per section, for free-text statements.
    free_text: list[tuple[str, str, str | None]] = field(default_factory=list)
    #: the lines of the first sign-off block ("Yours sincerely," then name, role, contact), as written.
    signature: list[tuple[str, str]] = field(default_factory=list)
    #: rows of people tables (attendees, professionals involved): ``{field: (value, where)}`` per row,
    #: kept so a lead professional named elsewhere can be completed from their own row.
    people: list[dict[str, tuple[str, str]]] = field(default_factory=list)


def field_of(match: LabelMatch | None) -> str | None:
    return match.field if match is not None else None
