"""The SMTP transport's refused-recipient callback: a recipient refused at RCPT becomes a review item.

When the server accepts a message for some recipients and refuses others, the message is not sent
again (that would duplicate it for those who got it); a person must see who did not get it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from mailbot.register.database import Register
from mailbot.register.models import Outbox, ReviewItem
from mailbot.transports.base import OutgoingMail
from mailbot.transports.smtp import RefusedRecipients

log = logging.getLogger(__name__)


class RefusedRecipientsReview:
    """``on_refused`` for ``SmtpTransport``: one review item per message naming each refused recipient
    with the server's code and reply (the register may hold addresses; the log gets counts only)."""

    def __init__(self, register: Register, now: Callable[[], datetime]) -> None:
        self.register = register
        self.now = now

    def __call__(self, mail: OutgoingMail, refused: RefusedRecipients) -> None:
        refusals = "; ".join(f"{address}: {code} {text}" for address, (code, text) in sorted(refused.items()))
        with self.register.transaction() as session:
            row = session.get(Outbox, mail.outbox_id)
            template = row.template if row is not None else "outgoing"
            session.add(
                ReviewItem(
                    reason="recipient_refused",
                    detail=(
                        f"{template} email (outbox {mail.outbox_id}) was sent, but the mail server refused "
                        f"{len(refused)} of its {len(mail.recipients)} recipients: {refusals}"
                    )[:2000],
                    state="open",
                    request_id=row.request_id if row is not None else None,
                    outbox_id=mail.outbox_id if row is not None else None,
                    created_at=self.now(),
                )
            )
        log.warning(
            "recipient refused, review item raised outbox_id=%s refused=%s", mail.outbox_id, len(refused)
        )
