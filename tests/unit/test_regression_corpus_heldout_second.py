"""Regression set: the second independent corpus (tests/fixtures/heldout_second), tuned on since first contact.

tests/fixtures/heldout_second/ holds 48 step-down documents in 16 layouts (see its README), written by an
author who had not read the reader or its label file. It was scored once, at first contact (2026-11-25,
second session, commit c3ee7f1, with issue 10's reader): recall 52.7%, precision 96.4% (13 wrong of 357
found), silent 94.3%; see benchmarks/README.md. That is the honest figure for forms nobody showed us.

This is now a **regression set**: three general fixes were made after reading its wrong values (not its
wording): boxes typed in brackets ("[ ] Yes [X] No") are boxes that belong to the word after them; an
answer grid ("Agreement | Yes | No" with a tick per row) is read by column; a signature no longer makes
consent "given" when the form's own answers disagree; and a role word ("Named worker") is never a
person's name. After them: recall 53.1%, precision 97.7% (8 wrong), silent 94.3%. The bars sit just
under that. Generalisation is measured on the next independent corpus, scored before anyone tunes on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus_scoring import Bars, corpus_files, report, score_corpus, shortfalls

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "heldout_second"
BARS = Bars(recall=0.52, precision=0.975, silent=0.93)


@pytest.mark.slow
def test_heldout_second_regression_figures(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files(CORPUS)
    score = score_corpus(files)
    with capsys.disabled():
        print("\n" + report(score, len(files)))
    failures = shortfalls(score, BARS)
    assert not failures, "\n".join(failures)
