"""From a document's layout to ``DocumentFacts``: walk the form, hand each value to its reader, resolve.

Precision over recall: a field is filled only from a label that names it (or a ticked box, or a
sentence that states it); when equally good readings disagree the field stays None with an
``uncertain`` problem. Every value keeps the ``where`` it was read from.

The walk (``layout``) turns any layout into labelled values with their section and group; the readers
(``children``, ``lead``, ``consent``, ``document``) turn values into readings of one concern each; the
``resolver`` picks the facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mailbot.domain.content import DocumentContent, Paragraph, Table
from mailbot.domain.facts import DocumentFacts, DocumentKind
from mailbot.domain.urn import UrnScheme
from mailbot.extract.children import read_child
from mailbot.extract.consent import read_consent, read_consent_option, read_consent_sentence
from mailbot.extract.dates import DEFAULT_LATEST_YEAR, document_year, latest_written_year, parse_british_date
from mailbot.extract.document import (
    document_kind,
    find_urns,
    read_document_entry,
    read_level_option,
    read_level_sentence,
    read_meeting_sentence,
)
from mailbot.extract.evidence import Evidence
from mailbot.extract.layout import Entry, Walk, walk
from mailbot.extract.lead import read_lead_in_prose, read_lead_professional
from mailbot.extract.learned import match_form, read_learned
from mailbot.extract.prose import children_in_prose, home_postcode, join_wrapped, work_in_prose
from mailbot.extract.resolver import overlay_learned, resolve
from mailbot.extract.vocabulary import DOCUMENT_SECTION, FieldVocabulary

#: How far back a child's date of birth may lie from the document's date (care leavers included).
CHILD_YEARS = 25
#: A line ending inside a date of birth ("... Ayla Smith, born 19"): the date runs onto the next line.
_CUT_BIRTH_DATE = re.compile(
    r"\b(?:born|dob|d\.o\.b\.?|date of birth)[\s:]*(?:on\s+)?(?:\d{1,2}(?:st|nd|rd|th)?(?:\s+[A-Za-z]+)?)?\s*$",
    re.IGNORECASE,
)


class FactCollector(Evidence):
    """The evidence of one document, with the dispatch of walked values to the reader of each concern."""

    def read(self, entry: Entry) -> None:
        if entry.section in ("child", "household"):
            read_child(self, entry)
        elif entry.section == "lead_professional":
            read_lead_professional(self, entry)
        elif entry.section == "consent":
            read_consent(self, entry)
        elif entry.section == "meeting" and entry.field == "date":
            self.document.slot("meeting_date").add(parse_british_date(entry.value), entry.where, 0.85)
        elif entry.section == DOCUMENT_SECTION:
            read_document_entry(self, entry)

    def read_options(self, found: Walk) -> None:
        for option in found.options:
            if option.ticked:
                read_level_option(self, option)
                read_consent_option(self, option)

    def read_free_text(self, found: Walk) -> None:
        for text, where, section in _joined_sentences(found.free_text):
            # A plain substring test first: most lines of a long document mention none of these, and
            # the sentence patterns are the costliest part of reading one.
            lowered = text.lower()
            if section not in self.vocabulary.ignored_sections:
                if "consent" in lowered or "agreed" in lowered:
                    read_consent_sentence(self, text, where)
                if "meeting" in lowered:
                    read_meeting_sentence(self, text, where)
            if "level" in lowered:
                read_level_sentence(self, text, where)

    def read_prose(self, found: Walk, latest_year: int | None) -> None:
        """Children named with a birth date in prose, and the writer's sign-off when they take the lead."""
        lines = [
            (text, where)
            for text, where, section in found.free_text
            if section not in self.vocabulary.ignored_sections
        ]
        # A PDF wraps "born 19 / August 2017" over two lines: such a cut date of birth is joined.
        self.prose_children = children_in_prose(_join_cut_dates(lines), latest_year, self.dob_latest_year)
        joined = join_wrapped(lines)
        self.prose_postcode = home_postcode(joined)
        read_lead_in_prose(self, found, lines, joined)
        work = work_in_prose(joined)
        if work is not None:
            self.document.slot("sentence_work").add(*work, 0.55)


def block_texts(content: DocumentContent) -> list[tuple[str, str]]:
    """Every paragraph, cell and form field's text with its place, in reading order."""
    pieces: list[tuple[str, str]] = []
    for block in content.blocks:
        if isinstance(block, Paragraph):
            pieces.append((block.text, block.where))
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    pieces.append((cell.text, cell.where))
        else:
            pieces.append((block.value, block.where))
    return pieces


def extract_layout_facts(
    content: DocumentContent,
    vocabulary: FieldVocabulary,
    urn_scheme: UrnScheme,
    *,
    kind: DocumentKind | None,
    extra_urn_text: tuple[tuple[str, str], ...],
    extra: Callable[[FactCollector, Walk], None] | None = None,
) -> DocumentFacts:
    pieces = block_texts(content)
    text = "\n".join(text for text, _ in pieces)
    written_year = latest_written_year(text)
    facts = FactCollector(vocabulary, written_year or DEFAULT_LATEST_YEAR)
    year = document_year(text)
    facts.dob_window = (year - CHILD_YEARS, year) if year is not None else None
    found = walk(content, vocabulary)
    for entry in found.entries:
        if entry.field == "lcs_id" and urn_scheme.find(entry.value):
            continue  # "Case number: LAN-004217-K" is the council's URN, never a child's LCS id
        facts.read(entry)
    facts.people = found.people
    facts.read_options(found)
    facts.read_free_text(found)
    if kind != "email":  # an email body has its own sentence readers (email.py) and no sign-off
        facts.read_prose(found, written_year)
    if extra is not None:
        extra(facts, found)
    resolved_kind: DocumentKind = kind or document_kind(content, vocabulary)
    resolved = resolve(facts)
    uncertain = resolved.pop("uncertain")
    labelled = [
        (e.value, e.where) for e in found.entries if e.section == DOCUMENT_SECTION and e.field == "urn"
    ]
    urn, urn_where, invalid, problems = find_urns([*extra_urn_text, *pieces], urn_scheme, labelled)
    form = match_form(vocabulary.learned_forms, content) if kind != "email" else None
    if form is not None:
        # A form an administrator taught: its facts are read from their learned places, sure; the
        # general reading stays for every fact the form does not give.
        learned = read_learned(form, content, urn_scheme, facts.dob_window)
        resolved, uncertain = overlay_learned(resolved, uncertain, learned)
        if "urn" in learned:
            urn, urn_where = learned["urn"]
            problems = [p for p in problems if p.code != "conflicting_urns"]
        if form.kind in ("assessment", "plan", "taf_minutes", "consent"):
            resolved_kind = form.kind  # type: ignore[assignment]  # checked against the closed set
    if urn is not None and urn_where is not None:
        resolved["provenance"] = {"urn": urn_where, **resolved["provenance"]}
        resolved["confidence"] = {"urn": 0.99, **resolved["confidence"]}
    return DocumentFacts(
        file=content.file,
        kind=resolved_kind,
        urn=urn,
        problems=tuple(content.problems) + tuple(problems) + uncertain,
        invalid_urns=invalid,
        sha256=content.sha256,
        **resolved,
    )


def _joined_sentences(lines: list[tuple[str, str, str | None]]) -> list[tuple[str, str, str | None]]:
    """Free lines of one section with a PDF's wrapped sentences joined ("Leanne Mossop agreed to this
    and" / "gave written consent on 26 February 2024."), so a sentence is read whole."""
    joined: list[tuple[str, str, str | None]] = []
    start = 0
    for index in range(1, len(lines) + 1):
        if index == len(lines) or lines[index][2] != lines[start][2]:
            section = lines[start][2]
            run = join_wrapped([(text, where) for text, where, _ in lines[start:index]])
            joined.extend((text, where, section) for text, where in run)
            start = index
    return joined


def _join_cut_dates(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Lines of one PDF page joined where a date of birth is cut by the wrap; the rest as written."""
    joined: list[tuple[str, str]] = []
    for text, where in lines:
        if (
            joined
            and where.startswith("page")
            and joined[-1][1] == where
            and _CUT_BIRTH_DATE.search(joined[-1][0])
        ):
            joined[-1] = (joined[-1][0].rstrip() + " " + text.strip(), where)
        else:
            joined.append((text, where))
    return joined
