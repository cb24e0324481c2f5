"""Who has signed in to the console, and who of them may allocate by email (``StaffMember``).

The console records each sign-in here with the roles the identity provider's groups gave; the
allocation route asks which addresses held an allocating role at a sign-in within the configured
number of days. Roles are whatever the caller says allocates (the rules own that list), so the
register knows nothing of permissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.register.models import StaffMember


def record_sign_in(session: Session, email: str, name: str, roles: Iterable[str], now: datetime) -> None:
    """Record that ``email`` signed in at ``now`` holding ``roles`` (replacing the roles held before:
    a person taken out of a group loses its role at their next sign-in)."""
    address = email.strip().lower()
    if not address:
        return  # a provider that gives no email address: nothing to match mail against
    member = session.get(StaffMember, address, with_for_update=True)
    held = sorted(set(roles))
    if member is None:
        session.add(
            StaffMember(email=address, name=name, roles=held, first_signed_in_at=now, last_signed_in_at=now)
        )
        return
    member.name = name
    member.roles = held
    member.last_signed_in_at = now


def staff_holding(session: Session, roles: Iterable[str], since: datetime) -> frozenset[str]:
    """Lower-case addresses of people who signed in at or after ``since`` holding any of ``roles``.

    The roles are a JSON list, which SQLite and PostgreSQL query differently; the staff table is
    small (the council's staff, not its cases), so the rows signed in since ``since`` are read by
    the index on ``last_signed_in_at`` and filtered here.
    """
    wanted = set(roles)
    rows = session.execute(
        select(StaffMember.email, StaffMember.roles).where(StaffMember.last_signed_in_at >= since)
    )
    return frozenset(email for email, held in rows if wanted & set(held or ()))
