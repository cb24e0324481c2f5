"""The console's staff record on SQLite and PostgreSQL: who signed in with which roles, and who of them
may allocate by email (allocators from the identity provider's group)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailbot.register.database import Register
from mailbot.register.queries import ViewQuery, build_view
from mailbot.register.staff import record_sign_in, staff_holding
from mailbot.rules.allocation_route import ALLOCATING_ROLES

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
MANAGER = "team.manager@lancashire.gov.uk"


def _allocators(register: Register, since: datetime) -> frozenset[str]:
    with register.transaction() as session:
        return staff_holding(session, ALLOCATING_ROLES, since)


def test_allocators_are_those_signed_in_lately_with_an_allocating_role(register_url: str) -> None:
    register = Register(register_url)
    try:
        with register.transaction() as session:
            record_sign_in(
                session, " Team.Manager@Lancashire.gov.uk", "Team Manager", ["wpehs_allocator"], NOW
            )
            record_sign_in(session, "admin@lancashire.gov.uk", "Admin", ["administrator", "viewer"], NOW)
            record_sign_in(session, "caf@lancashire.gov.uk", "CAF team", ["caf_team"], NOW)
            record_sign_in(
                session, "old@lancashire.gov.uk", "Left", ["wpehs_allocator"], NOW - timedelta(days=40)
            )
            record_sign_in(session, "", "No email", ["wpehs_allocator"], NOW)  # nothing to match mail with
        week_ago = NOW - timedelta(days=7)
        assert _allocators(register, week_ago) == {MANAGER, "admin@lancashire.gov.uk"}
        assert "old@lancashire.gov.uk" in _allocators(register, NOW - timedelta(days=60))

        # Taken out of the group: the next sign-in carries no allocating role, and the record says so.
        with register.transaction() as session:
            record_sign_in(session, MANAGER, "Team Manager", ["viewer"], NOW + timedelta(hours=1))
        assert _allocators(register, week_ago) == {"admin@lancashire.gov.uk"}
    finally:
        register.close()


def test_the_view_names_console_allocators_only_for_a_digest_reply(register_url: str) -> None:
    register = Register(register_url)
    try:
        with register.transaction() as session:
            record_sign_in(session, MANAGER, "Team Manager", ["wpehs_allocator"], NOW)
        since = NOW - timedelta(days=35)

        def view(*, allocation_reply: bool, allocators_since: datetime | None) -> frozenset[str]:
            query = ViewQuery(
                request=None,
                urns=[],
                children=[],
                sender=MANAGER,
                now=NOW,
                allocation_reply=allocation_reply,
                allocators_since=allocators_since,
            )
            with register.transaction() as session:
                return build_view(session, query).console_allocators

        assert view(allocation_reply=True, allocators_since=since) == {MANAGER}
        assert view(allocation_reply=False, allocators_since=since) == frozenset()
        assert view(allocation_reply=True, allocators_since=None) == frozenset()  # setting off
    finally:
        register.close()
