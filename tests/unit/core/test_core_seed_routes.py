"""decide's routes for the seeds' later steps: allocation by digest reply, WPEHS's hand-off to CAF@,
the new LP's follow-up, no lead professional found, the district team's alert, replies in sentences,
and the URN sequence running out (pure, exact decisions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from core_builders import (
    CHILD,
    CONSENTED,
    LP,
    NEXT_ALLOCATIONS,
    SENDER,
    URN,
    WPEHS,
    assessment,
    body,
    inbound,
    plan,
    rules,
    view_with_case,
)

from mailbot.domain.facts import Child, LeadProfessional
from mailbot.rules.actions import (
    AttachCase,
    Decision,
    ExpectTafMinutes,
    Ignore,
    IssueUrn,
    RecordAllocation,
    RecordLeadProfessional,
    Review,
    Send,
)
from mailbot.rules.allocation_route import may_allocate_by_email
from mailbot.rules.authentication import SenderAuthentication
from mailbot.rules.decide import Inbound, Rules, decide
from mailbot.rules.view import AllocationTarget, CaseView, HandoffView, RegisterView, RequestView

TODAY = date(2025, 3, 10)
MANAGER = "team.manager@lancashire.gov.uk"
DIGEST_REPLY = f"{URN}: Priya Shah <priya.shah@lancashire.gov.uk>, Preston North WPEHS\n\nThanks"
TARGETS = {URN: AllocationTarget(3, "SD-000003", URN, "awaiting_allocation")}


def allocators() -> Rules:
    """Rules where the manager is a configured allocator (``workflow.allocators``)."""
    return rules(allocators=frozenset({MANAGER}))


def allocation_reply(text: str = DIGEST_REPLY, sender: str = MANAGER) -> Inbound:
    message = inbound("RE: Step downs waiting [WD-2025-03-10]", mailbox_role="wpehs", sender=sender)
    return replace(message, body_text=text)


def test_a_digest_reply_is_decided_by_the_core_and_emits_record_allocation() -> None:
    view = RegisterView(threads_to_digest=True, allocation_targets=TARGETS)
    decision = decide(allocation_reply(), view, allocators())
    assert decision == Decision(
        None,
        "allocation",
        (RecordAllocation(URN, "Priya Shah", "priya.shah@lancashire.gov.uk", "Preston North WPEHS"),),
        explanation=("1 allocation(s) recorded, 0 line(s) not usable",),
    )


def test_unusable_allocation_lines_go_to_review_and_back_to_the_manager() -> None:
    text = f"{URN}: Priya Shah\nLAN-000217-A: Jo Bloggs\nLAN-004217-X: Someone\n"
    view = RegisterView(threads_to_digest=True, allocation_targets=TARGETS)
    decision = decide(allocation_reply(text), view, allocators())
    problems = [
        {"line": 2, "urn": "LAN-000217-A", "reason": "no step down for this URN is waiting for allocation"},
        {
            "line": 3,
            "urn": "LAN-004217-X",
            "reason": "the URN's check character does not match; please check it against the digest",
        },
    ]
    assert decision.actions == (
        RecordAllocation(URN, "Priya Shah", None, None),
        Review("allocation_unreadable", f"line 2 (LAN-000217-A): {problems[0]['reason']}"),
        Review("allocation_unreadable", f"line 3 (LAN-004217-X): {problems[1]['reason']}"),
        Send(
            "allocation_unreadable",
            (MANAGER,),
            {"problems": problems, "allocated": [URN], "reference": "WD-2025-03-10"},
            key="allocation-problems",
        ),
    )
    assert decision.message_state == "review"


def test_only_someone_who_may_allocate_records_allocations_by_email() -> None:
    view = RegisterView(threads_to_digest=True, allocation_targets=TARGETS)
    decision = decide(allocation_reply(sender="someone@example.com"), view, allocators())
    assert not any(isinstance(a, RecordAllocation) for a in decision.actions)
    assert Review("untrusted_sender", "sender's domain is not a trusted domain") in decision.actions


def test_a_trusted_colleague_who_is_not_an_allocator_allocates_nothing_and_is_sent_nothing() -> None:
    view = RegisterView(threads_to_digest=True, allocation_targets=TARGETS)
    colleague = allocation_reply(sender="sam.worker@lancashire.gov.uk")
    decision = decide(colleague, view, allocators())
    assert decision.actions == (
        Review(
            "allocation_not_allowed",
            "a reply to the weekly digest came from an address that is not a configured allocator",
        ),
    )
    assert decision.message_state == "review"
    # The manager too, while the config does not name them an allocator.
    assert decide(allocation_reply(), view, rules()).actions == decision.actions
    assert may_allocate_by_email(" Team.Manager@Lancashire.gov.uk", allocators())


def test_someone_the_identity_provider_makes_an_allocator_allocates_by_email() -> None:
    """Not in ``workflow.allocators``, but signed in to the console lately as an allocator (the view's
    ``console_allocators``, filled by the shell from the register's staff record)."""
    view = RegisterView(
        threads_to_digest=True, allocation_targets=TARGETS, console_allocators=frozenset({MANAGER})
    )
    decision = decide(allocation_reply(), view, rules())
    assert [type(a).__name__ for a in decision.actions] == ["RecordAllocation"]
    assert may_allocate_by_email(MANAGER.upper(), rules(), view)
    assert not may_allocate_by_email("sam.worker@lancashire.gov.uk", rules(), view)
    assert not may_allocate_by_email(MANAGER, rules())  # no view: the configured list only


def test_an_allocator_whose_mail_fails_authentication_allocates_nothing() -> None:
    view = RegisterView(threads_to_digest=True, allocation_targets=TARGETS)
    forged = replace(allocation_reply(), authentication=SenderAuthentication("fail", "dmarc=fail"))
    decision = decide(forged, view, allocators())
    assert not any(isinstance(a, RecordAllocation | Send) for a in decision.actions)
    assert [a.reason for a in decision.actions if isinstance(a, Review)] == ["unauthenticated_sender"]


def test_a_digest_reply_without_allocation_lines_is_ignored() -> None:
    view = RegisterView(threads_to_digest=True, allocation_targets=TARGETS)
    decision = decide(allocation_reply("Thanks, will do at the meeting"), view, allocators())
    assert decision.actions == (Ignore("reply to the digest with no allocation lines"),)


def test_a_new_lead_professional_is_told_what_caf_expects_and_the_taf_minutes_are_awaited() -> None:
    message = inbound("New lead professional", body(urn=URN, lead_professional=LP), (assessment(), plan()))
    decision = decide(message, view_with_case(today=TODAY), rules())
    assert decision.actions[:2] == (AttachCase(URN), RecordLeadProfessional(URN, LP))
    assert decision.actions[3:] == (ExpectTafMinutes(URN, LP, TODAY + timedelta(days=28), notify=True),)


def test_an_lp_outside_the_trusted_domains_is_not_emailed_and_a_person_is_asked() -> None:
    lp = LeadProfessional(name="Hannah Head", agency="Preston Primary", email="h.head@school.example.org")
    message = inbound("New lead professional", body(urn=URN, lead_professional=lp), (assessment(), plan()))
    decision = decide(message, view_with_case(today=TODAY), rules(taf_minutes_within_days=42))
    assert decision.actions[3:] == (
        ExpectTafMinutes(URN, lp, TODAY + timedelta(days=42), notify=False),
        Review(
            "lead_professional_not_told",
            "the new lead professional's email address is outside the trusted domains; tell them what they "
            "hold and that CAF@ expects TAF minutes",
        ),
    )


def test_wpehs_handoff_to_caf_records_the_lp_with_no_reply_to_our_own_mailbox() -> None:
    worker = LeadProfessional(
        name="Priya Shah", role="Early Help worker", agency="WPEHS", email="p@lancashire.gov.uk"
    )
    view = view_with_case(today=TODAY, handoff=HandoffView("caf_lp_update", URN, worker))
    decision = decide(inbound("New lead professional", sender=WPEHS), view, rules())
    assert decision == Decision(
        "new_lead_professional",
        "done",
        (
            AttachCase(URN),
            RecordLeadProfessional(URN, worker),
            ExpectTafMinutes(URN, worker, TODAY + timedelta(days=28), notify=True),
        ),
        explanation=("WPEHS's new lead professional update filed on the case",),
    )


def test_no_lead_professional_found_is_escalated_to_the_configured_team() -> None:
    message = inbound(
        f"Step down {URN}: no lead professional has been identified, no agency will agree to be LP",
        body(urn=URN),
    )
    team = "caf.linkworkers@lancashire.gov.uk"
    decision = decide(message, view_with_case(), rules(no_lead_professional_team=team))
    context = {
        "request_type": "no_lead_professional",
        "lead_professional": None,
        "work_requested_summary": None,
        "meeting_date": None,
    }
    assert decision == Decision(
        "no_lead_professional",
        "escalated",
        (
            AttachCase(URN),
            Send("no_lead_professional_escalation", (team,), context, key="no-lp-escalation"),
            Send("no_lead_professional_received", (SENDER,), {**context, "team_address": team}, key="no-lp"),
        ),
        explanation=("no lead professional found: escalated to the configured team",),
    )


def test_the_meeting_alert_goes_to_the_district_team_that_allocates() -> None:
    view = view_with_case(cases={URN: CaseView(URN, (CHILD,), district="Preston")})
    message = inbound(
        "Request for representation at the multi-agency meeting",
        body(urn=URN, work_requested="Parenting support", meeting_date=NEXT_ALLOCATIONS - timedelta(days=2)),
        (assessment(), plan()),
        mailbox_role="wpehs",
    )
    decision = decide(message, view, rules(district_teams={"Preston": "preston.ehteam@lancashire.gov.uk"}))
    alert = [a for a in decision.actions if isinstance(a, Send) and a.template == "meeting_alert"]
    assert [a.to for a in alert] == [("preston.ehteam@lancashire.gov.uk",)]
    assert alert[0].context["district"] == "Preston"


def test_the_district_comes_from_the_postcode_when_the_case_has_none() -> None:
    message = inbound(
        "Request for representation at the multi-agency meeting",
        body(urn=URN, work_requested="Parenting support", meeting_date=NEXT_ALLOCATIONS),
        (assessment(), plan()),
        mailbox_role="wpehs",
    )
    decision = decide(
        message,
        view_with_case(),
        rules(districts={"PR1": "Preston"}, district_teams={"Preston": "preston.ehteam@lancashire.gov.uk"}),
    )
    assert [a.to for a in decision.actions if isinstance(a, Send) and a.template == "meeting_alert"] == [
        ("preston.ehteam@lancashire.gov.uk",)
    ]


def test_a_reply_giving_the_date_of_birth_by_first_name_completes_the_urn_request() -> None:
    earlier = RequestView(
        7,
        "SD-000007",
        "urn_request",
        "incomplete",
        "caf",
        SENDER,
        None,
        0,
        documents=(assessment(children=(Child("Tom Sample", postcode="PR1 2AB"),), consent=CONSENTED),),
    )
    reply = inbound("RE: URN request", body(children=(Child("Tom", date(2017, 6, 14)),)))
    decision = decide(reply, RegisterView(open_request=earlier), rules())
    assert decision.actions[0] == IssueUrn(
        (Child("Tom Sample", date(2017, 6, 14), None, "PR1 2AB"),), "PR1 2AB"
    )


def test_a_reply_threaded_to_a_case_need_not_repeat_the_urn() -> None:
    waiting = RequestView(9, "SD-000009", "taf_minutes", "awaiting_taf", "caf", SENDER, URN, 0)
    reply = inbound("RE: You are now the lead professional", body(), (assessment(),))
    decision = decide(reply, view_with_case(open_request=waiting), rules())
    assert (decision.request_type, decision.state) == ("taf_minutes", "done")


def test_when_no_urn_is_left_to_issue_a_person_is_asked_and_the_message_does_not_fail() -> None:
    message = inbound("URN request", body(children=(CHILD,), consent=CONSENTED), (assessment(),))
    decision = decide(message, RegisterView(urns_remaining=0), rules())
    assert decision.state == "review" and decision.message_state == "review"
    assert [a.reason for a in decision.actions if isinstance(a, Review)] == ["urn_sequence_exhausted"]
