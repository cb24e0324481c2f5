"""How outgoing mail leaves: the outbox (claim, send, file in Sent, retry), composing outbox rows from
templates, and the transports themselves (SMTP, or files in a Maildir for the demo).
"""

__all__ = ["base", "maildir", "outbox", "outgoing", "smtp"]
