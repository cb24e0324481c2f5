"""Allocators from the identity provider's group: with ``workflow.console_allocator_days`` set, a digest
reply allocates when its sender signed in to the console lately with a role that may allocate, and
not otherwise (nothing sent, a review item), end to end: real provider, real browser, real mail."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from scenarios import SW, step_down, urn_request
from sqlalchemy import select
from support.apps import WPEHS, email

from mailbot.register.models import Allocation, ReviewItem, StaffMember
from mailbot.workflow.weekly_digest import queue_digest

pytestmark = pytest.mark.integration

CHILD = ("Maisie Example", "03/04/2015", "LCS123456")
URN = "LAN-000001-5"
MANAGER = "team.manager@lancashire.gov.uk"  # not in workflow.allocators: only the provider's group says


def _digest(world: Any) -> EmailMessage:
    with world.app.register.transaction() as session:
        now = world.app.now()
        if queue_digest(session, world.app.shell, now.date(), now) is None:
            pytest.fail("no digest was queued although a step down is waiting")
    world.drain_outbox()  # send it, without reading the mailboxes yet
    (raw,) = world.mail.wait_for(lambda: [r for r in world.mail.imap_messages(WPEHS) if b"[WD-" in r])
    message: EmailMessage = message_from_bytes(raw, policy=default)  # type: ignore[assignment]
    return message


def _reply(world: Any, digest: EmailMessage, text: str) -> None:
    raw = email(
        f"Team Manager <{MANAGER}>",
        WPEHS,
        f"RE: {digest['Subject']}",
        text,
        [],
        in_reply_to=digest["Message-ID"],
    )
    world.send(raw, MANAGER, WPEHS)


def _allocations_and_reviews(world: Any) -> tuple[list[str], list[str]]:
    with world.app.register.transaction() as session:
        allocations = [a.worker_name for a in session.execute(select(Allocation)).scalars()]
        reviews = [r.reason for r in session.execute(select(ReviewItem)).scalars()]
    return allocations, reviews


@pytest.mark.parametrize("workflow", [{"console_allocator_days": 35}])
def test_a_digest_reply_allocates_once_its_sender_signed_in_as_an_allocator(world: Any) -> None:
    urn_request(world, CHILD)
    step_down(world, URN, CHILD)
    digest = _digest(world)
    line = f"{URN}: Priya Shah <priya.shah@lancashire.gov.uk>, Preston North WPEHS\n\nThanks"

    _reply(world, digest, line)  # never signed in: not (yet) an allocator
    assert _allocations_and_reviews(world) == ([], ["allocation_not_allowed"])

    world.person(MANAGER, "Team Manager", ["viewer"])  # signed in, but the group gives no allocating role
    _reply(world, digest, line)
    assert _allocations_and_reviews(world) == ([], ["allocation_not_allowed", "allocation_not_allowed"])

    world.person(MANAGER, "Team Manager", ["wpehs_allocator"])  # now in the allocators' group
    with world.app.register.transaction() as session:
        member = session.get(StaffMember, MANAGER)
        assert member is not None and member.roles == ["wpehs_allocator"]
    _reply(world, digest, line)
    assert _allocations_and_reviews(world) == (
        ["Priya Shah"],
        ["allocation_not_allowed", "allocation_not_allowed"],
    )
    assert world.mail.wait_for(
        lambda: [r for r in world.mail.imap_messages(SW) if b"WPEHS worker allocated" in r]
    ), "the social worker was not told who was allocated"


def test_without_the_setting_a_console_allocator_still_cannot_allocate_by_email(world: Any) -> None:
    urn_request(world, CHILD)
    step_down(world, URN, CHILD)
    world.person(MANAGER, "Team Manager", ["wpehs_allocator"])
    digest = _digest(world)
    _reply(world, digest, f"{URN}: Priya Shah <priya.shah@lancashire.gov.uk>, Preston North WPEHS")
    assert _allocations_and_reviews(world) == ([], ["allocation_not_allowed"])
