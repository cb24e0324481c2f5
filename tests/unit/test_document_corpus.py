"""Field-level accuracy of the document reader and extractor over the generated corpus.

Every file in tests/fixtures/documents/ is read through ``read_and_extract`` (default limits, packaged
vocabulary) and compared leaf by leaf with the ground truth the generator wrote beside it
(``<file>.expected.json``; regenerate with ``tests/fixtures/make_documents.py``). The test fails when
fewer than 98% of the expected leaves are read exactly right, or when any field the document is silent
on (expected null) was filled in: a wrong value is worse than a chase-up. Scoring: tests/support/corpus_scoring.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus_scoring import Score, corpus_files, report, score_corpus, score_file, silent_report

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
MIN_DOCUMENTS = 60
MIN_ACCURACY = 0.98


def test_scorer_counts_a_wrong_value_and_a_value_where_silent() -> None:
    expected = {
        "file": "a.docx",
        "kind": "assessment",
        "urn": None,
        "level_of_need": 2,
        "work_requested": None,
        "meeting_date": None,
        "children": [
            {"name": "Ava Clegg", "date_of_birth": "2015-04-03", "lcs_id": "1234567", "postcode": None}
        ],
        "lead_professional": None,
        "consent": {"given": True, "date": None, "signed_by": None},
        "problems": [],
    }
    score = Score()
    score_file(score, [expected], [dict(expected, file="a.docx")])
    assert score.accuracy == 1.0
    wrong = dict(
        expected,
        urn="LAN-004217-K",
        level_of_need=3,
        lead_professional={"name": "", "role": None, "agency": None, "email": None, "phone": None},
    )
    score = Score()
    score_file(score, [expected], [wrong])
    assert [m[1] for m in score.mismatches] == ["urn", "level_of_need"]
    assert [m[1] for m in score.wrong_where_silent] == ["urn"]
    score = Score()
    score_file(score, [expected], [])
    assert score.right < score.total


def test_corpus_is_large_enough() -> None:
    assert len(corpus_files(CORPUS)) >= MIN_DOCUMENTS, "regenerate with tests/fixtures/make_documents.py"


@pytest.mark.slow
def test_corpus_field_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files(CORPUS)
    assert len(files) >= MIN_DOCUMENTS
    score = score_corpus(files)
    with capsys.disabled():
        print("\n" + report(score, len(files)))
    assert not score.wrong_where_silent, (
        f"fields the documents are silent on were filled:\n{silent_report(score)}"
    )
    assert score.accuracy >= MIN_ACCURACY, f"accuracy {score.accuracy:.2%} < {MIN_ACCURACY:.0%} (table above)"
