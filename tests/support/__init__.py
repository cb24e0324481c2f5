"""Helpers for the test suite: real servers (Dovecot, aiosmtpd, PostgreSQL) and the code that runs them."""
