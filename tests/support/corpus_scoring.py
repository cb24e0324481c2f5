"""Scoring the document reader against a corpus of files with ground-truth ``<file>.expected.json``.

Shared by the generated corpus, the held-out set and the blind set (tests/unit/test_document_*.py), so
all three are measured by one rule: every leaf field counts, nulls included; a value where the
expectation is null is "filled where silent"; problems compare as sets of codes; containers pair
their inner documents by name. Provenance and confidence are not compared.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailbot.domain.content import DocumentLimits, InputFile
from mailbot.domain.urn import UrnScheme
from mailbot.extract import load_vocabulary
from mailbot.service.reader_pool import read_and_extract

CHILD_FIELDS = ("name", "date_of_birth", "lcs_id", "postcode")
LP_FIELDS = ("name", "role", "agency", "email", "phone")
CONSENT_FIELDS = ("given", "date", "signed_by")
SCALAR_FIELDS = ("file", "kind", "urn", "level_of_need", "work_requested", "meeting_date")


def normalise(path: str, value: Any) -> Any:
    """The form two values are compared in: what a person would call "the same" for this field.

    Whitespace and case never matter; phones compare by digits (01632 960123 = 01632960123), postcodes
    without spaces, free text without trailing punctuation. Dates are ISO strings already.
    """
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
class Score:
    """Leaves compared, leaves right, and the mismatches (path, expected, actual, silent)."""

    total: int = 0
    right: int = 0
    mismatches: list[tuple[str, str, Any, Any, bool]] = field(default_factory=list)

    @property
    def wrong_where_silent(self) -> list[tuple[str, str, Any, Any, bool]]:
        return [m for m in self.mismatches if m[4]]

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def leaf(self, doc: str, path: str, expected: Any, actual: Any) -> None:
        self.total += 1
        if normalise(path, expected) == normalise(path, actual):
            self.right += 1
        else:
            silent = normalise(path, expected) is None
            self.mismatches.append((doc, path, expected, actual, silent))

    def silent_filled(self, doc: str, path: str, actual: Any) -> None:
        """Something the document does not hold at all (an extra child, an extra document) was reported."""
        self.total += 1
        self.mismatches.append((doc, path, None, actual, True))


def _empty_lp(lp: dict[str, Any] | None) -> bool:
    return lp is None or all(normalise(k, v) is None for k, v in lp.items())


def score_document(score: Score, expected: dict[str, Any], actual: dict[str, Any] | None) -> None:
    """Add one document's leaves to ``score``; ``actual`` None means the reader gave no such document."""
    doc = expected["file"]
    got = actual or {}
    for name in SCALAR_FIELDS:
        score.leaf(doc, name, expected.get(name), got.get(name))
    exp_children = expected.get("children", [])
    got_children = got.get("children", [])
    for i, child in enumerate(exp_children):
        other = got_children[i] if i < len(got_children) else {}
        for name in CHILD_FIELDS:
            score.leaf(doc, f"children[{i}].{name}", child.get(name), other.get(name))
    for i in range(len(exp_children), len(got_children)):
        score.silent_filled(doc, f"children[{i}]", got_children[i])
    exp_lp, got_lp = expected.get("lead_professional"), got.get("lead_professional")
    if exp_lp is None:
        if _empty_lp(got_lp):
            score.leaf(doc, "lead_professional", None, None)
        else:
            score.silent_filled(doc, "lead_professional", got_lp)
    else:
        for name in LP_FIELDS:
            score.leaf(doc, f"lead_professional.{name}", exp_lp.get(name), (got_lp or {}).get(name))
    exp_consent, got_consent = expected.get("consent") or {}, got.get("consent") or {}
    for name in CONSENT_FIELDS:
        score.leaf(doc, f"consent.{name}", exp_consent.get(name), got_consent.get(name))
    exp_codes = sorted({p["code"] for p in expected.get("problems", [])})
    got_codes = sorted({p["code"] for p in got.get("problems", [])}) if actual is not None else None
    score.total += 1
    if exp_codes == got_codes:
        score.right += 1
    else:
        score.mismatches.append((doc, "problems", exp_codes, got_codes, False))


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
            score.silent_filled(facts["file"], "(document not expected)", facts["kind"])


def corpus_files(folder: Path) -> list[Path]:
    """Every file in ``folder`` that has its ``<file>.expected.json`` beside it."""
    return sorted(p for p in folder.glob("*") if (p.parent / f"{p.name}.expected.json").exists())


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


def expected_for(path: Path) -> list[dict[str, Any]]:
    loaded = json.loads((path.parent / f"{path.name}.expected.json").read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, list) else [loaded]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def score_corpus(files: list[Path]) -> Score:
    """Read every file and score it against its expectations."""
    score = Score()
    for path in files:
        score_file(score, expected_for(path), read_document(path))
    return score


def silent_report(score: Score) -> str:
    return "\n".join(f"{m[0]}: {m[1]} = {_short(m[3])}" for m in score.wrong_where_silent)


def report(score: Score, documents: int) -> str:
    lines = [f"{'document':42} {'field':30} {'expected':32} actual"]
    for doc, path, expected, actual, silent in score.mismatches:
        flag = "  <- filled where silent" if silent else ""
        lines.append(f"{doc[:42]:42} {path[:30]:30} {_short(expected)[:32]:32} {_short(actual)}{flag}")
    lines.append(
        f"{documents} files, {score.total} fields, {score.right} right: accuracy {score.accuracy:.2%}; "
        f"wrong where silent: {len(score.wrong_where_silent)}"
    )
    return "\n".join(lines)
