"""ImapSource against a real Dovecot: backlog in batches, moves, IDLE, polling, reconnects, Sent, TLS.

Nothing here measures time: a test asserts what happened and in what order (the server accepted IDLE,
then mail was delivered, then the wait returned True), counting IDLE commands (``idle_commands``),
connections and the delays handed to the injected ``sleep``. A blocking ``wait_for_mail`` runs in a
background thread while the test waits for a condition; every wait's timeout only catches a hang.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import pytest
from support import mailservers
from support.messages import simple_message
from support.waiting import HANG_TIMEOUT, in_background, wait_until

from mailbot.errors import SourceConnectionError, SourceError
from mailbot.sources.base import SourceMessage
from mailbot.sources.imap import ImapSource

pytestmark = pytest.mark.integration

CAF = "caf@lancashire.gov.uk"
PEH = "preventionearlyhelp@lancashire.gov.uk"
SW = "sw.one@lancashire.gov.uk"


class SleepRecorder:
    """An injectable ``sleep`` that records delays and runs an optional action on each call."""

    def __init__(self, action=None):
        self.delays: list[float] = []
        self.action = action

    def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if self.action is not None:
            self.action(len(self.delays))


def body_of(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[1]


@pytest.fixture
def waiting() -> Iterator[Callable[[ImapSource], Future[bool]]]:
    """``waiting(source)`` starts ``source.wait_for_mail(HANG_TIMEOUT)`` in a background thread.

    A wait still blocked when the test ends (it failed) is woken with ``interrupt()``, so the source
    can be closed and no thread outlives the test.
    """
    started: list[tuple[ImapSource, Future[bool]]] = []

    def start(source: ImapSource) -> Future[bool]:
        future = in_background(source.wait_for_mail, HANG_TIMEOUT)
        started.append((source, future))
        return future

    yield start
    for source, future in started:
        if not future.done():
            source.interrupt()
        future.exception(timeout=HANG_TIMEOUT)


def in_idle(source: ImapSource, commands: int = 1) -> Callable[[], bool]:
    """Condition: the server has accepted ``commands`` IDLE commands from ``source`` so far."""
    return lambda: source.idle_commands >= commands


def test_backlog_is_fetched_oldest_first_in_lazy_batches(mail, make_imap_source):
    raws = [simple_message(SW, CAF) for _ in range(120)]
    uids = mail.dovecot.append_many(CAF, "INBOX", raws)
    source = make_imap_source(CAF, batch_size=50)

    waiting = source.fetch_waiting(limit=1000)
    first_batch = [next(waiting) for _ in range(50)]
    # The third batch (UIDs 101-120) is fetched only when the generator gets there: move it away now.
    with mail.dovecot.client(CAF) as imap:
        imap.select_folder("INBOX")
        imap.delete_messages(uids[100:])
        imap.expunge()
    rest = list(waiting)

    fetched = first_batch + rest
    assert [m.uid for m in fetched] == uids[:100]
    assert [m.raw for m in fetched] == raws[:100]
    assert {(m.mailbox, m.folder) for m in fetched} == {("caf", "INBOX")}
    with mail.dovecot.client(CAF) as imap:
        uidvalidity = imap.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
        flags = imap.get_flags(uids[:100])
    assert {m.uidvalidity for m in fetched} == {uidvalidity} and uidvalidity > 0
    # BODY.PEEK[]: fetching must not mark anything read.
    assert all(b"\\Seen" not in f for f in flags.values())


def test_limit_takes_the_oldest(mail, make_imap_source):
    uids = mail.dovecot.append_many(CAF, "INBOX", [simple_message() for _ in range(7)])
    source = make_imap_source(CAF, batch_size=3)
    assert [m.uid for m in source.fetch_waiting(limit=5)] == uids[:5]
    assert list(source.fetch_waiting(limit=0)) == []


def test_mark_done_moves_to_processed_and_review_creating_folders(mail, make_imap_source):
    first, second, third = (simple_message(SW, CAF) for _ in range(3))
    for raw in (first, second, third):
        mail.smtp_send(raw, SW, CAF)
    mail.wait_for(lambda: len(mail.imap_messages(CAF)) == 3)
    source = make_imap_source(CAF)

    messages = list(source.fetch_waiting(limit=10))
    assert {"Processed", "Review", "Sent"} <= set(mail.dovecot.folders(CAF))
    source.mark_done(messages[0], "processed")
    source.mark_done(messages[1], "review")

    assert [body_of(r) for r in mail.imap_messages(CAF, "Processed")] == [body_of(first)]
    assert [body_of(r) for r in mail.imap_messages(CAF, "Review")] == [body_of(second)]
    assert [m.uid for m in source.fetch_waiting(limit=10)] == [messages[2].uid]
    # Moving again (a retry after a lost connection) is harmless: nothing more moves.
    source.mark_done(messages[0], "processed")
    assert len(mail.imap_messages(CAF, "Processed")) == 1


def test_mark_done_refuses_a_uid_from_another_uidvalidity(mail, make_imap_source):
    mail.append(CAF, "INBOX", simple_message())
    source = make_imap_source(CAF)
    (message,) = source.fetch_waiting(limit=10)
    stale = SourceMessage(message.mailbox, message.folder, message.uidvalidity + 1, message.uid, message.raw)
    with pytest.raises(SourceError, match="UIDVALIDITY"):
        source.mark_done(stale, "processed")
    assert len(mail.imap_messages(CAF)) == 1


def test_custom_folder_names_like_exchange(mail, make_imap_source):
    mail.append(PEH, "INBOX", simple_message(SW, PEH))
    source = make_imap_source(
        PEH, processed_folder="Mailbot/Done", review_folder="Mailbot/Review", sent_folder="Sent Items"
    )
    (message,) = source.fetch_waiting(limit=10)
    source.mark_done(message, "review")
    assert len(mail.imap_messages(PEH, "Mailbot/Review")) == 1
    assert "Sent Items" in mail.dovecot.folders(PEH)


def test_old_server_without_move_uidplus_or_idle(dovecot_basic, make_imap_source):
    dovecot_basic.reset_user(CAF)
    raws = [simple_message() for _ in range(3)]
    dovecot_basic.append_many(CAF, "INBOX", raws)
    sleeps = SleepRecorder()
    source = make_imap_source(CAF, server=dovecot_basic, poll_interval=7.0, sleep=sleeps)

    messages = list(source.fetch_waiting(limit=10))
    source.mark_done(messages[1], "processed")  # COPY + \Deleted + EXPUNGE
    source.mark_done(messages[0], "review")

    assert dovecot_basic.imap_messages(CAF, "Processed") == [raws[1]]
    assert dovecot_basic.imap_messages(CAF, "Review") == [raws[0]]
    assert dovecot_basic.imap_messages(CAF, "INBOX") == [raws[2]]
    # No IDLE advertised: wait_for_mail polls, bounded by the timeout.
    assert source.wait_for_mail(timeout=3.0) is True
    assert source.wait_for_mail(timeout=60.0) is True
    assert sleeps.delays == [3.0, 7.0]
    # Mail that came while we "slept" is found by the next fetch on the same session.
    late = simple_message()
    dovecot_basic.append(CAF, "INBOX", late)
    assert [m.raw for m in source.fetch_waiting(limit=10)] == [raws[2], late]
    assert source.connections_opened == 1


def test_polling_when_idle_is_disabled(mail, make_imap_source):
    # Dovecot offers IDLE, but the mailbox is configured to poll: wait_for_mail sleeps one poll
    # interval (or the timeout, when shorter) and says "look again", without an IDLE command.
    sleeps = SleepRecorder()
    source = make_imap_source(CAF, use_idle=False, poll_interval=0.3, sleep=sleeps)
    assert source.wait_for_mail(timeout=10.0) is True
    assert source.wait_for_mail(timeout=0.1) is True
    assert sleeps.delays == [0.3, 0.1]
    assert source.idle_commands == 0
    assert mail.dovecot.idling(CAF) == 0


def test_fetch_sees_mail_delivered_since_the_last_command(mail, make_imap_source):
    source = make_imap_source(CAF, use_idle=False, poll_interval=0.0)
    assert list(source.fetch_waiting(limit=10)) == []
    raw = simple_message(SW, CAF)
    mail.smtp_send(raw, SW, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    assert source.wait_for_mail(timeout=5.0) is True
    assert [body_of(m.raw) for m in source.fetch_waiting(limit=10)] == [body_of(raw)]
    assert source.connections_opened == 1


def test_idle_wakes_on_a_delivery(mail, make_imap_source, waiting):
    source = make_imap_source(CAF)
    assert list(source.fetch_waiting(limit=10)) == []
    woke = waiting(source)
    wait_until(in_idle(source))  # the server said "+ idling": from here on only IDLE can wake it
    wait_until(lambda: mail.dovecot.idling(CAF) == 1)  # and its process shows the session in IDLE
    mail.smtp_send(simple_message(SW, CAF), SW, CAF)
    # Woken by the server's EXISTS during that one IDLE: no re-issue, no reconnect, no timeout.
    assert woke.result(timeout=HANG_TIMEOUT) is True
    assert (source.idle_commands, source.connections_opened) == (1, 1)
    assert len(list(source.fetch_waiting(limit=10))) == 1


def test_a_quiet_idle_is_reissued_and_still_wakes_on_mail(mail, make_imap_source, waiting):
    # RFC 2177: a client re-issues IDLE before the server's inactivity cut-off (29 min in production).
    source = make_imap_source(CAF, idle_timeout=0.2)
    list(source.fetch_waiting(limit=10))
    woke = waiting(source)
    wait_until(in_idle(source, 3))  # two quiet periods ended with DONE and IDLE was sent again
    assert not woke.done()
    mail.smtp_send(simple_message(SW, CAF), SW, CAF)
    assert woke.result(timeout=HANG_TIMEOUT) is True
    assert source.connections_opened == 1  # every round on the one session


def test_a_quiet_mailbox_times_out(mail, make_imap_source):
    source = make_imap_source(CAF, idle_timeout=0.2)
    list(source.fetch_waiting(limit=10))
    assert source.wait_for_mail(timeout=0.5) is False  # nothing was delivered: only the timeout ends it
    assert source.connections_opened == 1


def test_mail_that_arrived_while_busy_wakes_at_once(mail, make_imap_source):
    source = make_imap_source(CAF)
    assert list(source.fetch_waiting(limit=10)) == []
    mail.smtp_send(simple_message(SW, CAF), SW, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    # Found by the check before IDLE: True without waiting for the server (no IDLE command at all).
    assert source.wait_for_mail(timeout=HANG_TIMEOUT) is True
    assert source.idle_commands == 0
    # Once fetched, it no longer counts as new even though it is still in the inbox.
    assert len(list(source.fetch_waiting(limit=10))) == 1
    assert source.wait_for_mail(timeout=0.3) is False


def test_reconnects_after_the_server_drops_the_connection(mail, make_imap_source):
    mail.append(CAF, "INBOX", simple_message())
    source = make_imap_source(CAF)
    assert len(list(source.fetch_waiting(limit=10))) == 1
    mail.dovecot.kick(CAF)  # returns once the server's side of the session is gone
    (message,) = source.fetch_waiting(limit=10)
    source.mark_done(message, "processed")
    assert source.connections_opened == 2
    assert len(mail.imap_messages(CAF, "Processed")) == 1


def test_kicked_while_idling_reconnects_and_reports_possible_mail(mail, make_imap_source, waiting):
    source = make_imap_source(CAF)
    list(source.fetch_waiting(limit=10))
    woke = waiting(source)
    wait_until(in_idle(source))
    mail.dovecot.kick(CAF)
    assert woke.result(timeout=HANG_TIMEOUT) is True
    assert (source.idle_commands, source.connections_opened) == (1, 2)
    assert list(source.fetch_waiting(limit=10)) == []


def test_a_stop_that_lands_while_busy_never_lets_a_new_idle_start(mail, make_imap_source):
    """The daemon stops while a mailbox thread is busy (the stop shuts its socket; the thread then
    re-opens a connection to finish filing a Sent copy): its next wait must not start an IDLE that
    nobody will wake. Without the guard this wait would block for its whole timeout."""
    source = make_imap_source(CAF)
    list(source.fetch_waiting(limit=10))
    source.interrupt()
    assert source.has_sent("<none@example.net>") is False  # busy work re-opens a connection
    assert source.connections_opened == 2
    assert source.wait_for_mail(timeout=600.0) is False


def test_backs_off_while_the_server_is_down_then_recovers(mail, make_imap_source):
    mail.append(CAF, "INBOX", simple_message())
    sleeps = SleepRecorder(action=lambda calls: mail.dovecot.resume() if calls == 2 else None)
    source = make_imap_source(CAF, sleep=sleeps, backoff_base=2.0, jitter=lambda: 1.0)
    assert len(list(source.fetch_waiting(limit=10))) == 1
    mail.dovecot.stop()
    try:
        # Connection refused twice (the second back-off restarts Dovecot), then the retry succeeds.
        assert len(list(source.fetch_waiting(limit=10))) == 1
    finally:
        if mail.dovecot.process is None:
            mail.dovecot.resume()
    assert sleeps.delays == [2.0, 4.0]
    assert source.connections_opened == 2


def test_gives_up_with_connection_error_after_attempts(make_imap_source):
    sleeps = SleepRecorder()
    source = make_imap_source(
        CAF,
        port=mailservers.free_port(),
        sleep=sleeps,
        connect_attempts=4,
        backoff_base=1.0,
        jitter=lambda: 0.0,
    )
    with pytest.raises(SourceConnectionError):
        list(source.fetch_waiting(limit=10))
    assert sleeps.delays == [0.5, 1.0, 2.0]  # equal jitter: half the ceiling at minimum


def test_wrong_password_fails_at_once(dovecot):
    from mailbot.sources.imap import ImapSource

    sleeps = SleepRecorder()
    source = ImapSource("caf", dovecot.host, dovecot.imap_port, "none", CAF, "wrong", sleep=sleeps)
    with pytest.raises(SourceConnectionError, match="LoginError"):
        list(source.fetch_waiting(limit=10))
    assert sleeps.delays == []


def test_append_sent_and_has_sent(mail, make_imap_source):
    source = make_imap_source(CAF)
    reply = simple_message(CAF, SW, message_id="<outbox-42.7f3a@mailbot.lancashire.gov.uk>")
    assert source.has_sent("<outbox-42.7f3a@mailbot.lancashire.gov.uk>") is False
    source.append_sent(reply)
    assert source.has_sent("<outbox-42.7f3a@mailbot.lancashire.gov.uk>") is True
    assert source.has_sent("outbox-42.7f3a@mailbot.lancashire.gov.uk") is True
    assert source.has_sent("<outbox-42@mailbot.lancashire.gov.uk>") is False
    assert mail.imap_messages(CAF, "Sent") == [reply]
    with mail.dovecot.client(CAF) as imap:
        imap.select_folder("Sent", readonly=True)
        flags = imap.get_flags(imap.search("ALL"))
    assert all(b"\\Seen" in f for f in flags.values())
    # Searching Sent must not disturb the inbox: fetch still works.
    mail.append(CAF, "INBOX", simple_message())
    assert len(list(source.fetch_waiting(limit=10))) == 1


def test_implicit_tls_with_a_custom_ssl_context(mail, make_imap_source, tls_files):
    mail.append(CAF, "INBOX", simple_message())
    source = make_imap_source(
        CAF, tls="implicit", port=mail.dovecot.imaps_port, ssl_context=tls_files.client_context()
    )
    assert len(list(source.fetch_waiting(limit=10))) == 1


def test_starttls_with_a_custom_ssl_context(mail, make_imap_source, tls_files):
    mail.append(CAF, "INBOX", simple_message())
    source = make_imap_source(CAF, tls="starttls", ssl_context=tls_files.client_context())
    assert len(list(source.fetch_waiting(limit=10))) == 1


def test_untrusted_certificate_fails_at_once(mail, make_imap_source):
    sleeps = SleepRecorder()
    source = make_imap_source(CAF, tls="implicit", port=mail.dovecot.imaps_port, sleep=sleeps)
    with pytest.raises(SourceConnectionError, match="SSLCertVerificationError"):
        list(source.fetch_waiting(limit=10))
    assert sleeps.delays == []


def test_append_sent_after_a_dropped_connection_files_one_copy(mail, make_imap_source):
    source = make_imap_source(CAF)
    assert source.has_sent("<first@mailbot.lancashire.gov.uk>") is False
    mail.dovecot.kick(CAF)
    source.append_sent(simple_message(CAF, SW, message_id="<first@mailbot.lancashire.gov.uk>"))
    assert len(mail.imap_messages(CAF, "Sent")) == 1
    assert source.connections_opened == 2


def test_move_done_moves_a_whole_set_per_folder(mail, make_imap_source):
    raws = [simple_message(SW, CAF) for _ in range(5)]
    mail.dovecot.append_many(CAF, "INBOX", raws)
    source = make_imap_source(CAF)
    keys = [dataclasses.replace(m, raw=b"") for m in source.fetch_waiting(limit=10)]
    source.move_done(keys[:3], "processed")  # one UID MOVE of the set
    source.move_done(keys[3:4], "review")
    assert mail.imap_messages(CAF, "Processed") == raws[:3]
    assert mail.imap_messages(CAF, "Review") == [raws[3]]
    assert mail.imap_messages(CAF, "INBOX") == [raws[4]]


def test_move_done_on_an_old_server_copies_flags_and_expunges_the_set(dovecot_basic, make_imap_source):
    dovecot_basic.reset_user(CAF)
    raws = [simple_message() for _ in range(4)]
    dovecot_basic.append_many(CAF, "INBOX", raws)
    source = make_imap_source(CAF, server=dovecot_basic)
    keys = [dataclasses.replace(m, raw=b"") for m in source.fetch_waiting(limit=10)]
    source.move_done([keys[0], keys[2]], "processed")  # COPY + \Deleted + EXPUNGE of the set
    assert dovecot_basic.imap_messages(CAF, "Processed") == [raws[0], raws[2]]
    assert dovecot_basic.imap_messages(CAF, "INBOX") == [raws[1], raws[3]]


def test_a_big_message_is_fetched_in_pieces_into_the_spool(mail, make_imap_source, tmp_path):
    small = [simple_message(SW, CAF), simple_message(SW, CAF)]
    line = b"The family have engaged well with the plan over the last six months.\r\n"
    big = simple_message(SW, CAF).replace(b"\r\n\r\n", b"\r\n\r\n" + line * 40_000, 1)
    mail.dovecot.append_many(CAF, "INBOX", [small[0], big, small[1]])
    spool = tmp_path / "spool"
    source = make_imap_source(CAF, batch_bytes=1_000_000, spool_dir=spool)
    first, middle, last = source.fetch_waiting(limit=10)
    assert (first.raw, last.raw) == (small[0], small[1]) and first.spooled is None
    assert middle.raw == b"" and middle.spooled is not None and middle.spooled.parent == spool
    assert middle.spooled.read_bytes() == big and len(big) > 2 * 1024 * 1024
