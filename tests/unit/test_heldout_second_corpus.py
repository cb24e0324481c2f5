"""The second independent corpus (issue 10) is well formed; its scores are in
``test_regression_corpus_heldout_second.py`` (a regression set since it was scored at first contact).

These tests only guard its shape: the truth lists exactly the committed documents in the format
``tests/support/corpus_scoring.py`` reads, every stated URN is valid in the configured scheme, every
date is plausible, every phone number is in Ofcom's drama ranges, the corpus stays small, and
``truth.json`` is exactly what ``make.py`` writes (nobody edited it by hand).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any, get_args

from mailbot.domain.facts import PROBLEM_CODES, DocumentKind
from mailbot.domain.urn import UrnScheme

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "heldout_second"
DRAMA_PREFIXES = ("01632960", "07700900", "01134960", "01614960", "02079460")


def _truth() -> list[dict[str, Any]]:
    return json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def test_truth_lists_every_document_and_nothing_else() -> None:
    names = [entry["file"] for entry in _truth()]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(p.name for p in (CORPUS / "documents").iterdir())


def test_entries_have_the_format_the_scorer_reads() -> None:
    for entry in _truth():
        assert entry["kind"] in get_args(DocumentKind), entry["file"]
        assert set(entry["consent"]) == {"given", "date", "signed_by"}
        assert entry["consent"]["given"] in (True, False, None)
        for child in entry["children"]:
            assert set(child) == {"name", "date_of_birth", "lcs_id", "postcode"}
        lead = entry["lead_professional"]
        assert lead is None or set(lead) == {"name", "role", "agency", "email", "phone"}
        assert all(problem["code"] in PROBLEM_CODES for problem in entry["problems"])
        assert entry["level_of_need"] in (None, 1, 2, 3, 4)
        for text in (entry["meeting_date"], entry["consent"]["date"], entry["document_date"]):
            _day(text)  # raises on anything but an ISO date or null


def test_urns_are_valid_in_the_configured_scheme() -> None:
    scheme = UrnScheme()
    stated = [entry["urn"] for entry in _truth() if entry["urn"]]
    assert stated
    assert all(scheme.is_valid(urn) for urn in stated)


def test_children_are_children_on_the_document_date() -> None:
    for entry in _truth():
        written = _day(entry["document_date"]) or _day(entry["meeting_date"])
        for child in entry["children"]:
            born = _day(child["date_of_birth"])
            if born and written:
                assert written - timedelta(days=18 * 366) < born < written, entry["file"]


def test_every_phone_number_is_in_the_ofcom_drama_ranges() -> None:
    phones = [(entry["lead_professional"] or {}).get("phone") for entry in _truth()]
    digits = [re.sub(r"\D", "", phone) for phone in phones if phone]
    assert digits
    assert all(d.startswith(DRAMA_PREFIXES) and len(d) == 11 for d in digits)


def test_at_least_twelve_layouts_of_three_documents_each() -> None:
    layouts = Counter(entry["layout"] for entry in _truth())
    assert len(layouts) >= 12
    assert min(layouts.values()) >= 3


def test_the_committed_corpus_stays_small() -> None:
    size = (
        sum(p.stat().st_size for p in (CORPUS / "documents").iterdir())
        + (CORPUS / "truth.json").stat().st_size
    )
    assert size < 2_000_000


def test_truth_is_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(CORPUS / "make.py"), "--truth-only", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "truth.json").read_bytes() == (CORPUS / "truth.json").read_bytes()
