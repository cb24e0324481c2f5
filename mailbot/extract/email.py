"""Reading a social worker's email body with the same extractor, plus the sentences emails use (pure).

Social workers write "Label: value" lines and sentences ("the new LP will be Jane Smith from Barnardo's",
"consent has been obtained", "the multi-agency meeting is on 12/05/2025"). Their own signature (after
"Kind regards", or an Outlook block naming a social worker) is the sender, never the lead professional.
Quoted earlier messages (">" lines, "-----Original Message-----", "On ... wrote:") are not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from mailbot.domain.content import DocumentContent, Paragraph
from mailbot.domain.facts import Child, DocumentFacts
from mailbot.domain.urn import UrnScheme
from mailbot.extract.children import birth_date
from mailbot.extract.dates import DEFAULT_LATEST_YEAR, iter_british_dates, parse_british_date
from mailbot.extract.email_lead_professional import HEADING as LP_HEADING
from mailbot.extract.email_lead_professional import mark_lead_professional_blocks
from mailbot.extract.evidence import FieldRecord
from mailbot.extract.extractor import FactCollector, extract_layout_facts
from mailbot.extract.layout import Walk
from mailbot.extract.prose import work_in_prose
from mailbot.extract.values import (
    _CONSENT_NO,
    _CONSENT_YES,
    EMAIL,
    NAME_WITH_BIRTH_DATE,
    PHONE,
    clean_name,
    clean_text,
    collapse,
)
from mailbot.extract.vocabulary import FieldVocabulary, label_key

_QUOTE_START = re.compile(
    r"^\s*(?:-{2,}\s*original message\s*-{2,}|_{5,}|from:\s.+|on .{4,80} wrote:|begin forwarded message:)"
    r"\s*$",
    re.IGNORECASE,
)
_UNDERLINE = re.compile(r"^\s*[-=_]{3,}\s*$")
_NAME = r"((?:[A-Z][a-zA-Z'’\-]+)(?:\s+[A-Z][a-zA-Z'’\-]+){1,3})"
_LP_SENTENCES = (
    re.compile(
        r"\b(?:new|proposed|identified|agreed)?\s*(?:lead professional|LP)\b\s*(?:will be|is going to be|i"
        r"s|shall be)?\s*[:\-–]?\s*" + _NAME,
    ),
    re.compile(
        _NAME + r"\s*(?:\(([^)]{2,80})\))?,?\s*(?:(?:from|at|of)\s+([^,.\n]{2,60}?)\s+)?"
        r"(?:has agreed to|will|is going to|has been identified to|is happy to)\s+"
        r"(?:be|become|take on the role of|act as)\s+(?:the\s+)?(?:new\s+)?(?:lead professional|LP)\b",
    ),
)
_AGENCY_AFTER = re.compile(r"^\s*(?:\(([^)]{2,80})\)|,?\s*(?:from|at|of)\s+([A-Z][^,.\n]{1,60}))")
_LCS_NEAR = re.compile(
    r"\b(?:LCS|Liquid\s?Logic|Mosaic)(?:\s*(?:ID|number|no\.?|ref))?\s*[:#]?\s*([A-Za-z]{0,3}\d{3,12})",
    re.IGNORECASE,
)
_MEETING = re.compile(
    r"\b(?:multi[\s-]?agency|TAF|team around the family|CIN|child in need|step[\s-]?down|core group|networ"
    r"k|review)"
    r"\s+(?:review\s+)?meeting\b",
    re.IGNORECASE,
)
_DATE = (
    r"(\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Za-z]{3,9}\.?,?\s+"
    r"\d{2,4}|\d{4}-\d{2}-\d{2})"
)
#: "Tom's date of birth is 14/06/2017", "Tom was born on 14/06/2017": a child named by first name or more.
_NAMED_BIRTH_DATE = re.compile(
    r"\b((?:[A-Z][a-zA-Z'’\-]+)(?:\s+[A-Z][a-zA-Z'’\-]+){0,3})"
    r"(?:['’]s\s+(?i:date\s+of\s+birth|d\.?o\.?b\.?|birth ?date|birthday)"
    r"\s*(?:is|was|:|-|–)?|\s+(?:was born on|was born|is born on))\s*" + _DATE
)
#: "the child's date of birth is 14/06/2017", "her DOB is ...": a birth date naming nobody.
_UNNAMED_BIRTH_DATE = re.compile(
    r"\b(?:(?:his|her|their|the)\s+(?:child's\s+|young person's\s+)?|child's\s+)"
    r"(?:date of birth|DOB|D\.O\.B\.?|birth ?date)\s*(?:is|was|:|-|–)\s*" + _DATE,
    re.IGNORECASE,
)
_WORK_SENTENCE = re.compile(
    r"\b(?:work (?:being )?requested (?:is|would be)|(?:I am|I'm|we are|we're) (?:requesting|asking for|re"
    r"questing that)"
    r"|(?:the )?request is for)\s+(.{10,600}?)(?:\.(?:\s|$)|$)",
    re.IGNORECASE | re.DOTALL,
)
_LEVEL_SENTENCE = re.compile(
    r"\b(?:level\s*([1-4])\b[^.\n]{0,30}\b(?:continuum|need|con|threshold)|(?:continuum of need|CoN|level "
    r"of need|threshold)"
    r"[^.\n]{0,30}?\blevel\s*([1-4])\b|(?:assessed|identified|agreed|needs are)[^.\n]{0,30}?\blevel\s*([1-"
    r"4])\b)",
    re.IGNORECASE,
)
_SOCIAL_WORKER_ROLE = re.compile(
    r"^\s*(?:senior\s+)?(?:social worker|team manager|practice manager|advanced practitioner|senior practi"
    r"tioner|"
    r"assistant team manager|family support worker \(csc\)|youth offending|yot officer|case worker)\b",
    re.IGNORECASE,
)


def _unquoted_lines(text: str) -> list[tuple[int, str]]:
    """Lines (1-based number, text) above any quoted earlier message; ">" lines left out."""
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if _QUOTE_START.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append((number, line.rstrip()))
    return lines


def content_from_text(file: str, text: str, media: str = "email") -> DocumentContent:
    """Turn a plain-text email body into paragraphs (one a line, ``where="line N"``).

    A short line ending in ":" with nothing after it, an ALL-CAPS line or a line underlined with
    ``---``/``===`` becomes a heading (level 2); "Label: value" lines stay paragraphs for the
    extractor to split. Blank lines are kept as empty paragraphs (paragraph breaks).
    """
    lines = _unquoted_lines(text)
    blocks: list[Paragraph] = []
    for index, (number, line) in enumerate(lines):
        stripped = line.strip()
        if _UNDERLINE.match(stripped):
            continue
        underlined = index + 1 < len(lines) and bool(_UNDERLINE.match(lines[index + 1][1])) and bool(stripped)
        words = stripped.split()
        heading = None
        if (
            stripped
            and len(words) <= 8
            and not stripped.endswith((".", ","))
            and (
                underlined
                or (stripped.endswith(":") and stripped.count(":") == 1)
                or (stripped.isupper() and any(c.isalpha() for c in stripped) and len(words) <= 6)
            )
        ):
            heading = 2
        blocks.append(Paragraph(text=stripped, where=f"line {number}", heading_level=heading))
    return DocumentContent(file=file, media=media, blocks=tuple(blocks))


def _body_before_signature(content: DocumentContent, vocabulary: FieldVocabulary) -> list[Paragraph]:
    """Lines above the sender's sign-off or signature block."""
    kept: list[Paragraph] = []
    for block in content.blocks:
        if not isinstance(block, Paragraph):
            continue
        text = block.text.strip()
        if _QUOTE_START.match(text):
            break  # an earlier message quoted below (a container's body is not cut by content_from_text)
        if text.startswith(">"):
            continue
        if text and len(text) <= 40:
            heading = vocabulary.heading_section(text, strict=True)
            if heading is not None and heading[0] == "sender":
                break
        if _SOCIAL_WORKER_ROLE.match(text) and kept and clean_name(kept[-1].text):
            kept.pop()  # an Outlook signature: "Jane Doe" then "Social Worker"
            break
        kept.append(block)
    return kept


@dataclass(frozen=True)
class _BodyParagraph:
    """Lines of the body joined until a blank line, remembering where each line starts."""

    text: str
    starts: tuple[tuple[int, str], ...]

    def where(self, offset: int) -> str:
        found = self.starts[0][1]
        for start, where in self.starts:
            if start > offset:
                break
            found = where
        return found


def _paragraphs(lines: list[Paragraph]) -> list[_BodyParagraph]:
    paragraphs: list[_BodyParagraph] = []
    parts: list[str] = []
    starts: list[tuple[int, str]] = []
    length = 0
    for line in [*lines, Paragraph("", "end")]:
        if not line.text:
            if parts:
                paragraphs.append(_BodyParagraph(" ".join(parts), tuple(starts)))
            parts, starts, length = [], [], 0
            continue
        starts.append((length, line.where))
        parts.append(line.text)
        length += len(line.text) + 1
    return paragraphs


def _email_statements(paragraphs: list[_BodyParagraph]) -> Callable[[FactCollector, Walk], None]:
    def apply(facts: FactCollector, _found: Walk) -> None:
        for paragraph in paragraphs:
            text = paragraph.text
            _read_lead_professional(facts, text, paragraph)
            _read_named_birth_dates(facts, paragraph)
            _read_work_in_sentence(facts, paragraph)
            for match in NAME_WITH_BIRTH_DATE.finditer(text):
                where = paragraph.where(match.start())
                name = clean_name(match.group(1))
                dob = parse_british_date(match.group(2), latest_year=facts.dob_latest_year)
                if name is None or dob is None or label_key(name)[0] in facts.vocabulary.section_phrases:
                    continue
                record = facts.children.get(("email", name.lower()))
                if record is None:
                    record = FieldRecord()
                    facts.children[("email", name.lower())] = record
                    facts.child_order.append(("email", name.lower()))
                record.slot("name").add(name, where, 0.75)
                record.slot("date_of_birth").add(dob, where, 0.75)
                lcs = _LCS_NEAR.search(text, match.end(), min(len(text), match.end() + 60))
                if lcs is not None:
                    record.slot("lcs_id").add(lcs.group(1), where, 0.7)
            yes, no = _CONSENT_YES.search(text), _CONSENT_NO.search(text)
            statement = yes or no
            where = paragraph.where(statement.start()) if statement is not None else ""
            if yes or no:
                if yes:
                    facts.consent.slot("given").add(True, where, 0.7)
                if no:
                    facts.consent.slot("given").add(False, where, 0.7)  # both: a tie, so None
                if yes and not no:
                    tail = text[yes.end() : yes.end() + 40]
                    consent_date = parse_british_date(tail)
                    if consent_date is not None:
                        facts.consent.slot("date").add(consent_date, where, 0.7)
            for meeting in _MEETING.finditer(text):
                window = text[meeting.start() : meeting.end() + 80]
                for dated, start, _end in iter_british_dates(window):
                    where = paragraph.where(meeting.start() + start)
                    facts.document.slot("meeting_date").add(dated, where, 0.7)
                    break
            for match in _LEVEL_SENTENCE.finditer(text):
                level = next(group for group in match.groups() if group)
                facts.document.slot("sentence_level").add(int(level), paragraph.where(match.start()), 0.65)
            work = _WORK_SENTENCE.search(text)
            if work is not None:
                where = paragraph.where(work.start())
                facts.document.slot("work_requested").add(collapse(work.group(1)), where, 0.6)

    return apply


def _read_named_birth_dates(facts: FactCollector, paragraph: _BodyParagraph) -> None:
    """A reply's "Tom's date of birth is 14/06/2017" or "Tom was born on ...": the date joins the child
    of that (first) name already read, or starts a child record of its own (merged with the request's
    child later). Only a date inside the document's window counts (``children.birth_date``)."""
    for match in _NAMED_BIRTH_DATE.finditer(paragraph.text):
        name = clean_name(match.group(1))
        born = birth_date(facts, match.group(2))
        if name is None or born is None or label_key(name)[0] in facts.vocabulary.section_phrases:
            continue
        if name.lower() in ("the", "his", "her", "their", "child", "the child"):
            continue
        where = paragraph.where(match.start())
        known = [
            record
            for record in facts.children.values()
            if (named := record.best("name")) is not None
            and named.value.split()[: len(name.split())] == name.split()
        ]
        if len(known) > 1:
            continue  # two children share the name: whose date it is, the sentence does not say
        record = known[0] if known else None
        if record is None:
            key = ("email", name.lower())
            record = facts.children.setdefault(key, FieldRecord())
            facts.child_order.append(key)
            record.slot("name").add(name, where, 0.75)
        record.slot("date_of_birth").add(born, where, 0.75)


def _read_work_in_sentence(facts: FactCollector, paragraph: _BodyParagraph) -> None:
    """ "Thanks - work requested: parenting support." inside a sentence of a reply."""
    work = work_in_prose([(paragraph.text, paragraph.where(0))])
    if work is not None:
        facts.document.slot("sentence_work").add(work[0], work[1], 0.55)


def _unnamed_birth_date(paragraphs: list[_BodyParagraph], latest_year: int) -> tuple[date, str] | None:
    """The one birth date a reply gives without naming the child, and where; None when none or several."""
    found: dict[date, str] = {}
    for paragraph in paragraphs:
        for match in _UNNAMED_BIRTH_DATE.finditer(paragraph.text):
            dob = parse_british_date(match.group(1), latest_year=latest_year)
            if dob is not None:
                found.setdefault(dob, paragraph.where(match.start()))
    return next(iter(found.items())) if len(found) == 1 else None


def _read_lead_professional(facts: FactCollector, text: str, paragraph: _BodyParagraph) -> None:
    for pattern in _LP_SENTENCES:
        match = pattern.search(text)
        if match is None:
            continue
        where = paragraph.where(match.start())
        name = clean_name(match.group(1))
        if name is None:
            continue
        record = facts.lead_professional
        record.slot("name").add(name, where, 0.75)
        role = agency = None
        if match.lastindex and match.lastindex >= 3:
            role, agency = match.group(2), match.group(3)
        else:
            after = _AGENCY_AFTER.match(text[match.end() :])
            if after is not None:
                role, agency = after.group(1), after.group(2)
        if role and "," in role and not agency:
            role, agency = (part.strip() for part in role.split(",", 1))
        record.slot("role").add(clean_text(role or ""), where, 0.6)
        record.slot("agency").add(clean_text((agency or "").strip()), where, 0.6)
        tail = text[match.start() : match.end() + 160]
        email, phone = EMAIL.search(tail), PHONE.search(tail)
        if email is not None:
            record.slot("email").add(email.group(0).rstrip("."), where, 0.7)
        if phone is not None:
            record.slot("phone").add(collapse(phone.group(0)), where, 0.7)
        return


def extract_message_facts(
    subject: str, body_text: str, vocabulary: FieldVocabulary, urn_scheme: UrnScheme
) -> DocumentFacts:
    """Facts from a social worker's email (``kind="email"``): URN (subject too), children, new LP,
    work requested, meeting date, level of need and consent statements. The signature is ignored.
    """
    content = content_from_text("email body", body_text)
    return extract_email_content(content, vocabulary, urn_scheme, subject=subject)


def extract_email_content(
    content: DocumentContent, vocabulary: FieldVocabulary, urn_scheme: UrnScheme, *, subject: str
) -> DocumentFacts:
    """Facts from an email body already laid out as paragraphs (``content_from_text`` or a container)."""
    kept = mark_lead_professional_blocks(_body_before_signature(content, vocabulary))
    trimmed = DocumentContent(
        file=content.file,
        media=content.media,
        blocks=tuple(kept),
        problems=content.problems,
        sha256=content.sha256,
    )
    paragraphs = _paragraphs([p for p in kept if p.text != LP_HEADING or not p.heading_level])
    facts = extract_layout_facts(
        trimmed,
        vocabulary,
        urn_scheme,
        kind="email",
        extra_urn_text=((subject, "subject"),) if subject else (),
        extra=_email_statements(paragraphs),
    )
    unnamed = _unnamed_birth_date(paragraphs, DEFAULT_LATEST_YEAR)
    if unnamed is not None and not any(c.date_of_birth == unnamed[0] for c in facts.children):
        # Kept as a child with no name: the request's merge gives it to the one child still undated.
        index = len(facts.children)
        facts = replace(
            facts,
            children=(*facts.children, Child(date_of_birth=unnamed[0])),
            provenance={**facts.provenance, f"children[{index}].date_of_birth": unnamed[1]},
            confidence={**facts.confidence, f"children[{index}].date_of_birth": 0.6},
        )
    return facts
