"""Routes about the new lead professional (pure): recording one, WPEHS's hand-off to CAF@, what
follows (the LP's own email and the TAF minutes CAF@ expects), and "no lead professional found".

Lancashire's process ends every step down with CAF@ holding the new LP's details; the practice guidance
adds that the LP holds the first family-planning (TAF) meeting within four weeks and sends CAF@ the
minutes, and that when no agency will take the LP role the CAF link worker takes it up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mailbot.domain.facts import LeadProfessional
from mailbot.rules.actions import (
    Action,
    AttachCase,
    Decision,
    ExpectTafMinutes,
    RecordLeadProfessional,
    Review,
    Send,
)
from mailbot.rules.inbound import Rules
from mailbot.rules.view import HandoffView, RegisterView


def follow_up(
    urn: str, lead_professional: LeadProfessional, view: RegisterView, rules: Rules
) -> list[Action]:
    """After an LP is recorded: tell them what they hold and wait for their TAF minutes.

    The LP is emailed only at an address in a trusted domain (invariant 4); otherwise a person is
    asked to tell them, and the TAF minutes are still awaited (and escalated to CAF@ when late).
    """
    if view.today is None:
        return []
    trusted = bool(lead_professional.email) and rules.is_trusted(lead_professional.email or "")
    due = view.today + timedelta(days=rules.taf_minutes_within_days)
    actions: list[Action] = [ExpectTafMinutes(urn, lead_professional, due, notify=trusted)]
    if not trusted:
        why = (
            "the new lead professional's email address is outside the trusted domains"
            if lead_professional.email
            else "the new lead professional has no email address on record"
        )
        actions.append(
            Review(
                "lead_professional_not_told",
                f"{why}; tell them what they hold and that CAF@ expects TAF minutes",
            )
        )
    return actions


def record_lead_professional(
    request_type: str,
    sender: str,
    urn: str,
    lead_professional: LeadProfessional,
    context: dict[str, Any],
    view: RegisterView,
    rules: Rules,
) -> Decision:
    """A complete new-LP notification: record the LP, tell the social worker what to do on LCS, follow up."""
    actions: list[Action] = [
        AttachCase(urn),
        RecordLeadProfessional(urn, lead_professional),
        Send("lp_recorded", (sender,), context, key="lp-recorded"),
        *follow_up(urn, lead_professional, view, rules),
    ]
    return Decision(request_type, "done", tuple(actions), explanation=("new lead professional recorded",))


def decide_handoff(handoff: HandoffView, view: RegisterView, rules: Rules) -> Decision:
    """WPEHS's own "new lead professional" email reaching CAF@: file it on the case and follow up.

    The allocation already recorded the LP (recording the same LP again changes nothing); what CAF@
    adds is the request on its side, the assessment and plan filed on the case, and the follow-up.
    No reply: the sender is our own other mailbox.
    """
    lp = handoff.lead_professional
    if handoff.urn is None or handoff.urn not in view.cases or lp is None or not lp.name:
        return Decision(
            "new_lead_professional",
            "review",
            (
                Review(
                    "handoff_incomplete",
                    "WPEHS's new lead professional update names no case or LP on the register",
                ),
            ),
            message_state="review",
            explanation=("hand-off without a case or lead professional",),
        )
    actions: list[Action] = [
        AttachCase(handoff.urn),
        RecordLeadProfessional(handoff.urn, lp),
        *follow_up(handoff.urn, lp, view, rules),
    ]
    return Decision(
        "new_lead_professional",
        "done",
        tuple(actions),
        explanation=("WPEHS's new lead professional update filed on the case",),
    )


def decide_no_lead_professional(sender: str, urn: str, context: dict[str, Any], rules: Rules) -> Decision:
    """No agency will be lead professional: hand the case to the configured team, tell the sender."""
    team = rules.no_lead_professional_team or rules.caf_address
    actions: list[Action] = [
        AttachCase(urn),
        Send("no_lead_professional_escalation", (team,), context, key="no-lp-escalation"),
        Send("no_lead_professional_received", (sender,), {**context, "team_address": team}, key="no-lp"),
    ]
    return Decision(
        "no_lead_professional",
        "escalated",
        tuple(actions),
        explanation=("no lead professional found: escalated to the configured team",),
    )
