"""Reading the document itself: its kind, URN, level of need, work requested and meeting date (pure).

Meeting date semantics: ``meeting_date`` is the meeting the family's case is heading to: a label that
says "next" (next TAF/review meeting) is read and deliberately not reported; a multi-agency, step-down
or CIN meeting's date, or a plain "Date of meeting", is.
"""

from __future__ import annotations

import re
from typing import Any

from mailbot.domain.content import DocumentContent, Paragraph, Table
from mailbot.domain.facts import DocumentKind, Problem
from mailbot.domain.urn import UrnScheme
from mailbot.extract.dates import parse_british_date
from mailbot.extract.evidence import Evidence, Outcome
from mailbot.extract.layout import Entry, Option
from mailbot.extract.values import collapse, level_in_option, parse_level, parse_yes_no
from mailbot.extract.vocabulary import FieldVocabulary

_ADDRESS_LINE = re.compile(
    r"\s*(?:to|re|from|cc|date|subject|dear|ref|our ref|your ref)\b\s*:?", re.IGNORECASE
)
_MEETING_SENTENCE = re.compile(
    r"\b(?:multi[\s-]?agency|TAF|team around the family|CIN|child in need|step[\s-]?down|core group|family|family plan(?:ning)?)"
    r"\s+(?:review\s+)?meeting\b(?:\s+(?:has been|is|was|will be))?\s+(?:called|booked|arranged|held|scheduled)?"
    r"\s*(?:for|on)\b",
    re.IGNORECASE,
)
_LEVEL_SENTENCE = re.compile(
    r"\b(?:assessed|identified|agreed|assessed as|currently|stepp(?:ed|ing) down to|needs are|sits?|meets?)"
    r"[^.\n]{0,40}?\blevel\s*([1-4])\b",
    re.IGNORECASE,
)
_NEED_WORD = re.compile(r"\b(?:need|continuum|con|threshold)\b", re.IGNORECASE)


def read_document_entry(evidence: Evidence, entry: Entry) -> None:
    name, value, where, confidence = entry.field, entry.value, entry.where, entry.confidence
    record = evidence.document
    if name == "level_of_need":
        record.slot("level_of_need").add(parse_level(value), where, confidence)
    elif name in ("work_requested", "work_requested_fallback"):
        if not evidence.vocabulary.is_placeholder(value):
            weight = confidence if name == "work_requested" else confidence * 0.75
            record.slot("work_requested").add(the_request(collapse(value)), where, weight)
    elif name == "meeting_date":
        record.slot(name).add(parse_british_date(value), where, confidence)
    elif name == "consent_given":
        evidence.consent.slot("given").add(parse_yes_no(value), where, confidence)


#: Where a sentence ends: a full stop after a word of three letters or more (not "Dr." or "e.g."),
#: then a capital.
_SENTENCE_BREAK = re.compile(r"(?<=[A-Za-z0-9)]{3}[.!])\s+(?=[A-Z])")
#: A first sentence this long says the request; what follows is its background.
_REQUEST_SENTENCE = 40


#: An answer longer than this is a request and its background; a shorter one is all request.
_LONG_ANSWER = 200


def the_request(text: str) -> str:
    """The request in an answer: a short answer whole ("Support with attendance. Parenting course."),
    a long one's first sentence when that says enough; the background a worker adds after it ("The
    family have engaged well ...") is left out."""
    if len(text) <= _LONG_ANSWER:
        return text
    sentences = _SENTENCE_BREAK.split(text)
    return sentences[0] if len(sentences[0]) >= _REQUEST_SENTENCE else text


def read_level_option(evidence: Evidence, option: Option) -> None:
    """A ticked "Level 2" box, under a level-of-need label or none."""
    level = level_in_option(option.text)
    label_field = option.label.field if option.label is not None else None
    if level is not None and label_field in (None, "level_of_need"):
        evidence.document.slot("option_level").add(level, option.where, 0.8)


def read_meeting_sentence(evidence: Evidence, text: str, where: str) -> None:
    """ "The multi-agency meeting is booked for 12/05/2025": the meeting's date in running text."""
    for meeting in _MEETING_SENTENCE.finditer(text):
        when = parse_british_date(text[meeting.end() : meeting.end() + 60])
        evidence.document.slot("sentence_meeting_date").add(when, where, 0.6)


def read_level_sentence(evidence: Evidence, text: str, where: str) -> None:
    """ "Needs are assessed at level 2 on the Continuum of Need": the level in running text."""
    for match in _LEVEL_SENTENCE.finditer(text):
        if _NEED_WORD.search(text):
            evidence.document.slot("sentence_level").add(int(match.group(1)), where, 0.6)


def resolve_document(evidence: Evidence, outcome: Outcome) -> dict[str, Any]:
    record = evidence.document
    level = outcome.take(record, "level_of_need", "level_of_need")
    if level is None:
        level = outcome.take(record, "option_level", "level_of_need")
    if level is None:
        level = outcome.take(record, "sentence_level", "level_of_need")
    meeting = outcome.take(record, "meeting_date", "meeting_date")
    if meeting is None:
        meeting = outcome.take(record, "sentence_meeting_date", "meeting_date")
    work = outcome.take(record, "work_requested", "work_requested")
    if work is None:
        work = outcome.take(record, "sentence_work", "work_requested")
    return {
        "level_of_need": level,
        "work_requested": work,
        "meeting_date": meeting,
    }


def _title_lines(content: DocumentContent) -> list[str]:
    """The first heading and the first few short lines: where a document says what it is."""
    lines = [b.text for b in content.blocks if isinstance(b, Paragraph) and b.heading_level == 1][:1]
    for block in content.blocks[:8]:
        if isinstance(block, Paragraph):
            if (
                block.text.strip()
                and len(block.text) <= 90
                and not _ADDRESS_LINE.match(block.text)  # "To: CAF Database Team" addresses, no title
                and not block.text.rstrip().endswith((".", ",", ";"))  # a sentence, not a title
                and block.where not in ("header", "footer")
            ):
                lines.append(block.text)
        elif isinstance(block, Table) and block.rows:
            lines.extend(cell.text for cell in block.rows[0] if len(cell.text) <= 90)
        if len(lines) >= 4:
            break
    return lines


def document_kind(content: DocumentContent, vocabulary: FieldVocabulary) -> DocumentKind:
    """The document's kind from its title lines, else its file name; "other" when neither says.

    A file with no readable content is "other" whatever its name.
    """
    if content.media == "email":
        return "email"
    if not content.blocks:
        return "other"
    for line in [*_title_lines(content), content.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]]:
        kind = vocabulary.kind_of(line)
        if kind in ("assessment", "plan", "taf_minutes", "consent", "other"):
            return kind  # type: ignore[return-value]  # a title naming "other" settles it too
    return "other"


#: Words before a URN that say it is not the case's URN now.
_NOT_THIS_URN = re.compile(
    r"\b(?:previous|former|old|closed|superseded|historic|expired|cancelled|do not use|not to be used)\b",
    re.IGNORECASE,
)


def _clause_before(text: str, written: str) -> str:
    """The words before ``written`` on its line, back to the end of the sentence before it."""
    at = text.find(written)
    if at < 0:
        return ""
    line = re.sub(r"[.…·]{2,}", " ", text[text.rfind("\n", 0, at) + 1 : at])  # dotted leaders
    return re.split(r"[.!?](?:\s|$)", line)[-1]


def find_urns(
    pieces: list[tuple[str, str]], urn_scheme: UrnScheme, labelled: list[tuple[str, str]] | None = None
) -> tuple[str | None, str | None, tuple[str, ...], list[Problem]]:
    """The URN of ``pieces`` (text, where), where it was read, invalid URNs as written, problems.

    ``labelled`` are values read under a URN label (a form's "URN" field): there a bare, digits-only
    URN counts too (``UrnScheme.find(labelled=True)``).
    """
    valid: dict[str, str] = {}
    invalid: dict[str, tuple[str, str]] = {}
    numbers_of_valid: set[str] = set()
    sources = [(text, where, False) for text, where in pieces]
    sources += [(text, where, True) for text, where in labelled or ()]
    for text, where, is_label in sources:
        if not urn_scheme.might_contain(text):
            continue
        for candidate in urn_scheme.find(text, labelled=is_label):
            if _NOT_THIS_URN.search(_clause_before(text, candidate.as_written)):
                continue  # "Previous URN (closed episode – do not use): ...": not the case's URN
            if candidate.valid:
                valid.setdefault(candidate.normalised, where)
                numbers_of_valid.add(candidate.number)
            else:
                invalid.setdefault(candidate.normalised, (candidate.number, collapse(candidate.as_written)))
    problems: list[Problem] = []
    invalid_written = tuple(written for number, written in invalid.values() if number not in numbers_of_valid)
    for written in invalid_written:
        problems.append(
            Problem(
                "invalid_urn", f"The URN {written} is not a valid URN (its check character does not match)."
            )
        )
    if len(valid) > 1:
        problems.append(
            Problem("conflicting_urns", "The document gives more than one URN: " + ", ".join(valid) + ".")
        )
        return None, None, invalid_written, problems
    if valid:
        urn, where = next(iter(valid.items()))
        return urn, where, invalid_written, problems
    return None, None, invalid_written, problems
