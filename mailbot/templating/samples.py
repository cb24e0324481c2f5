"""Sample contexts for every email template: the documentation of each template's keys (pure values).

``mailbot templates preview NAME`` renders ``SAMPLES[NAME]``; the tests render every template with its
sample and each of its ``VARIANTS``. Every key listed is required (``StrictUndefined``); "or None"
means the key must be present but may be None. The names and addresses are invented.

Keys every template takes (``COMMON``):

=================  ==========================================================================
``team_name``      who signs the email: "CAF database team" or "WPEHS team" (per mailbox)
``council_name``   "Lancashire County Council"
``mailbox_address`` the mailbox sending it, e.g. "CAF@lancashire.gov.uk"
``reference``      the request's tag, "SD-000123"; every subject carries ``[reference]``
=================  ==========================================================================

Keys per template (besides ``COMMON``). ``recipient_name`` is the sender's display name or None
(then "Hello,"). ``child_initials`` comes from ``mailbot.rules.digest.initials`` ("A.O."), never a name.

=========================  ===============================================================================
template                   keys
=========================  ===============================================================================
urn_issued                 recipient_name, urn, child_initials, wpehs_mailbox
urn_existing               recipient_name, urn, child_initials, matched_on ("name and date of birth" /
                           "LCS ID"), wpehs_mailbox
level_one_no_urn           recipient_name, child_initials
acknowledgement            recipient_name, request_type (one of ``REQUEST_TYPES``), urn or None,
                           child_initials or None, next_allocations_meeting (date; used by
                           step_down_wpehs and meeting_representation), meeting_date (date;
                           meeting_representation)
untrusted_acknowledgement  nothing else: no personal data at all
chase_up                   recipient_name, request_type, urn or None, child_initials or None,
                           missing (list of ``MISSING_FACTS`` codes, or phrases shown as written),
                           file_problems (list of {filename, code (mailbot.domain.facts.PROBLEM_CODES), detail}),
                           attempt (0 = the first reply listing what is missing, 1.. = reminders),
                           max_attempts (reminders before escalation), first_asked_on (date; reminders)
unknown_urn                recipient_name, urn_as_written (exactly as the sender wrote it), reason
                           (one of ``UNKNOWN_URN_REASONS``), caf_mailbox
lp_recorded                recipient_name, urn, child_initials or None, lead_professional ({name, role or
                           None, agency, email or None, phone or None}), taf_weeks
lead_professional_welcome  recipient_name, urn, child_initials or None, lead_professional (as lp_recorded),
                           taf_weeks (int), taf_due_on (date)
taf_minutes_chase          recipient_name, urn, child_initials or None, received_on (date the LP was
                           recorded), taf_weeks, taf_due_on, attempt (1..), max_attempts
taf_minutes_overdue        urn, child_initials or None, received_on, taf_weeks, taf_due_on, attempts (0 when
                           the LP could not be emailed), lead_professional ({name or None, agency or None, ...})
no_lead_professional_escalation  urn, child_initials or None
no_lead_professional_received    recipient_name, urn, child_initials or None, team_address
allocation_unreadable      problems (list of {line, urn, reason}), allocated (list of URNs recorded),
                           reference ("WD-…" or "SD-…" of what was answered, or "")
filed                      recipient_name, urn, child_initials, filed_on (date), documents (list of
                           {filename, kind: "taf_minutes" | "assessment" | "plan" | "other"})
allocation_feedback        recipient_name, urn, child_initials, worker_name, worker_team or None,
                           worker_email or None, allocated_on (date), meeting (bool: the worker attends a
                           multi-agency meeting; no lead professional recorded yet), meeting_date or None
caf_lp_update              urn, child_initials, lead_professional (as lp_recorded), allocated_on (date),
                           attachments (list of file names; the files are attached by the outbox)
weekly_digest              ``mailbot.rules.digest.build_digest(...)``: as_of, next_meeting, districts, totals,
                           widths, example_urn
meeting_alert              urn, child_initials, district, meeting_date (date), next_allocations_meeting
                           (date), work_requested_summary or None
staff_reply                recipient_name, message (what a member of the team wrote on the console)
allocation_withdrawn       recipient_name, urn, child_initials, worker_name (an allocation undone at
                           the meeting; to the social worker and CAF@)
review_alert               reason (words for the team; never a child's name), received_at (datetime)
escalation                 request_type, urn or None, child_initials or None, attempts, missing (as
                           chase_up), received_on (date)
=========================  ===============================================================================
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from mailbot.rules.digest import DigestEntry, build_digest
from mailbot.rules.requirements import MISSING_FACTS

#: The request types the acknowledgement, chase-up and escalation emails have wording for.
REQUEST_TYPES = (
    "urn_request",
    "new_lead_professional",
    "taf_minutes",
    "step_down_wpehs",
    "meeting_representation",
)


UNKNOWN_URN_REASONS = ("check_failed", "no_check_character", "not_on_register")

CAF: dict[str, object] = {
    "team_name": "CAF database team",
    "council_name": "Lancashire County Council",
    "mailbox_address": "CAF@lancashire.gov.uk",
    "reference": "SD-000123",
}
WPEHS: dict[str, object] = {
    "team_name": "WPEHS team",
    "council_name": "Lancashire County Council",
    "mailbox_address": "preventionearlyhelp@lancashire.gov.uk",
    "reference": "SD-000124",
}
COMMON = tuple(CAF)

_LEAD_PROFESSIONAL: dict[str, object] = {
    "name": "Priya Shah",
    "role": "Family Support Worker",
    "agency": "Preston North WPEHS",
    "email": "priya.shah@lancashire.gov.uk",
    "phone": "01772 530000",
}

_DIGEST_ENTRIES = (
    DigestEntry(
        reference="SD-000101",
        urn="LAN-004217-K",
        initials="A.O.",
        district="Preston",
        received=date(2025, 9, 29),
        days_waiting=11,
        state="waiting",
        meeting_date=date(2025, 10, 16),
        work_requested_summary="parenting support and school attendance",
    ),
    DigestEntry(
        reference="SD-000109",
        urn="LAN-004230-Q",
        initials="T.M.",
        district="Preston",
        received=date(2025, 10, 6),
        days_waiting=6,
        state="waiting",
        work_requested_summary="young carer support",
    ),
    DigestEntry(
        reference="SD-000112",
        urn="LAN-004233-K",
        initials="K.B.",
        district="Preston",
        received=date(2025, 10, 8),
        days_waiting=4,
        state="incomplete",
        missing=["plan", "consent"],
    ),
    DigestEntry(
        reference="SD-000104",
        urn="LAN-004221-S",
        initials="J.W.",
        district="Chorley and South Ribble",
        received=date(2025, 10, 1),
        days_waiting=9,
        state="waiting",
        work_requested_summary="emotional wellbeing",
    ),
)

SAMPLES: dict[str, dict[str, object]] = {
    "urn_issued": {
        **CAF,
        "recipient_name": "Sam Patel",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "wpehs_mailbox": "preventionearlyhelp@lancashire.gov.uk",
    },
    "urn_existing": {
        **CAF,
        "recipient_name": "Sam Patel",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "matched_on": "name and date of birth",
        "wpehs_mailbox": "preventionearlyhelp@lancashire.gov.uk",
    },
    "level_one_no_urn": {**CAF, "recipient_name": "Sam Patel", "child_initials": "A.O."},
    "acknowledgement": {
        **WPEHS,
        "recipient_name": "Sam Patel",
        "request_type": "meeting_representation",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "next_allocations_meeting": date(2025, 10, 20),
        "meeting_date": date(2025, 10, 16),
    },
    "untrusted_acknowledgement": {**CAF},
    "chase_up": {
        **WPEHS,
        "recipient_name": "Sam Patel",
        "request_type": "step_down_wpehs",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "missing": ["plan", "work_requested", "consent"],
        "file_problems": [
            {"filename": "Assessment.docx", "code": "encrypted", "detail": "the file is password protected"},
        ],
        "attempt": 1,
        "max_attempts": 2,
        "first_asked_on": date(2025, 10, 6),
    },
    "unknown_urn": {
        **CAF,
        "recipient_name": "Sam Patel",
        "urn_as_written": "LAN 004271 K",
        "reason": "check_failed",
        "caf_mailbox": "CAF@lancashire.gov.uk",
    },
    "lp_recorded": {
        **CAF,
        "recipient_name": "Sam Patel",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "lead_professional": dict(_LEAD_PROFESSIONAL),
        "taf_weeks": 4,
    },
    "lead_professional_welcome": {
        **CAF,
        "recipient_name": "Priya Shah",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "lead_professional": dict(_LEAD_PROFESSIONAL),
        "taf_weeks": 4,
        "taf_due_on": date(2025, 11, 17),
    },
    "taf_minutes_chase": {
        **CAF,
        "recipient_name": "Priya Shah",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "received_on": date(2025, 10, 20),
        "taf_weeks": 4,
        "taf_due_on": date(2025, 11, 17),
        "attempt": 1,
        "max_attempts": 2,
    },
    "taf_minutes_overdue": {
        **CAF,
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "received_on": date(2025, 10, 20),
        "taf_weeks": 4,
        "taf_due_on": date(2025, 11, 17),
        "attempts": 2,
        "lead_professional": dict(_LEAD_PROFESSIONAL),
    },
    "no_lead_professional_escalation": {**CAF, "urn": "LAN-004217-K", "child_initials": "A.O."},
    "no_lead_professional_received": {
        **CAF,
        "recipient_name": "Sam Patel",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "team_address": "caf.linkworkers@lancashire.gov.uk",
    },
    "allocation_unreadable": {
        **WPEHS,
        "reference": "WD-2025-10-13",
        "problems": [
            {"line": 3, "urn": "LAN-004271-K", "reason": "the URN's check character does not match"},
        ],
        "allocated": ["LAN-004217-K"],
    },
    "filed": {
        **CAF,
        "recipient_name": "Priya Shah",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "filed_on": date(2025, 11, 12),
        "documents": [
            {"filename": "TAF minutes 10.11.25.docx", "kind": "taf_minutes"},
            {"filename": "Assessment v2.docx", "kind": "assessment"},
        ],
    },
    "allocation_feedback": {
        **WPEHS,
        "recipient_name": "Sam Patel",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "worker_name": "Priya Shah",
        "worker_team": "Preston North WPEHS",
        "worker_email": "priya.shah@lancashire.gov.uk",
        "allocated_on": date(2025, 10, 20),
        "meeting": False,
        "meeting_date": None,
    },
    "caf_lp_update": {
        **WPEHS,
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "lead_professional": dict(_LEAD_PROFESSIONAL),
        "allocated_on": date(2025, 10, 20),
        "attachments": ["Step down assessment.docx", "Child's plan.pdf"],
    },
    "weekly_digest": {
        **WPEHS,
        "reference": "WD-2025-10-13",
        **build_digest(_DIGEST_ENTRIES, as_of=date(2025, 10, 13), next_meeting=date(2025, 10, 20)),
    },
    "meeting_alert": {
        **WPEHS,
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "district": "Preston",
        "meeting_date": date(2025, 10, 16),
        "next_allocations_meeting": date(2025, 10, 20),
        "work_requested_summary": "parenting support and school attendance",
    },
    "review_alert": {
        **CAF,
        "reason": "the email names two children with different dates of birth in the assessment and the plan",
        "received_at": datetime(2025, 10, 14, 9, 30, tzinfo=ZoneInfo("Europe/London")),
    },
    "staff_reply": {
        **CAF,
        "recipient_name": "Sam Worker",
        "message": "Thank you. We have checked the record with you by phone.\n\nThe case is now closed.",
    },
    "allocation_withdrawn": {
        **WPEHS,
        "recipient_name": "Sam Worker",
        "urn": "LAN-004217-K",
        "child_initials": "A.O.",
        "worker_name": "Priya Shah",
    },
    "escalation": {
        **CAF,
        "request_type": "urn_request",
        "urn": None,
        "child_initials": "A.O.",
        "attempts": 2,
        "missing": ["child_date_of_birth", "consent"],
        "received_on": date(2025, 10, 1),
    },
}

#: Other contexts worth rendering: every request type, the first chase, a final reminder, every reason.
VARIANTS: dict[str, list[dict[str, object]]] = {
    "acknowledgement": [
        {
            **SAMPLES["acknowledgement"],
            "request_type": kind,
            "urn": None if kind == "urn_request" else "LAN-004217-K",
        }
        for kind in REQUEST_TYPES
    ],
    "chase_up": [
        {**SAMPLES["chase_up"], "attempt": 0},
        {**SAMPLES["chase_up"], "attempt": 2, "missing": [], "urn": None, "child_initials": None},
        {
            **SAMPLES["chase_up"],
            "missing": list(MISSING_FACTS),
            "file_problems": [
                {"filename": f"file-{code}.docx", "code": code, "detail": "a .pages file"}
                for code in (
                    "encrypted",
                    "corrupt",
                    "too_large",
                    "timeout",
                    "no_text_layer",
                    "unsupported_format",
                    "invalid_urn",
                    "macro_enabled",
                    "empty",
                )
            ],
        },
    ],
    "unknown_urn": [{**SAMPLES["unknown_urn"], "reason": reason} for reason in UNKNOWN_URN_REASONS],
    "weekly_digest": [
        {**WPEHS, "reference": "WD-2025-10-20", **build_digest((), date(2025, 10, 20), date(2025, 10, 27))},
    ],
    "allocation_feedback": [
        {**SAMPLES["allocation_feedback"], "worker_team": None, "worker_email": None},
        {**SAMPLES["allocation_feedback"], "meeting": True, "meeting_date": date(2025, 10, 23)},
    ],
    "lp_recorded": [
        {**SAMPLES["lp_recorded"], "lead_professional": {**_LEAD_PROFESSIONAL, "role": None, "phone": None}}
    ],
    "escalation": [{**SAMPLES["escalation"], "urn": "LAN-004217-K", "child_initials": None}],
    "taf_minutes_chase": [{**SAMPLES["taf_minutes_chase"], "attempt": 2, "child_initials": None}],
    "taf_minutes_overdue": [
        {**SAMPLES["taf_minutes_overdue"], "attempts": 0, "lead_professional": {"name": None, "agency": None}}
    ],
    "allocation_unreadable": [{**SAMPLES["allocation_unreadable"], "allocated": []}],
    "level_one_no_urn": [{**SAMPLES["level_one_no_urn"], "child_initials": None}],
}
