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

import re
from pathlib import Path

import pytest
from support.corpus_scoring import corpus_files, report, score_corpus, silent_report

HOLDOUT = Path(__file__).resolve().parents[1] / "fixtures" / "holdout"
MIN_DOCUMENTS = 30
MIN_LAYOUTS = 10
MIN_ACCURACY = 0.90


def test_holdout_is_large_and_varied() -> None:
    files = corpus_files(HOLDOUT)
    assert len(files) >= MIN_DOCUMENTS, "regenerate with tests/fixtures/holdout/make_holdout.py"
    assert len({re.sub(r"-\d+$", "", p.stem) for p in files}) >= MIN_LAYOUTS


@pytest.mark.slow
def test_holdout_field_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files(HOLDOUT)
    assert len(files) >= MIN_DOCUMENTS
    score = score_corpus(files)
    with capsys.disabled():
        print("\n" + report(score, len(files)))
    assert not score.wrong_where_silent, (
        f"fields the documents are silent on were filled:\n{silent_report(score)}"
    )
    assert score.accuracy >= MIN_ACCURACY, f"accuracy {score.accuracy:.2%} < {MIN_ACCURACY:.0%} (table above)"
