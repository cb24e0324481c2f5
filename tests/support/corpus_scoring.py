"""Scoring the document reader against corpora of files with ground truth: recall, precision, silence.

A corpus is a folder of documents with either a ``<file>.expected.json`` beside each one (the generated
corpus and the regression sets) or one ``truth.json`` listing every file (the independent held-out set).
Every fact of ``DocumentFacts.to_json()`` is a leaf (a child's name, the lead professional's phone,
consent given...), and each leaf falls in one of two groups, scored apart so an empty answer never
counts as a right one (issue 10, "Measure honestly first"):

- **stated** (the ground truth holds a value): *recall* = right / stated (facts read, of facts the
  documents state) and *precision* = right / found (right, of the stated facts the reader gave a value
  for). A stated fact read differently is *wrong*; one left empty is *missed*.
- **silent** (the ground truth holds null): *silent* = left empty / silent leaves. A value here is
  *filled where silent*, and counts against this figure only.

Comparison is what a person would call "the same": case and whitespace never matter; phones by digits,
postcodes without spaces; "SURNAME, Forename" is "Forename SURNAME"; a work request may carry its
sentence around it (or be cut to most of itself). ``kind`` "other" is the reader's "don't know", so it
counts as silent. Children pair by name, then date of birth, then LCS id, then order; a child the
document does not hold is one silent leaf filled. Provenance and confidence are not compared. An
``uncertain`` problem is the reader's "I could not choose" (the field it names is left empty and scored
as missed), so, like kind "other", it says nothing and is not compared as a problem.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from mailbot.domain.content import DocumentLimits, InputFile
from mailbot.domain.urn import UrnScheme
from mailbot.extract import load_vocabulary
from mailbot.service.reader_pool import read_and_extract

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: Corpora the reader was tuned on (their label wording is in the vocabulary): they catch regressions.
REGRESSION_SETS = {
    "generated": FIXTURES / "documents",
    "holdout": FIXTURES / "holdout",
    "blind": FIXTURES / "blind",
    "blind2": FIXTURES / "blind2",
    "blind3": FIXTURES / "blind3",
    # Independent at first contact (2026-11-25, figures in benchmarks/README.md), tuned on since.
    "heldout_independent": FIXTURES / "heldout_independent",
    # Independent at first contact (2026-11-25, second session: 52.7% / 96.4%), tuned on since.
    "heldout_second": FIXTURES / "heldout_second",
}
#: Corpora written independently of the reader and not yet tuned on: scored here before any tuning
#: (first-contact figures in benchmarks/README.md). Move a set to REGRESSION_SETS once it is tuned on.
HELD_OUT_SETS: dict[str, Path] = {}

SCALAR_FIELDS = ("kind", "urn", "level_of_need", "work_requested", "meeting_date")
CHILD_FIELDS = ("name", "date_of_birth", "lcs_id", "postcode")
LP_FIELDS = ("name", "role", "agency", "email", "phone")
CONSENT_FIELDS = ("given", "date", "signed_by")
_NAME_LEAVES = {"name", "signed_by"}


def normalise(path: str, value: Any) -> Any:
    """The form a value is compared in; None when it says nothing (null, blank, kind "other", no problems)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, list):
        return ",".join(sorted(value)) or None
    text = re.sub(r"\s+", " ", str(value)).strip()
    leaf = path.rsplit(".", 1)[-1]
    if not text or (leaf == "kind" and text == "other"):
        return None
    if leaf == "phone":
        return re.sub(r"\D", "", text) or None
    if leaf == "postcode":
        return text.replace(" ", "").upper()
    if leaf == "work_requested":
        return text.rstrip(".;, ").casefold()
    if leaf in _NAME_LEAVES and text.count(",") == 1:
        surname, forename = (part.strip() for part in text.split(","))
        text = f"{forename} {surname}"
    return text.casefold()


def same(path: str, expected: Any, actual: Any) -> bool:
    """Whether two normalised, non-null values are the same fact."""
    if expected == actual:
        return True
    if path.endswith("work_requested") and isinstance(expected, str) and isinstance(actual, str):
        around = expected in actual and len(actual) <= 2 * len(expected) + 40
        most = actual in expected and len(actual) >= 0.6 * len(expected)
        return around or most
    return False


class Mismatch(NamedTuple):
    doc: str
    path: str
    expected: Any
    actual: Any


@dataclass
class Score:
    """Counts for the three figures, and every fact that was missed, wrong or filled where silent."""

    stated: int = 0
    found: int = 0
    right: int = 0
    silent: int = 0
    kept_silent: int = 0
    missed: list[Mismatch] = field(default_factory=list)
    wrong: list[Mismatch] = field(default_factory=list)
    filled: list[Mismatch] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.right / self.stated if self.stated else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def silence(self) -> float:
        return self.kept_silent / self.silent if self.silent else 1.0

    def leaf(self, doc: str, path: str, expected: Any, actual: Any) -> None:
        exp, got = normalise(path, expected), normalise(path, actual)
        if exp is None:
            self.silent += 1
            if got is None:
                self.kept_silent += 1
            else:
                self.filled.append(Mismatch(doc, path, None, actual))
            return
        self.stated += 1
        if got is None:
            self.missed.append(Mismatch(doc, path, expected, actual))
            return
        self.found += 1
        if same(path, exp, got):
            self.right += 1
        else:
            self.wrong.append(Mismatch(doc, path, expected, actual))

    def extra(self, doc: str, path: str, actual: Any) -> None:
        """Something the document does not hold at all (a child, a document) was reported."""
        self.silent += 1
        self.filled.append(Mismatch(doc, path, None, actual))


def _pair_children(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[int | None]:
    """For each expected child, the index of the reader's child that is the same child (or None)."""
    pairs: list[int | None] = [None] * len(expected)
    free = set(range(len(got)))
    for key in ("name", "date_of_birth", "lcs_id"):
        for i, child in enumerate(expected):
            want = normalise(key, child.get(key))
            if pairs[i] is not None or want is None:
                continue
            match = next((j for j in sorted(free) if normalise(key, got[j].get(key)) == want), None)
            if match is not None:
                pairs[i] = match
                free.discard(match)
    for i in range(len(expected)):
        if pairs[i] is None and free:
            pairs[i] = min(free)
            free.discard(pairs[i])
    return pairs


def score_document(score: Score, expected: dict[str, Any], actual: dict[str, Any] | None) -> None:
    """Add one document's leaves to ``score``; ``actual`` None means the reader gave no such document."""
    doc = expected["file"]
    got = actual or {}
    for name in SCALAR_FIELDS:
        score.leaf(doc, name, expected.get(name), got.get(name))
    exp_children, got_children = expected.get("children", []), got.get("children", [])
    pairs = _pair_children(exp_children, got_children)
    for i, (child, j) in enumerate(zip(exp_children, pairs, strict=True)):
        other = got_children[j] if j is not None else {}
        for name in CHILD_FIELDS:
            score.leaf(doc, f"children[{i}].{name}", child.get(name), other.get(name))
    for j in sorted(set(range(len(got_children))) - set(pairs)):
        score.extra(doc, f"children[+{j}]", got_children[j])
    exp_lp, got_lp = expected.get("lead_professional") or {}, got.get("lead_professional") or {}
    for name in LP_FIELDS:
        score.leaf(doc, f"lead_professional.{name}", exp_lp.get(name), got_lp.get(name))
    exp_consent, got_consent = expected.get("consent") or {}, got.get("consent") or {}
    for name in CONSENT_FIELDS:
        score.leaf(doc, f"consent.{name}", exp_consent.get(name), got_consent.get(name))
    exp_codes = [p["code"] for p in expected.get("problems", [])]
    got_codes = [p["code"] for p in got.get("problems", []) if p["code"] != "uncertain"]
    score.leaf(doc, "problems", sorted(set(exp_codes)), sorted(set(got_codes)))


def score_file(score: Score, expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> None:
    """Pair a file's expected documents with what was read, by name (containers give several)."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for facts in actual:
        by_name.setdefault(facts["file"], []).append(facts)
    for exp in expected:
        candidates = by_name.get(exp["file"], [])
        score_document(score, exp, candidates.pop(0) if candidates else None)
    for leftovers in by_name.values():
        for facts in leftovers:
            score.extra(facts["file"], "(document not expected)", facts["kind"])


# --- corpora ------------------------------------------------------------------------------------------


def corpus_files(folder: Path) -> list[Path]:
    """Every document of the corpus in ``folder``, in name order."""
    truth = folder / "truth.json"
    if truth.exists():
        names = [entry["file"] for entry in json.loads(truth.read_text(encoding="utf-8"))]
        return sorted(folder / "documents" / name for name in names)
    return sorted(p for p in folder.glob("*") if (p.parent / f"{p.name}.expected.json").exists())


@functools.cache
def _truth_file(folder: Path) -> dict[str, dict[str, Any]]:
    entries = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return {entry["file"]: entry for entry in entries}


def expected_for(path: Path) -> list[dict[str, Any]]:
    """The ground truth for one document: its ``.expected.json``, or its entry in the corpus's truth.json."""
    beside = path.parent / f"{path.name}.expected.json"
    if beside.exists():
        loaded = json.loads(beside.read_text(encoding="utf-8"))
        return loaded if isinstance(loaded, list) else [loaded]
    return [_truth_file(path.parent.parent)[path.name]]


@functools.cache
def _vocabulary() -> Any:
    return load_vocabulary()


def read_document(path: Path) -> list[dict[str, Any]]:
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    facts = read_and_extract(
        InputFile(path.name, content_type, path.read_bytes()),
        DocumentLimits(),
        _vocabulary(),
        UrnScheme(),
    )
    return [f.to_json() for f in facts]


def score_corpus(files: list[Path]) -> Score:
    """Read every file and score it against its ground truth."""
    score = Score()
    for path in files:
        score_file(score, expected_for(path), read_document(path))
    return score


# --- reports ------------------------------------------------------------------------------------------


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def summary(score: Score) -> str:
    return (
        f"recall {score.recall:.2%} ({score.right}/{score.stated} stated facts read), "
        f"precision {score.precision:.2%} ({len(score.wrong)} wrong of {score.found} found), "
        f"silent {score.silence:.2%} ({len(score.filled)} filled of {score.silent} silent)"
    )


def report(score: Score, documents: int) -> str:
    """Every wrong, filled and missed fact, then the three figures."""
    lines = [f"{'':7} {'document':24} {'field':30} {'expected':32} actual"]
    for label, rows in (("WRONG", score.wrong), ("FILLED", score.filled), ("missed", score.missed)):
        for doc, path, expected, actual in rows:
            lines.append(
                f"{label:7} {doc[:24]:24} {path[:30]:30} {_short(expected)[:32]:32} {_short(actual)}"
            )
    lines.append(f"{documents} files: {summary(score)}")
    return "\n".join(lines)


def problems_report(rows: list[Mismatch]) -> str:
    return "\n".join(
        f"{m.doc}: {m.path} expected {_short(m.expected)}, read {_short(m.actual)}" for m in rows
    )


@dataclass(frozen=True)
class Bars:
    """The least a corpus must score: each figure's bar sits just under what it scored when it was set."""

    recall: float
    precision: float
    silent: float


def shortfalls(score: Score, bars: Bars) -> list[str]:
    """Each figure under its bar, said with the facts that pulled it down (empty when all are met)."""
    out = []
    if score.recall < bars.recall:
        out.append(f"recall {score.recall:.2%} < {bars.recall:.1%}; missed:\n{problems_report(score.missed)}")
    if score.precision < bars.precision:
        out.append(
            f"precision {score.precision:.2%} < {bars.precision:.1%}; wrong:\n{problems_report(score.wrong)}"
        )
    if score.silence < bars.silent:
        out.append(
            f"silent {score.silence:.2%} < {bars.silent:.1%}; filled:\n{problems_report(score.filled)}"
        )
    return out
