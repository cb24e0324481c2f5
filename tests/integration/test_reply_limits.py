"""Reply limits over the real Dovecot, the SMTP relay and SQLite (issue 11 point 5, issue 9):

- a flood of 500 messages from one sender, then the chase job on the following working days, costs a
  bounded number of emails (``replies_per_sender_per_hour``, 20) and ONE review item;
- a social worker sending six genuine requests in an hour gets six answers;
- a bot answering each of our replies in the thread is stopped within ``replies_per_thread_per_day``.
"""

from __future__ import annotations

import dataclasses
import itertools
import mailbox
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from support.apps import CAF, DOCX, assessment_docx, email, make_app, parsed, settings_for

from mailbot.config import MaildirSettings
from mailbot.register.models import Outbox, Request, ReviewItem
from mailbot.service.bootstrap import App
from mailbot.service.daemon import run_once
from mailbot.workflow.chase import run_chases
from mailbot.workflow.review import resolve

pytestmark = pytest.mark.integration
SW = "sw.one@lancashire.gov.uk"
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
WORDS = [
    "apple",
    "birch",
    "cedar",
    "daisy",
    "elder",
    "fern",
    "gorse",
    "heather",
    "iris",
    "juniper",
    "kale",
    "laurel",
    "maple",
    "nettle",
    "oak",
    "poppy",
    "quince",
    "rowan",
    "sorrel",
    "thistle",
    "umber",
    "violet",
    "willow",
    "yarrow",
    "zinnia",
]


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: Clock) -> Iterator[App]:
    settings = settings_for(
        mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch
    )
    built = make_app(settings, now=clock)
    try:
        yield built
    finally:
        built.close()


def _count(app: App, model: Any, *conditions: Any) -> int:
    with app.register.transaction() as session:
        return int(session.execute(select(func.count(model.id)).where(*conditions)).scalar_one())


def _review_reasons(app: App) -> list[str]:
    with app.register.transaction() as session:
        return list(session.execute(select(ReviewItem.reason).order_by(ReviewItem.id)).scalars())


def _sent_by_us(mail: Any) -> int:
    return sum(1 for d in mail.smtp.deliveries if d.mail_from.lower() == CAF.lower())


@pytest.fixture
def maildir_app(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> Iterator[tuple[App, mailbox.Maildir]]:
    """CAF@ read from a local Maildir (the real source for disk-delivered sites), replies over SMTP.

    500 IMAP appends and moves cost the shared CI machine much time; the Maildir source makes the flood
    itself cheap while everything mailbot sends still goes through the real SMTP relay into Dovecot.
    """
    settings = settings_for(
        mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch
    )
    caf = dataclasses.replace(settings.mailboxes["caf"], imap=None, maildir=MaildirSettings(tmp_path / "caf"))
    settings = dataclasses.replace(settings, mailboxes={**settings.mailboxes, "caf": caf})
    built = make_app(settings, now=clock)
    try:
        yield built, mailbox.Maildir(tmp_path / "caf", create=True)
    finally:
        built.close()


def test_flood_of_500_then_chase_runs_costs_a_bounded_number_of_emails_and_one_review_item(
    mail: Any, maildir_app: tuple[App, mailbox.Maildir], clock: Clock
) -> None:
    app, inbox = maildir_app
    # 500 distinct requests (different words, so no two share a pattern): only the breaker stops them.
    pairs = itertools.islice(itertools.product(WORDS, WORDS), 500)
    for first, second in pairs:
        raw = email(
            f"Sam Worker <{SW}>",
            CAF,
            f"URN request {first} {second}",
            f"Please can I have a URN for {first} {second}.",
        )
        inbox.add(raw)
    run_once(app)
    bound = app.settings.limits.replies_per_sender_per_hour
    assert bound == 20
    assert _count(app, Request) == 500  # the register work is all done: nothing is dropped
    assert _count(app, Outbox) == bound
    # The chase job on each of the next ten working days: held, so no reminder and no escalation.
    day = START.date()
    for _ in range(14):
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        clock.at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
        result = run_chases(app.register, app.shell, day, clock.at)
        assert result.chased == 0 and result.escalated == 0
        run_once(app)
    assert _count(app, Outbox) == bound
    assert _review_reasons(app) == ["flood"]
    assert _sent_by_us(mail) == bound
    assert len(mail.imap_messages(SW)) == bound


def test_a_numbered_flood_is_held_after_the_pattern_limit(mail: Any, app: App) -> None:
    for n in range(1, 31):
        mail.append(CAF, "INBOX", email(SW, CAF, f"Test message {n}", f"Body of test message {n}."))
    run_once(app)
    assert _count(app, Outbox) == app.settings.limits.replies_per_pattern_per_day == 3
    assert _review_reasons(app) == ["reply_limit_pattern"]


def test_a_busy_social_worker_sending_six_genuine_requests_in_an_hour_is_always_answered(
    mail: Any, app: App, clock: Clock
) -> None:
    children = [
        ("Maisie Example", "03/04/2015", "LCS100001"),
        ("Tom Sample", "14/06/2017", "LCS100002"),
        ("Ava Test", "01/01/2016", "LCS100003"),
        ("Leo Case", "22/09/2014", "LCS100004"),
        ("Mia Record", "05/05/2019", "LCS100005"),
        ("Noah File", "30/11/2012", "LCS100006"),
    ]
    for minute, child in enumerate(children):
        clock.at = START + timedelta(minutes=10 * minute)
        raw = email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN for the child in the attached assessment. Consent has been given.",
            [("Assessment.docx", DOCX, assessment_docx([child]))],
        )
        mail.smtp_send(raw, SW, CAF)
        mail.wait_for(lambda: mail.imap_messages(CAF))
        run_once(app)
    replies = [
        parsed(r) for r in mail.wait_for(lambda: len(mail.imap_messages(SW)) == 6 and mail.imap_messages(SW))
    ]
    assert all("issued" in str(r["Subject"]) for r in replies)
    assert len({str(r["Subject"]) for r in replies}) == 6  # six different URNs
    assert _review_reasons(app) == []


def _latest_reply(mail: Any, user: str) -> EmailMessage:
    return parsed(mail.imap_messages(user)[-1])


def test_a_bot_answering_each_of_our_replies_is_stopped_within_the_thread_limit(mail: Any, app: App) -> None:
    # A trusted partner's helpdesk that answers every email in the thread, with no automatic headers.
    bot = "helpdesk@blackpool.gov.uk"
    mail.add_user(bot)
    mail.smtp_send(email(f"Help Desk <{bot}>", CAF, "URN request", "Please can I have a URN."), bot, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    run_once(app)
    for _ in range(10):  # the bot answers every email it gets from us
        received = len(mail.imap_messages(bot))
        if received == 0:
            break
        ours = _latest_reply(mail, bot)
        answer = email(
            f"Help Desk <{bot}>",
            CAF,
            f"RE: {ours['Subject']}",
            "Thank you for your email. Your ticket has been logged.",
            in_reply_to=str(ours["Message-ID"]),
        )
        mail.smtp_send(answer, bot, CAF)
        mail.wait_for(lambda: mail.imap_messages(CAF))
        run_once(app)
        if len(mail.imap_messages(bot)) == received:
            break  # we did not answer: the loop has stopped
    limit = app.settings.limits.replies_per_thread_per_day
    assert len(mail.imap_messages(bot)) == limit == 3
    assert _review_reasons(app) == ["reply_limit_thread"]


def test_chase_ups_and_escalations_count_against_the_same_limits(mail: Any, app: App, clock: Clock) -> None:
    """A sender already at the breaker's limit from replies is not chased: the chase job asks the same
    limits with the same counts (and opens the one review item itself)."""
    for first in WORDS[:20]:
        mail.append(CAF, "INBOX", email(SW, CAF, f"URN request {first}", f"For {first}, please."))
    run_once(app)
    assert _count(app, Outbox) == 20 and _review_reasons(app) == []
    # Within the hour, the chase job (run by hand) would add a 21st email: held instead.
    clock.at = START + timedelta(minutes=30)
    result = run_chases(app.register, app.shell, date(2026, 12, 10), clock.at)
    assert (result.chased, result.escalated, result.held) == (0, 0, 20)
    assert _count(app, Outbox) == 20
    assert _review_reasons(app) == ["flood"]


def test_resolving_the_flood_item_lifts_the_hold(mail: Any, app: App, clock: Clock) -> None:
    for first, second in itertools.islice(itertools.product(WORDS, WORDS), 25):
        mail.append(CAF, "INBOX", email(SW, CAF, f"URN request {first} {second}", f"For {first} {second}."))
    run_once(app)
    assert _count(app, Outbox) == 20 and _review_reasons(app) == ["flood"]
    # Next day the sender writes again: still held while the item is open...
    clock.at = START + timedelta(days=1, hours=2)
    mail.append(CAF, "INBOX", email(SW, CAF, "URN request", "A real one."))
    run_once(app)
    assert _count(app, Outbox) == 20
    # ...and answered once a person has looked and resolved it.
    with app.register.transaction() as session:
        item = session.execute(select(ReviewItem).where(ReviewItem.reason == "flood")).scalar_one()
        resolve(session, item.id, "dismiss", "checked: a bulk upload by the team", clock.at)
    mail.append(CAF, "INBOX", email(SW, CAF, "URN request for another child", "Another real one."))
    run_once(app)
    assert _count(app, Outbox) == 21
    assert _review_reasons(app) == ["flood"]
