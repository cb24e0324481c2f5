"""Which request a message is: by mailbox first, then what the email says and what is attached (pure)."""

from __future__ import annotations

import re

from mailbot.rules.merge import RequestFacts

REQUEST_TYPES = (
    "urn_request",
    "new_lead_professional",
    "taf_minutes",
    "step_down_wpehs",
    "meeting_representation",
    "no_lead_professional",
)

_TAF = re.compile(
    r"\bTAF\b[^.\n]{0,40}\bminutes\b|\bminutes\b[^.\n]{0,40}\bTAF\b|team around the (family|child)[^.\n]{0,30}minutes"
    r"|re-?version(ed)?\b|updated (caf |early help )?assessment|revised (caf |early help )?assessment",
    re.IGNORECASE,
)
_NEW_LP = re.compile(
    r"\bnew (lead professional|LP)\b|\blead professional (will be|is now|is|has been)\b|taking over as (the )?(lead|LP)"
    r"|\bLP details\b|single[- ]agency step[- ]down|multi[- ]agency (response|step[- ]down)",
    re.IGNORECASE,
)
_NO_LP = re.compile(
    r"\bno (?:new )?(?:lead professional|lead practitioner|LP)\b[^.\n]{0,40}\b(?:identified|found|agreed|available|"
    r"been identified|can be found|could be found)"
    r"|\bno (?:agency|partner|professional|one|service)\b[^.\n]{0,40}\b(?:agree[sd]?|willing|will|able)\b[^.\n]{0,30}"
    r"\b(?:lead professional|lead practitioner|LP)\b"
    r"|\bunable to (?:identify|find) (?:a |an )?(?:new )?(?:lead professional|lead practitioner|LP)\b",
    re.IGNORECASE,
)
_MEETING = re.compile(
    r"multi[- ]agency meeting|\bMAM\b|representation at|(attend|attendance at) (the |a )?(multi|TAF|CIN|step[- ]down)"
    r"|worker to attend",
    re.IGNORECASE,
)
_URN_REQUEST = re.compile(
    r"\b(request|need|require|issue|allocate)\w*\b[^.\n]{0,30}\bURN\b|\bURN request", re.I
)


def classify(mailbox_role: str, text: str, facts: RequestFacts) -> str:
    """Return the request type for a new message to ``mailbox_role`` ("caf" or "wpehs").

    ``text`` is the subject plus the newly written part of the body. The rules follow Lancashire's
    process: preventionearlyhelp@ only receives step downs to WPEHS (or requests for representation
    at a multi-agency meeting); CAF@ receives URN requests, new-LP notifications and filings.
    """
    if mailbox_role == "wpehs":
        if _MEETING.search(text):
            return "meeting_representation"
        return "step_down_wpehs"
    kinds = set(facts.document_kinds)
    if not (facts.urns or facts.invalid_urns) and _URN_REQUEST.search(text) and "taf_minutes" not in kinds:
        # Asking for a URN, with none given, is a URN request, even when the sender also says they
        # are taking over as lead professional (every other CAF@ route needs an existing URN).
        return "urn_request"
    if _NO_LP.search(text):
        return "no_lead_professional"
    if "taf_minutes" in kinds or _TAF.search(text):
        return "taf_minutes"
    if _NEW_LP.search(text) or (facts.lead_professional and facts.lead_professional.name and facts.urns):
        return "new_lead_professional"
    if (facts.urns or facts.invalid_urns) and not _URN_REQUEST.search(text):
        # A URN already exists and nobody asks for one: a document sent to be filed on the case.
        return "taf_minutes"
    return "urn_request"
