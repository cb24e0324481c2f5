"""A person's decisions as Decision values (pure), compared by exact equality like ``decide``'s."""

from __future__ import annotations

from datetime import date

from mailbot.domain.facts import Child
from mailbot.rules.actions import Decision, IssueUrn, ReuseUrn, Send
from mailbot.rules.merge import RequestFacts
from mailbot.rules.settle import MATCHED_BY_PERSON, free_text_reply, issue_urn_by_hand, link_to_case
from mailbot.rules.view import CaseView

SW = "sw@lancashire.gov.uk"
MAISIE = Child("Maisie Example", date(2015, 4, 3), "LCS123456", "PR1 2AB")
MAISY = Child("Maisy Example", date(2015, 4, 3), None, "PR1 2AB")
BROTHER = Child("Tom Example", date(2012, 1, 9), None, "PR1 2AB")
CONTEXT = {"lead_professional": None, "work_requested_summary": None, "meeting_date": None}


def test_linking_reuses_the_urn_and_adds_only_a_sibling() -> None:
    case = CaseView("LAN-000001-5", (MAISIE,))
    decision = link_to_case(SW, RequestFacts(children=(MAISY, BROTHER)), case)
    assert decision == Decision(
        "urn_request",
        "done",
        (
            ReuseUrn("LAN-000001-5", (BROTHER,)),
            Send("urn_existing", (SW,), {**CONTEXT, "matched_on": MATCHED_BY_PERSON}, key="urn"),
        ),
        explanation=("a person linked the request to an existing case",),
    )


def test_issuing_by_hand_opens_a_case_in_the_childs_district() -> None:
    decision = issue_urn_by_hand(SW, RequestFacts(children=(MAISY,)))
    assert decision.actions == (IssueUrn((MAISY,), "PR1 2AB"), Send("urn_issued", (SW,), CONTEXT, key="urn"))
    assert decision.state == "done"


def test_a_free_text_reply_keeps_the_state_and_is_keyed_by_its_text() -> None:
    first = free_text_reply("step_down_wpehs", "review", SW, "We will call you.")
    again = free_text_reply("step_down_wpehs", "review", SW, "We will call you.")
    other = free_text_reply("step_down_wpehs", "review", SW, "Please resend the plan.")
    assert first == again and first.state == "review"
    assert first.actions[0].key != other.actions[0].key  # type: ignore[union-attr]
    assert first.actions[0].context == {"message": "We will call you."}  # type: ignore[union-attr]
