"""Walking a document's layout into labelled values, each with its section, group and place (pure).

The walker knows layouts, not fields: "Label: value" lines (and dotted leaders, "Yes X No" marks,
people in tab columns), label-then-value lines, AcroForm fields and check boxes; its table half is in
``tables``. Sections come from headings, table title rows (a lone, merged first row), lone bold-looking
lines and labels naming a person. What it produces is ``form`` (``Entry``, ``Option``, ``Walk``); what
each label means is the vocabulary's job.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from mailbot.domain.content import DocumentContent, FormField, Paragraph, Table
from mailbot.extract.form import MAX_LABEL, WRAPPED_LINE, Entry, Option, Walk, field_of
from mailbot.extract.tables import TableReader
from mailbot.extract.values import (
    ANSWER_PREFIX,
    clean_name,
    has_box,
    ticked_options,
)
from mailbot.extract.vocabulary import DOCUMENT_SECTION, FieldVocabulary, LabelMatch, normalise_label

__all__ = ["LONG_TEXT_FIELDS", "Entry", "Option", "Walk", "leaders_to_tabs", "marks_to_boxes", "walk"]

#: Fields whose value may run over several paragraphs after a heading-like label.
LONG_TEXT_FIELDS = frozenset({"work_requested", "work_requested_fallback"})
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
#: How much less a value is worth when OCR guessed one of its words (under ``resolver``'s sure bar).
_UNSURE = 0.3
#: "... relates to the following child(ren):", "... these children:": a list of children follows.
_INTRODUCES_CHILDREN = re.compile(
    r"\b(?:following|these|below|named|listed)\s+(?:\w+\s+)?(?:child|young people|young person|cyp)$"
)
#: Sections a label line naming the whole person ("Lead professional:", "The children:") opens.
_OPENED_BY_LABEL = frozenset({"lead_professional", "child"})
#: Fields that start a person's record: a numbered one ("Child 2 name") numbers the labels after it.
_RECORD_START = frozenset({"name", "first_name", "blob"})
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


class _Walker(TableReader):
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
        if not label or len(label) > MAX_LABEL:
            return None
        return self.vocabulary.classify(label, self.section)

    def wrapped_label(self, text: str) -> LabelMatch | None:
        """A label cell a PDF wrapped onto lines that each go on in lower case ("... the school" /
        "nursing team?"), read as the one label it is; None for "Label" above its own value."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) < 2 or not all(WRAPPED_LINE.match(line) for line in lines[1:]):
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
        heading = self.vocabulary.heading_section(text, strict=True) if len(text) <= MAX_LABEL else None
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
        if sep and value.strip() and len(label) <= MAX_LABEL and not label.strip().isdigit():
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
        if not tab or not value or "\t" in value or len(label) > MAX_LABEL or has_box(label):
            return False
        match = self.classify(label)
        if match is None and self.name_then_birth_date(f"{label}  {value}".replace(":", " ", 1), "", where):
            return True
        if match is None or match.field is None or field_of(self.classify(value)) is not None:
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
        tail_match = self.vocabulary.classify(tail, "child") if len(tail) <= MAX_LABEL else None
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


#: A dotted leader between a label and its value ("Name ........ Jo", "Date of birth……: 3/4/15").
_LEADER = re.compile(r"[ \t]*(?:[.·…][ \t]?){4,}[ \t]*:?[ \t]*")


#: "Yes X   No": an answer marked with an X (or a tick) typed beside it.
_MARKED = re.compile(r"\b(yes|no)\s*[\[(]?\s*[x✓✔]\s*[\])]?(?=\s|$)", re.IGNORECASE)
_ANSWERS = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


#: A box typed in brackets: "[ ]" empty, "[X]" / "[x]" / "[✓]" / "[*]" ticked ("[ ] Yes [X] No").
_BRACKET_BOX = re.compile(r"\[\s?([xX✓✔✗*]?)\s?\](?!\w)")


def marks_to_boxes(text: str) -> str:
    """ "Agreed?  Yes X  No" as "Agreed?  ☒ Yes  ☐ No": one of a Yes/No pair marked with an X or tick;
    and boxes typed in brackets ("[ ] Yes [X] No") as the box glyphs, which belong to the word after
    them (reading "Yes [X]" as a mark after "Yes" would turn a ticked "No" into "Yes")."""
    if "[" in text:
        text = _BRACKET_BOX.sub(lambda m: "☒" if m.group(1) else "☐", text)
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
