"""Incoming and outgoing email as the pure core sees it: MIME parsing (TNEF, .msg), automatic-mail
detection (RFC 3834, RFC 3464 bounces), Authentication-Results (RFC 8601), threading, quoted text, attachment sorting and the composition of replies.
"""

__all__ = [
    "attachments",
    "authresults",
    "automatic",
    "autophrases",
    "compose",
    "dsn",
    "message",
    "parse",
    "quoting",
    "threads",
]
