"""The outbox against the real relay, Dovecot and the register: each reply recorded as it is accepted,
claims that run out taken over (after a look in Sent), a database outage ridden out, one bad row
failing alone, refused recipients reviewed."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import select
from sqlalchemy.engine import make_url
from support import databases
from support.apps import CAF, make_app, settings_for
from support.messages import simple_message

from mailbot.mail.compose import deterministic_message_id
from mailbot.register.models import Outbox, ReviewItem
from mailbot.service.bootstrap import build_app
from mailbot.service.daemon import Runner

pytestmark = pytest.mark.integration
SW_ONE = "sw.one@lancashire.gov.uk"
SW_TWO = "sw.two@lancashire.gov.uk"
SW_THREE = "sw.three@lancashire.gov.uk"
PATIENCE = 60.0
_keys = itertools.count(1)


def add_rows(app: Any, recipient_lists: list[list[str]], *, mailbox: str = "caf", **values: Any) -> list[int]:
    """Outbox rows as ``queue_email`` writes them (``values`` override columns, e.g. a state)."""
    now = app.now()
    ids = []
    with app.register.transaction() as session:
        for recipients in recipient_lists:
            key = f"outbox-test-{next(_keys)}"
            message_id = deterministic_message_id(key, app.settings.message_id_domain)
            header_to = (
                ", ".join(recipients) if all(r.isascii() and r.isprintable() for r in recipients) else SW_ONE
            )
            columns: dict[str, Any] = {
                "dedupe_key": key,
                "message_id": message_id,
                "mailbox": mailbox,
                "template": "acknowledgement",
                "recipients": recipients,
                "to_address": recipients[0][:254],
                "subject": "Acknowledgement",
                "raw": simple_message(CAF, header_to, message_id=message_id),
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            row = Outbox(**{**columns, **values})
            session.add(row)
            session.flush()
            ids.append(row.id)
    return ids


def states(app: Any) -> dict[int, tuple[str, bool]]:
    with app.register.transaction() as session:
        rows = session.execute(select(Outbox.id, Outbox.state, Outbox.filed_at)).all()
    return {row_id: (state, filed is not None) for row_id, state, filed in rows}


def raw_of(app: Any, row_id: int) -> bytes:
    with app.register.transaction() as session:
        return session.execute(select(Outbox.raw).where(Outbox.id == row_id)).scalar_one()


def message_id_of(app: Any, row_id: int) -> str:
    with app.register.transaction() as session:
        return session.execute(select(Outbox.message_id).where(Outbox.id == row_id)).scalar_one()


def delivered_ids(mail: Any) -> list[str]:
    return [_message_id(d.raw) for d in mail.smtp.deliveries]


def sent_folder_ids(mail: Any) -> list[str]:
    return sorted(_message_id(raw) for raw in mail.imap_messages(CAF, "Sent"))


def _message_id(raw: bytes) -> str:
    for line in raw.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    return ""


def reviews(app: Any) -> list[tuple[str, int | None, str]]:
    with app.register.transaction() as session:
        rows = session.execute(select(ReviewItem).order_by(ReviewItem.id)).scalars()
        return [(item.reason, item.outbox_id, item.detail) for item in rows]


@pytest.fixture
def app(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, register_url: str) -> Any:
    built = make_app(settings_for(mail.dovecot, mail.smtp, tmp_path, register_url, monkeypatch))
    yield built
    built.close()


def test_each_reply_is_recorded_sent_and_filed_the_moment_the_server_accepts_it(mail: Any, app: Any) -> None:
    ids = add_rows(app, [[SW_ONE], [SW_TWO], [SW_THREE], [SW_ONE], [SW_TWO]])
    mail.smtp.hold_after(2)  # the third DATA waits, unanswered: a batch caught in the middle
    results: list[Any] = []
    drain = threading.Thread(target=lambda: results.append(app.outbox.drain()))
    drain.start()
    try:
        mail.wait_for(mail.smtp.handler.holding.is_set, PATIENCE)
        assert states(app) == {
            ids[0]: ("sent", True),
            ids[1]: ("sent", True),
            ids[2]: ("sending", False),  # in flight: the only row a crash now could leave behind
            ids[3]: ("pending", False),  # not claimed until its turn
            ids[4]: ("pending", False),
        }
        assert sent_folder_ids(mail) == sorted(message_id_of(app, i) for i in ids[:2])
    finally:
        mail.smtp.release()
        drain.join(PATIENCE)
    assert results[0].sent == 5
    assert set(states(app).values()) == {("sent", True)}
    assert app.transport.connections_opened == 1  # one connection carried the whole batch


def test_a_claim_holds_until_its_lease_runs_out_then_a_drain_takes_the_row_over_looking_in_sent_first(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, register_url: str
) -> None:
    clock = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    settings = settings_for(mail.dovecot, mail.smtp, tmp_path, register_url, monkeypatch)
    app = make_app(settings, now=lambda: clock[0])
    try:
        lease_end = clock[0] + timedelta(seconds=settings.transport.claim_lease_seconds)
        # As a drain that died leaves them: a reaches nobody yet; b reached the server and Sent.
        a, b = add_rows(app, [[SW_ONE], [SW_TWO]], state="sending", attempts=1, claimed_until=lease_end)
        mail.append(CAF, "Sent", raw_of(app, b))
        first = app.outbox.drain()
        assert (first.sent, first.recovered) == (0, 0) and mail.smtp.deliveries == []
        assert app.outbox.next_due() == lease_end
        clock[0] = lease_end
        second = app.outbox.drain()
        assert (second.sent, second.recovered) == (1, 1)
        assert delivered_ids(mail) == [message_id_of(app, a)]
        assert states(app) == {a: ("sent", True), b: ("sent", True)}
        assert sent_folder_ids(mail) == sorted([message_id_of(app, a), message_id_of(app, b)])
    finally:
        app.close()


def test_a_row_left_sending_is_recovered_by_the_running_daemon_without_a_restart(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(
        mail.dovecot,
        mail.smtp,
        tmp_path,
        f"sqlite:///{tmp_path / 'register.sqlite3'}",
        monkeypatch,
        transport={"claim_lease_seconds": 1},
    )
    app = make_app(settings)
    runner = Runner(app, idle_timeout=5)
    runner.start()
    try:
        claimed_until = app.now() + timedelta(seconds=1)
        a, b = add_rows(app, [[SW_ONE], [SW_TWO]], state="sending", attempts=1, claimed_until=claimed_until)
        mail.append(CAF, "Sent", raw_of(app, b))
        runner.drain_outbox()
        mail.wait_for(lambda: set(states(app).values()) == {("sent", True)}, PATIENCE)
        assert all(thread.is_alive() for thread in runner._threads)  # the same process, running on
    finally:
        runner.stop()
        app.close()
    assert delivered_ids(mail) == [message_id_of(app, a)]  # b was found in Sent: not sent again
    assert sent_folder_ids(mail) == sorted([message_id_of(app, a), message_id_of(app, b)])


def _set_connections(admin: str, database: str, allowed: bool) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                sql.Identifier(database), sql.SQL("true" if allowed else "false")
            )
        )
        if not allowed:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )


def test_a_reply_accepted_while_the_database_is_down_is_marked_sent_once_it_is_back(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_admin_url: str
) -> None:
    url = databases.create_database(postgres_admin_url)
    database = str(make_url(url).database)
    settings = settings_for(
        mail.dovecot, mail.smtp, tmp_path, url, monkeypatch, transport={"claim_lease_seconds": 1}
    )
    app = build_app(settings, with_sources=False)  # the outbox thread only: no mailbox runners
    runner = Runner(app)
    try:
        ids = add_rows(app, [[SW_ONE], [SW_TWO], [SW_THREE]])
        mail.smtp.hold_after(1)
        runner.start()
        mail.wait_for(mail.smtp.handler.holding.is_set, PATIENCE)
        _set_connections(postgres_admin_url, database, allowed=False)
        mail.smtp.release()
        # The second reply is accepted but its "sent" cannot be committed: its copy goes to Sent.
        mail.wait_for(lambda: len(mail.imap_messages(CAF, "Sent")) == 2, PATIENCE)
        _set_connections(postgres_admin_url, database, allowed=True)
        mail.wait_for(lambda: set(states(app).values()) == {("sent", True)}, PATIENCE)
        wanted = sorted(message_id_of(app, row_id) for row_id in ids)
    finally:
        _set_connections(postgres_admin_url, database, allowed=True)
        runner.stop()
        app.close()
        databases.drop_database(postgres_admin_url, url)
    assert sorted(delivered_ids(mail)) == wanted  # each reply delivered once: none again after the outage
    assert sent_folder_ids(mail) == wanted


def test_a_sent_copy_a_stopped_process_did_not_file_is_filed_once_later(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [datetime(2026, 11, 25, 9, 0, tzinfo=UTC)]
    settings = settings_for(
        mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch
    )
    app = make_app(settings, now=lambda: clock[0])
    try:
        # Both went; the process stopped after the "sent" commit, b after its APPEND too.
        a, b = add_rows(app, [[SW_ONE], [SW_TWO]], state="sent", attempts=1, sent_at=clock[0])
        mail.append(CAF, "Sent", raw_of(app, b))
        app.outbox.drain()
        assert states(app) == {a: ("sent", False), b: ("sent", False)}  # a drain in flight may still file
        clock[0] += timedelta(seconds=settings.transport.claim_lease_seconds)
        app.outbox.drain()
        assert states(app) == {a: ("sent", True), b: ("sent", True)}
        assert sent_folder_ids(mail) == sorted([message_id_of(app, a), message_id_of(app, b)])
        assert mail.smtp.deliveries == []
    finally:
        app.close()


def test_a_recipient_refused_at_rcpt_raises_a_review_item_and_the_message_is_not_sent_again(
    mail: Any, app: Any
) -> None:
    (row,) = add_rows(app, [[SW_ONE, "nobody@lancashire.gov.uk"]])
    assert app.outbox.drain().sent == 1
    assert [d.rcpt_tos for d in mail.smtp.deliveries] == [(SW_ONE,)]
    assert states(app) == {row: ("sent", True)}
    ((reason, outbox_id, detail),) = reviews(app)
    assert (reason, outbox_id) == ("recipient_refused", row)
    assert "nobody@lancashire.gov.uk: 550" in detail and "1 of its 2 recipients" in detail
    assert app.outbox.drain().sent == 0


def test_one_bad_row_fails_into_review_and_every_other_row_goes(mail: Any, app: Any) -> None:
    good = [[SW_ONE], [SW_TWO], [SW_THREE], [SW_ONE]]
    bad = [
        ["josé@lancashire.gov.uk"],  # the relay has no SMTPUTF8: refused at the server's door
        ["jdöe@mächine.example"],
        ["Big Bug bb@bug.com"],  # a From header without angle brackets, queued as an address
        ["sw\x01one@lancashire.gov.uk"],
        ["sw.one@lancashire.gov.uk\r\nRCPT TO:<x@y>"],
    ]
    ids = []
    for good_row, bad_row in itertools.zip_longest(good, bad):
        ids += add_rows(app, [r for r in (good_row, bad_row) if r])
    (unconfigured,) = add_rows(app, [[SW_TWO]], mailbox="a-mailbox-since-removed")
    result = app.outbox.drain()
    assert (result.sent, result.failed) == (4, 6)
    assert sorted(d.rcpt_tos for d in mail.smtp.deliveries) == sorted((r[0],) for r in good)
    assert app.transport.connections_opened == 1
    final = states(app)
    assert sorted(state for state, _filed in final.values()) == ["failed"] * 6 + ["sent"] * 4
    failed = {row_id for row_id, (state, _f) in final.items() if state == "failed"}
    found = reviews(app)
    assert {outbox_id for _reason, outbox_id, _detail in found} == failed
    assert {reason for reason, _o, _d in found} == {"send_failed"}
    details = " | ".join(detail for _r, _o, detail in found)
    for words in ("SMTPUTF8", "control characters", "SPACE", "no longer configured"):
        assert words in details, details
    assert unconfigured in failed
    assert app.outbox.drain().sent == 0  # nothing left to send, nothing raised


def test_two_instances_draining_one_register_send_each_row_once(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, register_url: str
) -> None:
    settings = settings_for(mail.dovecot, mail.smtp, tmp_path, register_url, monkeypatch)
    first, second = make_app(settings), make_app(settings)
    try:
        ids = add_rows(first, [[SW_ONE], [SW_TWO], [SW_THREE]] * 8)
        start = threading.Barrier(2)
        results: list[Any] = []

        def drain(app: Any) -> None:
            start.wait()
            results.append(app.outbox.drain())

        threads = [threading.Thread(target=drain, args=(app,)) for app in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE)
        assert sum(result.sent for result in results) == len(ids)
        assert sorted(delivered_ids(mail)) == sorted(message_id_of(first, i) for i in ids)
        assert set(states(first).values()) == {("sent", True)}
    finally:
        first.close()
        second.close()


def test_a_reply_accepted_just_before_a_kill_is_found_in_the_journal_and_not_sent_again(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(
        mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch
    )
    app = make_app(settings)
    try:
        # The server said 250, the journal line was written, the process died before the commit.
        (row,) = add_rows(app, [[SW_ONE]], state="sending", attempts=1, claimed_until=None)
        app.outbox.journal.record(message_id_of(app, row))
        result = app.outbox.drain()
        assert (result.sent, result.recovered) == (0, 1)
        assert mail.smtp.deliveries == []
        assert states(app) == {row: ("sent", True)}
        assert sent_folder_ids(mail) == [message_id_of(app, row)]  # the copy it never filed, filed now
    finally:
        app.close()
