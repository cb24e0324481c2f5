"""The SASL XOAUTH2 exchange (Google's and Microsoft's bearer-token mechanism for IMAP and SMTP), pure.

Client first message: ``user=<address>^Aauth=Bearer <token>^A^A``. On refusal the server sends one
more challenge, a base64 JSON error such as ``{"status":"401","schemes":"bearer","scope":"..."}``,
to which the client must answer with an empty line before the final NO/535 arrives.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def xoauth2_initial_response(user: str, token: str) -> bytes:
    """The unencoded XOAUTH2 client response (imaplib and aiosmtplib base64-encode it themselves)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def parse_error_challenge(challenge: bytes) -> dict[str, Any] | None:
    """The server's JSON error from a challenge (already base64-decoded by imaplib); None if not JSON."""
    text = challenge.strip()
    if not text:
        return None
    for candidate in (text, _b64(text)):
        if candidate is None:
            continue
        try:
            value = json.loads(candidate)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(value, dict):
            return value
    return None


def _b64(text: bytes) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


class Xoauth2Responder:
    """The SASL callback for ``IMAPClient.sasl_login``: the token first, then an empty answer to the
    error challenge (never the token twice); keeps the server's error for the explanation."""

    def __init__(self, user: str, token: str) -> None:
        self._first = xoauth2_initial_response(user, token)
        self.calls = 0
        self.server_error: dict[str, Any] | None = None

    def __call__(self, challenge: bytes) -> bytes:
        self.calls += 1
        if self.calls == 1:
            return self._first
        self.server_error = parse_error_challenge(challenge)
        return b""
