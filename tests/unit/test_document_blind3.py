"""Accuracy of the document reader on a third blind corpus: referral forms and family plans.

tests/fixtures/blind3/ holds 24 documents in 8 layouts copied (structure and label wording only, all
personal data invented) from forms the other corpora never used: MARAC domestic-abuse referrals (a
victim, an alleged perpetrator and a referrer beside the children), school nursing requests, a
Barnardo's referral, Bradford family plans, Derbyshire Early Help Assessments, Staffordshire TAF
records, Tower Hamlets consent forms and Warrington step-down requests. Each file is read in-process
and compared leaf by leaf with the ground truth its generator wrote (``<file>.expected.json``;
regenerate with ``tests/fixtures/blind3/make_blind3.py``). The test prints every mismatch and fails
when a field the document is silent on was filled in or accuracy is below 90%.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.corpus_scoring import corpus_files, report, score_corpus, silent_report

BLIND3 = Path(__file__).resolve().parents[1] / "fixtures" / "blind3"
MIN_DOCUMENTS = 24
MIN_LAYOUTS = 8
MIN_ACCURACY = 0.90


def test_blind3_is_large_and_varied() -> None:
    files = corpus_files(BLIND3)
    assert len(files) >= MIN_DOCUMENTS, "regenerate with tests/fixtures/blind3/make_blind3.py"
    assert len({re.sub(r"-\d+$", "", p.stem) for p in files}) >= MIN_LAYOUTS


@pytest.mark.slow
def test_blind3_field_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files(BLIND3)
    assert len(files) >= MIN_DOCUMENTS
    score = score_corpus(files)
    with capsys.disabled():
        print("\n" + report(score, len(files)))
    assert not score.wrong_where_silent, (
        f"fields the documents are silent on were filled:\n{silent_report(score)}"
    )
    assert score.accuracy >= MIN_ACCURACY, f"accuracy {score.accuracy:.2%} < {MIN_ACCURACY:.0%} (table above)"
