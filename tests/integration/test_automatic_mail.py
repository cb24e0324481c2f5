"""The automatic-mail fixture set end to end: delivered over SMTP into the real Dovecot, read by the
real app over IMAP, and never answered (issue 11 point 4). Two human controls in the same batch ARE
answered, so the test would see a reply if mailbot sent one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.apps import CAF, make_app, settings_for

from mailbot.register.models import Message, Outbox, ReviewItem
from mailbot.service.daemon import run_once

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "automatic"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
AUTOMATIC = sorted(name for name, e in EXPECTED.items() if e["kind"] is not None)
HUMAN = ["human_absence_subject.eml", "human_out_of_office_mention.eml"]


def test_automatic_mail_gets_zero_replies(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(
        mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch
    )
    for name in HUMAN:
        if EXPECTED[name]["envelope"].lower() not in mail.dovecot.passwords:
            mail.add_user(EXPECTED[name]["envelope"])
    for name in [*AUTOMATIC, *HUMAN]:
        mail.smtp_send((FIXTURES / name).read_bytes(), EXPECTED[name]["envelope"], CAF)
    count = len(AUTOMATIC) + len(HUMAN)
    mail.wait_for(lambda: len(mail.imap_messages(CAF)) == count)
    app = make_app(settings)
    try:
        run_once(app)
        with app.register.transaction() as session:
            outbox = session.execute(select(Outbox.counterpart, Outbox.template)).all()
            messages = session.execute(
                select(Message.sender, Message.automatic, Message.state).where(Message.direction == "in")
            ).all()
            reviews = session.execute(select(ReviewItem.reason)).scalars().all()
    finally:
        app.close()
    human_senders = {EXPECTED[name]["envelope"] for name in HUMAN}
    # Only the two people were answered; not one email went to or about an automatic sender.
    assert sorted(c for c, _ in outbox) == sorted(human_senders)
    sent = [d for d in mail.smtp.deliveries if d.mail_from.lower() == CAF.lower()]
    assert sorted(r for d in sent for r in d.rcpt_tos) == sorted(human_senders)
    assert len(messages) == count
    kinds = sorted(kind for _, kind, _ in messages if kind is not None)
    assert kinds == sorted(EXPECTED[name]["kind"] for name in AUTOMATIC)
    states = {state for _, kind, state in messages if kind is not None}
    assert states <= {"ignored", "bounce", "review"}
    bounces = sum(1 for name in AUTOMATIC if EXPECTED[name]["kind"] == "bounce")
    assert reviews.count("bounce") == bounces and reviews.count("feedback_report") == 1
    # Nothing is left in the inbox: every message ended in a named state and was moved.
    assert mail.imap_messages(CAF) == []
