"""Walking a document's layout into labelled values, each with its section, group and place (pure).

The walker knows layouts, not fields: "Label: value" lines, label|value and label|value|label|value
tables, header-row tables (a row of labels, then a row per person), tables with a column per child,
label-above-value cells, AcroForm fields and check boxes. Sections come from headings, table title rows
(a lone, merged first row) and lone bold-looking lines. What each label means is the vocabulary's job.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field

from mailbot.domain.content import Cell, DocumentContent, FormField, Paragraph, Table
from mailbot.extract.values import (
    ANSWER_PREFIX,
    clean_name,
    find_postcode,
    has_box,
    is_box_only,
    is_ticked_box,
    ticked_options,
)
from mailbot.extract.vocabulary import DOCUMENT_SECTION, FieldVocabulary, LabelMatch, normalise_label

#: Fields whose value may run over several paragraphs after a heading-like label.
LONG_TEXT_FIELDS = frozenset({"work_requested", "work_requested_fallback"})
_MAX_LABEL = 90
_WRAPPED_LINE = re.compile(r"[a-z][a-z\s'/,()-]*[?:]?$")  # words going on in lower case, no "@" or digits
#: Sections holding one person's record; a document title naming them ("Family Plan") opens none.
_PERSON_SECTIONS = frozenset({"child", "household", "parent"})
_DATE_HINT = re.compile(r"\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}|\b(?:dob|born)\b", re.IGNORECASE)
_GAP = re.compile(r"\s{2,}|\t")
_SIGNATURE_LINES = 5
#: A date of birth's label then the date, with no colon between ("D.O.B. 10/07/2021").
_DOB_THEN_DATE = re.compile(
    r"(d\.?\s?o\.?\s?b\.?|date of birth)\s*:?\s*(\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}|\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4})",
    re.IGNORECASE,
)
#: A cell holding a level of need ("Level 3"): a value, although "Level" alone is a label.
_LEVEL_VALUE = re.compile(r"\s*level\s*[1-4]\s*", re.IGNORECASE)
#: How much less a value is worth when OCR guessed one of its words (under ``resolver``'s sure bar).
_UNSURE = 0.3
#: A column or label saying its value is the one above unless it differs.
_IF_DIFFERENT = re.compile(r"\bif\s+(?:different|not\s+(?:the\s+)?same|other|elsewhere)\b", re.IGNORECASE)
#: "... relates to the following child(ren):", "... these children:": a list of children follows.
_INTRODUCES_CHILDREN = re.compile(
    r"\b(?:following|these|below|named|listed)\s+(?:\w+\s+)?(?:child|young people|young person|cyp)$"
)
#: A date, an identifier or an address: a value, never a column heading.
_VALUE_SHAPE = re.compile(r"\d{3}|\d[/.\-]\d|@")
#: Sections a label line naming the whole person ("Lead professional:", "The children:") opens.
_OPENED_BY_LABEL = frozenset({"lead_professional", "child"})
#: Fields that start a person's record: a numbered one ("Child 2 name") numbers the labels after it.
_RECORD_START = frozenset({"name", "first_name", "blob"})
#: Column labels that make a header row a table of children ("Child's name | Date of birth").
_CHILD_KEYS = frozenset({"name", "first_name", "date_of_birth", "lcs_id"})
#: Where a second "Label:" starts on one line: after a gap, a tab or the end of a sentence.
_NEXT_LABEL = re.compile(r"(?:\s{2,}|\t|(?<=[.;])\s+)(?=[A-Z][^:\n]{0,40}:(?:\s|$))")
#: A value that only lists the choices ("Yes / No"): the question is still unanswered on this line.
_OPTIONS_PROMPT = re.compile(r"\s*(?:yes|y)\s*(?:/|or|\||\s)\s*(?:no|n)\s*", re.IGNORECASE)
#: A list item's bullet (Word's Symbol-font bullet is U+F0B7): the text after it is the item.
_BULLET = re.compile(
    r"^(?:[\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2043\u2219\uf0b7\uf0a7\uf076\uf0d8*\-–]|o(?=\t))\s+"
)


#: A form's section number before its title ("Section B: Lead Practitioner", "Part 2 - Consent").
_SECTION_NUMBER = re.compile(r"^(?:section|part|step)\s+[A-Z0-9]{1,3}\s*[:.\-–—)]\s*(?=\S)", re.IGNORECASE)
#: A line that starts a new labelled answer ("Parent aware of this referral:"), so no wrapped text.
_LABEL_LINE = re.compile(r"^[A-Z][^:.!?\n]{0,60}[:?](?:\s|$)")


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


class _Walker:
    def __init__(self, vocabulary: FieldVocabulary) -> None:
        self.vocabulary = vocabulary
        self.section: str | None = None
        self.section_group: int | None = None
        self.instance = 0
        self.walk = Walk()
        self.pending: LabelMatch | None = None
        self.pending_parts: list[tuple[str, str]] = []
        self.signature_open = False
        #: every table cell's text by its ``where``, so a nested table can find its parent cell.
        self.cell_text: dict[str, str] = {}
        #: words OCR was unsure of in the paragraph being read and the pending value's paragraphs.
        self.unsure: frozenset[str] = frozenset()
        self.pending_unsure: frozenset[str] = frozenset()
        #: the last address given for anyone (a parent's too): "Address, if different from above".
        self.last_address: tuple[str, str] | None = None

    # --- sections and pending labels -------------------------------------------------------------
    def open_section(self, section: str, group: int | None) -> None:
        self.flush()
        # Only the first sign-off is the writer's: a later one belongs to a copied letter or email.
        self.signature_open = section == "sender" and not self.walk.signature
        self.section = section
        self.section_group = group
        self.instance += 1

    def open_unknown(self) -> None:
        self.flush()
        self.section = None
        self.section_group = None
        self.instance += 1

    def flush(self) -> None:
        if self.pending is not None and self.pending_parts:
            text = "\n".join(part for part, _ in self.pending_parts)
            saved, self.unsure = self.unsure, self.pending_unsure
            self.add(self.pending, text, self.pending_parts[0][1])
            self.unsure = saved
        self.pending = None
        self.pending_parts = []
        self.pending_unsure = frozenset()

    def add(self, match: LabelMatch, value: str, where: str, group: Hashable | None = None) -> None:
        if match.field is None or not value.strip():
            return
        if group is None and match.group is not None:
            group = ("n", match.group)
            if match.section == "child" and match.field in _RECORD_START:
                # "Child 2 – full name": the unnumbered "Date of birth" and "LCS number" below are child 2's.
                self.section, self.section_group = "child", match.group
        if group is None and self.section_group is not None and match.section == self.section:
            group = ("n", self.section_group)
        confidence = match.confidence
        if self.unsure and any(word in value for word in self.unsure):
            confidence *= _UNSURE  # text recognition guessed a word of it: no reading to rely on
        self.walk.entries.append(
            Entry(
                match.section,
                match.field,
                value.strip(),
                where,
                group,
                self.instance,
                confidence,
                self.section,
            )
        )

    def classify(self, label: str) -> LabelMatch | None:
        label = label.strip().rstrip(":?*").strip()
        if not label or len(label) > _MAX_LABEL:
            return None
        return self.vocabulary.classify(label, self.section)

    def wrapped_label(self, text: str) -> LabelMatch | None:
        """A label cell a PDF wrapped onto lines that each go on in lower case ("... the school" /
        "nursing team?"), read as the one label it is; None for "Label" above its own value."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) < 2 or not all(_WRAPPED_LINE.match(line) for line in lines[1:]):
            return None
        return self.classify(" ".join(lines))

    # --- text: paragraphs, cells, form fields ------------------------------------------------------
    def paragraph(self, block: Paragraph) -> None:
        self.unsure = frozenset(block.unsure)
        if self.pending is not None:
            self.pending_unsure |= self.unsure
        text = leaders_to_tabs(marks_to_boxes(_SECTION_NUMBER.sub("", _BULLET.sub("", block.text.strip()))))
        if not text:
            return
        if self.pending is not None and self.pending_parts and self.ends_long_text(text, block.where):
            self.flush()
        if self.section == "sender" and self.signature_open and len(self.walk.signature) < _SIGNATURE_LINES:
            self.walk.signature.append((text, block.where))
        if block.heading_level is not None:
            if self.labelled_text(text, block.where):
                return
            own = self.classify(text) if self.section is not None else None
            if own is not None and own.field not in (None, "blob") and own.section == self.section:
                # A bold label above its value ("Designation" under "Lead Professional", "Signed
                # (parent/carer)" under "Agreement") is a label of the section we are in, no new section.
                self.flush()
                self.pending = own
                return
            heading = self.vocabulary.heading_section(text, strict=False)
            if (
                heading is not None
                and heading[0] in self.vocabulary.ignored_sections
                and block.heading_level == 1
                and not self.walk.entries
                and self.vocabulary.heading_section(text, strict=True) is None
            ):
                # The document's title ("Pupil Attendance – Request for Early Help") is about the family:
                # a word in it ("attendance", "school") opens no list of other people.
                heading = None
            if (
                heading is not None
                and heading[0] in _PERSON_SECTIONS
                and block.heading_level == 1
                and self.vocabulary.kind_of(text)
            ):
                heading = None  # "Family Plan", "Child's Plan": the document's title, no one's record
            if heading is None and block.heading_level == 1 and self.vocabulary.kind_of(text):
                # The document's title ("Step Down Plan – Social Care to One Point") labels nothing.
                self.open_unknown()
                self.walk.free_text.append((text, block.where, None))
                return
            if heading is not None:
                self.open_section(*heading)
                # "Child 2 - date of birth" as a heading, its value the paragraph below: a label too.
                match = self.classify(text)
                if (
                    match is not None
                    and match.section in (heading[0], DOCUMENT_SECTION)
                    and _label_heading(match)
                ):
                    self.pending = match
                return
            match = self.classify(text)
            # A heading we do not know (a title, "Summary of needs") leaves no section: only whole
            # child records (a name with a date of birth or LCS id) are read there.
            self.open_unknown()
            if match is None:
                # "Re: Ava Smith, date of birth 3/4/15": a letter's subject line is read as prose.
                self.walk.free_text.append((text, block.where, None))
            if match is not None and match.field is not None:
                self.pending = match
            return
        if self.labelled_text(text, block.where):
            return
        heading = self.vocabulary.heading_section(text, strict=True) if len(text) <= _MAX_LABEL else None
        if heading is not None:
            self.open_section(*heading)
            return
        looks_like_label = text.endswith((":", "?")) or (
            len(text.split()) <= 8 and not any(c.isdigit() for c in text) and not text.endswith(".")
        )
        if text.endswith(":") and self.introduces_children(text):
            # "This consent relates to the following child(ren):": a list of the children follows.
            self.open_section("child", None)
            return
        # A line with a check box is an answer ("Consent given ☐"), never a label awaiting one.
        match = self.classify(text) if looks_like_label and not has_box(text) else None
        if match is not None:
            self.flush()
            if match.field == "blob" and match.section in _OPENED_BY_LABEL and self.section != match.section:
                # "Who will be the lead professional" over a box of their details, "This consent relates
                # to the following children:" over a list of them: that person's section.
                self.open_section(match.section, match.group)
            self.pending = match if match.field is not None else None
            return
        if (
            self.pending is not None
            and not self.pending_parts
            and _LABEL_LINE.match(text)
            and not ANSWER_PREFIX.match(text)  # "Answer: No" is the answer
        ):
            # "Consent" then "Family aware of the step down: Yes ☒": a question of its own, no answer
            # to the heading above it.
            self.pending = None
        if self.pending is not None:
            self.pending_parts.append((text, block.where))
            if self.pending.field not in LONG_TEXT_FIELDS:
                self.flush()
            return
        if has_box(text):
            if self.section != "consent" and _is_consent_statement(text):
                # "☒ I do not agree to information being shared": the signature lines below are the consent's.
                self.open_section("consent", None)
            self.record_options(text, block.where, None)
            return
        if self.section == "child" and _DATE_HINT.search(text) and clean_name(text) is not None:
            # "Jacob Unsworth - DOB 27-01-2013" listed under a "Children" heading.
            self.add(LabelMatch("child", "blob", None, 0.85), text, block.where)
            return
        if self.section != "consent" and _is_consent_statement(text):
            # "I give consent for ...": the family's own statement; the "Signed:" lines below are theirs.
            self.open_section("consent", None)
        self.walk.free_text.append((text, block.where, self.section))

    def introduces_children(self, text: str) -> bool:
        """True for a line ending in the children it introduces ("... the following children:")."""
        if self.section == "child":
            return False
        return _INTRODUCES_CHILDREN.search(normalise_label(text)) is not None

    def ends_long_text(self, text: str, where: str) -> bool:
        """True when ``text`` cannot continue the pending long answer: a labelled line, a check-box
        line, or (on a PDF page) a new paragraph after a finished sentence rather than a line wrap."""
        if has_box(text) or _LABEL_LINE.match(text):
            return True
        last, last_where = self.pending_parts[-1]
        if last_where.startswith("page") and where.startswith("page"):
            return last_where != where or last.rstrip().endswith((".", "!", "?", ";", ":"))
        return False

    def labelled_text(self, text: str, where: str) -> bool:
        """Read ``"Label: value"`` lines, ``"Label ☒ Yes ☐ No"`` and label-above-value text."""
        text = leaders_to_tabs(text)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and self.wrapped_label(text) is not None:
            return False  # one wrapped label with its value left blank, no label above a value
        if len(lines) > 1:
            first = self.classify(lines[0])
            if first is not None and ":" not in lines[0].rstrip(":"):
                self.flush()
                self.add(first, "\n".join(lines[1:]), where)
                return True
            used = False
            for line in lines:
                used = self.labelled_line(line, where) or used
            return used
        return self.labelled_line(text, where)

    def labelled_line(self, line: str, where: str) -> bool:
        segments = self.segments(line)
        if len(segments) > 1:
            for segment in segments:
                self.labelled_line(segment, where)
            return True
        label, sep, value = line.partition(":")
        if label[-1:].isdigit() and value[:1].isdigit():
            sep = ""  # "10:00" is a time, not a label
        if sep and value.strip() and len(label) <= _MAX_LABEL and not label.strip().isdigit():
            match = self.classify(label)
            if match is None and self.name_then_birth_date(label, value, where):
                return True
            if match is not None and match.field is not None and _OPTIONS_PROMPT.fullmatch(value):
                # "I give my consent (delete as appropriate): Yes / No": the answer is on the next line.
                self.flush()
                self.enter_named_section(match)
                self.pending = match
                return True
            if match is not None and match.field in LONG_TEXT_FIELDS and where.startswith("page"):
                # "Support requested: ... and help with" / "housing": a PDF line wrap continues it.
                self.flush()
                self.pending = match
                self.pending_parts = [(value.strip(), where)]
                return True
            if (
                match is not None
                and match.field is None
                and match.section in self.vocabulary.ignored_sections
            ):
                if _is_consent_statement(value):
                    # "Parent/carer: I agree to this plan being shared": the parent's consent.
                    self.flush()
                    self.open_section("consent", None)
                    self.add(LabelMatch("consent", "given", None, 0.8), value, where)
                    return True
                # "Parent/carer name: Jo Smith   Date of birth: ...": the rest of the line is the parent's.
                if match.section != self.section:
                    self.open_section(match.section, None)
                return True
            if match is not None:
                self.flush()
                self.enter_named_section(match)
                self.add(match, value, where)
                if match.section == "consent" and match.field == "given":
                    # "Consent obtained from Gemma Tattersall on 13/04/2024: Yes" names who and when.
                    self.add(LabelMatch("consent", "statement", None, match.confidence), line, where)
                if has_box(value):
                    self.record_options(value, where, match)
                return True
        if has_box(line):
            first_box = min(line.find(box) for box in "☒☐☑✓✔" if box in line)
            prefix = line[:first_box].strip()
            match = self.classify(prefix) if prefix and line.rstrip()[-1] not in "☒☐☑✓✔" else None
            if match is not None:
                self.flush()
                self.add(match, line[first_box:], where)
                self.record_options(line[first_box:], where, match)
                return True
        return self.tabbed_line(line, where)

    def segments(self, line: str) -> list[str]:
        """Split ``"Name: Jo Bloggs    Date: 1/2/24"`` or ``"Consent: Yes. Given by: Jo Bloggs."`` into
        its labelled parts; a part whose label we do not know stays with the part before it."""
        if ":" not in line or line.count(":") < 2:
            return [line]
        cuts = [0]
        for found in _NEXT_LABEL.finditer(line):
            start = found.end()
            label = line[start : line.index(":", start)]
            match = self.classify(label)
            if match is not None and match.field is not None and start > cuts[-1]:
                cuts.append(start)
        if len(cuts) == 1:
            return [line]
        parts = [line[a:b] for a, b in zip(cuts, [*cuts[1:], len(line)], strict=True)]
        return [
            part.strip().rstrip(".;").strip() if found_dot else part.strip()
            for part, found_dot in ((p, p.rstrip().endswith((".", ";"))) for p in parts)
        ]

    def tabbed_line(self, line: str, where: str) -> bool:
        """Read ``"Label<TAB>value"``: a two-column layout flattened to text (PDF, plain text, RTF).

        Only two columns: ``"Name<TAB>Role<TAB>Agency"`` is a table's header row, not a label and value,
        and a value that is itself a label we know (``"Name<TAB>Role"``) is a header too.
        """
        label, tab, value = line.partition("\t")
        value = value.strip()
        if tab and "\t" in value and self.person_columns(line, where):
            return True
        if not tab or not value or "\t" in value or len(label) > _MAX_LABEL or has_box(label):
            return False
        match = self.classify(label)
        if match is None and self.name_then_birth_date(f"{label}  {value}".replace(":", " ", 1), "", where):
            return True
        if match is None or match.field is None or _field_of(self.classify(value)) is not None:
            return False
        self.flush()
        self.enter_named_section(match)
        self.add(match, value, where)
        if has_box(value):
            self.record_options(value, where, match)
        return True

    def person_columns(self, line: str, where: str) -> bool:
        """ "Person ID 413052<TAB>GASKELL, Amelia<TAB>DOB 09/03/2013": one person's record in columns,
        each a label and its value without a colon, or the name; read only in a section of people."""
        if self.section not in ("child", "household"):
            return False
        found: list[tuple[LabelMatch, str]] = []
        for part in (part.strip() for part in line.split("\t") if part.strip()):
            labelled = self.inline_label(part)
            if labelled is None and clean_name(part) is not None:
                labelled = (LabelMatch(self.section, "name", None, 0.8), part)
            if labelled is None:
                return False
            found.append(labelled)
        if len(found) < 2 or sum(1 for match, _ in found if match.field == "name") != 1:
            return False
        self.flush()
        section = self.section
        for match, value in found:
            # One record: every column is the section's person's, whatever else the label could mean.
            own = LabelMatch(section, match.field, None, match.confidence)
            self.add(own, value, where, ("columns", where, line))
        return True

    def inline_label(self, part: str) -> tuple[LabelMatch, str] | None:
        """ "DOB 09/03/2013" as the date-of-birth label and its value (the longest label that fits)."""
        words = part.split()
        for count in range(min(4, len(words) - 1), 0, -1):
            match = self.classify(" ".join(words[:count]))
            if match is not None and match.field not in (None, "blob", "name", "first_name", "surname"):
                return match, " ".join(words[count:])
        return None

    def enter_named_section(self, match: LabelMatch) -> None:
        """A line labelled with the lead professional's own name (``"Lead Professional: Jo Bloggs"``)
        opens that section: the ``Role``/``Email`` lines below it are that person's.

        A ``"Child: Ava Smith"`` line opens nothing: the ``"Name:"`` lines after it may be anyone's,
        and its ``DOB`` line already joins the same record.
        """
        if match.field == "blob" and match.section == "lead_professional" and match.section != self.section:
            self.open_section(match.section, match.group)
        elif (
            match.section == "consent" and self.section != "consent" and match.field in ("given", "signed_by")
        ):
            # "Consent given by: Jo Bloggs" then "Date: ...": the lines after it are the consent's.
            self.open_section(match.section, None)

    def name_then_birth_date(self, label: str, value: str, where: str) -> bool:
        """Read ``"Maisie Quayle   Date of birth: 17/6/14"``: a name, a gap, then a labelled DOB."""
        if self.section in self.vocabulary.ignored_sections:
            return False
        parts = _GAP.split(label.strip(), maxsplit=1)
        if len(parts) != 2:
            return False
        if not value:
            # "Reuben Smith<TAB>D.O.B. 10/07/2021": the date follows its label without a colon.
            dated = _DOB_THEN_DATE.fullmatch(parts[1].strip())
            if dated is None or clean_name(parts[0]) is None:
                return False
            parts[1], value = dated.group(1), dated.group(2)
        tail = parts[1].strip().rstrip(":?*").strip()
        tail_match = self.vocabulary.classify(tail, "child") if len(tail) <= _MAX_LABEL else None
        if tail_match is None or tail_match.field != "date_of_birth" or tail_match.section != "child":
            return False
        self.flush()
        self.add(LabelMatch("child", "blob", None, 0.75), f"{parts[0]} DOB {value}", where)
        return True

    def record_options(self, text: str, where: str, label: LabelMatch | None) -> None:
        for option, ticked in ticked_options(text):
            self.walk.options.append(Option(option, ticked, where, self.section, label))

    def form_field(self, block: FormField) -> None:
        """An AcroForm field: a placed one (labelled by the text beside it) is read under the headings
        around it; any other is read by its label alone (it follows no headings)."""
        self.flush()
        if block.placed:
            self.read_form_field(block)
            return
        saved = (self.section, self.section_group)
        self.section, self.section_group = None, None
        try:
            self.read_form_field(block)
        finally:
            self.section, self.section_group = saved

    def read_form_field(self, block: FormField) -> None:
        value = block.value.strip()
        if block.checkbox:
            on = value.lower() not in {"", "off", "no", "0", "false", "☐"}
            self.walk.options.append(
                Option(block.label, on, block.where, self.section, self.classify(block.label))
            )
            value = "☒ Yes" if on else "☐ Yes"
        match = self.classify(block.label)
        if match is not None and value:
            self.add(match, value, block.where)

    # --- tables -----------------------------------------------------------------------------------
    def table(self, block: Table) -> None:
        self.flush()
        self.unsure = frozenset()
        rows = [tuple(cell for cell in row) for row in block.rows]
        width = max((len(row) for row in rows), default=0)
        header: list[LabelMatch | None] | None = None
        same_as_above: set[int] = set()
        columns: dict[int, int] | None = None
        people: dict[int, str] | None = None
        for index, row in enumerate(rows):
            texts = [cell.text.strip() for cell in row]
            for cell, text in zip(row, texts, strict=True):
                if text:
                    self.cell_text[cell.where] = text
            filled = [text for text in texts if text]
            if not filled:
                continue
            if people is not None and len(filled) > 1:
                self.walk.people.append(
                    {name: (texts[col], row[col].where) for col, name in people.items() if col < len(texts)}
                )
            elif index + 1 < len(rows) and len(filled) > 2:
                people = self.people_header(texts)
            if len(set(filled)) == 1 and (
                len(row) == 1 or (width > 1 and len(filled) < len(texts)) or len(filled) > 1
            ):
                header, columns = None, None
                self.title_cell(filled[0], row[texts.index(filled[0])])
                continue
            if self.pending is not None and len(filled) > 1:
                self.pending, self.pending_parts = None, []
            column_groups = self.child_columns(texts)
            if column_groups is not None:
                header, columns = None, column_groups
                continue
            if columns is not None and texts[0]:
                match = self.classify(texts[0])
                if match is not None:
                    for col, group in columns.items():
                        if col < len(row):
                            self.add(match, texts[col], row[col].where, ("n", group))
                    continue
                columns = None
            if header is not None and len(texts) == len(header) and not self.is_header(texts, rows, index):
                for col, match in enumerate(header):
                    if match is not None and texts[col]:
                        self.add(match, texts[col], row[col].where, (block.where, index))
                    elif match is not None and col in same_as_above and self.last_address is not None:
                        # "Address, if different from above" left empty: the address given above.
                        self.add(match, self.last_address[0], self.last_address[1], (block.where, index))
                continue
            if self.is_header(texts, rows, index):
                header = [self.classify(text) if text else None for text in texts]
                same_as_above = {col for col, text in enumerate(texts) if _IF_DIFFERENT.search(text)}
                if any(m is not None and m.section == "child" and m.field in _CHILD_KEYS for m in header):
                    # "Child's name | Date of birth | Address": every column of a row per child is
                    # the child's, whatever section the table sits in.
                    header = [
                        (self.vocabulary.classify(text, "child") or m)
                        if text and (m is None or m.section in (self.section, "household"))
                        else m
                        for m, text in zip(
                            header, (t.strip().rstrip(":?*").strip() for t in texts), strict=True
                        )
                    ]
                # An action plan's column ("Needs to happen") lists tasks, never the work requested.
                header = [
                    None if m is not None and m.field == "work_requested_fallback" else m for m in header
                ]
                continue
            header = None
            self.pairs(row, texts)
        self.flush()

    def nested_table_section(self, block: Table) -> None:
        """A nested table is read in the section its parent cell names ("Subject 2", "Consent").

        Readers emit every nested table after its whole parent table, so the section the walker is in
        by then is the parent's last row's; the parent cell's own text says which record this one is.
        """
        parent = _nested_parent(block.where)
        text = self.cell_text.get(parent, "") if parent is not None else ""
        if not text or "\n" in text or len(text) > _MAX_LABEL:
            return
        heading = self.vocabulary.heading_section(text, strict=False)
        if heading is not None:
            self.open_section(*heading)
        else:
            self.open_unknown()

    def title_cell(self, text: str, cell: Cell) -> None:
        if self.labelled_text(text, cell.where):
            return
        heading = self.vocabulary.heading_section(text, strict=False) if len(text.split()) <= 14 else None
        if heading is not None:
            self.open_section(*heading)
            return
        match = self.classify(text)
        if match is not None:
            self.pending = match if match.field is not None else None
            return
        if self.pending is not None:
            self.pending_parts.append((text, cell.where))
            self.flush()
            return
        if has_box(text):
            self.record_options(text, cell.where, None)
        else:
            self.walk.free_text.append((text, cell.where, self.section))

    def child_columns(self, texts: list[str]) -> dict[int, int] | None:
        """``{column: child number}`` when a row reads ``"| Child 1 | Child 2 |"`` (a column per child)."""
        if len(texts) < 3:
            return None
        groups: dict[int, int] = {}
        for col, text in enumerate(texts[1:], start=1):
            heading = self.vocabulary.heading_section(text, strict=True) if text else None
            if heading is None or heading[0] != "child" or heading[1] is None:
                return None
            groups[col] = heading[1]
        return groups

    def note_address(self, label: str, match: LabelMatch, value: str, where: str) -> None:
        """Remember an address given for someone we do not read (a parent, the victim): a children's
        table may say its children live there ("Address, if different from above")."""
        if match.field is None and match.section in self.vocabulary.ignored_sections:
            own = self.vocabulary.classify(label.strip().rstrip(":?*").strip(), "child")
            if own is not None and own.field in ("address", "postcode") and find_postcode(value):
                self.last_address = (value, where)
        elif match.field in ("address", "postcode"):
            self.last_address = (value, where)

    def is_header(self, texts: list[str], rows: list[tuple[Cell, ...]], index: int) -> bool:
        """A row of labels with the next row holding values: each following row is one person."""
        filled = [text for text in texts if text]
        if len(filled) < 2:
            return False
        if any(self.label_above_value(text) for text in filled):
            return False  # "First name / Ayesha": labels above their values, a row of answers
        matches = [self.classify(text) for text in filled]
        if any(m is None and _VALUE_SHAPE.search(t) for m, t in zip(matches, filled, strict=True)):
            return False  # "Date of birth | 26/3/2006 | LCS ID | 761156": labels beside values
        known = sum(1 for m in matches if m is not None)
        if not any(m is not None and m.field for m in matches):
            return False
        # An action plan's "What needs to change | What will happen | Who | By when": column headings
        # that are no name and hold no digits are headings even when we know few of them.
        if (known < 2 or 2 * known < len(filled)) and (
            len(filled) < 3
            or any(
                m is None
                and ((clean_name(t) is not None and " " in t) or any(c.isdigit() or c == "@" for c in t))
                for m, t in zip(matches, filled, strict=True)
            )
        ):
            return False
        if index + 1 >= len(rows):
            return False
        following = [cell.text.strip() for cell in rows[index + 1]]
        if len(following) != len(texts) or not any(following):
            return False
        if len(filled) == 2 and _field_of(matches[1]) in (None, "blob"):
            return False  # "Role | Key Worker": a label and its value, the value naming a section
        # A value row holds no labels; "Child", "Key Worker" or "Level 3" there is a value naming a
        # relationship, a role or a level.
        return all(
            not text
            or (_LEVEL_VALUE.fullmatch(text) and not _LEVEL_VALUE.fullmatch(label))
            or (text.startswith("(") and text.endswith(")"))  # "(signed)": a note in a value cell
            or _field_of(self.classify(text)) in (None, "blob")
            for label, text in zip(texts, following, strict=True)
        )

    def label_above_value(self, text: str) -> bool:
        """ "First name\nAyesha": a label line, then its value (not a label wrapped onto a second line)."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return (
            len(lines) >= 2
            and not all(_WRAPPED_LINE.match(line) for line in lines[1:])
            and self.is_field_label(lines[0])
        )

    def is_field_label(self, text: str) -> bool:
        """True when ``text`` is itself a label of a field we read ("Agency", "Telephone"), so never a value."""
        if any(c.isdigit() or c == "@" for c in text) or len(text.split()) > 4:
            return False
        match = self.classify(text)
        return match is not None and match.field not in (None, "blob")

    def people_header(self, texts: list[str]) -> dict[int, str] | None:
        """``{column: field}`` when a row heads a table of people ("Name | Role | Agency | Contact")."""
        columns: dict[int, str] = {}
        for col, text in enumerate(texts):
            if not text:
                continue
            match = self.vocabulary.classify(text.strip().rstrip(":?*").strip(), "lead_professional")
            if match is not None and match.section == "lead_professional" and match.field is not None:
                columns[col] = match.field
        fields = set(columns.values())
        if "name" not in fields or len(fields & {"role", "agency", "email", "phone", "contact"}) < 2:
            return None
        return columns

    def pairs(self, row: tuple[Cell, ...], texts: list[str]) -> None:
        """Label|value pairs along a row (2 or 4 columns), then whatever cells hold on their own."""
        col = 0
        while col < len(texts):
            text = texts[col]
            if not text:
                col += 1
                continue
            match = self.classify(text) if "\n" not in text else self.wrapped_label(text)
            if match is not None:
                value_col = col + 1
                while value_col < len(texts) and not texts[value_col] and value_col - col < 2:
                    value_col += 1
                if (
                    value_col < len(texts)
                    and texts[value_col]
                    and (self.is_field_label(texts[value_col]) or self.label_above_value(texts[value_col]))
                ):
                    # An empty grid "Name | | Agency | ": the next label is no value of this one.
                    col = value_col
                    continue
                if value_col < len(texts) and texts[value_col]:
                    value = texts[value_col]
                    self.note_address(text, match, value, row[value_col].where)
                    if is_box_only(value):
                        self.walk.options.append(
                            Option(text, is_ticked_box(value), row[value_col].where, self.section, match)
                        )
                    self.add(match, value, row[value_col].where)
                    if has_box(value):
                        self.record_options(value, row[value_col].where, match)
                    col = value_col + 1
                    continue
                self.pending = match if match.field is not None else None
                col += 1
                continue
            if col + 1 < len(texts) and is_box_only(texts[col + 1]):
                self.walk.options.append(
                    Option(text, is_ticked_box(texts[col + 1]), row[col + 1].where, self.section, None)
                )
                col += 2
                continue
            if not self.labelled_text(text, row[col].where):
                if self.pending is not None and len(texts) == 1:
                    self.pending_parts.append((text, row[col].where))
                    self.flush()
                elif has_box(text):
                    self.record_options(text, row[col].where, None)
                else:
                    self.walk.free_text.append((text, row[col].where, self.section))
            col += 1


#: A dotted leader between a label and its value ("Name ........ Jo", "Date of birth……: 3/4/15").
_LEADER = re.compile(r"[ \t]*(?:[.·…][ \t]?){4,}[ \t]*:?[ \t]*")


#: "Yes X   No": an answer marked with an X (or a tick) typed beside it.
_MARKED = re.compile(r"\b(yes|no)\s*[\[(]?\s*[x✓✔]\s*[\])]?(?=\s|$)", re.IGNORECASE)
_ANSWERS = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


def marks_to_boxes(text: str) -> str:
    """ "Agreed?  Yes X  No" as "Agreed?  ☒ Yes  ☐ No": one of a Yes/No pair marked with an X or tick."""
    if "x" not in text.lower() and "✓" not in text and "✔" not in text:
        return text
    marked = list(_MARKED.finditer(text))
    answers = {m.group(1).lower() for m in _ANSWERS.finditer(text)}
    if len(marked) != 1 or answers != {"yes", "no"}:
        return text
    chosen = marked[0].group(1).lower()
    text = text[: marked[0].start()] + marked[0].group(1) + text[marked[0].end() :]
    return _ANSWERS.sub(lambda m: ("☒ " if m.group(1).lower() == chosen else "☐ ") + m.group(1), text)


def leaders_to_tabs(text: str) -> str:
    """A dotted leader read as the tab it stands for; one ending a line makes its label a label ("…:")."""
    if ".." not in text and "…" not in text and "··" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        cut = _LEADER.search(line)
        if cut is not None and cut.start() > 0:
            line = line[: cut.start()] + (":" if cut.end() >= len(line) else "\t" + line[cut.end() :])
        lines.append(line)
    return "\n".join(lines)


def _label_heading(match: LabelMatch) -> bool:
    """A section heading that also names one field, so the paragraph under it is that field's value.

    A child's whole-record ("blob") heading ("Children") is not: the text under it may be anything.
    """
    return match.field is not None and (match.field != "blob" or match.section == "lead_professional")


def _nested_parent(where: str) -> str | None:
    """The parent cell's ``where`` of a nested table (``"table 1 row 2 cell 1, nested table 1"``)."""
    parent, sep, _ = where.rpartition(", nested table")
    return parent if sep else None


def _field_of(match: LabelMatch | None) -> str | None:
    return match.field if match is not None else None


def walk(content: DocumentContent, vocabulary: FieldVocabulary) -> Walk:
    """Every labelled value, check-box option and free line of ``content``, in reading order."""
    walker = _Walker(vocabulary)
    for block in content.blocks:
        if isinstance(block, Paragraph):
            if block.where in ("header", "footer") or block.where.startswith(("header", "footer")):
                # Headers and footers repeat on every page; read their labels without moving sections.
                saved = (walker.section, walker.section_group)
                walker.section, walker.section_group = DOCUMENT_SECTION, None
                walker.labelled_text(block.text, block.where)
                walker.section, walker.section_group = saved
                continue
            walker.paragraph(block)
        elif isinstance(block, Table):
            walker.nested_table_section(block)
            walker.table(block)
        else:
            walker.form_field(block)
    walker.flush()
    return walker.walk


def _is_consent_statement(text: str) -> bool:
    """A ticked-box line stating the family's consent ("☒ I agree to ...", "☒ I do NOT consent")."""
    lowered = text.lower()
    return re.search(r"\b(?:i|we)\b[^.]{0,20}\b(?:agree|consent)", lowered) is not None
