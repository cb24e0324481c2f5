"""How outgoing mail leaves: SMTP, or files in a Maildir for the demo."""
