"""How well the document reader generalises: field accuracy on a held-out corpus it was never tuned on.

tests/fixtures/holdout/ holds step-down paperwork in layouts unlike the training corpus (other councils'
label wording, header tables, Signs of Safety and "My Plan" plans, TAF minutes with attendees, consent
forms with Yes/No written several ways, prose letters, a health visitor's PDF, family tables with the
date of birth first). Each file is read in-process through ``read_and_extract`` and compared leaf by
leaf with the ground truth its generator wrote (``<file>.expected.json``; regenerate with
``tests/fixtures/holdout/make_holdout.py``). The test prints every mismatch and fails when a field the
document is silent on was filled in (a wrong value is worse than a chase-up) or accuracy is below 90%.
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

HOLDOUT = Path(__file__).resolve().parents[1] / "fixtures" / "holdout"
MIN_DOCUMENTS = 30
MIN_ACCURACY = 0.90

SCALARS = ("kind", "urn", "level_of_need", "work_requested", "meeting_date")
CHILD_FIELDS = ("name", "date_of_birth", "lcs_id", "postcode")
LP_FIELDS = ("name", "role", "agency", "email", "phone")
CONSENT_FIELDS = ("given", "date", "signed_by")

#: (file, field path, expected, actual, expected was silent)
Mismatch = tuple[str, str, Any, Any, bool]


def same_form(path: str, value: Any) -> Any:
    """The form a field is compared in: case and spacing never matter, phones by digits, postcodes unspaced."""
    if value is None or isinstance(value, bool | int):
        return value
    text = re.sub(r"\s+", " ", str(value)).strip()
    if not text:
        return None
    leaf = path.rsplit(".", 1)[-1]
    if leaf == "phone":
        return re.sub(r"\D", "", text)
    if leaf == "postcode":
        return text.replace(" ", "").upper()
    if leaf == "work_requested":
        return text.rstrip(".;, ").casefold()
    return text.casefold()


@dataclass
class Tally:
    """Fields compared and right; each mismatch with whether the document was silent on that field."""

    total: int = 0
    right: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def filled_where_silent(self) -> list[Mismatch]:
        return [m for m in self.mismatches if m[4]]

    def compare(self, doc: str, path: str, expected: Any, actual: Any) -> None:
        self.total += 1
        want, got = same_form(path, expected), same_form(path, actual)
        if want == got:
            self.right += 1
        else:
            self.mismatches.append((doc, path, expected, actual, want is None))

    def extra(self, doc: str, path: str, actual: Any) -> None:
        """Something the document does not hold at all (another child, an LP) was reported."""
        self.total += 1
        self.mismatches.append((doc, path, None, actual, True))


def score(tally: Tally, expected: dict[str, Any], actual: dict[str, Any] | None) -> None:
    """Add one document's fields to ``tally``; ``actual`` None means the reader returned no such document."""
    doc = expected["file"]
    got = actual or {}
    for name in SCALARS:
        tally.compare(doc, name, expected.get(name), got.get(name))
    want_children, got_children = expected["children"], got.get("children", [])
    for i, child in enumerate(want_children):
        other = got_children[i] if i < len(got_children) else {}
        for name in CHILD_FIELDS:
            tally.compare(doc, f"children[{i}].{name}", child.get(name), other.get(name))
    for i in range(len(want_children), len(got_children)):
        tally.extra(doc, f"children[{i}]", got_children[i])
    want_lp, got_lp = expected["lead_professional"], got.get("lead_professional")
    if want_lp is None:
        if got_lp is None or all(same_form(k, v) is None for k, v in got_lp.items()):
            tally.compare(doc, "lead_professional", None, None)
        else:
            tally.extra(doc, "lead_professional", got_lp)
    else:
        for name in LP_FIELDS:
            tally.compare(doc, f"lead_professional.{name}", want_lp.get(name), (got_lp or {}).get(name))
    want_consent, got_consent = expected["consent"], got.get("consent") or {}
    for name in CONSENT_FIELDS:
        tally.compare(doc, f"consent.{name}", want_consent.get(name), got_consent.get(name))
    want_codes = sorted({p["code"] for p in expected["problems"]})
    got_codes = sorted({p["code"] for p in got.get("problems", [])})
    tally.total += 1
    if actual is not None and want_codes == got_codes:
        tally.right += 1
    else:
        # A problem reported on a document that has none counts as filled where silent.
        tally.mismatches.append((doc, "problems", want_codes, got_codes, not want_codes))


def score_file(tally: Tally, expected: dict[str, Any], actual: list[dict[str, Any]]) -> None:
    """Every holdout file is one document; anything more the reader returned is reported where silent."""
    score(tally, expected, actual[0] if actual else None)
    for facts in actual[1:]:
        tally.extra(expected["file"], "(document not expected)", facts.get("file"))


def holdout_files() -> list[Path]:
    return sorted(p for p in HOLDOUT.iterdir() if (HOLDOUT / f"{p.name}.expected.json").exists())


@functools.cache
def _vocabulary() -> FieldVocabulary:
    return load_vocabulary()


def read(path: Path) -> list[dict[str, Any]]:
    """What ``mailbot read-document`` would print for ``path``, as JSON dicts."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    facts = read_and_extract(
        InputFile(path.name, content_type, path.read_bytes()), DocumentLimits(), _vocabulary(), UrnScheme()
    )
    return [f.to_json() for f in facts]


def expected_for(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((HOLDOUT / f"{path.name}.expected.json").read_text(encoding="utf-8"))
    return loaded


def _cell(value: Any, width: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def mismatch_table(tally: Tally, documents: int) -> str:
    lines = [f"{'file':24} {'field':28} {'expected':40} got"]
    for doc, path, want, got, silent in tally.mismatches:
        flag = "   <- FILLED WHERE SILENT" if silent else ""
        lines.append(f"{doc:24} {path:28} {_cell(want, 40):40} {_cell(got, 70)}{flag}")
    lines.append(
        f"{documents} files, {tally.total} fields, {tally.right} right: accuracy {tally.accuracy:.2%}; "
        f"filled where silent: {len(tally.filled_where_silent)}"
    )
    return "\n".join(lines)


def test_scorer_flags_wrong_values_and_values_where_silent() -> None:
    truth: dict[str, Any] = {
        "file": "x.docx",
        "kind": "plan",
        "urn": None,
        "children": [
            {"name": "Isla Marsh", "date_of_birth": "2014-03-14", "lcs_id": None, "postcode": "HU9 2LB"}
        ],
        "lead_professional": None,
        "consent": {"given": None, "date": None, "signed_by": None},
        "level_of_need": 2,
        "work_requested": None,
        "meeting_date": None,
        "problems": [],
    }
    tally = Tally()
    score_file(tally, truth, [dict(truth, children=[dict(truth["children"][0], postcode="hu92lb")])])
    assert (tally.accuracy, tally.mismatches) == (1.0, [])
    wrong = dict(
        truth,
        level_of_need=3,
        meeting_date="2024-05-01",
        lead_professional={"name": "Kerry Marsh", "role": None, "agency": None, "email": None, "phone": None},
        children=truth["children"] + [{"name": "Kerry Marsh"}],
    )
    tally = Tally()
    score_file(tally, truth, [wrong])
    assert [m[1] for m in tally.mismatches] == [
        "level_of_need",
        "meeting_date",
        "children[1]",
        "lead_professional",
    ]
    assert [m[1] for m in tally.filled_where_silent] == ["meeting_date", "children[1]", "lead_professional"]
    tally = Tally()
    score_file(tally, truth, [])
    assert tally.right < tally.total


def test_holdout_is_large_and_varied() -> None:
    files = holdout_files()
    assert len(files) >= MIN_DOCUMENTS, "regenerate with tests/fixtures/holdout/make_holdout.py"
    layouts = {re.sub(r"-\d+$", "", p.stem) for p in files}
    assert len(layouts) >= 10


@pytest.mark.slow
def test_holdout_field_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    files = holdout_files()
    assert len(files) >= MIN_DOCUMENTS
    tally = Tally()
    for path in files:
        score_file(tally, expected_for(path), read(path))
    with capsys.disabled():
        print("\n" + mismatch_table(tally, len(files)))
    silent = "\n".join(f"{m[0]}: {m[1]} = {_cell(m[3], 80)}" for m in tally.filled_where_silent)
    assert not tally.filled_where_silent, f"fields the documents are silent on were filled:\n{silent}"
    assert tally.accuracy >= MIN_ACCURACY, f"accuracy {tally.accuracy:.2%} < {MIN_ACCURACY:.0%} (table above)"
