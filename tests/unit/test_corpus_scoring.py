"""The corpus scorer counts honestly: empty answers are never right, silence is its own figure."""

from __future__ import annotations

from typing import Any

from support.corpus_scoring import Score, normalise, score_file


def _truth(**changes: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "file": "a.docx",
        "kind": "assessment",
        "urn": None,
        "level_of_need": 2,
        "work_requested": "parenting support and help with school attendance",
        "meeting_date": None,
        "children": [
            {"name": "Ava Clegg", "date_of_birth": "2015-04-03", "lcs_id": "1234567", "postcode": None},
            {"name": "Tom Clegg", "date_of_birth": "2018-01-09", "lcs_id": None, "postcode": None},
        ],
        "lead_professional": None,
        "consent": {"given": False, "date": None, "signed_by": None},
        "problems": [],
    }
    facts.update(changes)
    return facts


def _score(expected: dict[str, Any], actual: list[dict[str, Any]]) -> Score:
    score = Score()
    score_file(score, [expected], actual)
    return score


def test_a_perfect_reading_is_right_everywhere() -> None:
    score = _score(_truth(), [_truth()])
    # kind, level, work requested, 2 names, 2 DOBs, 1 LCS id, consent given (False is a fact)
    assert (score.stated, score.found, score.right) == (9, 9, 9)
    assert score.recall == score.precision == score.silence == 1.0


def test_a_reader_that_returns_nothing_scores_no_recall_but_full_silence() -> None:
    empty = {"file": "a.docx", "kind": "other", "children": [], "consent": {}, "problems": []}
    score = _score(_truth(), [empty])
    assert score.right == 0 and score.recall == 0.0
    assert len(score.missed) == score.stated == 9
    assert score.silence == 1.0 and not score.filled
    assert _score(_truth(), []).recall == 0.0


def test_wrong_values_cost_precision_and_values_where_silent_cost_silence() -> None:
    read = _truth(
        level_of_need=3,
        urn="LAN-004217-K",
        consent={"given": True, "date": None, "signed_by": None},
        lead_professional={"name": "", "role": None, "agency": None, "email": None, "phone": None},
    )
    score = _score(_truth(), [read])
    assert [m.path for m in score.wrong] == ["level_of_need", "consent.given"]
    assert [m.path for m in score.filled] == ["urn"]
    assert score.precision == 7 / 9 and score.recall == 7 / 9
    assert score.silence < 1.0


def test_children_pair_by_name_not_by_order_and_an_extra_child_is_filled_where_silent() -> None:
    truth = _truth()
    read = _truth(
        children=[
            {"name": "CLEGG, Tom", "date_of_birth": "2018-01-09", "lcs_id": None, "postcode": None},
            {"name": "Ava  clegg", "date_of_birth": "2015-04-03", "lcs_id": "1234567", "postcode": None},
            {"name": "Dawn Clegg", "date_of_birth": "1990-02-02", "lcs_id": None, "postcode": None},
        ]
    )
    score = _score(truth, [read])
    assert score.right == score.stated and not score.wrong
    assert [m.path for m in score.filled] == ["children[+2]"]


def test_kind_other_is_the_reader_saying_it_does_not_know() -> None:
    score = _score(_truth(kind="other"), [_truth(kind="other")])
    assert score.stated == 8
    score = _score(_truth(kind="other"), [_truth(kind="plan")])
    assert [m.path for m in score.filled] == ["kind"]


def test_a_work_request_may_keep_its_sentence_but_not_become_another_text() -> None:
    around = _truth(work_requested="We ask WPEHS for parenting support and help with school attendance.")
    assert not _score(_truth(), [around]).wrong
    cut = _truth(work_requested="parenting support and help with school")
    assert not _score(_truth(), [cut]).wrong
    other = _truth(work_requested="The home is settled and the children are attending school every day now.")
    assert [m.path for m in _score(_truth(), [other]).wrong] == ["work_requested"]


def test_normalise_compares_as_a_person_would() -> None:
    assert normalise("lead_professional.phone", "01632 960 123") == normalise("x.phone", "01632960123")
    assert normalise("children[0].postcode", "bb7 2qt") == "BB72QT"
    assert normalise("consent.signed_by", "HARTLEY, Donna") == "donna hartley"
    assert normalise("children[0].name", "   ") is None
    assert normalise("problems", []) is None
