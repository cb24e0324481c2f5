"""Incoming and outgoing email as the pure core sees it: MIME parsing (TNEF, .msg), automatic-mail
detection (RFC 3834), threading, quoted text, attachment sorting and the composition of replies.
"""

__all__ = ["attachments", "automatic", "compose", "message", "parse", "quoting", "threads"]
