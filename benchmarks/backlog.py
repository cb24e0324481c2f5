"""Backlog benchmark: how fast mailbot drains a mailbox full of step-down requests, end to end.

Each message carries one .docx assessment and one text PDF plan (the shape of a real step down). The
whole pipeline runs as in production, minus the network: Maildir source → intake (raw stored,
committed) → parse → documents read in the worker pool → extract → decide → apply (one SQLite
transaction per message) → outbox → file transport, and the message moved to Processed.

The bar is the hardware: the same documents through python-docx and pdfplumber alone, with the same
number of processes. The script prints messages per second, documents per second, and our throughput
as a percentage of the bare libraries'. Medians over ``--runs`` runs. Not a timed test: a figure.

    uv run python benchmarks/backlog.py --messages 200 --runs 3
"""

from __future__ import annotations

import argparse
import io
import mailbox
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from support.apps import DOCX, email  # noqa: E402

from mailbot.config import parse_settings  # noqa: E402
from mailbot.domain.urn import UrnScheme  # noqa: E402
from mailbot.service.bootstrap import build_app  # noqa: E402
from mailbot.service.daemon import run_once  # noqa: E402

FIRST_NAMES = ["Maisie", "Theo", "Aria", "Jayden", "Ruby", "Oscar", "Isla", "Noah", "Amelia", "Leo"]
SURNAMES = [
    "Example",
    "Sample",
    "Kershaw",
    "Ingham",
    "Crompton",
    "Fairclough",
    "Clegg",
    "Begum",
    "Shah",
    "Hughes",
]


NARRATIVE = (
    "The family have engaged well with the child in need plan over the last six months. School attendance has "
    "improved from 78% to 91% and the parent reports that morning routines are calmer. Remaining needs are "
    "around emotional wellbeing, consistent boundaries at home and support with the transition to high school. "
)


def realistic_assessment(child: str, dob: str, lcs_id: str) -> bytes:
    """A three-page Early Help assessment: details grids, family table, narrative sections, consent."""
    from docx import Document

    document = Document()
    document.add_heading("Early Help Assessment (CAF) - step down from Children's Social Care", level=1)
    document.add_heading("Child / young person details", level=2)
    grid = document.add_table(rows=0, cols=4)
    for left, lvalue, right, rvalue in (
        ("Name", child, "Date of birth", dob),
        ("LCS ID", lcs_id, "Gender", "Female"),
        ("Address", "12 Example Street, Preston", "Postcode", "PR1 2AB"),
        ("School", "Example Primary School", "Year group", "Year 6"),
    ):
        cells = grid.add_row().cells
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = left, lvalue, right, rvalue
    document.add_heading("Family members and significant others", level=2)
    family = document.add_table(rows=1, cols=4)
    for cell, label in zip(
        family.rows[0].cells, ("Name", "Relationship", "Date of birth", "Lives with child"), strict=True
    ):
        cell.text = label
    for name, relation, born in (
        ("Kelly Example", "Mother", "02/02/1988"),
        ("Dan Example", "Father", "05/06/1986"),
    ):
        cells = family.add_row().cells
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = name, relation, born, "Yes"
    for heading in (
        "Health",
        "Education",
        "Emotional and behavioural development",
        "Family and social relationships",
        "Self-care skills",
        "Parenting capacity",
        "Housing and finances",
        "Child's voice",
        "Parent's views",
        "Analysis",
        "Summary of needs",
    ):
        document.add_heading(heading, level=2)
        document.add_paragraph(NARRATIVE)
    document.add_heading("Continuum of Need", level=2)
    document.add_paragraph("Level of need: Level 2 (targeted early help)")
    document.add_heading("Consent", level=2)
    document.add_paragraph("The family consent to sharing this assessment and plan: ☒ Yes ☐ No")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def realistic_plan(child: str) -> bytes:
    """A two-page family plan as a text PDF with a ruled action table on the first page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()
    rows = [["Need", "Action", "Who", "By when"]] + [
        [f"Need {n}", "Weekly support sessions with the family", "Family support worker", f"{n:02d}/02/2027"]
        for n in range(1, 9)
    ]
    table = Table(rows)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    story = [Paragraph("Family Plan", styles["Title"]), Paragraph(f"Child: {child}", styles["Normal"]), table]
    story.append(PageBreak())
    story.append(Paragraph("Review notes", styles["Heading2"]))
    story.extend(Paragraph(NARRATIVE, styles["Normal"]) for _ in range(3))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=True).build(story)
    return buffer.getvalue()


def messages(count: int) -> list[tuple[bytes, bytes, bytes]]:
    """(raw email, docx, pdf) per message; every child different so each request issues a URN."""
    made = []
    for n in range(count):
        child = f"{FIRST_NAMES[n % 10]} {SURNAMES[(n // 10) % 10]}-{SURNAMES[(n // 100) % 10]}"
        docx = realistic_assessment(child, f"{1 + n % 28:02d}/{1 + n % 12:02d}/2015", f"LCS{100000 + n}")
        pdf = realistic_plan(child)
        raw = email(
            "Sam Worker <sw.one@lancashire.gov.uk>",
            "caf@lancashire.gov.uk",
            "URN request",
            "Please can I request a URN. Consent has been given.\n\nSam",
            [("Assessment.docx", DOCX, docx), ("Plan.pdf", "application/pdf", pdf)],
        )
        made.append((raw, docx, pdf))
    return made


def _bare_docx(payload: bytes) -> int:
    from docx import Document

    document = Document(io.BytesIO(payload))
    text = [p.text for p in document.paragraphs]
    text += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return len(text)


def _bare_pdf(payload: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(payload)) as pdf:
        return sum(len(page.extract_text() or "") for page in pdf.pages)


def bare_seconds(batch: list[tuple[bytes, bytes, bytes]], workers: int) -> float:
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(_bare_docx, [batch[0][1]] * workers))  # warm the workers' imports
        list(pool.map(_bare_pdf, [batch[0][2]] * workers))
        started = time.perf_counter()
        docx = pool.map(_bare_docx, [m[1] for m in batch], chunksize=4)
        pdfs = pool.map(_bare_pdf, [m[2] for m in batch], chunksize=4)
        list(docx), list(pdfs)
        return time.perf_counter() - started


def mailbot_seconds(batch: list[tuple[bytes, bytes, bytes]], workers: int) -> float:
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as folder:
        root = Path(folder)
        settings = parse_settings(
            {
                "mailbot": {
                    "database_url": f"sqlite:///{root / 'register.sqlite3'}",
                    "storage_dir": "storage",
                    "log_level": "WARNING",
                },
                "council": {"trusted_domains": ["lancashire.gov.uk"]},
                "mailboxes": {
                    "caf": {"address": "caf@lancashire.gov.uk", "role": "caf", "maildir": {"path": "caf"}},
                    "wpehs": {
                        "address": "preventionearlyhelp@lancashire.gov.uk",
                        "role": "wpehs",
                        "maildir": {"path": "wpehs"},
                    },
                },
                "transport": {"kind": "maildir", "maildir": {"path": "outgoing"}},
                "documents": {"workers": workers},
                "limits": {  # one sender sends the whole backlog: no reply limit may hold it
                    "replies_per_thread_per_day": 1_000_000,
                    "replies_per_pattern_per_day": 1_000_000,
                    "replies_per_sender_per_hour": 1_000_000,
                    "replies_per_sender_per_day": 1_000_000,
                },
            },
            root,
        )
        app = build_app(settings)
        try:
            run_once(app)  # warm up: migrations, worker processes, template compilation
            inbox = mailbox.Maildir(root / "caf", create=True)
            for raw, _docx, _pdf in batch:
                inbox.add(raw)
            started = time.perf_counter()
            result = run_once(app)
            elapsed = time.perf_counter() - started
        finally:
            app.close()
        if result.processed != len(batch) or result.sent != len(batch):
            raise SystemExit(f"expected {len(batch)} processed and answered, got {result}")
        with app.register.transaction() as session:
            from sqlalchemy import func, select

            from mailbot.register.models import Case

            cases = session.execute(select(func.count(Case.id))).scalar_one()
        if cases != len(batch):
            raise SystemExit(f"expected {len(batch)} URNs issued, got {cases}: the reader missed facts")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    batch = messages(args.messages)
    assert UrnScheme().is_valid(UrnScheme().format(1))
    ours, bare = [], []
    for run in range(args.runs):
        bare.append(bare_seconds(batch, args.workers))
        ours.append(mailbot_seconds(batch, args.workers))
        print(f"run {run + 1}: bare libraries {bare[-1]:.2f} s, mailbot {ours[-1]:.2f} s", flush=True)
    ours_s, bare_s = statistics.median(ours), statistics.median(bare)
    documents = 2 * args.messages
    print(
        f"\n{args.messages} messages ({documents} documents: one .docx and one text PDF each), "
        f"{args.workers} worker processes, medians of {args.runs} runs"
    )
    print(f"  bare python-docx + pdfplumber: {documents / bare_s:7.1f} documents/s")
    print(
        f"  mailbot end to end:            {documents / ours_s:7.1f} documents/s = "
        f"{args.messages / ours_s:.1f} messages/s"
    )
    print(f"  mailbot throughput as share of the bare libraries': {100 * bare_s / ours_s:.0f} %")


if __name__ == "__main__":
    main()
