"""Sender authentication and trusted addresses end to end (issue 11 point 6, issue 9 "Partner
agencies"): over the real Dovecot and SMTP relay, forged or unauthenticated trusted-domain mail gets
no URN, no case and no reply; a partner school on a ``*.lancs.sch.uk`` pattern is answered; Exchange
Online's "sent inside the tenant" stamp is enough on its own."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.apps import CAF, DOCX, assessment_docx, email, make_app, parsed, settings_for

from mailbot.config import AuthenticationSettings
from mailbot.register.models import Case, Outbox, ReviewItem
from mailbot.service.bootstrap import App
from mailbot.service.daemon import run_once

pytestmark = pytest.mark.integration
SW = "sw.one@lancashire.gov.uk"
GATEWAY = "mx.lancashire.gov.uk"


@pytest.fixture
def app(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    settings = settings_for(
        mail.dovecot, mail.smtp, tmp_path, f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch
    )
    settings = dataclasses.replace(
        settings,
        trusted_domains=(*settings.trusted_domains, "*.lancs.sch.uk"),
        authentication=AuthenticationSettings((GATEWAY,), exchange_online=True, require_results=True),
    )
    built = make_app(settings)
    try:
        yield built
    finally:
        built.close()


def _request(sender: str, headers: dict[str, str], child: str = "Maisie Example") -> bytes:
    return email(
        f"Sam Worker <{sender}>",
        CAF,
        "URN request",
        "Please can I request a URN for the child in the attached assessment. Consent has been given.",
        [("Assessment.docx", DOCX, assessment_docx([(child, "03/04/2015", "LCS123456")]))],
        headers=headers,
    )


def _outcome(app: App) -> tuple[list[str], list[str], int]:
    with app.register.transaction() as session:
        reviews = list(session.execute(select(ReviewItem.reason).order_by(ReviewItem.id)).scalars())
        templates = list(session.execute(select(Outbox.template).order_by(Outbox.id)).scalars())
        cases = len(session.execute(select(Case.id)).all())
    return reviews, templates, cases


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (
            {
                "Authentication-Results": f"{GATEWAY}; spf=fail smtp.mailfrom=lancashire.gov.uk; "
                "dkim=none; dmarc=fail (p=QUARANTINE) header.from=lancashire.gov.uk"
            },
            "DMARC fail",
        ),
        ({}, "no results"),
        (
            {
                "Authentication-Results": "mx.evil.example; spf=pass smtp.mailfrom=lancashire.gov.uk; "
                "dkim=pass header.d=lancashire.gov.uk; dmarc=pass header.from=lancashire.gov.uk"
            },
            "forged results from an untrusted authserv-id",
        ),
    ],
)
def test_unauthenticated_trusted_domain_mail_gets_no_urn_and_no_reply(
    mail: Any, app: App, headers: dict[str, str], why: str
) -> None:
    mail.smtp_send(_request(SW, headers), SW, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    run_once(app)
    assert _outcome(app) == (["unauthenticated_sender"], [], 0), why
    assert mail.imap_messages(SW) == []
    assert len(mail.imap_messages(CAF, "Review")) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {
            "Authentication-Results": f"{GATEWAY}; spf=pass smtp.mailfrom=lancashire.gov.uk; "
            "dmarc=pass header.from=lancashire.gov.uk"
        },
        {"X-MS-Exchange-Organization-AuthAs": "Internal"},
        {
            "Authentication-Results": "spf=pass (sender IP is 203.0.113.7) smtp.mailfrom=lancashire.gov.uk; "
            "dkim=pass (signature was verified) header.d=lancashire.gov.uk;dmarc=pass action=none "
            "header.from=lancashire.gov.uk;compauth=pass reason=100"
        },
    ],
    ids=["gateway DMARC pass", "Exchange internal", "Exchange Online header"],
)
def test_authenticated_mail_is_answered(mail: Any, app: App, headers: dict[str, str]) -> None:
    mail.smtp_send(_request(SW, headers), SW, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    run_once(app)
    assert _outcome(app) == ([], ["urn_issued"], 1)
    assert "issued" in str(parsed(mail.wait_for(lambda: mail.imap_messages(SW))[0])["Subject"])


def test_a_partner_school_on_a_domain_pattern_is_answered(mail: Any, app: App) -> None:
    school = "head@stmarys.lancs.sch.uk"
    mail.add_user(school)
    passed = {"Authentication-Results": f"{GATEWAY}; dmarc=pass header.from=stmarys.lancs.sch.uk"}
    mail.smtp_send(_request(school, passed), school, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    run_once(app)
    assert _outcome(app) == ([], ["urn_issued"], 1)


@pytest.mark.parametrize(
    "from_header",
    [
        f"{SW} <attacker@evil.example>",  # display-name trick
        "Sam Worker <a%evil.example@lancashire.gov.uk>",  # percent hack
        '"evil@evil.example, x"@lancashire.gov.uk',  # quoted comma
    ],
)
def test_trusted_looking_from_headers_get_no_urn(mail: Any, app: App, from_header: str) -> None:
    raw = _request(SW, {"X-MS-Exchange-Organization-AuthAs": "Internal"})
    raw = raw.replace(f"From: Sam Worker <{SW}>".encode(), f"From: {from_header}".encode(), 1)
    mail.smtp_send(raw, "attacker@evil.example", CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    run_once(app)
    reviews, templates, cases = _outcome(app)
    assert cases == 0 and "urn_issued" not in templates
    assert reviews == ["untrusted_sender"]
    assert templates == []  # not even an acknowledgement: the address may be forged or a routing trick
    assert mail.imap_messages(SW) == []
