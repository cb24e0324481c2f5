"""mailbot: automates the CAF@ and preventionearlyhelp@ mailboxes for children's step downs to Early Help."""

__version__ = "0.1.0"
