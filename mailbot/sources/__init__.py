"""Where incoming mail comes from (IMAP mailboxes or local Maildirs) and intake, which stores each
message's raw bytes and commits its row before the message is moved at its source.
"""

__all__ = ["base", "imap", "intake", "maildir"]
