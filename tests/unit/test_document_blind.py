"""Blind generalisation measurement: field accuracy on a corpus written without looking at the reader.

tests/fixtures/blind/ (regenerate with ``tests/fixtures/blind/make_blind.py``) copies the structure and
label wording of other councils' and agencies' forms. Each file goes through ``read_and_extract`` in this
process and every leaf field of ``DocumentFacts.to_json()`` (nulls included; problems as a set of codes;
provenance and confidence ignored) is compared with its ``<file>.expected.json``. The test prints the
mismatch table and fails when a field the document is silent on was filled, or accuracy is below 85%.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.corpus_scoring import corpus_files, report, score_corpus, silent_report

BLIND = Path(__file__).resolve().parents[1] / "fixtures" / "blind"
MIN_DOCUMENTS = 30
MIN_LAYOUTS = 10
MIN_ACCURACY = 0.85


def test_blind_is_large_and_varied() -> None:
    files = corpus_files(BLIND)
    assert len(files) >= MIN_DOCUMENTS, "regenerate with tests/fixtures/blind/make_blind.py"
    assert len({re.sub(r"-\d+$", "", p.stem) for p in files}) >= MIN_LAYOUTS
    assert {p.suffix for p in files} >= {".docx", ".pdf"}


@pytest.mark.slow
def test_blind_field_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files(BLIND)
    assert len(files) >= MIN_DOCUMENTS
    score = score_corpus(files)
    with capsys.disabled():
        print("\n" + report(score, len(files)))
    assert not score.wrong_where_silent, (
        f"fields the documents are silent on were filled:\n{silent_report(score)}"
    )
    assert score.accuracy >= MIN_ACCURACY, f"accuracy {score.accuracy:.2%} < {MIN_ACCURACY:.0%} (table above)"
