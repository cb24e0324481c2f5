"""parse_message against raw fixtures shaped as Outlook, Gmail, Apple Mail, NHSmail and MTAs send them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.mail.message import Address
from mailbot.mail.parse import (
    decode_bytes,
    decode_words,
    html_to_text,
    normalise_message_id,
    parse_addresses,
    parse_message,
    parse_message_ids,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"
OUR_CHASE = "<mailbot.5d41402abc4b2a76b9719d911017c592@mailbot.lancashire.gov.uk>"
OUR_ACK = "<mailbot.7d793037a0760186574b0282f2f435e7@mailbot.lancashire.gov.uk>"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_fixture_set_is_large_enough() -> None:
    assert len(list(FIXTURES.glob("*.eml"))) >= 25


def test_outlook_html_only_with_signature_logo_and_docx() -> None:
    message = parse_message(load("outlook_html_docx.eml"))
    assert message.message_id == (
        "<AM6PR04MB5526E1B0B8A0C3D41F2E7F9AC4C92@AM6PR04MB5526.eurprd04.prod.outlook.com>"
    )
    assert message.subject == "Step down request - Example family"
    assert message.sender == Address("Sarah.Jones@lancashire.gov.uk", "Jones, Sarah")
    assert message.to == (Address("CAF@lancashire.gov.uk", "CAF"),)
    assert message.date == datetime(2025, 3, 3, 9, 14, 26, tzinfo=UTC)
    assert message.body_text == (
        "Good morning,\n\n"
        "Please find attached the assessment for a step down to Early Help. "
        "Consent to share has been given by mum & dad.\n\n"
        "Child\tTommy Example\n"
        "DOB\t04/05/2015\n\n"
        "Kind regards,\nSarah Jones\nSocial Worker – Children’s Social Care"
    )
    # The cid:-referenced logo is not an attachment; the .docx (RFC 2047 encoded name) is.
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        (
            "Early Help Assessment – final.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    ]
    assert message.attachments[0].payload.startswith(b"PK\x03\x04")
    assert message.header("x-ms-has-attach") == "yes"
    assert ("thread-topic", "Step down request - Example family") in message.headers
    assert message.defects == ()


def test_winmail_dat_is_passed_on() -> None:
    message = parse_message(load("outlook_winmail.eml"))
    assert message.body_text == (
        "Hi team,\n\nStep down for the above URN, plan attached. "
        "We are asking for parenting support and school liaison.\n\nMark"
    )
    (tnef,) = message.attachments
    assert (tnef.filename, tnef.content_type) == ("winmail.dat", "application/ms-tnef")
    assert tnef.payload[:4] == bytes.fromhex("789f3e22")


def test_forwarded_email_becomes_one_eml_file_with_its_pdf_inside() -> None:
    message = parse_message(load("forwarded_rfc822_pdf.eml"))
    assert message.body_text == "Forwarding the TAF minutes for LAN-004217-K."
    (forwarded,) = message.attachments
    assert forwarded.filename == "TAF minutes 28 Feb.eml"
    assert forwarded.content_type == "message/rfc822"
    inner = parse_message(forwarded.payload)
    assert inner.message_id == "<CAJx8Kp1q2w3e4r5t6y7u8i9o0p@mail.gmail.com>"
    assert inner.body_text == "Minutes from today's TAF attached."
    (pdf,) = inner.attachments
    assert pdf.filename == "TAF minutes 2025-02-28.pdf"
    assert pdf.payload.startswith(b"%PDF-1.4") and pdf.payload.rstrip().endswith(b"%%EOF")


def test_attached_msg_passes_through_as_a_file() -> None:
    (msg,) = parse_message(load("attached_msg.eml")).attachments
    assert (msg.filename, msg.content_type, len(msg.payload)) == (
        "Referral from school.msg",
        "application/vnd.ms-outlook",
        1536,
    )
    assert msg.payload.startswith(bytes.fromhex("D0CF11E0A1B11AE1"))


def test_gmail_alternative_prefers_plain_text() -> None:
    message = parse_message(load("gmail_alternative.eml"))
    assert message.subject == "Step down – request for URN"
    assert message.body_text == (
        "Hello,\n\nCould you please issue a URN for the child below? The assessment is on its way.\n\n"
        "Child: Amelia Example – DOB 12/09/2016\n\nThanks"
    )
    assert message.attachments == ()
    dkim = message.header("dkim-signature") or ""
    assert dkim.startswith("v=1; a=rsa-sha256;") and "\n" not in dkim


def test_latin1_label_read_as_windows_1252() -> None:
    message = parse_message(load("qp_windows1252.eml"))
    assert message.body_text == (
        "It’s a Level 1 case – universal services only. Cost of the group is €15 per café session."
    )
    assert message.sender == Address("dave.oneill@lancashire.gov.uk", "Dave O'Neill")


def test_utf8_labelled_latin1_is_detected() -> None:
    message = parse_message(load("utf8_labelled_latin1.eml"))
    assert message.body_text == "Café meeting on 20/03/2025 – 10:00. Mum’s consent given."
    assert message.defects == ("charset iso-8859-1 declared but body is UTF-8",)


def test_rfc2231_continued_non_ascii_filename_and_raw_utf8_header() -> None:
    message = parse_message(load("rfc2231_filename.eml"))
    (pdf,) = message.attachments
    assert pdf.filename == (
        "Plán de apoyo familiar – revisión final para el equipo de Ayuda Temprana última versión.pdf"
    )
    assert message.sender == Address("zoe.bronte@lancashire.gov.uk", "Zoë Brontë")
    assert message.message_id == "<5F4E3D2C-1B0A-4987-8765-43210FEDCBA9@lancashire.gov.uk>"


def test_encoded_words_split_mid_character_and_quoted_display_names() -> None:
    message = parse_message(load("encoded_subject.eml"))
    assert message.subject == "Step down – Café meeting 📅"
    assert message.sender == Address("sian.onolan@lancashire.gov.uk", "Siân O'Ñolán")
    assert message.to == (Address("preventionearlyhelp@lancashire.gov.uk", "Prévention Early Help"),)
    assert message.cc == (Address("john.smith@lancashire.gov.uk", "Smith, John"),)
    assert message.body_text == "Meeting on 14 March – please send someone."


def test_reply_threading_headers() -> None:
    message = parse_message(load("reply_to_chase.eml"))
    assert message.subject == "RE: [SD-000123] Step down request: more information needed"
    assert message.in_reply_to == OUR_CHASE
    assert message.references == (OUR_ACK, OUR_CHASE)
    assert message.body_text.startswith(
        "Hi,\n\nPlan attached, consent was given on 06/03/2025.\n\nSarah\n\n____"
    )
    assert [a.filename for a in message.attachments] == ["Plan.pdf"]


def test_apple_inline_photo_is_an_attachment_and_split_body_is_joined() -> None:
    message = parse_message(load("apple_inline_photo.eml"))
    assert message.body_text == "Photo of the signed consent form:\n\nSent from my iPhone"
    (photo,) = message.attachments
    assert (photo.filename, photo.content_type, len(photo.payload)) == ("IMG_4821.jpeg", "image/jpeg", 30022)


def test_attachment_without_filename_gets_one_from_its_type() -> None:
    message = parse_message(load("nhsmail_no_filename.eml"))
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("attachment-1.pdf", "application/pdf")
    ]
    assert message.sender is not None
    assert message.sender.display_name == "SMITH, Jane (LANCASHIRE AND SOUTH CUMBRIA NHS FOUNDATION TRUST)"
    assert "Report attached – health visitor’s view supports the step down." in message.body_text


def test_image_with_attachment_disposition_is_kept_small_inline_logo_is_not() -> None:
    message = parse_message(load("outlook_image_attachment.eml"))
    assert [(a.filename, a.content_type) for a in message.attachments] == [("Consent form.png", "image/png")]
    assert message.body_text == "Consent form attached as a picture."


def test_dsn_machine_parts_are_kept_for_bounce_detection() -> None:
    message = parse_message(load("postfix_dsn.eml"))
    assert message.sender == Address("MAILER-DAEMON@mx1.lancashire.gov.uk", "Mail Delivery System")
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("delivery-status.txt", "message/delivery-status"),
        ("returned-headers.txt", "text/rfc822-headers"),
    ]
    status = message.attachments[0].payload.decode()
    assert "Final-Recipient: rfc822; old.worker@blackburn.gov.uk\nOriginal-Recipient" in status
    assert message.body_text.startswith("This is the mail system at host mx1.lancashire.gov.uk.")


def test_no_message_id_and_unknown_zone_date() -> None:
    message = parse_message(load("no_message_id.eml"))
    assert message.message_id is None
    assert message.date == datetime(2025, 3, 14, 16, 5, tzinfo=UTC)
    assert message.sender == Address("scanner@lancashire.gov.uk", "")
    assert message.body_text == "Scanned from MFP-3F-EAST."
    assert message.defects == ("no Message-ID",)


def test_nested_25_levels() -> None:
    message = parse_message(load("nested_25.eml"))
    assert message.body_text == "Deepest text."
    assert message.defects == ()


def test_pathologically_deep_nesting_does_not_blow_the_stack() -> None:
    depth = 3000
    raw = b"From: a@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n) for n in range(depth)
    )
    raw += b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    message = parse_message(raw)
    assert message.subject == "deep"
    assert any("deep" in defect.lower() or "nesting" in defect.lower() for defect in message.defects)


@pytest.mark.parametrize("name", ["garbage.eml", "empty.eml"])
def test_garbage_and_empty_never_raise(name: str) -> None:
    message = parse_message(load(name))
    assert message.message_id is None and message.body_text == "" and message.attachments == ()
    assert message.defects


def test_garbage_defects_are_exact() -> None:
    assert parse_message(load("empty.eml")).defects == ("empty message",)
    assert "no header fields" in parse_message(load("garbage.eml")).defects


def test_every_fixture_parses_without_raising() -> None:
    # How long parsing takes is a benchmark figure (benchmarks/parsing.py), not a test.
    paths = sorted(FIXTURES.glob("*.eml"))
    assert len(paths) > 10
    for path in paths:
        message = parse_message(path.read_bytes())
        assert isinstance(message.defects, tuple), path.name


def test_message_ids() -> None:
    assert parse_message_ids("<a@b>\r\n <c@d> (comment) <a@b>") == ["<a@b>", "<c@d>"]
    assert parse_message_ids("bare-id@host.example") == ["<bare-id@host.example>"]
    assert parse_message_ids("") == []
    assert normalise_message_id(" < x@y > ") == "<x@y>"


def test_decode_words_edge_cases() -> None:
    assert decode_words("=?utf-8?Q?caf=C3=A9?= =?utf-8?Q?_ok?=") == "café ok"
    assert decode_words("=?ks_c_5601-1987?B?x9GxuQ==?=") == "한국"
    assert decode_words("=?utf-8?B?not base64!!?=") == "=?utf-8?B?not base64!!?="
    assert decode_words("=?unknown-charset?Q?abc?=") == "abc"
    assert decode_words("plain") == "plain"


def test_decode_bytes_fallbacks() -> None:
    assert decode_bytes(b"\x93quoted\x94", "iso-8859-1") == ("“quoted”", None)
    assert decode_bytes("é".encode(), None) == ("é", None)
    assert decode_bytes(b"\xe9t\xe9", "utf-8") == ("été", "body is not valid utf-8")
    assert decode_bytes(b"abc", "x-made-up") == ("abc", "unknown charset 'x-made-up'")


def test_addresses_split_before_decoding() -> None:
    assert parse_addresses(["=?utf-8?Q?Smith=2C_J=C3=B6rg?= <j@x.gov.uk>, undisclosed-recipients:;"]) == (
        Address("j@x.gov.uk", "Smith, Jörg"),
    )


def test_html_to_text_rules() -> None:
    html = (
        "<html><head><title>t</title><style>p{color:red}</style><script>x()</script></head><body>"
        "<p>One&nbsp;&amp;&#160;two</p><p><o:p>&nbsp;</o:p></p><p>Three</p>"
        "<table><tr><th>Name</th><th>Value</th></tr><tr><td><p>a</p></td><td>b<br>c</td></tr></table>"
        "<div>x<br>y</div><blockquote>quoted<br>two</blockquote><pre>  keep\n  this</pre></body></html>"
    )
    assert html_to_text(html) == (
        "One & two\n\nThree\nName\tValue\na\tb c\nx\ny\n> quoted\n> two\n  keep\n  this"
    )
