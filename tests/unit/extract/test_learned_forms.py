"""A form learned from one filled example reads other filled copies of it at 100%.

The form's wording is deliberately nobody's vocabulary ("Kid's moniker", "Arrived on", "Taking over"),
so the general reader finds little in it; every fact the copies state must then come from the places
learned from the first copy. Copies differ in every value, in the length of names and requests, and in
how many children they list (one or two), as real copies of one council form do.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from mailbot.cli import main
from mailbot.documents.dispatch import read_file
from mailbot.domain.content import DocumentContent, DocumentLimits, InputFile
from mailbot.domain.facts import DocumentFacts
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts, load_vocabulary
from mailbot.workflow import learn_form

SCHEME = UrnScheme()
FORENAMES = ["Ava", "Noah", "Isla", "Theo", "Maisie", "Kian", "Priya", "Oskar", "Zara", "Reuben", "Lily-Mae"]
SURNAMES = ["Quayle", "Ashworth", "Nwosu", "Fairclough", "Szymanski", "O'Hara", "Bentham", "Ramsbottom"]
AGENCIES = ["Ribble Valley Family Hub", "St Anne's CE Primary", "0-19 Healthy Child Service", "Barnardo's"]
REQUESTS = [
    "Parenting support around routines and boundaries",
    "1:1 keywork with the young person on emotional wellbeing and school attendance",
    "Help with budgeting and home conditions",
]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Copy:
    """What one filled copy of the form states."""

    urn: str
    children: tuple[tuple[str, date, str], ...]
    lead: tuple[str, str, str, str]
    consent: bool
    work: str


def a_copy(rng: random.Random, number: int) -> Copy:
    surname = rng.choice(SURNAMES)
    children = tuple(
        (
            f"{rng.choice(FORENAMES)} {surname}",
            date(rng.randint(2008, 2022), rng.randint(1, 12), rng.randint(1, 28)),
            str(rng.randint(100000, 9999999)),
        )
        for _ in range(1 if number % 3 == 0 else 2)
    )
    lead_name = f"{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}"
    email = lead_name.lower().replace(" ", ".").replace("'", "") + "@lancashire.gov.uk"
    phone = f"01632 960{rng.randint(100, 999)}"
    return Copy(
        SCHEME.format(rng.randint(1, 60000)),
        children,
        (lead_name, rng.choice(AGENCIES), email, phone),
        rng.random() < 0.5,
        rng.choice(REQUESTS),
    )


def _slots(copy: Copy) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for number in (1, 2):
        child = copy.children[number - 1] if number <= len(copy.children) else None
        rows.append((f"Kid's moniker ({number})", child[0] if child else ""))
        rows.append(("Arrived on", child[1].strftime("%d/%m/%Y") if child else ""))
        rows.append(("Case-system handle", child[2] if child else ""))
    return rows


def docx_copy(copy: Copy) -> bytes:
    document = docx.Document()
    document.add_heading("Handover sheet", level=1)
    document.add_paragraph(f"Our number for them: {copy.urn}")
    table = document.add_table(rows=0, cols=2)
    name, agency, email, phone = copy.lead
    rows = [
        *_slots(copy),
        ("Taking over", name),
        ("Employed at", agency),
        ("Reach them by email at", email),
        ("Ring them on", phone),
        ("Family OK with it?", "Yes" if copy.consent else "No"),
    ]
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_paragraph("What we'd like done")
    document.add_paragraph(copy.work)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_copy(copy: Copy) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    y = 800.0
    name, agency, email, phone = copy.lead
    lines = [
        "Handover sheet",
        f"Our number for them: {copy.urn}",
        *(f"{label}: {value}" if value else f"{label}:" for label, value in _slots(copy)),
        f"Taking over: {name}",
        f"Employed at: {agency}",
        f"Reach them by email at: {email}",
        f"Ring them on: {phone}",
        f"Family OK with it?: {'Yes' if copy.consent else 'No'}",
        "What we'd like done:",
        copy.work,
    ]
    for line in lines:
        page.drawString(60, y, line)
        y -= 20
    page.showPage()
    page.save()
    return out.getvalue()


def stated(copy: Copy) -> dict[str, Any]:
    """Every fact the copy states, by path."""
    facts: dict[str, Any] = {"urn": copy.urn, "work_requested": copy.work, "consent.given": copy.consent}
    for index, (name, born, lcs) in enumerate(copy.children):
        facts |= {
            f"children[{index}].name": name,
            f"children[{index}].date_of_birth": born,
            f"children[{index}].lcs_id": lcs,
        }
    for field, value in zip(("name", "agency", "email", "phone"), copy.lead, strict=True):
        facts[f"lead_professional.{field}"] = value
    return facts


def as_read(facts: DocumentFacts) -> dict[str, Any]:
    flat = learn_form.flatten(facts)
    return {path: value for path, value in flat.items() if value is not None}


def content_of(payload: bytes, filename: str) -> DocumentContent:
    content_type = DOCX if filename.endswith(".docx") else "application/pdf"
    (content,) = read_file(InputFile(filename, content_type, payload), DocumentLimits())
    return content


MAKERS = {"docx": docx_copy, "pdf": pdf_copy}


@pytest.mark.parametrize("media", sorted(MAKERS))
def test_a_form_learned_from_one_copy_reads_twenty_others_at_100_percent(
    media: str, vocabulary: FieldVocabulary, tmp_path: Path
) -> None:
    rng = random.Random(f"learned-{media}")
    copies = [a_copy(rng, number) for number in range(21)]
    make = MAKERS[media]
    sample = content_of(make(copies[1]), f"sample.{media}")  # a copy with two children
    general = extract_facts(sample, vocabulary, SCHEME)
    form, unplaced = learn_form.teach("handover sheet", sample, general, stated(copies[1]), "plan")
    assert unplaced == []
    learn_form.save(form, tmp_path)
    taught = load_vocabulary(None, tmp_path)

    wrong: list[str] = []
    right = 0
    untaught_right = 0
    for number, copy in enumerate(copies[2:] + copies[:1], start=1):
        content = content_of(make(copy), f"copy-{number}.{media}")
        read = as_read(extract_facts(content, taught, SCHEME))
        untaught = as_read(extract_facts(content, vocabulary, SCHEME))
        for path, value in stated(copy).items():
            if read.get(path) == value:
                right += 1
            else:
                wrong.append(f"copy {number} {path}: stated {value!r}, read {read.get(path)!r}")
            untaught_right += untaught.get(path) == value
        extra = {p for p in read if p.startswith("children[")} - set(stated(copy))
        wrong.extend(f"copy {number} {path}: not stated, read {read[path]!r}" for path in sorted(extra))
    assert not wrong, "\n".join(wrong)
    assert right == sum(len(stated(copy)) for copy in copies) - len(stated(copies[1]))
    assert untaught_right < right / 2  # the wording is nobody's: the learned places did the reading


def test_a_copy_of_another_form_is_not_read_from_the_learned_places(
    vocabulary: FieldVocabulary, tmp_path: Path
) -> None:
    rng = random.Random("other-form")
    sample = content_of(docx_copy(a_copy(rng, 1)), "sample.docx")
    form, _ = learn_form.teach(
        "handover sheet", sample, extract_facts(sample, vocabulary, SCHEME), {}, "plan"
    )
    learn_form.save(form, tmp_path)
    other = docx.Document()
    other.add_heading("Early Help Assessment", level=1)
    other.add_paragraph("Child's name: Ava Lee")
    out = io.BytesIO()
    other.save(out)
    facts = extract_facts(content_of(out.getvalue(), "eha.docx"), load_vocabulary(None, tmp_path), SCHEME)
    assert [c.name for c in facts.children] == ["Ava Lee"]
    assert not any("learned form" in where for where in facts.provenance.values())


def test_a_learned_urn_place_reads_the_councils_configured_digits_only_urns(
    vocabulary: FieldVocabulary, tmp_path: Path
) -> None:
    """A council whose URNs are bare numbers (``[urn] prefix = ""``): six digits loose in a form are no
    URN to the general reader, but the place an administrator taught as the URN is a URN field."""
    bare = UrnScheme(prefix="", width=6, check=False)
    rng = random.Random("bare-urn")
    copies = [replace(a_copy(rng, number), urn=bare.format(rng.randint(1, 60000))) for number in range(4)]
    sample = content_of(docx_copy(copies[0]), "sample.docx")
    form, unplaced = learn_form.teach(
        "handover sheet", sample, extract_facts(sample, vocabulary, bare), stated(copies[0]), "plan"
    )
    assert unplaced == []
    learn_form.save(form, tmp_path)
    taught = load_vocabulary(None, tmp_path)
    for number, copy in enumerate(copies[1:], start=1):
        content = content_of(docx_copy(copy), f"copy-{number}.docx")
        assert extract_facts(content, vocabulary, bare).urn is None
        assert extract_facts(content, taught, bare).urn == copy.urn


def test_forms_learn_from_a_facts_file_on_the_command_line(tmp_path: Path) -> None:
    rng = random.Random("cli")
    copy, later = a_copy(rng, 1), a_copy(rng, 2)
    sample = tmp_path / "sample.docx"
    sample.write_bytes(docx_copy(copy))
    facts_file = tmp_path / "facts.json"
    facts_file.write_text(
        json.dumps(
            {
                "urn": copy.urn,
                "children": [
                    {"name": n, "date_of_birth": d.isoformat(), "lcs_id": lcs} for n, d, lcs in copy.children
                ],
                "lead_professional": dict(zip(("name", "agency", "email", "phone"), copy.lead, strict=True)),
                "consent": {"given": copy.consent},
                "work_requested": copy.work,
            }
        ),
        encoding="utf-8",
    )
    forms = tmp_path / "forms"
    result = CliRunner(env={"MAILBOT_CONFIG": str(tmp_path / "none.toml")}).invoke(
        main,
        [
            *("forms", "learn", str(sample), "--name", "Handover sheet", "--facts", str(facts_file)),
            *("--forms-dir", str(forms), "--kind", "plan"),
        ],
    )
    assert result.exit_code == 0, result.output
    stored = json.loads((forms / "handover-sheet.json").read_text(encoding="utf-8"))
    assert stored["name"] == "Handover sheet"
    assert len(stored["facts"]) == len(stated(copy))
    assert copy.lead[0] not in json.dumps(stored)  # labels and places only, never a value
    facts = extract_facts(content_of(docx_copy(later), "later.docx"), load_vocabulary(None, forms), SCHEME)
    assert as_read(facts) | {} == {**as_read(facts), **stated(later)}
    assert facts.kind == "plan"


def test_forms_learn_prompts_for_each_fact(tmp_path: Path) -> None:
    """At the prompt, Enter keeps what the reader found and a typed value corrects it."""
    copy = a_copy(random.Random("prompt"), 3)  # one child
    sample = tmp_path / "sample.docx"
    sample.write_bytes(docx_copy(copy))
    answers = {**{path: str(value) for path, value in stated(copy).items()}}
    answers["children[0].date_of_birth"] = copy.children[0][1].strftime("%d/%m/%Y")
    answers["consent.given"] = "yes" if copy.consent else "no"
    from mailbot.extract import extract_facts as read_facts

    (content,) = read_file(InputFile("sample.docx", DOCX, sample.read_bytes()), DocumentLimits())
    flat = learn_form.flatten(read_facts(content, load_vocabulary(), SCHEME), learn_form.SPARE_CHILDREN)
    lines = [answers.get(path, "-") for path in flat]
    result = CliRunner(env={"MAILBOT_CONFIG": str(tmp_path / "none.toml")}).invoke(
        main,
        ["forms", "learn", str(sample), "--forms-dir", str(tmp_path)],
        input="\n".join(lines) + "\n",
    )
    assert result.exit_code == 0, result.output
    stored = json.loads((tmp_path / "sample.json").read_text(encoding="utf-8"))
    assert {fact["path"] for fact in stored["facts"]} == set(stated(copy))
