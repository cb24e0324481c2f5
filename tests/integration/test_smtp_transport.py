"""SmtpTransport against a real aiosmtpd listener that delivers into Dovecot over LMTP."""

from __future__ import annotations

import itertools
import socket

import pytest
from support import mailservers
from support.messages import simple_message
from support.waiting import HANG_TIMEOUT

from mailbot.errors import (
    AddressRefusedError,
    PermanentTransportError,
    TemporaryTransportError,
    TransportConnectionError,
    TransportTimeoutError,
)
from mailbot.transports.base import OutgoingMail
from mailbot.transports.smtp import SmtpSignIn, SmtpTransport

pytestmark = pytest.mark.integration

CAF = "caf@lancashire.gov.uk"
SW_ONE = "sw.one@lancashire.gov.uk"
SW_TWO = "sw.two@lancashire.gov.uk"
UNKNOWN = "nobody@lancashire.gov.uk"

_ids = itertools.count(1)


def outgoing(*recipients: str, sender: str = CAF) -> OutgoingMail:
    n = next(_ids)
    message_id = f"<outbox-{n}.test@mailbot.lancashire.gov.uk>"
    raw = simple_message(sender, ", ".join(recipients), message_id=message_id)
    return OutgoingMail(n, message_id, sender, tuple(recipients), raw)


def inbox_message_ids(mail, user: str) -> list[str]:
    ids = []
    for raw in mail.imap_messages(user):
        for line in raw.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                ids.append(line.split(b":", 1)[1].strip().decode())
    return ids


@pytest.fixture
def transport(mail):
    with SmtpTransport(mail.smtp.host, mail.smtp.port, "none", timeout=HANG_TIMEOUT) as smtp:
        yield smtp


def test_delivery_lands_in_every_recipients_dovecot_inbox(mail, transport):
    sent = outgoing(SW_ONE, SW_TWO)
    transport.send(sent)
    for user in (SW_ONE, SW_TWO):
        assert mail.wait_for(lambda user=user: inbox_message_ids(mail, user)) == [sent.message_id]
    (delivery,) = mail.smtp.deliveries
    assert delivery.mail_from == CAF and delivery.rcpt_tos == (SW_ONE, SW_TWO)
    assert delivery.raw.replace(b"\r\n", b"\n") == sent.raw.replace(b"\r\n", b"\n")


def test_4xx_is_temporary_and_the_retry_goes_through(mail, transport):
    mail.smtp.fail_next(1)
    sent = outgoing(SW_ONE)
    with pytest.raises(TemporaryTransportError) as caught:
        transport.send(sent)
    assert caught.value.code == 451
    assert not isinstance(caught.value, ConnectionError)  # the server answered: the connection is fine
    assert mail.smtp.deliveries == []
    transport.send(sent)
    assert mail.wait_for(lambda: inbox_message_ids(mail, SW_ONE)) == [sent.message_id]


def test_unknown_recipient_is_permanent(mail, transport):
    with pytest.raises(PermanentTransportError) as caught:
        transport.send(outgoing(UNKNOWN))
    assert caught.value.code == 550
    assert mail.smtp.deliveries == []


def test_5xx_at_data_is_permanent(mail, transport):
    mail.smtp.fail_next(1, "554 5.7.1 Message rejected as spam")
    with pytest.raises(PermanentTransportError) as caught:
        transport.send(outgoing(SW_ONE))
    assert caught.value.code == 554


def test_partial_refusal_sends_to_the_rest_and_reports_the_refused(mail):
    reported = []
    with SmtpTransport(
        mail.smtp.host, mail.smtp.port, "none", on_refused=lambda m, r: reported.append((m.outbox_id, r))
    ) as transport:
        sent = outgoing(SW_ONE, UNKNOWN)
        transport.send(sent)
    assert mail.wait_for(lambda: inbox_message_ids(mail, SW_ONE)) == [sent.message_id]
    assert [(outbox_id, list(refused)) for outbox_id, refused in reported] == [(sent.outbox_id, [UNKNOWN])]
    assert reported[0][1][UNKNOWN][0] == 550


def test_send_many_uses_one_connection_and_reports_each(mail, transport):
    mails = [outgoing(SW_ONE), outgoing(UNKNOWN), outgoing(SW_TWO), outgoing(SW_ONE), outgoing(CAF)]
    results = transport.send_many(mails)

    assert list(results) == [m.outbox_id for m in mails]
    assert isinstance(results[mails[1].outbox_id], PermanentTransportError)
    assert [results[m.outbox_id] for m in mails if m is not mails[1]] == [None] * 4
    assert transport.connections_opened == 1
    assert len({d.peer for d in mail.smtp.deliveries}) == 1 and len(mail.smtp.deliveries) == 4
    mail.wait_for(lambda: len(mail.imap_messages(SW_ONE)) == 2)
    assert inbox_message_ids(mail, SW_ONE) == [mails[0].message_id, mails[3].message_id]


def test_send_many_goes_on_after_a_temporary_failure(mail, transport):
    mail.smtp.fail_next(1)
    mails = [outgoing(SW_ONE), outgoing(SW_TWO)]
    results = transport.send_many(mails)
    assert isinstance(results[mails[0].outbox_id], TemporaryTransportError)
    assert results[mails[1].outbox_id] is None
    assert transport.connections_opened == 1


def test_starttls_and_auth_with_a_custom_ssl_context(mail, tls_files):
    with SmtpTransport(
        mail.smtp.host,
        mail.smtp.port,
        "starttls",
        CAF,
        mail.password(CAF),
        ssl_context=tls_files.client_context(),
        local_hostname="mailbot.test",
    ) as transport:
        sent = outgoing(SW_ONE)
        transport.send(sent)
    assert mail.wait_for(lambda: inbox_message_ids(mail, SW_ONE)) == [sent.message_id]


def test_wrong_smtp_password_is_permanent(mail, tls_files):
    with (
        SmtpTransport(
            mail.smtp.host, mail.smtp.port, "starttls", CAF, "wrong", ssl_context=tls_files.client_context()
        ) as transport,
        pytest.raises(PermanentTransportError) as caught,
    ):
        transport.send(outgoing(SW_ONE))
    assert caught.value.code == 535


def test_implicit_tls(mail, tls_files):
    with SmtpTransport(
        mail.smtp.host, mail.smtp.tls_port, "implicit", ssl_context=tls_files.client_context()
    ) as transport:
        sent = outgoing(SW_TWO)
        transport.send(sent)
    assert mail.wait_for(lambda: inbox_message_ids(mail, SW_TWO)) == [sent.message_id]


def test_untrusted_certificate_is_temporary_and_sends_nothing(mail):
    with (
        SmtpTransport(mail.smtp.host, mail.smtp.tls_port, "implicit", timeout=HANG_TIMEOUT) as transport,
        pytest.raises(TemporaryTransportError),
    ):
        transport.send(outgoing(SW_ONE))
    assert mail.smtp.deliveries == []


def test_connection_refused_is_a_connection_error_and_no_further_message_is_taken():
    taken = []

    def mails():
        for mail in (outgoing(SW_ONE), outgoing(SW_TWO)):
            taken.append(mail.outbox_id)
            yield mail

    with SmtpTransport(
        mailservers.LOOPBACK, mailservers.free_port(), "none", timeout=HANG_TIMEOUT
    ) as transport:
        results = transport.send_many(mails())
    assert list(results) == taken[:1] and len(taken) == 1
    (error,) = results.values()
    assert isinstance(error, TransportConnectionError) and isinstance(error, ConnectionError)
    assert isinstance(error, TemporaryTransportError) and error.code is None


def test_silent_server_times_out_as_temporary():
    with socket.socket() as listener:  # accepts connections (kernel backlog) but never greets
        listener.bind((mailservers.LOOPBACK, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        # The server never greets, so the transport's timeout (however short) is what ends the wait.
        with (
            SmtpTransport(mailservers.LOOPBACK, port, "none", timeout=0.5) as transport,
            pytest.raises(TransportTimeoutError, match=r"(?i)timeout|timed out") as caught,
        ):
            transport.send(outgoing(SW_ONE))
    assert isinstance(caught.value, TimeoutError) and isinstance(caught.value, TemporaryTransportError)


def test_421_keeps_the_session_and_the_batch_goes_on(mail, transport):
    mail.smtp.fail_next(1, "421 4.3.2 Service shutting down")
    mails = [outgoing(SW_ONE), outgoing(SW_TWO)]
    results = transport.send_many(mails)
    assert results[mails[0].outbox_id].code == 421
    assert isinstance(results[mails[0].outbox_id], TemporaryTransportError)
    assert results[mails[1].outbox_id] is None


def test_send_many_reconnects_once_after_the_connection_drops(mail, transport):
    mail.smtp.hang_up_next(1)
    mails = [outgoing(SW_ONE), outgoing(SW_TWO), outgoing(SW_ONE)]
    results = transport.send_many(mails)
    assert isinstance(results[mails[0].outbox_id], TemporaryTransportError)
    assert [results[m.outbox_id] for m in mails[1:]] == [None, None]
    assert transport.connections_opened == 2
    assert [d.rcpt_tos for d in mail.smtp.deliveries] == [(SW_TWO,), (SW_ONE,)]


def test_send_many_gives_up_after_a_second_drop(mail, transport):
    mail.smtp.hang_up_next(2)
    mails = [outgoing(SW_ONE), outgoing(SW_TWO), outgoing(SW_ONE)]
    results = transport.send_many(mails)
    assert all(isinstance(results[m.outbox_id], TemporaryTransportError) for m in mails)
    assert transport.connections_opened == 2
    assert mail.smtp.deliveries == []


def test_each_outcome_is_reported_before_the_next_message_is_taken(mail, transport):
    events = []
    mails = [outgoing(SW_ONE), outgoing(UNKNOWN), outgoing(SW_TWO)]

    def taken():
        for mail_ in mails:
            events.append(("take", mail_.outbox_id))
            yield mail_

    def record(mail_, outcome):
        events.append(("outcome", mail_.outbox_id, type(outcome).__name__))

    transport.send_many(taken(), record)
    a, b, c = (m.outbox_id for m in mails)
    assert events == [
        ("take", a),
        ("outcome", a, "NoneType"),
        ("take", b),
        ("outcome", b, "PermanentTransportError"),
        ("take", c),
        ("outcome", c, "NoneType"),
    ]
    assert transport.connections_opened == 1


def test_each_identity_has_its_own_connection_and_outcomes_still_stream_in_order(mail, tls_files):
    # CAF signs in; the second identity's password is wrong (535). Its messages fail (the first on
    # connecting, the next without another try) while CAF's go on, each outcome reported before the
    # next message is taken; a From address no identity may use fails on its own.
    other = "preventionearlyhelp@lancashire.gov.uk"
    events = []
    mails = [
        outgoing(SW_ONE),
        outgoing(SW_TWO, sender=other),
        outgoing(SW_TWO),
        outgoing(SW_ONE, sender=other),
        outgoing(SW_ONE, sender=UNKNOWN),
    ]

    def taken():
        for mail_ in mails:
            events.append(("take", mail_.outbox_id))
            yield mail_

    def record(mail_, outcome):
        events.append(("outcome", mail_.outbox_id, type(outcome).__name__))

    identities = [
        SmtpSignIn(CAF, mail.password(CAF), send_as=(CAF,)),
        SmtpSignIn(other, "wrong", send_as=(other,)),
    ]
    with SmtpTransport(
        mail.smtp.host,
        mail.smtp.port,
        "starttls",
        ssl_context=tls_files.client_context(),
        timeout=HANG_TIMEOUT,
        identities=identities,
    ) as transport:
        results = transport.send_many(taken(), record)
    a, b, c, d, e = (m.outbox_id for m in mails)
    assert events == [
        ("take", a),
        ("outcome", a, "NoneType"),
        ("take", b),
        ("outcome", b, "PermanentTransportError"),
        ("take", c),
        ("outcome", c, "NoneType"),
        ("take", d),
        ("outcome", d, "PermanentTransportError"),
        ("take", e),
        ("outcome", e, "PermanentTransportError"),
    ]
    assert results[b] is results[d] and results[b].code == 535
    assert results[e].code is None
    assert [d_.rcpt_tos for d_ in mail.smtp.deliveries] == [(SW_ONE,), (SW_TWO,)]


def test_an_exception_from_the_outcome_callback_stops_the_sending(mail, transport):
    mails = [outgoing(SW_ONE), outgoing(SW_TWO)]

    def record(mail_, outcome):
        raise RuntimeError("the register is down")

    with pytest.raises(RuntimeError):
        transport.send_many(mails, record)
    assert [d.rcpt_tos for d in mail.smtp.deliveries] == [(SW_ONE,)]


@pytest.mark.parametrize(
    "address",
    [
        "josé@lancashire.gov.uk",  # needs SMTPUTF8, which the relay does not offer
        "jdöe@mächine.example",
        "Big Bug bb@bug.com",  # a From header without angle brackets, taken as an address
        "sw.one@lancashire.gov.uk\r\nRCPT TO:<x@y>",
        "sw\x01one@lancashire.gov.uk",
    ],
)
def test_an_address_the_library_or_server_refuses_fails_that_message_only(mail, transport, address):
    bad = outgoing(SW_TWO)
    bad = OutgoingMail(bad.outbox_id, bad.message_id, bad.envelope_from, (address,), bad.raw)
    mails = [outgoing(SW_ONE), bad, outgoing(SW_TWO)]
    results = transport.send_many(mails)
    assert results[mails[0].outbox_id] is None and results[mails[2].outbox_id] is None
    refused = results[mails[1].outbox_id]
    assert isinstance(refused, AddressRefusedError) and isinstance(refused, PermanentTransportError)
    assert [d.rcpt_tos for d in mail.smtp.deliveries] == [(SW_ONE,), (SW_TWO,)]
    assert transport.connections_opened == 1


def test_a_non_ascii_address_goes_out_with_smtputf8_when_the_server_offers_it():
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append((envelope.mail_options, list(envelope.rcpt_tos)))
            return "250 OK"

    handler = Keep()
    controller = Controller(
        handler, hostname=mailservers.LOOPBACK, port=mailservers.free_port(), enable_SMTPUTF8=True
    )
    controller.start()
    try:
        with SmtpTransport(mailservers.LOOPBACK, controller.port, "none", timeout=HANG_TIMEOUT) as transport:
            transport.send(outgoing("josé@lancashire.gov.uk"))
    finally:
        controller.stop()
    ((options, rcpt_tos),) = handler.envelopes
    assert "SMTPUTF8" in options and rcpt_tos == ["josé@lancashire.gov.uk"]
