"""URN scheme: formatting, check characters and finding URNs in free text (pure).

A URN (unique reference number) identifies a child's Early Help case on the CAF database. Social workers
retype URNs by hand, so each one carries an ISO 7064 MOD 37,36 check character: it catches every single
wrong character and every swap of two neighbouring characters, which are the typing mistakes that matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


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
    social worker typed it, which the "please confirm this URN" reply quotes back.
    """

    as_written: str
    normalised: str
    valid: bool
    start: int


@dataclass(frozen=True)
class UrnScheme:
    """How this council's URNs look: ``{prefix}-{number}-{check}``, e.g. ``LAN-004217-K``."""

    prefix: str = "LAN"
    width: int = 6

    def format(self, sequence: int) -> str:
        """Return the URN for the ``sequence``-th case; raises ValueError when it no longer fits."""
        if sequence < 1 or len(str(sequence)) > self.width:
            raise ValueError(f"sequence {sequence} does not fit a {self.width}-digit URN")
        digits = f"{sequence:0{self.width}d}"
        return f"{self.prefix}-{digits}-{check_character(self.prefix + digits)}"

    def is_valid(self, text: str) -> bool:
        """True when ``text`` is exactly one URN (any separators, any case) whose check character holds."""
        found = self.find(text)
        return len(found) == 1 and found[0].valid and found[0].as_written.strip() == text.strip()

    def normalise(self, text: str) -> str | None:
        """Return the canonical spelling of a valid URN written any way, or None."""
        found = self.find(text)
        if len(found) == 1 and found[0].valid:
            return found[0].normalised
        return None

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        # Separators vary in real mail: "LAN-004217-K", "LAN 004217 K", "lan004217k", "LAN/004217/K".
        prefix = re.escape(self.prefix)
        # Up to one separator mark with spaces around it; Outlook autocorrects " - " to an en dash.
        sep = r"[ \t]{0,2}[\-/_.\u2013\u2014]{0,2}[ \t]{0,2}"
        return re.compile(
            rf"(?<![A-Za-z0-9]){prefix}{sep}(\d{{{self.width}}})(?:{sep}([0-9A-Za-z]))?(?![A-Za-z0-9])",
            re.IGNORECASE,
        )

    def find(self, text: str) -> list[UrnCandidate]:
        """Every URN-shaped string in ``text``, in order, each marked valid or not.

        A number without its check character is a candidate too (marked invalid), so a reply can ask
        the sender to confirm it instead of silently ignoring it.
        """
        candidates: list[UrnCandidate] = []
        seen: set[str] = set()
        for match in self._pattern.finditer(text):
            digits, check = match.group(1), (match.group(2) or "").upper()
            expected = check_character(self.prefix.upper() + digits)
            normalised = f"{self.prefix}-{digits}-{check}" if check else f"{self.prefix}-{digits}"
            if normalised in seen:
                continue
            seen.add(normalised)
            candidates.append(
                UrnCandidate(
                    as_written=match.group(0),
                    normalised=normalised,
                    valid=bool(check) and check == expected,
                    start=match.start(),
                )
            )
        return candidates
