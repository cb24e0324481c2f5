"""How outgoing mail leaves: the outbox (``outbox`` drains, ``claims`` moves rows through their states
under a lease, ``journal`` notes each acceptance at once, ``sent_folder`` files and finds copies in
Sent, ``refusals`` reviews refused recipients), composing outbox rows from templates (``outgoing``), and the transports themselves
(SMTP, or files in a Maildir for the demo).
"""

__all__ = ["base", "claims", "journal", "maildir", "outbox", "outgoing", "refusals", "sent_folder", "smtp"]
