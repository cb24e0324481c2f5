"""decide: every route from one message's facts and a register snapshot to the exact actions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from core_builders import (
    CHILD,
    CONSENTED,
    DOB,
    LP,
    NEXT_ALLOCATIONS,
    OTHER_URN,
    SENDER,
    URN,
    WPEHS,
    assessment,
    body,
    doc,
    inbound,
    plan,
    rules,
    view_with_case,
)

from mailbot.domain.facts import Child, Consent, LeadProfessional, Problem
from mailbot.mail.message import AutomaticMail
from mailbot.rules.actions import (
    AttachCase,
    Decision,
    Ignore,
    IssueUrn,
    MarkOutboxFailed,
    QueueForAllocation,
    RecordLeadProfessional,
    ReuseUrn,
    Review,
    SatisfyTafExpectation,
    Send,
)
from mailbot.rules.authentication import SenderAuthentication
from mailbot.rules.decide import Inbound, decide, missing_context
from mailbot.rules.limits import ReplyCounts, ReplyLimits
from mailbot.rules.merge import merge_facts
from mailbot.rules.requirements import Missing
from mailbot.rules.view import ChildCandidate, RegisterView, RequestView

EMPTY_FACTS_CONTEXT = {"lead_professional": None, "work_requested_summary": None, "meeting_date": None}
WORK = "Parenting support and school attendance work"


def urn_request(*children: Child, consent: Consent = CONSENTED, **email: Any) -> Inbound:
    return inbound("URN request", body(children=children, consent=consent, **email), (assessment(),))


def step_down(text: str = "Step down to WPEHS", **email: Any) -> Inbound:
    fields: dict[str, Any] = {"urn": URN, "work_requested": WORK, **email}
    return inbound(text, body(**fields), (assessment(), plan()), mailbox_role="wpehs")


def meeting(meeting_date: date) -> Inbound:
    return step_down("Request for representation at the multi-agency meeting", meeting_date=meeting_date)


def open_request(type_: str, state: str = "incomplete", **fields: Any) -> RequestView:
    values: dict[str, Any] = {
        "id": 7,
        "reference": "SD-000007",
        "type": type_,
        "state": state,
        "mailbox": "caf",
        "sender": SENDER,
        "urn": None,
        "chase_count": 1,
    }
    values.update(fields)
    return RequestView(**values)


def context_of(decision: Decision, index: int) -> dict[str, Any]:
    """The context of the decision's ``index``-th Send action."""
    sends = [action for action in decision.actions if isinstance(action, Send)]
    return sends[index].context


# --- URN requests ----------------------------------------------------------------------------------


def test_complete_urn_request_issues_a_new_urn() -> None:
    decision = decide(urn_request(CHILD), RegisterView(), rules())
    assert decision == Decision(
        "urn_request",
        "done",
        (IssueUrn((CHILD,), "PR1 2AB"), Send("urn_issued", (SENDER,), EMPTY_FACTS_CONTEXT, key="urn")),
        explanation=("new URN issued",),
    )


def test_existing_child_by_lcs_id_reuses_the_urn() -> None:
    child = Child("Jayden Smith", DOB, lcs_id="LCS123")
    view = RegisterView(
        child_candidates=(ChildCandidate(URN, Child("J. Smyth", date(2016, 1, 1), "lcs123")),)
    )
    decision = decide(urn_request(child), view, rules())
    assert decision == Decision(
        "urn_request",
        "done",
        (
            ReuseUrn(URN, ()),
            Send("urn_existing", (SENDER,), {**EMPTY_FACTS_CONTEXT, "matched_on": "LCS ID"}, key="urn"),
        ),
        explanation=("child already has a URN",),
    )


def test_existing_child_by_dob_and_close_name_reuses_the_urn() -> None:
    view = RegisterView(child_candidates=(ChildCandidate(URN, Child("Jaden Smith", DOB)),))
    decision = decide(urn_request(CHILD), view, rules())
    assert decision.actions == (
        ReuseUrn(URN, ()),
        Send(
            "urn_existing",
            (SENDER,),
            {**EMPTY_FACTS_CONTEXT, "matched_on": "name and date of birth"},
            key="urn",
        ),
    )
    assert decision.state == "done"


def test_matched_on_says_name_and_dob_when_only_the_request_has_an_lcs_id() -> None:
    # The register's child has no LCS id, so the match was made on name and DOB; the reply must not
    # tell the social worker it was their LCS ID that matched.
    child = Child("Jayden Smith", DOB, lcs_id="LCS123")
    view = RegisterView(child_candidates=(ChildCandidate(URN, Child("Jayden Smith", DOB)),))
    decision = decide(urn_request(child), view, rules())
    assert decision.actions[1] == Send(
        "urn_existing", (SENDER,), {**EMPTY_FACTS_CONTEXT, "matched_on": "name and date of birth"}, key="urn"
    )


def test_a_new_sibling_is_added_to_the_existing_case() -> None:
    sibling = Child("Ava Smith", date(2019, 2, 3))
    view = RegisterView(child_candidates=(ChildCandidate(URN, Child("Jayden Smith", DOB)),))
    decision = decide(urn_request(CHILD, sibling), view, rules())
    assert decision.actions[0] == ReuseUrn(URN, (sibling,))


def test_different_lcs_ids_mean_a_different_child() -> None:
    child = Child("Jayden Smith", DOB, lcs_id="LCS123")
    view = RegisterView(child_candidates=(ChildCandidate(URN, Child("Jayden Smith", DOB, lcs_id="LCS999")),))
    decision = decide(urn_request(child), view, rules())
    assert decision.actions[0] == IssueUrn((child,), None)


@pytest.mark.parametrize(
    "candidates",
    [
        (ChildCandidate(URN, Child("Noah Smith", DOB)),),  # same DOB and surname: a twin, or a slip?
        (ChildCandidate(URN, Child("Jayden Smyth", DOB)),),  # only somewhat alike
        (
            ChildCandidate(URN, Child("Jayden Smith", DOB)),
            ChildCandidate(OTHER_URN, Child("Jaden Smith", DOB)),
        ),
    ],
)
def test_an_ambiguous_match_goes_to_review(candidates: tuple[ChildCandidate, ...]) -> None:
    decision = decide(urn_request(CHILD), RegisterView(child_candidates=candidates), rules())
    assert decision == Decision(
        "urn_request",
        "review",
        (Review("ambiguous_child_match", "a child may already have a URN; a person must check"),),
        message_state="review",
        explanation=("ambiguous match against existing children",),
    )


def test_same_name_different_dob_is_a_new_child() -> None:
    view = RegisterView(child_candidates=(ChildCandidate(URN, Child("Jayden Smith", date(2015, 5, 4))),))
    assert decide(urn_request(CHILD), view, rules()).actions[0] == IssueUrn((CHILD,), "PR1 2AB")


def test_level_one_gets_no_urn() -> None:
    decision = decide(urn_request(CHILD, level_of_need=1), RegisterView(), rules())
    assert decision == Decision(
        "urn_request",
        "closed_level_one",
        (Send("level_one_no_urn", (SENDER,), {"child_initials": "J.S."}, key="level-one"),),
        explanation=("level 1 on the Continuum of Need: no URN for universal provision",),
    )


def test_consent_refused_goes_to_review() -> None:
    decision = decide(urn_request(CHILD, consent=Consent(False)), RegisterView(), rules())
    assert decision == Decision(
        "urn_request",
        "review",
        (Review("consent_refused", "the documents record that consent was not given"),),
        message_state="review",
    )


def test_incomplete_urn_request_is_chased_with_exact_missing_items_and_file_problems() -> None:
    macro = Problem("macro_enabled", "Read as text only; macros were not run.")
    locked = Problem("encrypted", "The file is password protected.")
    message = inbound(
        "URN request",
        body(children=(Child("Jayden Smith", None),)),
        (
            doc("Assessment.docm", "assessment", problems=(macro,)),
            doc("Consent.pdf", "other", problems=(locked,)),
        ),
    )
    decision = decide(message, RegisterView(), rules())
    context = {
        "request_type": "urn_request",
        "missing": ["child_date_of_birth", "consent"],
        "file_problems": [
            {"filename": "Assessment.docm", "code": "macro_enabled", "detail": macro.detail},
            {"filename": "Consent.pdf", "code": "encrypted", "detail": locked.detail},
        ],
        "child_initials": "J.S.",
        "attempt": 0,
    }
    assert decision == Decision(
        "urn_request",
        "incomplete",
        (Send("chase_up", (SENDER,), context, key="chase-0"),),
        missing=(
            "each child's date of birth",
            "confirmation that the family consents to Early Help and to sharing the assessment and plan",
        ),
        explanation=("missing child_date_of_birth", "missing consent"),
    )


def test_a_missing_fact_the_reader_was_unsure_of_goes_to_review_with_its_candidates() -> None:
    """The assessment holds the date of birth twice, differently: a person chooses, the sender is not chased."""
    unsure = Problem(
        "uncertain",
        'children[0].date_of_birth: the document reads "04/05/2016" (table 1 row 2) or "05/04/2016" '
        "(table 2 row 1); a person must choose.",
    )
    message = inbound(
        "URN request",
        body(children=(Child("Jayden Smith", None),), consent=CONSENTED),
        (doc("Assessment.docx", "assessment", children=(Child("Jayden Smith", None),), problems=(unsure,)),),
    )
    decision = decide(message, RegisterView(), rules())
    assert decision == Decision(
        "urn_request",
        "review",
        (Review("uncertain_facts", f"the reader could not choose: Assessment.docx: {unsure.detail}"),),
        missing=("each child's date of birth",),
        message_state="review",
        explanation=("the documents hold a missing fact the reader was not sure of",),
    )


def test_an_uncertain_fact_that_is_not_missing_changes_nothing_and_is_never_shown_to_the_sender() -> None:
    unsure = Problem("uncertain", 'meeting_date: the document reads "1/2/25" (page 1) or "3/2/25" (page 2).')
    message = inbound(
        "URN request",
        body(children=(Child("Jayden Smith", None),)),
        (doc("Assessment.docx", "assessment", problems=(unsure,)),),
    )
    decision = decide(message, RegisterView(), rules())
    assert decision.state == "incomplete"
    assert context_of(decision, 0)["file_problems"] == []


def test_urn_request_without_documents_or_child_is_chased_for_all_three() -> None:
    decision = decide(inbound("URN request please"), RegisterView(), rules())
    assert decision.state == "incomplete"
    assert context_of(decision, 0)["missing"] == ["assessment_or_plan", "child_identity", "consent"]
    assert context_of(decision, 0)["file_problems"] == []


def test_missing_context_words_codes_the_template_does_not_know() -> None:
    facts = merge_facts([], [])
    assert missing_context([Missing("plan"), Missing("consent_form")], facts) == {
        "missing": ["plan", "consent_form"],
        "file_problems": [],
    }


# --- New lead professional, TAF minutes -------------------------------------------------------------


def test_new_lead_professional_complete_is_recorded() -> None:
    message = inbound(
        "New lead professional for LAN-004217-K", body(urn=URN, lead_professional=LP), (assessment(), plan())
    )
    decision = decide(message, view_with_case(), rules())
    context = {
        "request_type": "new_lead_professional",
        **EMPTY_FACTS_CONTEXT,
        "lead_professional": LP.to_json(),
    }
    assert decision == Decision(
        "new_lead_professional",
        "done",
        (
            AttachCase(URN),
            RecordLeadProfessional(URN, LP),
            Send("lp_recorded", (SENDER,), context, key="lp-recorded"),
        ),
        explanation=("new lead professional recorded",),
    )


def test_new_lead_professional_incomplete_is_chased() -> None:
    lp = LeadProfessional(name="Sam Patel", agency="Preston Primary")
    message = inbound(
        "New lead professional for LAN-004217-K", body(urn=URN, lead_professional=lp), (assessment(),)
    )
    decision = decide(message, view_with_case(), rules())
    assert decision.state == "incomplete"
    assert decision.missing == ("the plan", "the new lead professional's email address or phone number")
    assert decision.actions == (
        AttachCase(URN),  # the known URN links the request to its case while the rest is awaited
        Send(
            "chase_up",
            (SENDER,),
            {
                "request_type": "new_lead_professional",
                "missing": ["plan", "lead_professional_contact"],
                "file_problems": [],
                "attempt": 0,
            },
            key="chase-0",
        ),
    )


def test_taf_minutes_are_filed() -> None:
    message = inbound("TAF minutes attached", body(urn=URN), (doc("TAF minutes.docx", "taf_minutes"),))
    decision = decide(message, view_with_case(), rules())
    assert decision == Decision(
        "taf_minutes",
        "done",
        (
            AttachCase(URN),
            SatisfyTafExpectation(URN),
            Send("filed", (SENDER,), {"request_type": "taf_minutes", **EMPTY_FACTS_CONTEXT}, key="filed"),
        ),
        explanation=("filed against the case",),
    )


def test_requirements_without_the_urn_send_a_case_route_to_review_not_a_crash() -> None:
    # A council may drop "urn" from a route's requirements; the route still needs a case to file on.
    requirements = rules().requirements
    requirements["taf_minutes"] = {"documents": ["taf_document"], "facts": []}
    message = inbound("TAF minutes attached", body(), (doc("TAF minutes.docx", "taf_minutes"),))
    decision = decide(message, view_with_case(), rules(requirements=requirements))
    assert decision.state == "review"
    assert decision.message_state == "review"
    assert [type(a) for a in decision.actions] == [Review]
    assert decision.actions[0] == Review(
        "requirements_incomplete",
        "the configured requirements let through a request without the URN or lead professional "
        "this route needs",
    )


# --- WPEHS ------------------------------------------------------------------------------------------


def test_step_down_to_wpehs_is_queued_and_acknowledged() -> None:
    decision = decide(step_down(), view_with_case(), rules())
    context = {"request_type": "step_down_wpehs", **EMPTY_FACTS_CONTEXT, "work_requested_summary": WORK}
    assert decision == Decision(
        "step_down_wpehs",
        "awaiting_allocation",
        (AttachCase(URN), QueueForAllocation(), Send("acknowledgement", (SENDER,), context, key="ack")),
        explanation=("queued for the allocations meeting",),
    )


def test_work_requested_summary_is_cut_at_a_word_within_120_characters() -> None:
    work = "Support   with\nroutines, " + "boundaries and school attendance " * 5
    decision = decide(step_down(work_requested=work), view_with_case(), rules())
    summary = context_of(decision, 0)["work_requested_summary"]
    assert summary == (
        "Support with routines, boundaries and school attendance boundaries and school attendance "
        "boundaries and school…"
    )
    assert len(summary) <= 120


def test_meeting_before_the_allocations_meeting_alerts_wpehs() -> None:
    day = NEXT_ALLOCATIONS - timedelta(days=3)
    decision = decide(meeting(day), view_with_case(), rules())
    context = {
        "request_type": "meeting_representation",
        **EMPTY_FACTS_CONTEXT,
        "work_requested_summary": WORK,
        "meeting_date": day,
    }
    assert decision == Decision(
        "meeting_representation",
        "awaiting_allocation",
        (
            AttachCase(URN),
            QueueForAllocation(),
            Send("acknowledgement", (SENDER,), context, key="ack"),
            Send("meeting_alert", (WPEHS,), {**context, "district": "Unknown district"}, key="meeting-alert"),
        ),
        explanation=(
            "queued for the allocations meeting",
            "meeting falls before the next allocations meeting: WPEHS alerted (no district team address)",
        ),
        meeting_date=day,
    )


def test_meeting_after_the_allocations_meeting_waits_for_it() -> None:
    day = NEXT_ALLOCATIONS + timedelta(days=1)
    decision = decide(meeting(day), view_with_case(), rules())
    assert [a.template for a in decision.actions if isinstance(a, Send)] == ["acknowledgement"]
    assert decision.meeting_date == day


def test_meeting_on_the_day_of_the_allocations_meeting_alerts_wpehs() -> None:
    # mailbot.rules.digest.meeting_before_next_allocation counts the same day as "before" (no time to
    # allocate and brief a worker); decide must agree, or the alert never goes.
    decision = decide(meeting(NEXT_ALLOCATIONS), view_with_case(), rules())
    assert [a.template for a in decision.actions if isinstance(a, Send)] == [
        "acknowledgement",
        "meeting_alert",
    ]


def test_meeting_representation_without_a_date_is_chased() -> None:
    message = step_down("Request for representation at the multi-agency meeting")
    decision = decide(message, view_with_case(), rules())
    assert context_of(decision, 0)["missing"] == ["meeting_date"]


# --- URN problems -----------------------------------------------------------------------------------


def test_a_urn_not_on_the_register_is_queried() -> None:
    decision = decide(step_down(), RegisterView(), rules())
    assert decision == Decision(
        "step_down_wpehs",
        "awaiting_urn",
        (
            Send(
                "unknown_urn",
                (SENDER,),
                {"urn_as_written": URN, "reason": "not_on_register"},
                key="urn-unknown",
            ),
        ),
        missing=("a URN that is on the register",),
        explanation=("URN not on the register",),
    )


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("LAN-004217-X", "check_failed"),
        ("lan 004217 x", "check_failed"),
        ("LAN-004217", "no_check_character"),
        ("LAN004217", "no_check_character"),
    ],
)
def test_an_invalid_urn_is_queried_with_the_reason(written: str, reason: str) -> None:
    decision = decide(step_down(urn=None, invalid_urns=(written,)), view_with_case(), rules())
    assert decision == Decision(
        "step_down_wpehs",
        "awaiting_urn",
        (Send("unknown_urn", (SENDER,), {"urn_as_written": written, "reason": reason}, key="urn-check"),),
        missing=("a valid URN",),
        explanation=("URN fails its check character",),
    )


def test_a_valid_urn_beside_an_invalid_one_is_used() -> None:
    decision = decide(step_down(invalid_urns=("LAN-004217-X",)), view_with_case(), rules())
    assert decision.state == "awaiting_allocation"


def test_email_urn_different_from_document_urn_goes_to_review() -> None:
    message = inbound(
        "Step down",
        body(urn=URN, work_requested=WORK),
        (assessment(urn=OTHER_URN), plan()),
        mailbox_role="wpehs",
    )
    view = RegisterView(cases={**view_with_case().cases, **view_with_case(OTHER_URN).cases})
    decision = decide(message, view, rules())
    assert decision == Decision(
        "step_down_wpehs",
        "review",
        (Review("conflicting_facts", "the URN in the email differs from the URN in the documents"),),
        message_state="review",
        explanation=("conflicting URNs between email and documents",),
    )


def test_two_urns_in_the_documents_go_to_review() -> None:
    message = inbound(
        "Step down",
        body(work_requested=WORK),
        (assessment(urn=URN), plan(urn=OTHER_URN)),
        mailbox_role="wpehs",
    )
    decision = decide(message, view_with_case(), rules())
    assert decision.actions == (Review("conflicting_facts", "more than one URN given"),)
    assert (decision.state, decision.message_state) == ("review", "review")


# --- Automatic mail, senders, rate limit ---------------------------------------------------------------


def test_an_auto_reply_is_ignored() -> None:
    automatic = AutomaticMail("auto_reply", "Auto-Submitted: auto-replied")
    decision = decide(inbound("Out of office", automatic=automatic), view_with_case(), rules())
    assert decision == Decision(
        None,
        "ignored",
        (Ignore("Auto-Submitted: auto-replied"),),
        message_state="ignored",
        explanation=("Auto-Submitted: auto-replied",),
    )


def test_a_bounce_marks_the_outbox_row_failed_and_goes_to_review() -> None:
    automatic = AutomaticMail("bounce", "DSN: 550 5.1.1", "<mailbot.abc@lancashire.gov.uk>", ("x@nhs.net",))
    decision = decide(inbound("Undeliverable", automatic=automatic), RegisterView(), rules())
    assert decision == Decision(
        None,
        "bounce",
        (
            MarkOutboxFailed("<mailbot.abc@lancashire.gov.uk>", ("x@nhs.net",)),
            Review("bounce", "DSN: 550 5.1.1"),
        ),
        message_state="bounce",
        explanation=("DSN: 550 5.1.1",),
    )


def test_a_bounce_without_the_original_id_only_goes_to_review() -> None:
    decision = decide(
        inbound("Undeliverable", automatic=AutomaticMail("bounce", "DSN")), RegisterView(), rules()
    )
    assert decision.actions == (Review("bounce", "DSN"),)


def test_no_sender_goes_to_review() -> None:
    decision = decide(inbound("URN request", sender=None), RegisterView(), rules())
    assert decision == Decision(
        None,
        "review",
        (Review("no_sender", "the message has no usable From address"),),
        message_state="review",
    )


def test_a_sender_mail_cannot_be_sent_to_goes_to_review_with_the_reason_and_no_reply() -> None:
    problem = "the part before the @-sign is not ASCII; replying needs SMTPUTF8, which mailbot does not use"
    message = inbound(
        "URN request",
        body(children=(CHILD,), consent=CONSENTED),
        (assessment(),),
        sender=None,
        address_problem=problem,
    )
    decision = decide(message, RegisterView(), rules())
    assert decision == Decision(
        None,
        "review",
        (Review("unusable_sender", f"mail cannot be sent to the From address: {problem}"),),
        message_state="review",
    )


def test_an_unusable_address_that_hides_another_one_is_an_untrusted_sender() -> None:
    """``"evil@evil.example, x"@lancashire.gov.uk``: a quoting trick to look trusted (issue 11b), not
    merely an address that cannot be replied to; still no reply of any kind."""
    message = inbound(
        "URN request",
        body(children=(CHILD,), consent=CONSENTED),
        (assessment(),),
        sender=None,
        address_problem="Quoting the part before the @-sign is not allowed here.",
        address_trick=True,
    )
    decision = decide(message, RegisterView(), rules())
    assert decision.message_state == "review"
    assert [(type(a).__name__, a.reason) for a in decision.actions] == [("Review", "untrusted_sender")]


@pytest.mark.parametrize(
    "sender", ["someone@gmail.com", "x@evil-lancashire.gov.uk", "x@lancashire.gov.uk.example.com"]
)
def test_untrusted_sender_gets_an_impersonal_acknowledgement_and_review(sender: str) -> None:
    message = inbound(
        "URN request", body(children=(CHILD,), consent=CONSENTED), (assessment(),), sender=sender
    )
    decision = decide(message, RegisterView(), rules())
    assert decision == Decision(
        "urn_request",
        "review",
        (
            Review("untrusted_sender", "sender's domain is not a trusted domain"),
            Send("untrusted_acknowledgement", (sender,), {}, personal=False, key="untrusted"),
        ),
        message_state="review",
        explanation=("untrusted",),
    )


def test_untrusted_sender_with_silent_policy_gets_nothing() -> None:
    message = inbound("URN request", sender="someone@gmail.com")
    decision = decide(message, RegisterView(), rules(untrusted_policy="silent"))
    assert decision.actions == (Review("untrusted_sender", "sender's domain is not a trusted domain"),)


def test_a_trusted_subdomain_is_trusted() -> None:
    message = urn_request(CHILD)
    message = inbound(message.text, message.body, message.documents, sender="head@school.lancashire.gov.uk")
    assert decide(message, RegisterView(), rules()).state == "done"


def test_flood_breaker_holds_emails_keeps_the_register_work_and_opens_one_hold() -> None:
    view = view_with_case(reply_counts=ReplyCounts(sender_last_hour=20))
    decision = decide(step_down(), view, rules())
    assert decision == Decision(
        "step_down_wpehs",
        "awaiting_allocation",
        (
            AttachCase(URN),
            QueueForAllocation(),
            Review(
                "flood",
                "flood breaker: 20 emails in the last hour, 0 in 24 hours because of one sender; "
                "everything to or about this sender is held",
                hold_key=f"sender:{SENDER}",
            ),
        ),
        message_state="review",
        explanation=("queued for the allocations meeting", "emails held by a reply limit (flood)"),
    )


def test_below_every_limit_nothing_is_held() -> None:
    counts = ReplyCounts(thread_last_day=0, pattern_last_day=2, sender_last_hour=19, sender_last_day=59)
    assert decide(step_down(), view_with_case(reply_counts=counts), rules()) == decide(
        step_down(), view_with_case(), rules()
    )


def test_a_held_sender_gets_nothing_and_no_second_hold() -> None:
    view = view_with_case(reply_counts=ReplyCounts(held=(f"sender:{SENDER}",)))
    decision = decide(step_down(), view, rules())
    assert [type(a).__name__ for a in decision.actions] == ["AttachCase", "QueueForAllocation", "Review"]
    assert decision.actions[-1] == Review(
        "reply_limit", "emails held while an earlier limit is open", hold_key=f"sender:{SENDER}"
    )


def test_the_meeting_alert_counts_too() -> None:
    # Two emails (reply and alert) with one left under the breaker: both are held, never one of them.
    view = view_with_case(reply_counts=ReplyCounts(sender_last_hour=19))
    decision = decide(meeting(NEXT_ALLOCATIONS - timedelta(days=2)), view, rules())
    assert not [a for a in decision.actions if isinstance(a, Send)]


def test_a_thread_that_keeps_answering_is_held() -> None:
    request = open_request("urn_request", sender=SENDER)
    view = RegisterView(open_request=request, reply_counts=ReplyCounts(thread_last_day=3))
    decision = decide(inbound("RE: URN request", body()), view, rules())
    assert decision.actions[-1].hold_key == "thread:7"  # type: ignore[union-attr]
    assert decision.actions[-1].reason == "reply_limit_thread"  # type: ignore[union-attr]


def test_a_repeated_pattern_is_held() -> None:
    view = RegisterView(reply_counts=ReplyCounts(pattern_last_day=3))
    decision = decide(inbound("URN request", body(), pattern="abc"), view, rules())
    assert decision.actions[-1] == Review(
        "reply_limit_pattern",
        "the same message came 4 times in 24 hours: an automatic sender is likely",
        hold_key="pattern:abc",
    )


def test_limits_apply_to_untrusted_acknowledgements_too() -> None:
    message = inbound("URN request", sender="someone@gmail.com")
    view = RegisterView(reply_counts=ReplyCounts(sender_last_hour=25))
    decision = decide(message, view, rules())
    assert [a.reason for a in decision.actions if isinstance(a, Review)] == ["untrusted_sender", "flood"]
    assert not [a for a in decision.actions if isinstance(a, Send)]


def test_limits_are_configurable() -> None:
    view = view_with_case(reply_counts=ReplyCounts(sender_last_hour=2))
    decision = decide(step_down(), view, rules(limits=ReplyLimits(per_sender_per_hour=2)))
    assert decision.message_state == "review"


# --- Replies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["done", "closed_level_one", "allocated", "ignored"])
def test_a_courtesy_reply_to_a_finished_request_is_ignored(state: str) -> None:
    view = RegisterView(open_request=open_request("urn_request", state))
    decision = decide(inbound("RE: URN request", body()), view, rules())
    assert decision == Decision(
        "urn_request",
        state,
        (Ignore("courtesy reply to a finished request"),),
        explanation=("reply without attachments to a finished request",),
    )


def test_documents_sent_to_a_finished_request_go_to_review() -> None:
    view = RegisterView(open_request=open_request("step_down_wpehs", "allocated"))
    decision = decide(inbound("RE: step down", body(), (plan(),)), view, rules())
    assert decision == Decision(
        "step_down_wpehs",
        "allocated",
        (Review("reply_to_finished_request", "documents sent to a request that is already finished"),),
        message_state="review",
    )


def test_a_plan_sent_later_completes_the_step_down() -> None:
    earlier = open_request(
        "step_down_wpehs",
        mailbox="wpehs",
        documents=(assessment(),),
        bodies=(body(urn=URN, work_requested=WORK),),
    )
    view = view_with_case(open_request=earlier)
    first = decide(step_down(), view_with_case(), rules())
    reply = decide(inbound("RE: step down", body(), (plan(),), mailbox_role="wpehs"), view, rules())
    assert reply == first


def test_a_reply_keeps_the_request_type_and_is_still_chased_if_incomplete() -> None:
    earlier = open_request(
        "step_down_wpehs", mailbox="wpehs", documents=(assessment(),), bodies=(body(urn=URN),)
    )
    reply = decide(
        inbound("RE: URN request", body(), (), mailbox_role="caf"),
        view_with_case(open_request=earlier),
        rules(),
    )
    assert reply.request_type == "step_down_wpehs"
    assert context_of(reply, 0)["missing"] == ["plan", "work_requested"]


def test_consent_given_in_a_reply_completes_the_urn_request() -> None:
    earlier = open_request("urn_request", documents=(assessment(children=(CHILD,)),), bodies=(body(),))
    reply = decide(
        inbound("RE: URN request", body(consent=CONSENTED)), RegisterView(open_request=earlier), rules()
    )
    assert reply.actions == (
        IssueUrn((CHILD,), "PR1 2AB"),
        Send("urn_issued", (SENDER,), EMPTY_FACTS_CONTEXT, key="urn"),
    )


def test_the_newest_statement_of_the_new_lead_professional_wins_across_replies() -> None:
    # First email named one LP; the reply attaches the plan naming another. merge_facts promises
    # "arrival order ... for the LP, [later statements] replace earlier ones".
    first_lp = LeadProfessional(name="Alex Green", agency="School Nursing", email="alex.green@nhs.net")
    earlier = open_request(
        "new_lead_professional",
        documents=(assessment(),),
        bodies=(body(urn=URN, lead_professional=first_lp),),
    )
    reply = decide(
        inbound("RE: new LP", body(), (plan(lead_professional=LP),)),
        view_with_case(open_request=earlier),
        rules(),
    )
    assert reply.actions[1] == RecordLeadProfessional(URN, LP)


def test_a_urn_request_with_only_a_password_protected_file_is_chased_for_a_readable_copy() -> None:
    locked = Problem("encrypted", "The file is password protected.")
    message = inbound(
        "URN request",
        body(children=(CHILD,), consent=CONSENTED),
        (doc("Scan.pdf", "other", problems=(locked,)),),
    )
    decision = decide(message, RegisterView(), rules())
    assert decision.actions == (
        Send(
            "chase_up",
            (SENDER,),
            {
                "request_type": "urn_request",
                "missing": ["assessment_or_plan"],
                "file_problems": [{"filename": "Scan.pdf", "code": "encrypted", "detail": locked.detail}],
                "child_initials": "J.S.",
                "attempt": 0,
            },
            key="chase-0",
        ),
    )


# --- Sender authentication and malformed senders -------------------------------------------------


def test_trusted_domain_failing_dmarc_is_untrusted_and_gets_no_reply() -> None:
    message = urn_request(CHILD)
    message = inbound(
        message.text,
        message.body,
        message.documents,
        authentication=SenderAuthentication("fail", "DMARC failed"),
    )
    assert decide(message, RegisterView(), rules()) == Decision(
        "urn_request",
        "review",
        (Review("unauthenticated_sender", "sender authentication failed: DMARC failed"),),
        message_state="review",
        explanation=("untrusted",),
    )


def test_no_result_is_untrusted_only_when_required() -> None:
    message = urn_request(CHILD)
    message = inbound(
        message.text,
        message.body,
        message.documents,
        authentication=SenderAuthentication("none", "no authentication results from a trusted server"),
    )
    assert decide(message, RegisterView(), rules()).state == "done"
    required = decide(message, RegisterView(), rules(require_authentication=True))
    assert required.actions == (
        Review(
            "unauthenticated_sender",
            "sender not authenticated: no authentication results from a trusted server",
        ),
    )


def test_authentication_pass_changes_nothing() -> None:
    message = urn_request(CHILD)
    passed = inbound(
        message.text,
        message.body,
        message.documents,
        authentication=SenderAuthentication("pass", "DMARC passed"),
    )
    assert decide(passed, RegisterView(), rules(require_authentication=True)) == decide(
        message, RegisterView(), rules()
    )


def test_malformed_from_is_never_trusted_nor_answered() -> None:
    message = urn_request(CHILD)
    message = inbound(message.text, message.body, message.documents, sender_problem="malformed From header")
    decision = decide(message, RegisterView(), rules())
    assert decision.actions == (
        Review("untrusted_sender", "the From header is not one plain address (malformed From header)"),
    )


@pytest.mark.parametrize(
    "sender", ["a%evil.com@lancashire.gov.uk", '"x,y"@lancashire.gov.uk', "@lancashire.gov.uk"]
)
def test_tricky_trusted_looking_addresses_get_no_urn(sender: str) -> None:
    message = urn_request(CHILD)
    decision = decide(
        inbound(message.text, message.body, message.documents, sender=sender), RegisterView(), rules()
    )
    assert decision.state == "review"
    assert not any(isinstance(a, IssueUrn) for a in decision.actions)
    assert all(not isinstance(a, Send) or not a.personal for a in decision.actions)
