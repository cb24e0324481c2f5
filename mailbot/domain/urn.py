"""URN formats: the one mailbot issues and the council's legacy ones; finding URNs in free text (pure).

A URN (unique reference number) identifies a child's Early Help case on the CAF database. A council
switching mailbot on already has thousands of them, so nothing here is fixed to one shape:

- The **issued format** (config ``[urn]``): a prefix (or none), a zero-padded number ``width`` digits
  wide, and, when ``check = true``, an ISO 7064 MOD 37,36 check character. The check character
  catches every single wrong character and every swap of two neighbouring characters, the typing
  mistakes that matter; it is demanded only when the format has one. Separators are forgiven
  (``LAN 004217 K``, ``lan004217k``) because people retype URNs.
- **Legacy formats** (config ``[[urn.legacy]]``): regular expressions for URNs the council issued
  before mailbot (``\\d{6}``, ``CAF\\d{5}``). A legacy URN is matched exactly: the whole URN matches
  the pattern (letters compared without case), no separator is guessed and no check character is
  asked for.

A format without a leading letter prefix (digits only) is *bare*: six digits in an email are as likely
a phone number, an LCS id or a date as a URN, so a bare URN is only recognised next to a URN label
("URN: 123456", "our URN is 123456", a form's "URN" field) — never loose in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

UrnProblem = Literal["check_failed", "no_check_character"]

#: Words that say "the next thing is a URN". Bare formats are only found right after one of these.
_LABEL = (
    r"(?:\bURN\b|\bunique reference(?:\s+number)?\b|\b(?:CAF|EHA?|early help)\s+"
    r"(?:URN|number|no\.?|ref(?:erence)?(?:\s+number)?|id)(?![A-Za-z])|\breference number\b)"
    r"(?:[ \t]*(?:no\.?|number|is|was|of|:|#|-|–|=)(?![A-Za-z]))*[ \t]*"
)
_LABEL_PATTERN = re.compile(_LABEL, re.IGNORECASE)
# Up to one separator mark with spaces around it; Outlook autocorrects " - " to an en dash.
_SEPARATOR = r"[ \t]{0,2}[\-/_.\u2013\u2014]{0,2}[ \t]{0,2}"


def check_character(body: str) -> str:
    """Return the ISO 7064 MOD 37,36 check character for ``body`` (letters and digits only).

    Raises ValueError for a character outside 0-9/A-Z, because a URN body never holds one.
    """
    modulus = 36
    product = modulus
    for char in body.upper():
        value = ALPHABET.find(char)
        if value < 0:
            raise ValueError(f"character {char!r} cannot appear in a URN")
        total = (product + value) % modulus
        if total == 0:
            total = modulus
        product = (total * 2) % (modulus + 1)
    return ALPHABET[(modulus + 1 - product) % modulus]


@dataclass(frozen=True)
class UrnCandidate:
    """Something in a text that is shaped like a URN, valid or not.

    ``normalised`` is the canonical spelling (``LAN-004217-K``) and ``as_written`` the text as the
    social worker typed it, which the "please confirm this URN" reply quotes back. ``problem`` says why
    an invalid candidate is invalid; ``number`` is the digits of an issued-format URN (the legacy URN
    itself for a legacy one), so two spellings of one number can be told apart from two numbers.
    """

    as_written: str
    normalised: str
    valid: bool
    start: int
    problem: UrnProblem | None = field(default=None, compare=False)
    number: str = field(default="", compare=False)
    legacy: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class LegacyUrnFormat:
    """A URN format the council used before mailbot: ``pattern`` must match a whole URN.

    ``needs_label`` None decides from the pattern: one that starts with a letter (``CAF\\d{5}``) is
    distinctive enough to find anywhere; one that starts with a digit needs a URN label next to it.
    """

    pattern: str
    needs_label: bool | None = None

    @property
    def bare(self) -> bool:
        if self.needs_label is not None:
            return self.needs_label
        return not self.pattern[:1].isalpha()

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)

    @cached_property
    def in_text(self) -> re.Pattern[str]:
        """The pattern as found inside a longer text: not glued to other letters or digits."""
        return re.compile(rf"(?<![A-Za-z0-9])(?:{self.pattern})(?![A-Za-z0-9])", re.IGNORECASE)


def legacy_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a legacy URN format (for ``check-config``), or None when it can."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return f"not a regular expression ({error})"
    if compiled.fullmatch(""):
        return "matches the empty text; a URN pattern must need at least one character"
    if compiled.groups and compiled.groupindex:
        return "named groups are not allowed; use (?:...) for grouping"
    return None


@dataclass(frozen=True)
class UrnScheme:
    """The council's URN formats: the issued one (``{prefix}-{number}-{check}``) and legacy ones."""

    prefix: str = "LAN"
    width: int = 6
    check: bool = True
    separator: str = "-"
    legacy: tuple[LegacyUrnFormat, ...] = ()

    # --- issuing ---------------------------------------------------------------------------------------
    @property
    def capacity(self) -> int:
        """The largest number the issued format can hold (``999999`` for width 6)."""
        return int("9" * self.width)

    def format(self, sequence: int) -> str:
        """Return the URN for the ``sequence``-th case; raises ValueError when it no longer fits."""
        if sequence < 1 or sequence > self.capacity:
            raise ValueError(f"sequence {sequence} does not fit a {self.width}-digit URN")
        digits = f"{sequence:0{self.width}d}"
        return self._spell(digits, check_character(self.prefix + digits) if self.check else "")

    def number_of(self, urn: str) -> int | None:
        """The sequence number of an issued-format URN in canonical spelling, None for any other URN."""
        found = self._issued_in(urn, labelled=True)
        if len(found) == 1 and found[0].valid and found[0].normalised == urn:
            return int(found[0].number)
        return None

    def _spell(self, digits: str, check: str) -> str:
        parts = [part for part in (self.prefix, digits, check) if part]
        return self.separator.join(parts)

    # --- reading ---------------------------------------------------------------------------------------
    @property
    def has_bare_format(self) -> bool:
        """True when some format is only recognised next to a URN label (digits-only URNs)."""
        return not self.prefix or any(f.bare for f in self.legacy)

    def might_contain(self, text: str) -> bool:
        """A cheap test before ``find``: False only when ``text`` cannot hold a URN of any format."""
        if not text:
            return False
        if self.has_bare_format or any(not f.bare for f in self.legacy):
            return True
        return self.prefix.casefold() in text.casefold()

    def is_valid(self, text: str) -> bool:
        """True when ``text`` is exactly one URN (any separators, any case) that passes its check."""
        found = self.find(text, labelled=True)
        return len(found) == 1 and found[0].valid and found[0].as_written.strip() == text.strip()

    def normalise(self, text: str) -> str | None:
        """The canonical spelling of the one valid URN in ``text`` (read as a URN field's value), or None."""
        found = self.find(text, labelled=True)
        if len(found) == 1 and found[0].valid:
            return found[0].normalised
        return None

    def exact(self, text: str) -> str | None:
        """The canonical URN when ``text`` is exactly one valid URN of any format, else None.

        The fast path for a register file's URN column (one value per cell, 100,000 cells): whole-text
        matches only, no searching.
        """
        stripped = text.strip()
        match = self._issued_exact.fullmatch(stripped)
        if match is not None:
            found = self._issued_in(stripped, labelled=True)
            return found[0].normalised if len(found) == 1 and found[0].valid else None
        for legacy in self.legacy:
            if legacy.compiled.fullmatch(stripped):
                return stripped.upper()
        return None

    @cached_property
    def _issued_exact(self) -> re.Pattern[str]:
        return re.compile(self._issued_pattern.pattern.removeprefix("(?<![A-Za-z0-9])"), re.IGNORECASE)

    def find(self, text: str, *, labelled: bool = False) -> list[UrnCandidate]:
        """Every URN-shaped string in ``text``, in order, each marked valid or not.

        ``labelled`` says ``text`` is the value of a URN label (a form's URN field, a command-line
        argument), so a bare URN at its start counts. A number without its check character is a
        candidate too (marked invalid), so a reply can ask the sender to confirm it instead of
        silently ignoring it.
        """
        candidates = self._issued_in(text, labelled=labelled)
        taken = [(c.start, c.start + len(c.as_written)) for c in candidates]
        for legacy in self._legacy_in(text, labelled=labelled):
            end = legacy.start + len(legacy.as_written)
            if not any(start < end and legacy.start < stop for start, stop in taken):
                candidates.append(legacy)
                taken.append((legacy.start, end))
        candidates.sort(key=lambda c: c.start)
        unique: list[UrnCandidate] = []
        seen: set[str] = set()
        for candidate in candidates:
            if candidate.normalised not in seen:
                seen.add(candidate.normalised)
                unique.append(candidate)
        return unique

    @cached_property
    def _issued_pattern(self) -> re.Pattern[str]:
        check = rf"(?:{_SEPARATOR}(?P<check>[0-9A-Za-z]))?" if self.check else ""
        number = rf"(?P<digits>\d{{{self.width}}}){check}(?![A-Za-z0-9])"
        if self.prefix:
            return re.compile(rf"(?<![A-Za-z0-9]){re.escape(self.prefix)}{_SEPARATOR}{number}", re.IGNORECASE)
        return re.compile(rf"(?<![A-Za-z0-9]){number}", re.IGNORECASE)

    def _issued_in(self, text: str, *, labelled: bool) -> list[UrnCandidate]:
        found: list[UrnCandidate] = []
        for start, match in self._matches(
            self._issued_pattern, text, bare=not self.prefix, labelled=labelled
        ):
            digits, written_check = match.group("digits"), (match.groupdict().get("check") or "").upper()
            problem: UrnProblem | None = None
            if self.check:
                expected = check_character(self.prefix.upper() + digits)
                if not written_check:
                    problem = "no_check_character"
                elif written_check != expected:
                    problem = "check_failed"
            normalised = self._spell(digits, written_check)
            found.append(
                UrnCandidate(
                    as_written=match.group(0),
                    normalised=normalised,
                    valid=problem is None,
                    start=start,
                    problem=problem,
                    number=digits,
                )
            )
        return found

    def _legacy_in(self, text: str, *, labelled: bool) -> list[UrnCandidate]:
        found: list[UrnCandidate] = []
        for legacy in self.legacy:
            for start, match in self._matches(legacy.in_text, text, bare=legacy.bare, labelled=labelled):
                written = match.group(0)
                if not legacy.compiled.fullmatch(written):
                    continue
                normalised = written.upper()
                found.append(UrnCandidate(written, normalised, True, start, None, normalised, True))
        return found

    @staticmethod
    def _matches(
        pattern: re.Pattern[str], text: str, *, bare: bool, labelled: bool
    ) -> list[tuple[int, re.Match[str]]]:
        """(start, match) for ``pattern`` in ``text``; a bare pattern only right after a URN label."""
        if not bare:
            return [(m.start(), m) for m in pattern.finditer(text)]
        results: list[tuple[int, re.Match[str]]] = []
        starts: list[int] = []
        if labelled:
            starts.append(len(text) - len(text.lstrip()))
        starts.extend(label.end() for label in _LABEL_PATTERN.finditer(text))
        for position in starts:
            match = pattern.match(text, position)
            if match is not None and all(match.start() != m.start() for _, m in results):
                results.append((match.start(), match))
        return results
