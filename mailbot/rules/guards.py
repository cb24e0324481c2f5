"""The guards around every decision (pure): automatic mail is never answered, an untrusted or
unauthenticated sender gets no personal data, and the reply limits hold emails in floods and loops.

``mailbot.rules.decide`` calls these before (automatic mail, trust) and after (limits) it works out
a route, so no route can forget them.
"""

from __future__ import annotations

from dataclasses import replace

from mailbot.mail.message import AutomaticMail
from mailbot.rules.actions import Action, Decision, Ignore, MarkOutboxFailed, Review, Send
from mailbot.rules.authentication import SenderAuthentication
from mailbot.rules.limits import ReplyCounts, ReplyLimits, check_limits
from mailbot.rules.trust import address_domain, is_trusted_address


def decide_automatic(automatic: AutomaticMail) -> Decision:
    """Never answered (invariant 3). A bounce fails our outgoing message and, like a spam complaint
    about our mail (ARF), goes to a person; every other kind is recorded and ignored.
    """
    if automatic.kind == "bounce":
        actions: list[Action] = [Review("bounce", automatic.reason)]
        if automatic.original_message_id:
            actions.insert(0, MarkOutboxFailed(automatic.original_message_id, automatic.failed_recipients))
        return Decision(
            None, "bounce", tuple(actions), message_state="bounce", explanation=(automatic.reason,)
        )
    if automatic.kind == "feedback_report":
        return Decision(
            None,
            "review",
            (Review("feedback_report", "a recipient's mail system reported our email as unwanted"),),
            message_state="review",
            explanation=(automatic.reason,),
        )
    return Decision(
        None, "ignored", (Ignore(automatic.reason),), message_state="ignored", explanation=(automatic.reason,)
    )


def untrusted_reason(
    sender: str,
    *,
    sender_problem: str | None,
    authentication: SenderAuthentication | None,
    trusted_domains: tuple[str, ...],
    require_authentication: bool,
) -> tuple[str, str, bool] | None:
    """Why the sender may not get personal data: (review reason, detail, acknowledge?), or None.

    Only a partner on an unlisted domain is acknowledged. A malformed From, an address with routing
    or quoting tricks, or mail that fails the council's own authentication is not: the address is
    likely forged, and a reply would land on whoever really owns it (backscatter).
    """
    if sender_problem:
        return "untrusted_sender", f"the From header is not one plain address ({sender_problem})", False
    if address_domain(sender) is None:
        return (
            "untrusted_sender",
            "the sender's address is not a plain mailbox (routing or quoting tricks)",
            False,
        )
    if not is_trusted_address(sender, trusted_domains):
        return "untrusted_sender", "sender's domain is not a trusted domain", True
    if authentication is not None and authentication.verdict == "fail":
        return "unauthenticated_sender", f"sender authentication failed: {authentication.reason}", False
    if require_authentication and (authentication is None or authentication.verdict == "none"):
        reason = (
            authentication.reason if authentication else "no authentication results from a trusted server"
        )
        return "unauthenticated_sender", f"sender not authenticated: {reason}", False
    return None


def hold_emails(
    decision: Decision,
    counts: ReplyCounts,
    limits: ReplyLimits,
    *,
    sender: str | None,
    request_id: int | None,
    pattern: str | None,
) -> Decision:
    """Hold the decision's emails when a reply limit is reached (``mailbot.rules.limits``).

    Every email the decision sends counts (the meeting alert to WPEHS too: a flood of meeting requests
    would flood WPEHS). The register work is kept; a person gets one review item per hold.
    """
    sends = [a for a in decision.actions if isinstance(a, Send)]
    if not sends or sender is None:
        return decision
    hold = check_limits(
        counts, limits, sender=sender, request_id=request_id, pattern=pattern, sending=len(sends)
    )
    if hold is None:
        return decision
    kept = tuple(a for a in decision.actions if not isinstance(a, Send))
    return replace(
        decision,
        actions=(*kept, Review(hold.reason, hold.detail, hold_key=hold.key)),
        message_state="review",
        explanation=(*decision.explanation, f"emails held by a reply limit ({hold.reason})"),
    )
