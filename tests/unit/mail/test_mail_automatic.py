"""classify_automatic: auto-replies, bounces, lists and loops from real-shaped fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.mail.automatic import classify_automatic, is_own_message_id
from mailbot.mail.message import Address, AutomaticMail, ParsedMessage
from mailbot.mail.parse import parse_message

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"
OWN = ("CAF@lancashire.gov.uk", "preventionearlyhelp@lancashire.gov.uk")
DOMAIN = "mailbot.lancashire.gov.uk"


def classify(name: str) -> AutomaticMail | None:
    message = parse_message((FIXTURES / name).read_bytes())
    return classify_automatic(message, OWN, own_message_id_domain=DOMAIN)


def human(**headers: str) -> ParsedMessage:
    return ParsedMessage(
        message_id="<x1@example.org>",
        subject=headers.pop("subject", "Step down request"),
        sender=Address("worker@example.org", "A Worker"),
        headers=tuple((name.replace("_", "-").lower(), value) for name, value in headers.items()),
    )


@pytest.mark.parametrize(
    "name",
    [
        "outlook_html_docx.eml",
        "outlook_winmail.eml",
        "forwarded_rfc822_pdf.eml",
        "gmail_alternative.eml",
        "reply_to_chase.eml",
        "nhsmail_no_filename.eml",
        "apple_inline_photo.eml",
        "human_out_of_office.eml",
        "no_message_id.eml",
        "garbage.eml",
        "empty.eml",
    ],
)
def test_human_mail_is_not_automatic(name: str) -> None:
    assert classify(name) is None


def test_exchange_out_of_office() -> None:
    assert classify("exchange_oof.eml") == AutomaticMail(
        kind="auto_reply", reason="Auto-Submitted: auto-generated"
    )


def test_legacy_exchange_oof_needs_subject_and_suppress_header_together() -> None:
    assert classify("exchange_oof_legacy.eml") == AutomaticMail(
        kind="auto_reply", reason="auto-reply subject with x-auto-response-suppress"
    )


def test_rfc3834_vacation() -> None:
    assert classify("rfc3834_vacation.eml") == AutomaticMail(
        kind="auto_reply", reason="Auto-Submitted: auto-replied"
    )


def test_postfix_dsn_names_failed_recipient_and_our_message() -> None:
    assert classify("postfix_dsn.eml") == AutomaticMail(
        kind="bounce",
        reason="delivery status notification (RFC 3464 multipart/report)",
        original_message_id="<mailbot.5d41402abc4b2a76b9719d911017c592@mailbot.lancashire.gov.uk>",
        failed_recipients=("old.worker@blackburn.gov.uk",),
    )


def test_exchange_ndr_reads_the_returned_message() -> None:
    assert classify("exchange_ndr.eml") == AutomaticMail(
        kind="bounce",
        reason="delivery status notification (RFC 3464 multipart/report)",
        original_message_id="<mailbot.9e107d9d372bb6826bd81d3542a419d6@mailbot.lancashire.gov.uk>",
        failed_recipients=("j.bloggs@lancashire.gov.uk",),
    )


def test_exim_bounce_without_dsn_parts() -> None:
    assert classify("exim_bounce.eml") == AutomaticMail(
        kind="bounce",
        reason="bounce (X-Failed-Recipients)",
        original_message_id="<sd-000126.lp.0d0e0f@mailbot.lancashire.gov.uk>",
        failed_recipients=("a.worker@smallcharity.org.uk",),
    )


def test_mailing_list() -> None:
    assert classify("mailing_list.eml") == AutomaticMail(kind="mailing_list", reason="list-id header")


def test_read_receipt() -> None:
    assert classify("read_receipt.eml") == AutomaticMail(
        kind="auto_reply", reason="read receipt (RFC 8098 disposition notification)"
    )


def test_our_own_mail_coming_back_is_a_loop() -> None:
    assert classify("own_loop.eml") == AutomaticMail(kind="loop", reason="sent from one of our own addresses")


def test_our_message_id_alone_is_a_loop() -> None:
    message = ParsedMessage(
        message_id="<mailbot.aa@MAILBOT.lancashire.gov.uk>",
        subject="x",
        sender=Address("relay@example.org"),
    )
    assert classify_automatic(message, OWN, own_message_id_domain=DOMAIN) == AutomaticMail(
        kind="loop", reason="carries one of our own Message-IDs"
    )
    assert classify_automatic(message, OWN) is None  # without the domain we cannot tell


def test_inbox_rule_naming_our_mailbox_is_a_loop() -> None:
    message = human(x_ms_exchange_inbox_rules_loop="caf@lancashire.gov.uk")
    assert classify_automatic(message, OWN) == AutomaticMail(
        kind="loop", reason="x-ms-exchange-inbox-rules-loop names our mailbox"
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"auto_submitted": "no"}, None),
        (
            {"auto_submitted": "auto-notified; owner-email=x@y"},
            ("auto_reply", "Auto-Submitted: auto-notified"),
        ),
        ({"x_autoreply": "yes"}, ("auto_reply", "x-autoreply header")),
        ({"x_autorespond": "Out of office"}, ("auto_reply", "x-autorespond header")),
        ({"precedence": "auto_reply"}, ("auto_reply", "Precedence: auto_reply")),
        ({"precedence": "bulk"}, ("auto_reply", "Precedence: bulk")),
        ({"precedence": "junk"}, ("auto_reply", "Precedence: junk")),
        ({"precedence": "list"}, ("mailing_list", "Precedence: list")),
        ({"list_unsubscribe": "<mailto:leave@example.org>"}, ("mailing_list", "list-unsubscribe header")),
        ({"list_post": "<mailto:list@example.org>"}, ("mailing_list", "list-post header")),
        ({"return_path": "<>"}, ("auto_reply", "null Return-Path")),
        ({"return_path": "<worker@example.org>"}, None),
        ({"x_mailer_daemon": "yes"}, ("bounce", "bounce (X-Mailer-Daemon)")),
        ({"x_ms_exchange_message_is_ndr": ""}, ("bounce", "Exchange non-delivery report")),
        # X-Auto-Response-Suppress is a request not to auto-reply; alone it says nothing.
        ({"x_auto_response_suppress": "All"}, None),
        ({"x_auto_response_suppress": "OOF, AutoReply"}, None),
        # A subject alone is never enough: people write these too.
        ({"subject": "Automatic reply: step down"}, None),
        ({"subject": "Out of office next week"}, None),
        ({"subject": "Undeliverable: plan"}, None),
        (
            {"subject": "Automatic reply: step down", "x_auto_response_suppress": "All"},
            ("auto_reply", "auto-reply subject with x-auto-response-suppress"),
        ),
        (
            {"subject": "Out of office next week", "x_auto_response_suppress": "All"},
            None,
        ),
        (
            {"subject": "Undeliverable: plan", "x_ms_exchange_inbox_rules_loop": "someone@example.org"},
            ("bounce", "bounce subject with x-ms-exchange-inbox-rules-loop"),
        ),
        (
            {"subject": "Undeliverable: plan", "return_path": "<>"},
            ("bounce", "bounce (null Return-Path and bounce subject)"),
        ),
    ],
)
def test_header_signals(headers: dict[str, str], expected: tuple[str, str] | None) -> None:
    result = classify_automatic(human(**headers), OWN)
    assert (None if result is None else (result.kind, result.reason)) == expected


def test_postmaster_is_a_bounce_even_without_a_report() -> None:
    # Never answered: a reply to postmaster@ is a loop risk (issue 11). As a bounce it goes to review,
    # so a person still sees a postmaster who really wrote to us.
    person = ParsedMessage(message_id=None, subject="Question", sender=Address("postmaster@example.org"))
    assert classify_automatic(person, OWN) == AutomaticMail(kind="bounce", reason="bounce from postmaster")


def test_reply_to_our_chase_up_is_not_a_loop() -> None:
    message = parse_message((FIXTURES / "reply_to_chase.eml").read_bytes())
    assert message.in_reply_to is not None and is_own_message_id(message.in_reply_to, DOMAIN)
    assert classify_automatic(message, OWN, own_message_id_domain=DOMAIN) is None


def test_reasons_carry_no_personal_data() -> None:
    for path in FIXTURES.glob("*.eml"):
        message = parse_message(path.read_bytes())
        result = classify_automatic(message, OWN, own_message_id_domain=DOMAIN)
        if result is not None:
            assert "@" not in result.reason
            assert message.subject == "" or message.subject not in result.reason


def test_is_own_message_id() -> None:
    assert is_own_message_id("<mailbot.b@mailbot.lancashire.gov.uk>", "mailbot.lancashire.gov.uk")
    assert is_own_message_id("mailbot.b@MAILBOT.Lancashire.gov.uk", "@mailbot.lancashire.gov.uk")
    assert not is_own_message_id("<a@evil.mailbot.lancashire.gov.uk.example>", "mailbot.lancashire.gov.uk")
    assert not is_own_message_id("<a@sub.mailbot.lancashire.gov.uk>", "mailbot.lancashire.gov.uk")
    assert not is_own_message_id("", "mailbot.lancashire.gov.uk")
    # Staff mail from the council's own domain is not ours: only the outbox's prefix marks our ids.
    assert not is_own_message_id("<a.b@mailbot.lancashire.gov.uk>", "mailbot.lancashire.gov.uk")
    assert not is_own_message_id("<a@b>", "")


def test_one_of_our_mailboxes_writing_to_the_other_is_not_a_loop() -> None:
    # WPEHS staff tell CAF@ the new lead professional from the shared preventionearlyhelp@ mailbox.
    human = ParsedMessage(
        message_id="<AM0PR01MB1234@eurprd01.prod.exchangelabs.com>",
        subject="New LP for LAN-004217-K",
        sender=Address("preventionearlyhelp@lancashire.gov.uk"),
        to=(Address("CAF@lancashire.gov.uk"),),
    )
    assert classify_automatic(human, OWN) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x_precedence": "auto_reply"}, ("auto_reply", "X-Precedence: auto_reply")),
        ({"x_auto_reply": "yes"}, ("auto_reply", "x-auto-reply header")),
        ({"x_autoreply": "no"}, None),
        ({"x_mailing_list": "<list@example.org>"}, ("mailing_list", "x-mailing-list header")),
        ({"list_help": "<mailto:list-help@example.org>"}, ("mailing_list", "list-help header")),
        (
            {"content_type": "multipart/digest; boundary=x"},
            ("mailing_list", "mailing list digest (multipart/digest)"),
        ),
        ({"return_path": "<MAILER-DAEMON@mx.example.org>"}, ("bounce", "bounce (MAILER-DAEMON Return-Path)")),
        ({"return_path": "<MAILER-DAEMON>"}, ("bounce", "bounce (MAILER-DAEMON Return-Path)")),
        (
            {"content_type": "multipart/report; boundary=x"},
            ("bounce", "delivery status notification (RFC 3464 multipart/report, no report-type)"),
        ),
        (
            {"content_type": "multipart/report; report-type=delivery-status; boundary=x"},
            ("bounce", "delivery status notification (RFC 3464 multipart/report)"),
        ),
        (
            {"content_type": "multipart/report; report-type=feedback-report; boundary=x"},
            ("feedback_report", "abuse feedback report (ARF, RFC 5965)"),
        ),
        (
            {"content_type": "multipart/report; report-type=tlsrpt; boundary=x"},
            ("notification", "machine report (multipart/report; report-type=tlsrpt)"),
        ),
        (
            {"x_ms_exchange_generated_message_source": "Approval Assistant"},
            ("notification", "generated by Exchange (approval agent)"),
        ),
        # An inbox rule's forward or redirect carries these too: a person's request among them.
        ({"x_ms_exchange_generated_message_source": "Mailbox Rules Agent"}, None),
        ({"x_ms_exchange_generated_message_source": "Web Services"}, None),
        (
            {
                "subject": "Abwesenheitsnotiz: Step down",
                "x_ms_exchange_generated_message_source": "Mailbox Rules Agent",
            },
            ("auto_reply", "auto-reply subject with x-ms-exchange-generated-message-source"),
        ),
        (
            {"subject": "Réponse automatique : URN [SD-000012]"},
            ("auto_reply", "auto-reply subject with a reply to our own mail"),
        ),
        ({"subject": "RE: URN [SD-000012]"}, None),
        (
            {"subject": "Unzustellbar: URN [SD-000012]"},
            ("bounce", "bounce subject with a reply to our own mail"),
        ),
    ],
)
def test_more_header_signals(headers: dict[str, str], expected: tuple[str, str] | None) -> None:
    result = classify_automatic(human(**headers), OWN)
    assert (None if result is None else (result.kind, result.reason)) == expected


@pytest.mark.parametrize(
    ("sender", "kind"),
    [
        ("no-reply@portal.example.org", "notification"),
        ("noreply@portal.example.org", "notification"),
        ("DoNotReply@portal.example.org", "notification"),
        ("do-not-reply@portal.example.org", "notification"),
        ("noreply-dmarc-support@google.example", "notification"),
        ("bounces+123@lists.example.org", "notification"),
        ("Mail.Delivery.System@nhs.net", "bounce"),
        ("mail-delivery-subsystem@example.org", "bounce"),
        ("MAILER-DAEMON@example.org", "bounce"),
        ("MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@blackpool.gov.uk", "bounce"),
        ("noreen.reply@lancashire.gov.uk", None),
        ("replies@lancashire.gov.uk", None),
        ("post.master.class@lancashire.gov.uk", None),
    ],
)
def test_machine_senders(sender: str, kind: str | None) -> None:
    message = ParsedMessage(message_id="<a@b>", subject="Hello", sender=Address(sender))
    result = classify_automatic(message, OWN)
    assert (None if result is None else result.kind) == kind


def test_our_message_id_in_references_makes_a_vacation_subject_automatic() -> None:
    message = ParsedMessage(
        message_id="<v@x>",
        subject="Fuera de la oficina: URN",
        sender=Address("sw@lancashire.gov.uk"),
        references=("<mailbot.abc@mailbot.lancashire.gov.uk>",),
    )
    assert classify_automatic(message, OWN, own_message_id_domain=DOMAIN) == AutomaticMail(
        kind="auto_reply", reason="auto-reply subject with a reply to our own mail"
    )
    assert (
        classify_automatic(message, OWN) is None
    )  # without knowing our ids, the subject alone is not enough
