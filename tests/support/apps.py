"""Build a real mailbot (bootstrap.build_app) wired to the test Dovecot and SMTP relay, and step-down mail.

Nothing here is a fake: the app talks IMAP to Dovecot, SMTP to the aiosmtpd relay (which delivers
over LMTP into Dovecot) and SQL to SQLite or PostgreSQL.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from mailbot.config import Settings, parse_settings
from mailbot.service.bootstrap import App, build_app
from support.mailservers import Dovecot, SmtpRelay

CAF = "caf@lancashire.gov.uk"
WPEHS = "preventionearlyhelp@lancashire.gov.uk"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def settings_for(
    dovecot: Dovecot,
    smtp: SmtpRelay,
    directory: Path,
    database_url: str,
    monkeypatch: Any,
    *,
    web: dict[str, Any] | None = None,
    transport: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    **workflow: Any,
) -> Settings:
    """Settings for both mailboxes on the test Dovecot and the SMTP relay; passwords via env vars.

    ``transport`` adds keys to the ``[transport]`` table (e.g. ``claim_lease_seconds``); ``workflow``
    keys go to ``[workflow]``; ``overrides`` are top-level tables merged over the rest
    (``{"urn": {...}, "district_teams": {...}}``).
    """
    for user, variable in ((CAF, "MAILBOT_TEST_CAF_PASSWORD"), (WPEHS, "MAILBOT_TEST_WPEHS_PASSWORD")):
        monkeypatch.setenv(variable, dovecot.passwords[user])

    def imap(user: str, variable: str) -> dict[str, Any]:
        return {
            "host": dovecot.host,
            "port": dovecot.imap_port,
            "tls": "none",
            "username": user,
            "password_env": variable,
            "poll_interval": 1,
        }

    raw = {
        "mailbot": {"database_url": database_url, "storage_dir": str(directory / "storage")},
        "council": {
            "name": "Lancashire County Council",
            "trusted_domains": ["lancashire.gov.uk", "blackpool.gov.uk"],
        },
        "urn": {"prefix": "LAN", "width": 6},
        "mailboxes": {
            "caf": {
                "address": CAF,
                "role": "caf",
                "team_name": "CAF Database Team",
                "imap": imap(CAF, "MAILBOT_TEST_CAF_PASSWORD"),
            },
            "wpehs": {
                "address": WPEHS,
                "role": "wpehs",
                "team_name": "WPEHS",
                "imap": imap(WPEHS, "MAILBOT_TEST_WPEHS_PASSWORD"),
            },
        },
        "transport": {
            "kind": "smtp",
            "smtp": {"host": smtp.host, "port": smtp.port, "tls": "none"},
            "retry_base_seconds": 1,
            **(transport or {}),
        },
        "documents": {"workers": 2, "timeout_seconds": 30},
        "workflow": workflow,
        "districts": {"PR1": "Preston", "PR2": "Preston", "BB5": "Hyndburn"},
    }
    if web is not None:
        raw["web"] = web
    for table, values in (overrides or {}).items():
        raw[table] = {**raw.get(table, {}), **values} if isinstance(values, dict) else values
    return parse_settings(raw, directory)


def make_app(settings: Settings, now: Callable[[], datetime] | None = None) -> App:
    return build_app(settings, now=now) if now else build_app(settings)


def assessment_docx(
    children: list[tuple[str, str, str]],
    *,
    consent: bool = True,
    postcode: str = "PR1 2AB",
    urn: str | None = None,
    lead_professional: dict[str, str] | None = None,
    title: str = "Early Help Assessment",
) -> bytes:
    """An assessment as a social worker sends it: child grid, consent tick box, optional LP section."""
    document = Document()
    document.add_heading(title, level=1)
    if urn:
        document.add_paragraph(f"URN: {urn}")
    document.add_heading("Child / young person details", level=2)
    grid = document.add_table(rows=1, cols=4)
    for cell, label in zip(grid.rows[0].cells, ("Name", "Date of birth", "LCS ID", "Postcode"), strict=True):
        cell.text = label
    for name, dob, lcs in children:
        row = grid.add_row().cells
        row[0].text, row[1].text, row[2].text, row[3].text = name, dob, lcs, postcode
    document.add_heading("Consent", level=2)
    document.add_paragraph(
        "Consent to share information has been given: " + ("☒ Yes ☐ No" if consent else "☐ Yes ☒ No")
    )
    if lead_professional:
        document.add_heading("New Lead Professional", level=2)
        table = document.add_table(rows=0, cols=2)
        for label, value in lead_professional.items():
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plan_pdf(child: str, urn: str | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    lines = ["Family Plan", f"Child: {child}"]
    if urn:
        lines.append(f"URN: {urn}")
    lines += ["Action: school attendance support - by 01/02/2027", "Action: weekly family support visits"]
    y = 800
    for line in lines:
        pdf.drawString(60, y, line)
        y -= 22
    pdf.save()
    return buffer.getvalue()


def email(
    sender: str,
    to: str,
    subject: str,
    body: str,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    *,
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="outlook.example.net")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(body)
    for filename, content_type, payload in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=policy.SMTP)


def parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def text_of(raw: bytes) -> str:
    body = parsed(raw).get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def encrypted_plan_pdf(child: str, password: str = "s3cret") -> bytes:
    """A family plan PDF protected with a user password, as a worker's "secure" export produces."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True, encrypt=password)
    pdf.drawString(60, 800, "Family Plan")
    pdf.drawString(60, 778, f"Child: {child}")
    pdf.save()
    return buffer.getvalue()
