"""Blind generalisation measurement: field accuracy on a corpus written without looking at the reader.

tests/fixtures/blind/ (regenerate with ``tests/fixtures/blind/make_blind.py``) copies the structure and
label wording of other councils' and agencies' forms. Each file goes through ``read_and_extract`` in this
process and every leaf field of ``DocumentFacts.to_json()`` (nulls included; problems as a set of codes;
provenance and confidence ignored) is compared with its ``<file>.expected.json``. The test prints the
mismatch table and fails when a field the document is silent on was filled, or accuracy is below 85%.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mailbot.documents.content import DocumentLimits, InputFile
from mailbot.documents.pool import read_and_extract
from mailbot.extract import FieldVocabulary, load_vocabulary
from mailbot.urn import UrnScheme

BLIND = Path(__file__).resolve().parents[1] / "fixtures" / "blind"
MIN_DOCUMENTS = 30
MIN_LAYOUTS = 10
MIN_ACCURACY = 0.85

SCALARS = ("kind", "urn", "level_of_need", "work_requested", "meeting_date")
LISTS = {
    "children": ("name", "date_of_birth", "lcs_id", "postcode"),
}
LP_FIELDS = ("name", "role", "agency", "email", "phone")
CONSENT_FIELDS = ("given", "date", "signed_by")


@dataclass(frozen=True)
class Miss:
    """One field the reader got wrong; ``silent`` when the document holds nothing for it."""

    file: str
    path: str
    expected: Any
    got: Any
    silent: bool


@dataclass
class Score:
    """Running totals over the corpus."""

    fields: int = 0
    right: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.fields if self.fields else 0.0

    @property
    def filled_where_silent(self) -> list[Miss]:
        return [m for m in self.misses if m.silent]

    def field(self, file: str, path: str, expected: Any, got: Any) -> None:
        self.fields += 1
        want, have = comparable(path, expected), comparable(path, got)
        if want == have:
            self.right += 1
        else:
            self.misses.append(Miss(file, path, expected, got, want is None))

    def spurious(self, file: str, path: str, got: Any) -> None:
        """The reader reported something (a child, an LP, a document) the file does not hold."""
        self.fields += 1
        self.misses.append(Miss(file, path, None, got, True))


def comparable(path: str, value: Any) -> Any:
    """Normalise a leaf for comparison: case/spacing ignored, phones by digits, postcodes unspaced.

    Returns None for a missing or blank value so that "" and null compare equal.
    """
    if value is None or isinstance(value, bool | int):
        return value
    text = " ".join(str(value).split())
    if not text:
        return None
    leaf = path.rsplit(".", 1)[-1]
    if leaf == "phone":
        return re.sub(r"\D", "", text)
    if leaf == "postcode":
        return text.replace(" ", "").upper()
    if leaf == "work_requested":
        return text.rstrip(" .;,").casefold()
    return text.casefold()


def score_document(score: Score, expected: dict[str, Any], actual: dict[str, Any] | None) -> None:
    """Compare every leaf of one document; ``actual`` None means the reader returned nothing for it."""
    file = expected["file"]
    got = actual or {}
    for name in SCALARS:
        score.field(file, name, expected[name], got.get(name))
    for list_name, leaves in LISTS.items():
        want_items, got_items = expected[list_name], got.get(list_name) or []
        for i, item in enumerate(want_items):
            other = got_items[i] if i < len(got_items) else {}
            for leaf in leaves:
                score.field(file, f"{list_name}[{i}].{leaf}", item[leaf], other.get(leaf))
        for i in range(len(want_items), len(got_items)):
            score.spurious(file, f"{list_name}[{i}]", got_items[i])
    want_lp, got_lp = expected["lead_professional"], got.get("lead_professional")
    if want_lp is None:
        if got_lp and any(comparable(k, v) is not None for k, v in got_lp.items()):
            score.spurious(file, "lead_professional", got_lp)
        else:
            score.field(file, "lead_professional", None, None)
    else:
        for leaf in LP_FIELDS:
            score.field(file, f"lead_professional.{leaf}", want_lp[leaf], (got_lp or {}).get(leaf))
    got_consent = got.get("consent") or {}
    for leaf in CONSENT_FIELDS:
        score.field(file, f"consent.{leaf}", expected["consent"][leaf], got_consent.get(leaf))
    want_codes = sorted({p["code"] for p in expected["problems"]})
    got_codes = sorted({p["code"] for p in got.get("problems", [])})
    score.fields += 1
    if actual is not None and want_codes == got_codes:
        score.right += 1
    else:
        score.misses.append(Miss(file, "problems", want_codes, got_codes, not want_codes))


def score_file(score: Score, expected: dict[str, Any], actual: list[dict[str, Any]]) -> None:
    """Every blind file is one document; extra documents the reader returned count as filled where silent."""
    score_document(score, expected, actual[0] if actual else None)
    for extra in actual[1:]:
        score.spurious(expected["file"], "(extra document)", extra.get("file"))


def blind_files() -> list[Path]:
    return sorted(p for p in BLIND.iterdir() if (BLIND / f"{p.name}.expected.json").is_file())


@functools.cache
def vocabulary() -> FieldVocabulary:
    return load_vocabulary()


def read(path: Path) -> list[dict[str, Any]]:
    """The facts ``mailbot read-document`` would print for ``path``."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    attachment = InputFile(path.name, content_type, path.read_bytes())
    return [f.to_json() for f in read_and_extract(attachment, DocumentLimits(), vocabulary(), UrnScheme())]


def expected_for(path: Path) -> dict[str, Any]:
    truth: dict[str, Any] = json.loads((BLIND / f"{path.name}.expected.json").read_text(encoding="utf-8"))
    return truth


def shown(value: Any, width: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def report(score: Score, documents: int) -> str:
    lines = [f"{'file':26} {'field':28} {'expected':42} got"]
    for m in score.misses:
        flag = "   <- FILLED WHERE SILENT" if m.silent else ""
        lines.append(f"{m.file:26} {m.path:28} {shown(m.expected, 42):42} {shown(m.got, 70)}{flag}")
    lines.append(
        f"{documents} files, {score.fields} fields, {score.right} right: accuracy {score.accuracy:.2%}; "
        f"filled where silent: {len(score.filled_where_silent)}"
    )
    return "\n".join(lines)


def test_scorer_catches_wrong_and_invented_values() -> None:
    truth: dict[str, Any] = {
        "file": "a.docx",
        "kind": "plan",
        "urn": None,
        "children": [
            {"name": "Esme Treloar", "date_of_birth": "2015-06-02", "lcs_id": None, "postcode": "TR1 2HE"}
        ],
        "lead_professional": None,
        "consent": {"given": True, "date": None, "signed_by": None},
        "level_of_need": None,
        "work_requested": "Parenting support",
        "meeting_date": None,
        "problems": [{"code": "invalid_urn", "detail": "LAN-000001-Q"}],
    }
    same = dict(
        truth, children=[dict(truth["children"][0], postcode="tr12he")], work_requested="parenting support."
    )
    score = Score()
    score_file(score, truth, [same])
    assert (score.accuracy, score.misses) == (1.0, [])
    wrong = dict(
        truth,
        kind="assessment",
        urn="LAN-000001-Q",
        children=truth["children"] + [{"name": "Kerry Treloar"}],
        lead_professional={
            "name": "Owen Tregear",
            "role": None,
            "agency": None,
            "email": None,
            "phone": None,
        },
        problems=[],
    )
    score = Score()
    score_file(score, truth, [wrong, wrong])
    assert [m.path for m in score.misses] == [
        "kind",
        "urn",
        "children[1]",
        "lead_professional",
        "problems",
        "(extra document)",
    ]
    assert [m.path for m in score.filled_where_silent] == [
        "urn",
        "children[1]",
        "lead_professional",
        "(extra document)",
    ]
    score = Score()
    score_file(score, truth, [])
    assert score.right < score.fields


def test_blind_corpus_is_large_and_varied() -> None:
    files = blind_files()
    assert len(files) >= MIN_DOCUMENTS, "regenerate with tests/fixtures/blind/make_blind.py"
    assert len({re.sub(r"-\d+$", "", p.stem) for p in files}) >= MIN_LAYOUTS
    assert {p.suffix for p in files} >= {".docx", ".pdf"}


@pytest.mark.slow
def test_blind_field_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    files = blind_files()
    assert len(files) >= MIN_DOCUMENTS
    score = Score()
    for path in files:
        score_file(score, expected_for(path), read(path))
    with capsys.disabled():
        print("\n" + report(score, len(files)))
    silent = "\n".join(f"{m.file}: {m.path} = {shown(m.got, 80)}" for m in score.filled_where_silent)
    assert not score.filled_where_silent, f"fields the documents are silent on were filled:\n{silent}"
    assert score.accuracy >= MIN_ACCURACY, f"accuracy {score.accuracy:.2%} < {MIN_ACCURACY:.0%} (table above)"
