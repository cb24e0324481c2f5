"""Postcode → council district name, from the ``[districts]`` table in config (pure).

A UK postcode is an outward code (area letters + district: ``PR1``, ``PR25``, ``EC1A``) and an inward
code (sector digit + unit letters: ``2AB``). Config maps any of these keys to a district name, most
specific first:

    sector   ``"PR1 2"``  (written with its space: one postcode district can straddle two council districts)
    district ``"PR25"``   exact: ``PR25`` never falls back to ``PR2``, a different place
    district without its sub-district letter: ``"EC1"`` for ``EC1A``
    area     ``"PR"``     fallback for every district in the area

Anything else is ``UNKNOWN_DISTRICT``, so a digest still lists the request under a heading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

UNKNOWN_DISTRICT = "Unknown district"

_AREA = re.compile(r"^[A-Z]{1,2}$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
_SECTOR = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) (\d)$")
# The inward code is always the last three characters, so a postcode without its space is unambiguous.
_FULL = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")
# Inward codes never use C, I, K, M, O, V; a typed O or I where the sector digit belongs is a typo.
_SECTOR_DIGIT_TYPOS = {"O": "0", "I": "1", "L": "1"}


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def normalise_postcode(text: str | None) -> str | None:
    """The postcode in canonical form (``"pr1  2ab"`` → ``"PR1 2AB"``), or None when it is not one.

    Tolerates lower case, missing or doubled spaces, stray punctuation and an O or I typed for the
    sector digit (``"PR1 OAB"`` → ``"PR1 0AB"``).
    """
    if not text:
        return None
    compact = _compact(text)
    if len(compact) >= 5 and compact[-3] in _SECTOR_DIGIT_TYPOS:
        compact = compact[:-3] + _SECTOR_DIGIT_TYPOS[compact[-3]] + compact[-2:]
    match = _FULL.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def postcode_district(text: str | None) -> str | None:
    """The outward code (``"PR1 2AB"`` → ``"PR1"``); an outward code alone is accepted too."""
    full = normalise_postcode(text)
    if full:
        return full.split(" ")[0]
    compact = _compact(text or "")
    return compact if _OUTWARD.match(compact) else None


def _normalise_key(key: str) -> str | None:
    """A config key in canonical form, or None when it is not an area, district or sector."""
    spaced = " ".join(key.upper().split())
    if _SECTOR.match(spaced):
        return spaced
    compact = _compact(key)
    if _AREA.match(compact) or _OUTWARD.match(compact):
        return compact
    return None


@dataclass(frozen=True)
class DistrictMap:
    """The council's postcode → district table with keys normalised once, ready for lookups."""

    names: Mapping[str, str]

    @classmethod
    def from_config(cls, mapping: Mapping[str, str]) -> DistrictMap:
        """Normalise the config keys; keys that are not postcode parts are left out (see ``problems``)."""
        names: dict[str, str] = {}
        for key, name in mapping.items():
            normalised = _normalise_key(key)
            if normalised is not None:
                names[normalised] = name
        return cls(names)

    @staticmethod
    def problems(mapping: Mapping[str, str]) -> list[str]:
        """One ``districts.KEY: why`` line per config key that can never match, for ``check-config``."""
        return [
            f"districts.{key}: not a postcode area (PR), district (PR25) or sector ('PR1 2')"
            for key in mapping
            if _normalise_key(key) is None
        ]

    def district_for(self, postcode: str | None) -> str:
        """The district name for a (possibly messy) postcode; ``UNKNOWN_DISTRICT`` when nothing matches."""
        full = normalise_postcode(postcode)
        outward = postcode_district(postcode)
        if outward is None:
            return UNKNOWN_DISTRICT
        keys: list[str] = []
        if full:
            keys.append(f"{outward} {full.split(' ')[1][0]}")
        keys.append(outward)
        if outward[-1].isalpha():
            keys.append(outward[:-1])
        keys.append(outward[: 2 if outward[1].isalpha() else 1])  # the area letters
        for key in keys:
            if key in self.names:
                return self.names[key]
        return UNKNOWN_DISTRICT


def district_for_postcode(postcode: str | None, districts: Mapping[str, str]) -> str:
    """Shortcut for one lookup: ``DistrictMap.from_config(districts).district_for(postcode)``."""
    return DistrictMap.from_config(districts).district_for(postcode)
