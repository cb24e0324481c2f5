"""First-contact accuracy of the document reader on a second blind corpus nobody tuned it on.

tests/fixtures/blind2/ holds 30 step-down documents in 10 layouts copied (structure and label wording
only, all personal data invented) from councils and agencies the other corpora never used: a
Birmingham Early Help Assessment, a GIRFEC Child's Plan, a Cardiff TAF meeting record, a Hertfordshire
Families First PDF, a Sheffield consent form, a Durham step-down plan with the URN in the page header,
a Surrey family plan with the date of birth first, a health visitor's letter, CAMHS referrals (one a
truncated PDF) and a school attendance referral. Each file is read in-process and compared leaf by leaf
with the ground truth its generator wrote (``<file>.expected.json``; regenerate with
``tests/fixtures/blind2/make_blind2.py``). The test prints every mismatch and fails when a field the
document is silent on was filled in or accuracy is below the first-contact bar of 80%.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.corpus_scoring import corpus_files, report, score_corpus, silent_report

BLIND2 = Path(__file__).resolve().parents[1] / "fixtures" / "blind2"
MIN_DOCUMENTS = 30
MIN_LAYOUTS = 10
MIN_ACCURACY = 0.80


def test_blind2_is_large_and_varied() -> None:
    files = corpus_files(BLIND2)
    assert len(files) >= MIN_DOCUMENTS, "regenerate with tests/fixtures/blind2/make_blind2.py"
    assert len({re.sub(r"-\d+$", "", p.stem) for p in files}) >= MIN_LAYOUTS


@pytest.mark.slow
def test_blind2_field_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files(BLIND2)
    assert len(files) >= MIN_DOCUMENTS
    score = score_corpus(files)
    with capsys.disabled():
        print("\n" + report(score, len(files)))
    assert not score.wrong_where_silent, (
        f"fields the documents are silent on were filled:\n{silent_report(score)}"
    )
    assert score.accuracy >= MIN_ACCURACY, f"accuracy {score.accuracy:.2%} < {MIN_ACCURACY:.0%} (table above)"
