"""The URN route end to end over real Dovecot (IMAP), aiosmtpd (SMTP → LMTP) and the register."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import func, select
from support.apps import CAF, DOCX, assessment_docx, email, make_app, parsed, settings_for, text_of
from support.waiting import wait_until

from mailbot.config import LimitSettings
from mailbot.domain.urn import UrnScheme
from mailbot.register.models import Case, Document, Event, Message, Outbox, Request
from mailbot.service.daemon import Runner, mailbox_cycle, run_once
from mailbot.sources.intake import intake

pytestmark = pytest.mark.integration
SW = "sw.one@lancashire.gov.uk"


def _replies_sent_to(mail: Any, address: str) -> int:
    """Messages the SMTP relay has accepted for ``address`` since the test began.

    The relay delivers into Dovecot before it answers 250, so once the sender (``run_once``) has
    returned, this count and the recipient's inbox are final: a duplicate would already be there.
    """
    return sum(address in delivery.rcpt_tos for delivery in mail.smtp.deliveries)


def _urn_request(child: tuple[str, str, str] = ("Maisie Example", "03/04/2015", "LCS123456")) -> bytes:
    return email(
        f"Sam Worker <{SW}>",
        CAF,
        "URN request",
        "Hello, please can I request a URN for the attached assessment. Consent has been given.\n\nSam",
        [("Assessment.docx", DOCX, assessment_docx([child]))],
    )


@pytest.fixture
def settings(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return settings_for(
        mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch
    )


def test_urn_request_over_imap_and_smtp(mail: Any, settings: Any) -> None:
    mail.smtp_send(_urn_request(), SW, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    app = make_app(settings)
    try:
        result = run_once(app)
    finally:
        app.close()
    assert result.fetched == 1 and result.sent == 1
    replies = mail.wait_for(lambda: mail.imap_messages(SW))
    assert len(replies) == 1
    reply = parsed(replies[0])
    urn = UrnScheme().format(1)
    assert urn in reply["Subject"] and "[SD-000001]" in reply["Subject"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert urn in text_of(replies[0])
    assert mail.imap_messages(CAF) == []
    assert len(mail.imap_messages(CAF, "Processed")) == 1
    assert len(mail.imap_messages(CAF, "Sent")) == 1
    app = make_app(settings)
    with app.register.transaction() as session:
        case = session.execute(select(Case)).scalar_one()
        assert case.urn == urn and case.district == "Preston"
        assert [
            (c.name, c.date_of_birth.isoformat() if c.date_of_birth else None, c.lcs_id)
            for c in case.children
        ] == [("Maisie Example", "2015-04-03", "LCS123456")]
        request = session.execute(select(Request)).scalar_one()
        assert (request.type, request.state, request.case_id) == ("urn_request", "done", case.id)
        assert session.execute(select(func.count(Message.id))).scalar_one() == 1
        document = session.execute(select(Document)).scalar_one()
        assert (document.kind, document.filename) == ("assessment", "Assessment.docx")
        assert session.execute(select(Outbox.state)).scalars().all() == ["sent"]
        assert session.execute(select(Event.kind)).scalars().all() == ["decision"]
    app.close()


def test_restart_after_intake_sends_exactly_once(mail: Any, settings: Any) -> None:
    raw = _urn_request()
    mail.smtp_send(raw, SW, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    # First run stops after intake (and processing), before anything is sent or moved.
    app = make_app(settings)
    source = app.sources["caf"]
    fetched = list(source.fetch_waiting(10))
    row_ids = [
        intake(app.register, app.shell.storage, message, app.now()).message_row_id for message in fetched
    ]
    app.pipeline.process(row_ids)
    app.close()
    assert mail.imap_messages(SW) == [] and len(mail.imap_messages(CAF)) == 1
    # Restart: the message is still in the inbox; it must not be recorded twice nor answered twice.
    for _ in range(2):
        app = make_app(settings)
        run_once(app)
        app.close()
    assert _replies_sent_to(mail, SW) == 1
    assert len(mail.imap_messages(SW)) == 1
    app = make_app(settings)
    with app.register.transaction() as session:
        assert session.execute(select(func.count(Message.id))).scalar_one() == 1
        assert session.execute(select(func.count(Outbox.id))).scalar_one() == 1
    app.close()


def test_crash_after_send_before_commit_is_not_resent(mail: Any, settings: Any) -> None:
    mail.smtp_send(_urn_request(), SW, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    app = make_app(settings)
    mailbox_cycle_without_send = app.outbox
    app.outbox = None  # process and move the message, but leave the reply in the outbox
    mailbox_cycle(app, "caf", app.sources["caf"])
    app.outbox = mailbox_cycle_without_send
    assert app.outbox is not None
    # Hand the reply to SMTP and file it in Sent, then "crash" with the row still marked sending.
    with app.register.transaction() as session:
        row = session.execute(select(Outbox)).scalar_one()
        row.state, row.attempts = "sending", 1
    from mailbot.transports.base import OutgoingMail

    app.transport.send(OutgoingMail(row.id, row.message_id, CAF, tuple(row.recipients), row.raw))
    app.sources["caf"].append_sent(row.raw)
    app.close()
    app = make_app(settings)
    result = run_once(app)
    app.close()
    assert result.sent == 0
    assert _replies_sent_to(mail, SW) == 1
    assert len(mail.imap_messages(SW)) == 1


def test_same_message_delivered_twice_is_recorded_once(mail: Any, settings: Any) -> None:
    raw = _urn_request()
    mail.append(CAF, "INBOX", raw)
    mail.append(CAF, "INBOX", raw)
    app = make_app(settings)
    run_once(app)
    with app.register.transaction() as session:
        assert session.execute(select(func.count(Message.id))).scalar_one() == 1
    app.close()
    assert len(mail.wait_for(lambda: mail.imap_messages(SW))) == 1
    assert len(mail.imap_messages(CAF, "Processed")) == 2


def test_the_daemon_answers_each_request_idle_wakes_it_for(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request lands while the daemon waits in IDLE; the server's EXISTS wakes it and it answers.

    The daemon's own wait is ten minutes, far beyond any wait here, so only IDLE can wake it in time.
    How fast it answers is a benchmark figure (benchmarks/idle_latency.py), not a test.
    """
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    # Three requests (three children) from one sender: lift the reply limits (tested in test_reply_limits).
    settings = dataclasses.replace(
        settings_for(mail.dovecot, mail.smtp, tmp_path, database, monkeypatch),
        limits=LimitSettings(100, 100, 100, 100),
    )
    app = make_app(settings)
    # Start the document workers outside any wait (under load that alone has taken 40 s).
    assert run_once(app).fetched == 0
    caf = app.sources["caf"]
    runner = Runner(app, idle_timeout=600)
    runner.start()
    try:
        for n in range(3):
            # One IDLE per request: the last one was answered and the inbox drained before this one.
            wait_until(lambda n=n: caf.idle_commands == n + 1)
            child = (f"Child {'ABC'[n]} Example", f"0{n + 1}/04/2015", f"LCS12345{n}")
            mail.append(CAF, "INBOX", _urn_request(child))  # as the mail server delivers it
            mail.wait_for(lambda n=n: len(mail.imap_messages(SW)) == n + 1)
        wait_until(lambda: caf.idle_commands == 4)  # back in IDLE after the third answer
        assert caf.connections_opened == 1
    finally:
        runner.stop()
        app.close()
    replies = [parsed(raw)["Subject"] for raw in mail.imap_messages(SW)]
    assert [UrnScheme().format(n) in subject for n, subject in enumerate(replies, 1)] == [True] * 3
    assert len(mail.imap_messages(CAF, "Processed")) == 3 and mail.imap_messages(CAF) == []
    app = make_app(settings)
    with app.register.transaction() as session:
        assert session.execute(select(Outbox.state)).scalars().all() == ["sent"] * 3
    app.close()


def test_a_signed_email_is_answered_without_mentioning_its_signature(mail: Any, settings: Any) -> None:
    # NHSmail and police mail carry an S/MIME signature part; it is not a document to chase about.
    raw = email(
        "Dr Kim Nurse <sw.three@lancashire.gov.uk>",
        CAF,
        "URN request",
        "Please can I request a URN for the attached assessment. Consent has been given.",
        [
            ("Assessment.docx", DOCX, assessment_docx([("Leo Sample", "05/06/2017", "LCS424242")])),
            ("smime.p7s", "application/pkcs7-signature", b"0\x82\x06\x86\x06\t*\x86H\x86\xf7\r\x01\x07\x02"),
        ],
    )
    mail.append(CAF, "INBOX", raw)
    app = make_app(settings)
    run_once(app)
    app.close()
    replies = mail.wait_for(lambda: mail.imap_messages("sw.three@lancashire.gov.uk"))
    assert UrnScheme().format(1) in parsed(replies[0])["Subject"]
    assert "p7s" not in text_of(replies[0])


def _scan_png(side: int) -> bytes:
    """A valid PNG of noise stored uncompressed: the weight of a scanned page."""
    rows = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


def test_a_message_with_a_big_scan_is_answered_and_stored_whole(mail: Any, settings: Any) -> None:
    """A 15 MB email (a 12 MB scan pasted into the assessment): fetched in pieces, taken apart in a
    stream, its Word file read without the picture; stored byte for byte, answered with a URN."""
    document = docx.Document(io.BytesIO(assessment_docx([("Maisie Example", "03/04/2015", "LCS123456")])))
    document.add_picture(io.BytesIO(_scan_png(2000)))
    buffer = io.BytesIO()
    document.save(buffer)
    word = buffer.getvalue()
    raw = email(
        f"Sam Worker <{SW}>",
        CAF,
        "URN request",
        "Please can I request a URN. Consent has been given.",
        [("Assessment.docx", DOCX, word)],
    )
    assert len(raw) > 15 * 1024 * 1024  # over the 8 MB that is fetched in one piece
    mail.append(CAF, "INBOX", raw)
    app = make_app(settings)
    try:
        result = run_once(app)
    finally:
        app.close()
    assert result.fetched == 1 and result.sent == 1
    reply = parsed(mail.wait_for(lambda: mail.imap_messages(SW))[0])
    assert UrnScheme().format(1) in reply["Subject"]
    app = make_app(settings)
    try:
        with app.register.transaction() as session:
            message = session.execute(select(Message)).scalar_one()
            document_row = session.execute(select(Document)).scalar_one()
        assert app.shell.storage.get(message.raw_path) == raw
        assert document_row.sha256 == hashlib.sha256(word).hexdigest()
        assert app.shell.storage.get(document_row.stored_path or "") == word
        assert list((settings.storage_dir / "spool").iterdir()) == []
    finally:
        app.close()
