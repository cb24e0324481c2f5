"""Rectification (UK GDPR article 16): correct what the register holds about a child, with a reason.

The change and its reason go to the audit trail with who made it; the old value is kept there, so
the record of what was held (and sent) stays answerable, until retention or erasure removes the
child's details (``workflow/personal_data.py``: the event keeps who, when, which field and why).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from mailbot.register.models import Child, Event
from mailbot.workflow.person import WorkflowError

RECTIFIABLE = {"name": "Name", "date_of_birth": "Date of birth", "lcs_id": "LCS ID", "postcode": "Postcode"}


def rectify_child(
    session: Session, child_id: int, field: str, text: str, reason: str, now: datetime
) -> Child:
    """Set ``field`` of child ``child_id`` to ``text``; a reason is required."""
    if field not in RECTIFIABLE:
        raise WorkflowError(f"{field} cannot be rectified here")
    if not reason.strip():
        raise WorkflowError("give the reason for the rectification")
    child = session.get(Child, child_id, with_for_update=True)
    if child is None:
        raise WorkflowError(f"no child {child_id}")
    text = text.strip()
    old = getattr(child, field)
    if field == "date_of_birth":
        try:
            day, month, year = (int(part) for part in text.split("/"))
            value: object = date(year, month, day)
        except ValueError as error:
            raise WorkflowError("write the date of birth as DD/MM/YYYY") from error
    else:
        value = text or None
    setattr(child, field, value)
    session.add(
        Event(
            at=now,
            kind="rectified",
            case_id=child.case_id,
            detail={
                "child": child.id,
                "field": field,
                "was": old.isoformat() if isinstance(old, date) else old,
                "now": value.isoformat() if isinstance(value, date) else value,
                "reason": reason.strip(),
            },
        )
    )
    session.flush()
    return child
