"""Which children of a request the register already knows: the duplicate check (pure).

Children mailbot created and children imported from the council's register are matched the same way:
the same LCS id, or the same date of birth with a closely matching name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.domain.facts import Child
from mailbot.rules.names import names_match, normalise_name
from mailbot.rules.view import RegisterView


@dataclass(frozen=True)
class ChildMatch:
    """What the register knows of a request's children: URNs found, children not found, and how."""

    urns: frozenset[str]
    unmatched: tuple[Child, ...]
    ambiguous: bool
    by_lcs_id: bool


def match_children(children: Sequence[Child], view: RegisterView) -> ChildMatch:
    """Find existing URNs for ``children``.

    A match is the same LCS id, or the same date of birth with a closely matching name. A candidate
    with the same date of birth whose name is only somewhat alike is ambiguous: a person decides.
    """
    matched: set[str] = set()
    unmatched: list[Child] = []
    ambiguous = False
    by_lcs_id = False
    for child in children:
        urns: set[str] = set()
        for candidate in view.child_candidates:
            other = candidate.child
            if child.lcs_id and other.lcs_id:
                if child.lcs_id.strip().upper() == other.lcs_id.strip().upper():
                    urns.add(candidate.urn)
                    by_lcs_id = True
                continue
            if not (child.date_of_birth and child.date_of_birth == other.date_of_birth):
                continue
            if child.name and other.name:
                if names_match(child.name, other.name):
                    urns.add(candidate.urn)
                elif names_match(child.name, other.name, threshold=0.6) or (
                    normalise_name(child.name).split()[-1:] == normalise_name(other.name).split()[-1:]
                ):
                    ambiguous = True
        if len(urns) > 1:
            ambiguous = True
        matched |= urns
        if not urns:
            unmatched.append(child)
    return ChildMatch(frozenset(matched), tuple(unmatched), ambiguous, by_lcs_id)
