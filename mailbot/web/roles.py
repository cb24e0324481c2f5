"""Who may do what on the console (pure): roles from the identity provider's groups, and permissions.

A viewer reads everything a role-holder may read and does nothing; every action names the
permission it needs, and a person without it gets 403 and never sees the button.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from mailbot.rules.allocation_route import ALLOCATING_ROLES

Permission = Literal["view", "review", "allocate", "outbox", "subject_access"]

#: The roles that carry each permission (``administrator`` carries them all).
PERMISSIONS: dict[Permission, frozenset[str]] = {
    "view": frozenset({"viewer", "caf_team", "wpehs_allocator", "administrator"}),
    "review": frozenset({"caf_team", "administrator"}),
    "allocate": ALLOCATING_ROLES,
    "outbox": frozenset({"caf_team", "administrator"}),
    "subject_access": frozenset({"caf_team", "administrator"}),
}


def roles_from_groups(groups: Iterable[str], mapping: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """The console roles whose configured groups include any of ``groups`` (sorted, no repeats)."""
    held = set(groups)
    return tuple(sorted(role for role, role_groups in mapping.items() if held & set(role_groups)))


def may(roles: Iterable[str], permission: Permission) -> bool:
    return bool(PERMISSIONS[permission] & set(roles))
