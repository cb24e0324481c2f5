"""Real clients' mail (Outlook 365, Outlook RTF/winmail.dat, Exchange OOF/NDR, Gmail, Apple, NHSmail) end to end.

The raw messages are built byte for byte by ``tests/fixtures/real_mail/make_real_mail.py``; each is
delivered into a real Dovecot mailbox and the real app answers it over SMTP, as the council would see.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select
from support.apps import CAF, WPEHS, make_app, parsed, settings_for, text_of

from mailbot.register.export import export_register
from mailbot.register.models import Document, Message
from mailbot.service.daemon import run_once

pytestmark = pytest.mark.integration
SW = "sw.one@lancashire.gov.uk"
NURSE = "kim.nurse@nhs.net"


def _load_builders() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "fixtures" / "real_mail" / "make_real_mail.py"
    spec = importlib.util.spec_from_file_location("make_real_mail", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_real_mail"] = module
    spec.loader.exec_module(module)
    return module


real = _load_builders()


@pytest.fixture
def settings(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    base = settings_for(mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}", monkeypatch)
    # NHSmail is a partner the council trusts for step downs.
    return dataclasses.replace(base, trusted_domains=(*base.trusted_domains, "nhs.net"))


def _run(settings: Any) -> Any:
    app = make_app(settings)
    try:
        return run_once(app)
    finally:
        app.close()


def _register(settings: Any) -> dict[str, Any]:
    app = make_app(settings)
    try:
        with app.register.transaction() as session:
            return export_register(session)
    finally:
        app.close()


def _incoming(settings: Any) -> list[tuple[str | None, str]]:
    app = make_app(settings)
    try:
        with app.register.transaction() as session:
            rows = session.execute(select(Message).where(Message.direction == "in").order_by(Message.id))
            return [(m.sender, m.state) for m in rows.scalars()]
    finally:
        app.close()


def _documents(settings: Any) -> list[tuple[str, str]]:
    app = make_app(settings)
    try:
        with app.register.transaction() as session:
            rows = session.execute(select(Document).order_by(Document.id)).scalars()
            return [(d.filename, d.kind) for d in rows]
    finally:
        app.close()


def _children(register: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return [
        (c["name"], c["date_of_birth"], c["lcs_id"]) for case in register["cases"] for c in case["children"]
    ]


def _assert_urn_issued(mail: Any, settings: Any, to: str, child: tuple[str, str, str]) -> dict[str, Any]:
    replies = mail.wait_for(lambda: mail.imap_messages(to))
    assert len(replies) == 1
    register = _register(settings)
    assert [r["type"] for r in register["requests"]] == ["urn_request"], register["requests"]
    assert register["requests"][0]["state"] == "done", register
    assert [o["template"] for o in register["outbox"]] == ["urn_issued"], register["outbox"]
    assert register["outbox"][0]["to"] == [to]
    urn = register["cases"][0]["urn"]
    subject = parsed(replies[0])["Subject"]
    assert urn in subject and "[SD-000001]" in subject
    assert urn in text_of(replies[0])
    assert _children(register) == [child]
    assert register["review"] == []
    return register


def _first_urn_request(mail: Any, settings: Any) -> tuple[str, str, str]:
    """The Outlook 365 URN request answered; returns (urn, our reply's subject, our reply's Message-ID)."""
    mail.append(CAF, "INBOX", real.outlook_html_urn_request())
    _run(settings)
    register = _assert_urn_issued(mail, settings, SW, ("Maisie Example", "2015-04-03", "LCS123456"))
    reply = parsed(mail.imap_messages(SW)[0])
    return register["cases"][0]["urn"], str(reply["Subject"]), str(reply["Message-ID"])


def test_outlook365_html_with_inline_logo_and_docx_gets_a_urn(mail: Any, settings: Any) -> None:
    _first_urn_request(mail, settings)
    assert mail.imap_messages(CAF) == []
    assert len(mail.imap_messages(CAF, "Processed")) == 1
    # The signature logo is not a document of the case.
    assert [name for name, _ in _documents(settings)] == ["EHA - M Example.docx"]


@pytest.mark.parametrize("internal", [False, True], ids=["external_oof", "internal_oof_no_auto_submitted"])
def test_exchange_automatic_reply_is_never_answered(mail: Any, settings: Any, internal: bool) -> None:
    _, subject, message_id = _first_urn_request(mail, settings)
    mail.append(CAF, "INBOX", real.exchange_oof(subject, message_id, internal=internal))
    _run(settings)
    register = _register(settings)
    assert len(mail.imap_messages(SW)) == 1
    assert len(register["outbox"]) == 1
    assert register["requests"][0]["state"] == "done"
    assert _incoming(settings)[-1][1] == "ignored"
    assert mail.imap_messages(CAF) == []


@pytest.mark.parametrize("full_original", [False, True], ids=["headers_returned", "message_returned"])
def test_exchange_ndr_for_our_reply_fails_that_outbox_row_and_goes_to_review(
    mail: Any, settings: Any, full_original: bool
) -> None:
    _, subject, message_id = _first_urn_request(mail, settings)
    mail.append(CAF, "INBOX", real.exchange_ndr(SW, subject, message_id, full_original=full_original))
    _run(settings)
    register = _register(settings)
    assert register["outbox"][0]["state"] == "failed", register["outbox"]
    assert [r["reason"] for r in register["review"]] == ["bounce"]
    assert _incoming(settings)[-1][1] == "bounce"
    # Nothing is sent to the postmaster nor again to the worker.
    assert all("MicrosoftExchange" not in " ".join(o["to"]) for o in register["outbox"])
    assert len(mail.imap_messages(SW)) == 1


def test_outlook_reply_to_our_chase_with_the_plan_completes_the_step_down(mail: Any, settings: Any) -> None:
    urn, _, _ = _first_urn_request(mail, settings)
    mail.append(WPEHS, "INBOX", real.outlook_step_down_without_plan(urn))
    _run(settings)
    replies = mail.wait_for(lambda: len(mail.imap_messages(SW)) == 2 and mail.imap_messages(SW))
    chase = parsed(replies[1])
    register = _register(settings)
    step_down = register["requests"][1]
    assert (step_down["type"], step_down["state"], step_down["urn"]) == (
        "step_down_wpehs",
        "incomplete",
        urn,
    ), step_down
    # The register words what is missing for people ("the plan"); the assessment was received.
    assert [m for m in step_down["missing"] if "plan" in m] and not [
        m for m in step_down["missing"] if "assess" in m
    ]
    assert register["outbox"][1]["template"] == "chase_up"
    assert "[SD-000002]" in chase["Subject"]
    mail.append(
        WPEHS, "INBOX", real.outlook_reply_with_plan(str(chase["Subject"]), str(chase["Message-ID"]), urn)
    )
    _run(settings)
    mail.wait_for(lambda: len(mail.imap_messages(SW)) == 3)
    register = _register(settings)
    assert len(register["requests"]) == 2, register["requests"]
    step_down = register["requests"][1]
    assert (step_down["state"], step_down["missing"]) == ("awaiting_allocation", []), step_down
    assert register["outbox"][2]["template"] == "acknowledgement"
    assert "[SD-000002]" in parsed(mail.imap_messages(SW)[2])["Subject"]


def test_forward_as_attachment_reads_the_assessment_inside_the_forwarded_message(
    mail: Any, settings: Any
) -> None:
    mail.append(CAF, "INBOX", real.outlook_forward_as_attachment())
    _run(settings)
    _assert_urn_issued(
        mail, settings, "sw.two@lancashire.gov.uk", ("Oliver Sample", "2016-09-12", "LCS778899")
    )


def test_gmail_inline_forward_from_a_trusted_partner(mail: Any, settings: Any) -> None:
    mail.append(CAF, "INBOX", real.gmail_inline_forward())
    _run(settings)
    register = _assert_urn_issued(
        mail, settings, "someone@blackpool.gov.uk", ("Ava Testcase", "2018-07-21", "LCS556677")
    )
    assert register["cases"][0]["district"] == "Hyndburn"


def test_outlook_desktop_winmail_dat_attachments_are_read(mail: Any, settings: Any) -> None:
    mail.append(CAF, "INBOX", real.outlook_desktop_winmail())
    _run(settings)
    _assert_urn_issued(
        mail, settings, "sw.three@lancashire.gov.uk", ("Noah Fixture", "2014-11-30", "LCS101010")
    )
    # Documents inside winmail.dat are recorded under it ("winmail.dat/<name>"), each with its kind.
    assert _documents(settings) == [
        ("winmail.dat/Early Help Assessment - Noah.docx", "assessment"),
        ("winmail.dat/Family Plan - Noah.pdf", "plan"),
    ]


def test_apple_mail_inline_pdf_is_read_as_the_assessment(mail: Any, settings: Any) -> None:
    mail.append(CAF, "INBOX", real.apple_mail_inline_pdf())
    _run(settings)
    _assert_urn_issued(mail, settings, "sw.two@lancashire.gov.uk", ("Isla Probe", "2019-02-14", "LCS202020"))


def test_iphone_docx_with_sent_from_my_iphone(mail: Any, settings: Any) -> None:
    mail.append(CAF, "INBOX", real.iphone_docx())
    _run(settings)
    _assert_urn_issued(mail, settings, SW, ("Ruby Sampleton", "2020-10-09", "LCS404040"))


def test_octet_stream_docx_with_rfc2231_long_utf8_name(mail: Any, settings: Any) -> None:
    mail.append(CAF, "INBOX", real.thunderbird_octet_stream_long_name())
    _run(settings)
    _assert_urn_issued(
        mail, settings, "yot.worker@lancashire.gov.uk", ("Harry Specimen", "2013-01-01", "LCS303030")
    )
    assert _documents(settings) == [(real.LONG_NAME, "assessment")]


def test_nhsmail_smime_signed_request_is_answered_normally(mail: Any, settings: Any) -> None:
    if not mail.dovecot.has_user(NURSE):
        mail.add_user(NURSE)
    mail.append(CAF, "INBOX", real.nhsmail_signed())
    _run(settings)
    _assert_urn_issued(mail, settings, NURSE, ("Leo Sample", "2017-06-05", "LCS424242"))
    assert "p7s" not in text_of(mail.imap_messages(NURSE)[0])


def test_urn_request_from_a_professional_taking_over_as_lead_is_still_a_urn_request(
    mail: Any, settings: Any
) -> None:
    """ "URN request" + "please issue a URN", no URN anywhere: a URN request, whoever will be the lead.

    A new-lead-professional request needs a known URN; with none given, asking for one is the request.
    """
    if not mail.dovecot.has_user(NURSE):
        mail.add_user(NURSE)
    mail.append(CAF, "INBOX", real.nhsmail_signed(real.NHS_TAKING_OVER))
    _run(settings)
    _assert_urn_issued(mail, settings, NURSE, ("Leo Sample", "2017-06-05", "LCS424242"))


def test_outlook_thank_you_reply_to_our_urn_email_is_not_answered(mail: Any, settings: Any) -> None:
    """A "RE: … [SD-000001]" saying thanks (logo inline, our text quoted) needs no reply and no new request."""
    urn, subject, message_id = _first_urn_request(mail, settings)
    mail.append(CAF, "INBOX", real.outlook_thanks_reply(subject, message_id, urn))
    _run(settings)
    register = _register(settings)
    assert len(register["requests"]) == 1 and register["requests"][0]["state"] == "done", register["requests"]
    assert [o["template"] for o in register["outbox"]] == ["urn_issued"], register["outbox"]
    assert len(mail.imap_messages(SW)) == 1
    assert len(register["cases"]) == 1
    assert register["review"] == [] and [state for _, state in _incoming(settings)] == [
        "processed",
        "processed",
    ]
