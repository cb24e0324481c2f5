"""Signing in to mail servers with OAuth2: tokens from Entra ID (MSAL) or Google (google-auth).

Pure parts (no I/O, no clock): ``tokens`` (when to renew), ``xoauth2`` (the SASL exchange),
``explain`` (plain explanations of known failures; scrubbing secrets from text). Network parts:
``providers`` (token providers with an in-memory cache), ``http`` (the HTTPS session they use),
``registry`` (providers built from config, shared by IMAP and SMTP).
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each name lives. Loaded on first use: importing ``mailbot.signin.explain`` (the logs' scrubber,
# which ``mailbot status`` needs) must not import ``requests`` and the token providers with it.
_EXPORTS = {
    "AccessToken": "mailbot.signin.tokens",
    "Explanation": "mailbot.signin.explain",
    "GoogleTokens": "mailbot.signin.providers",
    "MicrosoftTokens": "mailbot.signin.providers",
    "TokenProvider": "mailbot.signin.providers",
    "Xoauth2Responder": "mailbot.signin.xoauth2",
    "explain": "mailbot.signin.explain",
    "explained": "mailbot.signin.explain",
    "redact": "mailbot.signin.explain",
    "xoauth2_initial_response": "mailbot.signin.xoauth2",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
