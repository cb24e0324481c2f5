"""Poison isolation: bad addresses, headers and templates mixed among good requests.

Every good request is answered, each bad one ends in review with a reason a person can act on, and
``mailbot run`` never stops, restarts or backs off a mailbox because of data — not at start-up with
unsendable rows already in the outbox (from an older version), and not while running.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.apps import CAF, make_app, settings_for
from support.kills import Daemon, Register, write_config
from support.messages import simple_message

from mailbot.register.database import Register as OpenRegister
from mailbot.register.models import Message, Outbox, ReviewItem
from mailbot.transports.outgoing import queue_email

pytestmark = pytest.mark.integration
PATIENCE = 120.0
DEFAULT_TEMPLATES = Path(__file__).parents[2] / "mailbot" / "templating" / "templates_default"
GOOD_SENDERS = ("sw.one@lancashire.gov.uk", "sw.two@lancashire.gov.uk", "someone@blackpool.gov.uk")
THREADED_SENDER = "yot.worker@lancashire.gov.uk"  # good, but its message's ids carry control characters
TEMPLATE_SENDER = "sw.three@lancashire.gov.uk"  # good, but the council's edited template fails for it
#: From headers no reply can be sent to, and the words the review item must give.
BAD_FROM = {
    "josé@lancashire.gov.uk": "SMTPUTF8",
    "Jo Doe <jdöe@mächine.example>": "SMTPUTF8",
    "Big Bug bb@bug.com": "SPACE",
    "sw\x01one@lancashire.gov.uk": "control characters",
    '"Worker, Sam" <"sam worker"@lancashire.gov.uk>': "Quoting",
}


def raw_request(from_header: str, message_id: str, *, references: str | None = None) -> bytes:
    """A plain URN request written byte by byte (a library would refuse or repair the bad headers)."""
    lines = [
        f"From: {from_header}",
        f"To: {CAF}",
        "Subject: URN request",
        f"Date: {format_datetime(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if references:
        lines += [f"In-Reply-To: {references}", f"References: {references}"]
    body = "Hello, please can I have a URN for the child. Consent has been given.\r\n"
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def failing_templates(folder: Path) -> Path:
    """The council's templates: the chase-up edited so that it fails for one recipient's name."""
    folder.mkdir()
    original = (DEFAULT_TEMPLATES / "chase_up.j2").read_text(encoding="utf-8")
    edited = original.replace(
        "{% block text %}\n",
        '{% block text %}\n{% if recipient_name == "Tem Plate" %}{{ 1 // 0 }}{% endif %}',
        1,
    )
    assert edited != original
    (folder / "chase_up.j2").write_text(edited, encoding="utf-8")
    return folder


def legacy_rows(url: str, folder: Path) -> None:
    """Rows an older mailbot queued to addresses that cannot be sent to, waiting at start-up."""
    register = OpenRegister(url)
    now = datetime.now(UTC)
    try:
        with register.transaction() as session:
            for n, address in enumerate(
                ("josé@example.org", "Big Bug bb@bug.com", "a\x07b@lancashire.gov.uk")
            ):
                message_id = f"<mailbot.legacy{n}@lancashire.gov.uk>"
                session.add(
                    Outbox(
                        dedupe_key=f"legacy-{n}",
                        message_id=message_id,
                        mailbox="caf",
                        template="untrusted_acknowledgement",
                        recipients=[address],
                        to_address=address[:254],
                        subject="Your email to the CAF team",
                        raw=simple_message(CAF, "x@example.org", message_id=message_id),
                        state="sending" if n == 0 else "pending",  # one even left mid-send by a crash
                        attempts=1 if n == 0 else 0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    finally:
        register.close()


def test_bad_addresses_headers_and_templates_fail_alone_and_the_daemon_never_stops(
    mail: Any, tmp_path: Path
) -> None:
    url = "sqlite:///register.sqlite3"
    config, environment = write_config(mail.dovecot, mail.smtp, tmp_path, url)
    templates = failing_templates(tmp_path / "templates")
    config.write_text(
        config.read_text().replace("[mailbot]\n", f'[mailbot]\ntemplates_dir = "{templates}"\n', 1),
        encoding="utf-8",
    )
    legacy_rows(f"sqlite:///{tmp_path / 'register.sqlite3'}", tmp_path)
    raws = [raw_request(sender, f"<good{n}@outlook.example.net>") for n, sender in enumerate(GOOD_SENDERS)]
    raws += [raw_request(header, f"<bad{n}@outlook.example.net>") for n, header in enumerate(BAD_FROM)]
    raws.insert(2, raw_request(f"Tem Plate <{TEMPLATE_SENDER}>", "<template@outlook.example.net>"))
    raws.insert(
        4,
        raw_request(
            f"Yo Worker <{THREADED_SENDER}>",
            "<yo\x01worker@outlook.example.net>",
            references="<ref\x02@x> <caf\xe9@x>",
        ),
    )
    daemon = Daemon(config, environment, tmp_path)
    register = Register(url, tmp_path)
    daemon.start()
    try:
        for raw in raws:  # arriving while the daemon runs, one at a time
            mail.append(CAF, "INBOX", raw)
        mail.wait_for(lambda: register.processed() == len(raws) and register.unfinished()[0] == 0, PATIENCE)
        wanted = [*GOOD_SENDERS, THREADED_SENDER]
        mail.wait_for(lambda: set(wanted) <= {d.rcpt_tos[0] for d in mail.smtp.deliveries}, PATIENCE)
        mail.wait_for(lambda: _outbox_states(register) == {"sent": len(wanted), "failed": 4}, PATIENCE)
        assert daemon.alive()
        assert daemon.stop() == 0
    finally:
        if daemon.alive():
            daemon.kill()
        register.close()
    log = (tmp_path / "run-1.log").read_text(errors="replace")
    for trouble in ("mailbox cycle failed", "mailbox unavailable", "outbox drain failed", "backing off"):
        assert trouble not in log, trouble
    # Every good request answered exactly once; nothing went to any other address.
    assert Counter(d.rcpt_tos for d in mail.smtp.deliveries) == {(s,): 1 for s in wanted}
    threaded = next(d for d in mail.smtp.deliveries if d.rcpt_tos == (THREADED_SENDER,))
    assert "In-Reply-To" not in message_from_bytes(threaded.raw, policy=policy.compat32)  # bad ids dropped
    with OpenRegister(f"sqlite:///{tmp_path / 'register.sqlite3'}").transaction() as session:
        unusable = session.execute(select(Message).where(Message.sender_problem.is_not(None))).scalars().all()
        items = session.execute(select(ReviewItem).order_by(ReviewItem.id)).scalars().all()
        failed_rows = session.execute(select(Outbox).where(Outbox.state == "failed")).scalars().all()
    assert sorted(m.state for m in unusable) == ["review"] * len(BAD_FROM)
    sender_items = [i.detail for i in items if i.reason == "unusable_sender"]
    assert len(sender_items) == len(BAD_FROM)
    for words in BAD_FROM.values():
        assert any(words in detail for detail in sender_items), (words, sender_items)
    send_items = {i.outbox_id: i.detail for i in items if i.reason == "send_failed"}
    assert set(send_items) == {row.id for row in failed_rows}
    template_row = next(row for row in failed_rows if row.template == "chase_up")
    assert template_row.to_address == TEMPLATE_SENDER
    assert "the template failed: ZeroDivisionError" in send_items[template_row.id]
    assert sorted(row.dedupe_key for row in failed_rows if row.dedupe_key.startswith("legacy")) == [
        "legacy-0",
        "legacy-1",
        "legacy-2",
    ]


def _outbox_states(register: Register) -> dict[str, int]:
    with register.engine.connect() as connection:
        rows = connection.execute(select(Outbox.state)).scalars().all()
    return dict(Counter(rows))


@pytest.mark.parametrize(
    ("template", "to", "context", "problem"),
    [
        ("acknowledgement", ["josé@lancashire.gov.uk"], {}, "recipient address unusable: .*SMTPUTF8"),
        ("acknowledgement", ["Big Bug bb@bug.com"], {}, "recipient address unusable: .*SPACE"),
        (
            "a_template_the_council_deleted",
            ["sw.one@lancashire.gov.uk"],
            {},
            "the template failed: TemplateNotFound",
        ),
        (
            "urn_issued",
            ["sw.one@lancashire.gov.uk"],
            {"urn": "LAN-\udcff"},
            "could not be encoded: UnicodeEncodeError",
        ),
    ],
)
def test_an_email_that_cannot_be_made_is_a_failed_row_with_its_reason(
    mail: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    template: str,
    to: list[str],
    context: dict[str, Any],
    problem: str,
) -> None:
    settings = settings_for(
        mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch
    )
    app = make_app(settings)
    try:
        now = app.now()
        with app.register.transaction() as session:
            queued = queue_email(
                session,
                app.shell,
                template=template,
                to=to,
                context={"recipient_name": None, "child_initials": None, "urn": "LAN-000001-5", **context},
                dedupe_key="poison-1",
                mailbox_name="caf",
                request=None,
                now=now,
                personal=False,
            )
            good = queue_email(
                session,
                app.shell,
                template="level_one_no_urn",
                to=["sw.two@lancashire.gov.uk"],
                context={"recipient_name": None, "child_initials": "A.B."},
                dedupe_key="good-1",
                mailbox_name="caf",
                request=None,
                now=now,
            )
        assert queued is None and good is not None
        with app.register.transaction() as session:
            rows = {row.dedupe_key: row for row in session.execute(select(Outbox)).scalars()}
            (item,) = session.execute(select(ReviewItem)).scalars().all()
        assert rows["poison-1"].state == "failed" and re.search(problem, rows["poison-1"].last_error or "")
        assert (item.reason, item.outbox_id) == ("send_failed", rows["poison-1"].id)
        assert re.search(problem, item.detail)
        assert app.outbox.drain().sent == 1  # the good one; the failed row is never handed over
        assert [d.rcpt_tos for d in mail.smtp.deliveries] == [("sw.two@lancashire.gov.uk",)]
    finally:
        app.close()
