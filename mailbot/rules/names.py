"""Is this the same child? Name closeness for matching children to existing URNs (pure)."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from mailbot.domain.facts import Child

_NON_LETTERS = re.compile(r"[^a-z ]+")


def normalise_name(name: str) -> str:
    """Lower-case, accents folded, hyphens and apostrophes removed: "Zoë O'Neill-Smith" → "zoe oneill smith"."""
    if name.count(",") == 1:
        # "SMITH, Jayden" (surname first, as registers and LCS print it) → "Jayden SMITH".
        surname, _, given = name.partition(",")
        name = f"{given} {surname}"
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(_NON_LETTERS.sub(" ", folded.replace("'", "")).split())


def names_match(a: str, b: str, threshold: float = 0.85) -> bool:
    """True when two written names are the same person's name allowing for small spelling slips.

    First and last names must each be close; middle names may be present in one and absent in the other.
    """
    left, right = normalise_name(a).split(), normalise_name(b).split()
    if not left or not right:
        return False
    if SequenceMatcher(None, left[-1], right[-1]).ratio() < threshold:
        return False
    return SequenceMatcher(None, left[0], right[0]).ratio() >= threshold


def same_child(a: Child, b: Child) -> bool:
    """Same LCS id, or same date of birth and a closely matching name."""
    if a.lcs_id and b.lcs_id:
        return a.lcs_id.strip().upper() == b.lcs_id.strip().upper()
    if a.date_of_birth and b.date_of_birth and a.date_of_birth != b.date_of_birth:
        return False
    if a.name and b.name and names_match(a.name, b.name):
        return bool(a.date_of_birth and b.date_of_birth) or (
            a.date_of_birth is None or b.date_of_birth is None
        )
    return False
