"""Where incoming mail comes from: IMAP mailboxes or local Maildirs."""
