"""Write a demo setup: config, Maildirs holding sample step-down emails with real .docx/.pdf attachments.

Run by ``scripts/demo.sh``; everything goes under ``demo/`` (ignored by git). All people are fictional.
"""

from __future__ import annotations

import io
import mailbox
import shutil
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from mailbot.domain.urn import UrnScheme

CONFIG = """\
# Demo config: local Maildirs in, SQLite register, outgoing mail written to a Maildir.
[mailbot]
timezone = "Europe/London"
database_url = "sqlite:///var/mailbot.sqlite3"
storage_dir = "var/storage"
message_id_domain = "lancashire.gov.uk"
log_level = "WARNING"

[council]
name = "Lancashire County Council"
trusted_domains = ["lancashire.gov.uk", "nhs.net"]

[urn]
prefix = "LAN"
width = 6

[mailboxes.caf]
address = "CAF@lancashire.gov.uk"
role = "caf"
team_name = "CAF Database Team"
[mailboxes.caf.maildir]
path = "maildir/caf"

[mailboxes.wpehs]
address = "preventionearlyhelp@lancashire.gov.uk"
role = "wpehs"
team_name = "Wellbeing, Prevention and Early Help Service"
[mailboxes.wpehs.maildir]
path = "maildir/wpehs"

[districts]
PR1 = "Preston"
PR2 = "Preston"

[transport]
kind = "maildir"
[transport.maildir]
path = "outgoing"

[documents]
workers = 2

[workflow]
allocators = ["wpehs.manager@lancashire.gov.uk"]

# The staff console (scripts/demo-console.sh): a local test sign-in stands in for the council's
# identity provider; its demo people are in the groups mapped to roles below.
[web]
base_url = "http://127.0.0.1:8080"
port = 8080
session_secret_env = "MAILBOT_DEMO_SESSION_SECRET"

[web.oidc]
issuer = "http://127.0.0.1:9400"
client_id = "mailbot-demo-console"
client_secret_env = "MAILBOT_DEMO_OIDC_SECRET"

[web.roles]
caf_team = ["demo-caf-team"]
wpehs_allocator = ["demo-wpehs-allocators"]
viewer = ["demo-viewers"]
administrator = ["demo-administrators"]
"""


def assessment_docx(child: str, dob: str, lcs_id: str, postcode: str, consent: bool) -> bytes:
    """A CAF-style Early Help assessment with a label/value grid, as social workers send them."""
    document = Document()
    document.add_heading("Early Help Assessment (CAF)", level=1)
    document.add_heading("Child / young person's details", level=2)
    table = document.add_table(rows=0, cols=2)
    for label, value in (
        ("Name", child),
        ("Date of birth", dob),
        ("LCS ID", lcs_id),
        ("Address", f"12 Example Street, Preston {postcode}"),
    ):
        row = table.add_row().cells
        row[0].text, row[1].text = label, value
    document.add_heading("Consent", level=2)
    consent_table = document.add_table(rows=1, cols=2)
    consent_table.rows[0].cells[0].text = "Consent to share information obtained"
    consent_table.rows[0].cells[1].text = "☒ Yes ☐ No" if consent else "☐ Yes ☐ No"
    document.add_heading("Continuum of Need", level=2)
    document.add_paragraph("Level of need: Level 2")
    document.add_heading("Assessment summary", level=2)
    document.add_paragraph(
        "Family has engaged well with the child in need plan; remaining needs around school attendance."
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plan_pdf(child: str) -> bytes:
    """A family plan as a text PDF with an action list."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    y = 800
    for line in (
        "Family Plan",
        f"Child: {child}",
        "Action 1: School to set up attendance support plan - by 01/02/2027",
        "Action 2: Family support worker weekly visits - from 15/01/2027",
    ):
        pdf.drawString(60, y, line)
        y -= 22
    pdf.save()
    return buffer.getvalue()


def email(
    sender: str, to: str, subject: str, body: str, attachments: list[tuple[str, str, bytes]], **headers: str
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">"))
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content(body)
    for filename, content_type, payload in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def main(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "mailbot.toml").write_text(CONFIG, encoding="utf-8")
    (target / "maildir").mkdir()
    caf = mailbox.Maildir(target / "maildir/caf", create=True)
    wpehs = mailbox.Maildir(target / "maildir/wpehs", create=True)
    docx_mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    first_urn = UrnScheme().format(1)

    caf.add(
        email(
            "Sam Social Worker <sam.worker@lancashire.gov.uk>",
            "CAF@lancashire.gov.uk",
            "URN request - step down",
            "Hello,\n\nPlease could I request a URN for the attached assessment. Consent to share has been given.\n\n"
            "Thanks,\nSam Worker\nSocial Worker, Preston CSC\n",
            [
                (
                    "EH Assessment.docx",
                    docx_mime,
                    assessment_docx("Maisie Example", "03/04/2015", "LCS123456", "PR1 2AB", True),
                )
            ],
        )
    )
    caf.add(
        email(
            "Alex Other <alex.other@lancashire.gov.uk>",
            "CAF@lancashire.gov.uk",
            "Request for URN",
            "Hi, please can I have a URN for this family.\n\nAlex\n",
            [("assessment.docx", docx_mime, assessment_docx("Tom Sample", "", "", "PR2 3CD", False))],
        )
    )
    caf.add(
        email(
            "Out of Office <someone@lancashire.gov.uk>",
            "CAF@lancashire.gov.uk",
            "Automatic reply: your message",
            "I am out of the office until Monday.\n",
            [],
            Auto_Submitted="auto-replied",
            X_Auto_Response_Suppress="All",
        )
    )
    caf.add(
        email(
            "Someone <someone@example.com>",
            "CAF@lancashire.gov.uk",
            "URN please",
            "Please issue a URN.\n",
            [
                (
                    "assessment.docx",
                    docx_mime,
                    assessment_docx("Ann Example", "01/01/2016", "", "PR1 1AA", True),
                )
            ],
        )
    )
    caf.add(
        email(
            "Pat Health Visitor <pat.visitor@nhs.net>",
            "CAF@lancashire.gov.uk",
            "URN request",
            "Hello,\n\nPlease can I have a URN for Maisy. Consent has been given.\n\nPat\n",
            [("assessment.docx", docx_mime, assessment_docx("Maisy Example", "03/04/2015", "", "PR1 2AB", True))],
        )
    )
    wpehs.add(
        email(
            "Sam Social Worker <sam.worker@lancashire.gov.uk>",
            "preventionearlyhelp@lancashire.gov.uk",
            f"Step down to WPEHS - URN {first_urn}",
            f"Hello,\n\nURN: {first_urn}\n\nWork requested: support with school attendance and parenting routines.\n\n"
            "Assessment and plan attached.\n\nSam Worker\n",
            [
                (
                    "EH Assessment.docx",
                    docx_mime,
                    assessment_docx("Maisie Example", "03/04/2015", "LCS123456", "PR1 2AB", True),
                ),
                ("Family Plan.pdf", "application/pdf", plan_pdf("Maisie Example")),
            ],
        )
    )
    print(f"demo written to {target}: 5 emails for CAF@, 1 for preventionearlyhelp@")


def show(outgoing: Path) -> None:
    """Print each reply mailbot wrote: recipients, subject and the plain-text body."""
    from email import message_from_bytes, policy

    folder = mailbox.Maildir(outgoing, create=False)
    for key in sorted(folder.keys()):
        message = message_from_bytes(folder.get_bytes(key), policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        print("-" * 78)
        print(f"To:      {message['X-Envelope-To']}")
        print(f"Subject: {message['Subject']}")
        print()
        print(body.get_content().strip() if body is not None else "")
    print("-" * 78)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "show":
        show(Path(sys.argv[2]))
    else:
        main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo"))
