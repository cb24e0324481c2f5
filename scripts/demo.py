"""The demo's helper: write a demo council (config, its existing register, step-down emails with real
.docx/.pdf attachments in local Maildirs), play the other people's parts (a manager answering the
digest, the mail server delivering WPEHS's update to CAF@), and show each incoming email beside the
reply mailbot wrote. Run by ``scripts/demo.sh``; everything goes under ``demo/`` (ignored by git).
All people, children and addresses are fictional.

    python scripts/demo.py setup demo          # config, register CSV, the first emails
    python scripts/demo.py show demo           # what arrived and what mailbot sent since the last show
    python scripts/demo.py answer-digest demo  # a WPEHS manager replies to the digest with an allocation
    python scripts/demo.py deliver-to-caf demo # mail to CAF@ in the outgoing folder lands in CAF@'s Maildir
"""

from __future__ import annotations

import io
import json
import mailbox
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

CAF = "CAF@lancashire.gov.uk"
WPEHS = "preventionearlyhelp@lancashire.gov.uk"
SAM = "Sam Social Worker <sam.worker@lancashire.gov.uk>"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

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

# The URNs mailbot issues continue the council's numbers; the council's older six-digit URNs are
# recognised next to a URN label ("URN 123456").
[urn]
prefix = "LAN"
width = 6
next_number = 4300
legacy = [{ pattern = "\\\\d{6}" }]

# The council's register file uses its own headings.
[register.columns]
urn = "CAF URN"
child_name = "Child Name"
date_of_birth = "DOB"
lcs_id = "LCS ID"
postcode = "Postcode"
lead_professional = "Lead Professional"
lead_professional_agency = "LP Agency"
status = "Status"

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

[workflow]
no_lead_professional_team = "caf.linkworkers@lancashire.gov.uk"

[districts]
PR1 = "Preston"
PR2 = "Preston"
BB5 = "Hyndburn"

[district_teams]
Preston = "preston.earlyhelp@lancashire.gov.uk"

[transport]
kind = "maildir"
[transport.maildir]
path = "outgoing"

[documents]
workers = 2

[workflow]
allocators = ["pat.manager@lancashire.gov.uk"]

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

REGISTER = """\
CAF URN,Child Name,DOB,LCS ID,Postcode,Lead Professional,LP Agency,Status
123456,Tom Sample,14/06/2017,LCS900001,PR1 2AB,,,Open
123456,Ava Sample,01/02/2019,LCS900002,PR1 2AB,,,Open
234567,Jo Other,03/03/2015,LCS900003,BB5 1AA,Old Worker,Hyndburn Family Hub,Open
"""


def assessment_docx(child: str, dob: str, lcs_id: str, postcode: str, *, urn: str = "", level: int = 2) -> bytes:
    """A CAF-style Early Help assessment with a label/value grid, as social workers send them."""
    document = Document()
    document.add_heading("Early Help Assessment (CAF)", level=1)
    if urn:
        document.add_paragraph(f"URN: {urn}")
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
    consent = document.add_table(rows=1, cols=2)
    consent.rows[0].cells[0].text = "Consent to share information obtained"
    consent.rows[0].cells[1].text = "☒ Yes ☐ No"
    document.add_heading("Continuum of Need", level=2)
    document.add_paragraph(f"Level of need: Level {level}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plan_pdf(child: str, urn: str = "") -> bytes:
    """A family plan as a text PDF with an action list."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    y = 800
    for line in (
        "Family Plan",
        f"Child: {child}",
        *([f"URN: {urn}"] if urn else []),
        "Action 1: School to set up attendance support plan - by 01/02/2027",
        "Action 2: Family support worker weekly visits - from 15/01/2027",
    ):
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
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">"))
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content(body)
    for filename, content_type, payload in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def setup(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    (target / "maildir").mkdir(parents=True)
    (target / "mailbot.toml").write_text(CONFIG, encoding="utf-8")
    (target / "council-register.csv").write_text(REGISTER, encoding="utf-8")
    caf = mailbox.Maildir(target / "maildir/caf", create=True)
    wpehs = mailbox.Maildir(target / "maildir/wpehs", create=True)
    maisie = ("EH Assessment.docx", DOCX, assessment_docx("Maisie Example", "03/04/2015", "LCS123456", "PR1 2AB"))
    caf.add(
        email(
            SAM,
            CAF,
            "URN request - step down",
            "Hello,\n\nPlease could I request a URN for the attached assessment. Consent to share has been given.\n\n"
            "Thanks,\nSam Worker\nSocial Worker, Preston CSC\n",
            [maisie],
        )
    )
    caf.add(
        email(
            "Alex Other <alex.other@lancashire.gov.uk>",
            CAF,
            "Request for URN",
            "Hi, please can I have a URN for this family. Consent has been given.\n\nAlex\n",
            [("assessment.docx", DOCX, assessment_docx("Theo Newchild", "", "", "PR2 3CD"))],
        )
    )
    caf.add(
        email(
            "Out of Office <someone@lancashire.gov.uk>",
            CAF,
            "Automatic reply: your message",
            "I am out of the office until Monday.\n",
            Auto_Submitted="auto-replied",
            X_Auto_Response_Suppress="All",
        )
    )
    caf.add(
        email(
            "Someone <someone@example.com>",
            CAF,
            "URN please",
            "Please issue a URN.\n",
            [("assessment.docx", DOCX, assessment_docx("Ann Example", "01/01/2016", "", "PR1 1AA"))],
        )
    )
    caf.add(
        email(
            SAM,
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given. The needs are at level 1 on the continuum of need.",
            [("EHA.docx", DOCX, assessment_docx("Leo Levelone", "05/06/2017", "", "PR1 2AB", level=1))],
        )
    )
    caf.add(
        email(
            SAM,
            CAF,
            "Step down - URN 234567",
            "Hello,\n\nURN 234567 - single agency response. The new lead professional is:\nHannah Head\n"
            "Pastoral Lead, Preston Primary School\nh.head@lancashire.gov.uk\n\nAssessment and plan attached.\n\nSam\n",
            [
                ("EHA.docx", DOCX, assessment_docx("Jo Other", "03/03/2015", "LCS900003", "BB5 1AA", urn="234567")),
                ("Plan.pdf", "application/pdf", plan_pdf("Jo Other", "234567")),
            ],
        )
    )
    caf.add(
        email(
            "Pat Health Visitor <pat.visitor@nhs.net>",
            "CAF@lancashire.gov.uk",
            "URN request",
            "Hello,\n\nPlease can I have a URN for Maisy. Consent has been given.\n\nPat\n",
            [("assessment.docx", DOCX, assessment_docx("Maisy Example", "03/04/2015", "", "PR1 2AB"))],
        )
    )
    wpehs.add(
        email(
            SAM,
            WPEHS,
            "Step down to WPEHS - URN 123456",
            "Hello,\n\nURN: 123456\n\nWork requested: support with school attendance and parenting routines.\n\n"
            "Assessment and plan attached.\n\nSam Worker\n",
            [
                ("EH Assessment.docx", DOCX, assessment_docx("Tom Sample", "14/06/2017", "LCS900001", "PR1 2AB", urn="123456")),
                ("Family Plan.pdf", "application/pdf", plan_pdf("Tom Sample", "123456")),
            ],
        )
    )
    print(f"demo written to {target}: the council's register (3 children, 2 cases), 7 emails to CAF@, 1 to preventionearlyhelp@")


def _read(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.parent.name in ("new", "cur"))


def _attachments(message: EmailMessage) -> str:
    names = [part.get_filename() or "(unnamed)" for part in message.iter_attachments()]
    return ", ".join(names) if names else "none"


def _text(message: EmailMessage, lines: int = 14) -> str:
    body = message.get_body(preferencelist=("plain",))
    text = str(body.get_content()).strip() if body is not None else ""
    kept = [line for line in text.splitlines() if not line.startswith("This email was sent automatically")]
    shown = kept[:lines]
    return "\n".join(f"   | {line}" for line in shown) + ("\n   | ..." if len(kept) > lines else "")


def show(target: Path) -> None:
    """Print every incoming email not shown before, beside mailbot's reply, then mailbot's other emails."""
    state_file = target / ".shown.json"
    shown: dict[str, list[str]] = json.loads(state_file.read_text()) if state_file.exists() else {"in": [], "out": []}
    outgoing = {path.name: _read(path) for path in _files(target / "outgoing")}
    replies: dict[str, list[EmailMessage]] = {}
    for message in outgoing.values():
        replies.setdefault(str(message["In-Reply-To"] or ""), []).append(message)
    states: dict[str, str] = {}
    database = target / "var/mailbot.sqlite3"
    if database.exists():
        with sqlite3.connect(database) as connection:
            states = dict(connection.execute("select message_id, state from messages where direction = 'in'").fetchall())
    for path in _files(target / "maildir"):
        message = _read(path)
        message_id = str(message["Message-ID"])
        if message_id in shown["in"] or message_id not in states:
            continue
        shown["in"].append(message_id)
        print("=" * 96)
        print(f"IN  to {message['To']}\n    from {message['From']}\n    subject: {message['Subject']}")
        print(f"    attachments: {_attachments(message)}")
        answers = replies.get(message_id, [])
        if not answers:
            print(f"OUT (no reply: message {states[message_id]})")
        for reply in answers:
            print(f"OUT to {reply['X-Envelope-To']}\n    subject: {reply['Subject']}")
            print(_text(reply))
            shown["out"].append(str(reply["Message-ID"]))
    others = [m for m in outgoing.values() if str(m["Message-ID"]) not in shown["out"]]
    for message in others:
        shown["out"].append(str(message["Message-ID"]))
        print("=" * 96)
        print(f"OUT (mailbot on its own) to {message['X-Envelope-To']}\n    subject: {message['Subject']}")
        print(f"    attachments: {_attachments(message)}")
        print(_text(message, 24))
    state_file.write_text(json.dumps(shown))


def answer_digest(target: Path) -> None:
    """A WPEHS manager replies to the latest digest, allocating the step down for URN 123456."""
    digests = [m for m in map(_read, _files(target / "outgoing")) if "Step downs waiting" in str(m["Subject"])]
    digest = digests[-1]
    reply = email(
        "Pat Manager <pat.manager@lancashire.gov.uk>",
        WPEHS,
        f"RE: {digest['Subject']}",
        "123456: Priya Shah <priya.shah@lancashire.gov.uk>, Preston North WPEHS\n\nThanks, Pat",
        In_Reply_To=str(digest["Message-ID"]),
        References=str(digest["Message-ID"]),
    )
    mailbox.Maildir(target / "maildir/wpehs").add(reply)
    print("a WPEHS manager replied to the digest: 123456 allocated to Priya Shah")


def deliver_to_caf(target: Path) -> None:
    """What the mail server does: mail mailbot sent to CAF@ arrives in CAF@'s inbox."""
    caf = mailbox.Maildir(target / "maildir/caf")
    delivered = target / ".delivered.json"
    done: list[str] = json.loads(delivered.read_text()) if delivered.exists() else []
    for path in _files(target / "outgoing"):
        message = _read(path)
        if CAF.lower() in str(message["X-Envelope-To"]).lower() and str(message["Message-ID"]) not in done:
            del message["X-Envelope-To"]
            caf.add(message.as_bytes())
            done.append(str(message["Message-ID"]))
            print(f"delivered to CAF@: {message['Subject']}")
    delivered.write_text(json.dumps(done))


if __name__ == "__main__":
    command, folder = (sys.argv[1], Path(sys.argv[2])) if len(sys.argv) > 2 else ("setup", Path("demo"))
    {"setup": setup, "show": show, "answer-digest": answer_digest, "deliver-to-caf": deliver_to_caf}[command](folder)
