"""Reading tables into labelled values: label|value pairs, header rows, a column per child (pure).

The table half of the layout walker (``layout._Walker`` inherits it): label|value and
label|value|label|value rows, header-row tables (a row of labels, then a row per person), tables with a
column per child, label-above-value cells, people tables (attendees, professionals involved) and title
rows that open a section. What each label means is the vocabulary's job.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from mailbot.domain.content import Cell, Table
from mailbot.extract.form import MAX_LABEL, WRAPPED_LINE, Option, Walk, field_of
from mailbot.extract.values import (
    clean_name,
    find_postcode,
    has_box,
    is_box_only,
    is_ticked_box,
    statement_consent,
)
from mailbot.extract.vocabulary import FieldVocabulary, LabelMatch

#: Column labels that make a header row a table of children ("Child's name | Date of birth").
_CHILD_KEYS = frozenset({"name", "first_name", "date_of_birth", "lcs_id"})

#: A column or label saying its value is the one above unless it differs.
_IF_DIFFERENT = re.compile(r"\bif\s+(?:different|not\s+(?:the\s+)?same|other|elsewhere)\b", re.IGNORECASE)

#: A cell holding a level of need ("Level 3"): a value, although "Level" alone is a label.
_LEVEL_VALUE = re.compile(r"\s*level\s*[1-4]\s*", re.IGNORECASE)

#: A date, an identifier or an address: a value, never a column heading.
_VALUE_SHAPE = re.compile(r"\d{3}|\d[/.\-]\d|@")

#: Column headings of an answer grid ("Agreement | Yes | No"): each row's tick says its answer.
_ANSWER_WORDS = {"yes": "Yes", "no": "No", "n/a": "N/A", "not applicable": "N/A"}
#: A cell that is only a tick or a cross: the answer of its column.
_MARK = re.compile(r"\s*[✓✔✗✘xX☒☑■*]\s*")
#: Where a consent statement answered in a grid counts: the consent fact, like a "Consent given?" label.
_CONSENT_GIVEN = LabelMatch("consent", "given", confidence=0.8)


def answer_columns(texts: list[str]) -> dict[int, str] | None:
    """``{column: "Yes" | "No" | "N/A"}`` when a row is an answer grid's heading ("| Yes | No |"),
    with both Yes and No and the first column not an answer."""
    words = {
        col: _ANSWER_WORDS.get(text.strip().rstrip(":?").strip().lower()) for col, text in enumerate(texts)
    }
    found = {col: word for col, word in words.items() if word is not None and col > 0}
    if words.get(0) is not None or not {"Yes", "No"} <= set(found.values()):
        return None
    return found


class TableReader:
    """Table reading for the layout walker, which supplies the state and line reading declared here."""

    vocabulary: FieldVocabulary
    section: str | None
    walk: Walk
    pending: LabelMatch | None
    pending_parts: list[tuple[str, str]]
    cell_text: dict[str, str]
    last_address: tuple[str, str] | None
    unsure: frozenset[str]

    # --- supplied by the walker -------------------------------------------------------------------
    def flush(self) -> None:
        raise NotImplementedError

    def add(self, match: LabelMatch, value: str, where: str, group: Hashable | None = None) -> None:
        raise NotImplementedError

    def classify(self, label: str) -> LabelMatch | None:
        raise NotImplementedError

    def wrapped_label(self, text: str) -> LabelMatch | None:
        raise NotImplementedError

    def labelled_text(self, text: str, where: str) -> bool:
        raise NotImplementedError

    def open_section(self, section: str, group: int | None) -> None:
        raise NotImplementedError

    def open_unknown(self) -> None:
        raise NotImplementedError

    def record_options(self, text: str, where: str, label: LabelMatch | None) -> None:
        raise NotImplementedError

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
        answers: dict[int, str] | None = None
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
            grid = answer_columns(texts)
            if grid is not None:
                header, columns, answers = None, None, grid
                continue
            if answers is not None and texts[0]:
                self.answer_row(row, texts, answers)
                continue
            answers = None
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

    def answer_row(self, row: tuple[Cell, ...], texts: list[str], answers: dict[int, str]) -> None:
        """One row of an answer grid: the label in the first column, a tick under Yes, No or N/A.

        A row with no tick, or more than one, says nothing. A label the vocabulary knows takes the
        answer as its value; a consent statement it does not know ("Parent/carer consents to the plan
        being shared") answers consent: "No" under a positive statement is consent not given.
        """
        ticked = [col for col in answers if col < len(texts) and _MARK.fullmatch(texts[col])]
        if len(ticked) != 1 or answers[ticked[0]] == "N/A":
            return
        answer, where = answers[ticked[0]], row[ticked[0]].where
        label = texts[0].strip().rstrip(":?*").strip()
        match = self.classify(label)
        if match is not None and match.field is not None:
            self.add(match, answer, where)
            return
        statement = statement_consent(label)
        if statement is not None and "consent" in label.lower():
            given = statement if answer == "Yes" else not statement
            self.add(_CONSENT_GIVEN, "Yes" if given else "No", where)

    def nested_table_section(self, block: Table) -> None:
        """A nested table is read in the section its parent cell names ("Subject 2", "Consent").

        Readers emit every nested table after its whole parent table, so the section the walker is in
        by then is the parent's last row's; the parent cell's own text says which record this one is.
        """
        parent = _nested_parent(block.where)
        text = self.cell_text.get(parent, "") if parent is not None else ""
        if not text or "\n" in text or len(text) > MAX_LABEL:
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
        if len(filled) == 2 and field_of(matches[1]) in (None, "blob"):
            return False  # "Role | Key Worker": a label and its value, the value naming a section
        # A value row holds no labels; "Child", "Key Worker" or "Level 3" there is a value naming a
        # relationship, a role or a level.
        return all(
            not text
            or (_LEVEL_VALUE.fullmatch(text) and not _LEVEL_VALUE.fullmatch(label))
            or (text.startswith("(") and text.endswith(")"))  # "(signed)": a note in a value cell
            or field_of(self.classify(text)) in (None, "blob")
            for label, text in zip(texts, following, strict=True)
        )

    def label_above_value(self, text: str) -> bool:
        """ "First name\nAyesha": a label line, then its value (not a label wrapped onto a second line)."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return (
            len(lines) >= 2
            and not all(WRAPPED_LINE.match(line) for line in lines[1:])
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


def _nested_parent(where: str) -> str | None:
    """The parent cell's ``where`` of a nested table (``"table 1 row 2 cell 1, nested table 1"``)."""
    parent, sep, _ = where.rpartition(", nested table")
    return parent if sep else None
