"""The step-down workflow carried out on the register: applying decisions in one unit of work,
allocation, chase-ups, the weekly digest, the review queue, retention and erasure of personal data,
teaching a form (``learn_form``), and what people do to the register (through the same
decide/apply/outbox path as mail).

The console (and any future command) calls these; each takes the caller's transaction, so a preview
can carry an action out in a rehearsal and show exactly the emails it would queue.
"""

from __future__ import annotations

from mailbot.workflow.correct_fact import CORRECTABLE, correct_fact
from mailbot.workflow.free_text_reply import reply_in_own_words
from mailbot.workflow.link_child import link_child
from mailbot.workflow.manual_urn import issue_urn
from mailbot.workflow.person import Settled, WorkflowError, redecide, settle
from mailbot.workflow.rectify import RECTIFIABLE, rectify_child
from mailbot.workflow.undo_allocation import Undone, undo_allocation

__all__ = [
    "CORRECTABLE",
    "RECTIFIABLE",
    "Settled",
    "Undone",
    "WorkflowError",
    "correct_fact",
    "issue_urn",
    "link_child",
    "rectify_child",
    "redecide",
    "reply_in_own_words",
    "settle",
    "undo_allocation",
]
