"""Signing in to mail servers with OAuth2: tokens from Entra ID (MSAL) or Google (google-auth).

Pure parts (no I/O, no clock): ``tokens`` (when to renew), ``xoauth2`` (the SASL exchange),
``explain`` (plain explanations of known failures; scrubbing secrets from text). Network parts:
``providers`` (token providers with an in-memory cache), ``http`` (the HTTPS session they use),
``registry`` (providers built from config, shared by IMAP and SMTP).
"""

from __future__ import annotations

from mailbot.signin.explain import Explanation, explain, explained, redact
from mailbot.signin.providers import GoogleTokens, MicrosoftTokens, TokenProvider
from mailbot.signin.tokens import AccessToken
from mailbot.signin.xoauth2 import Xoauth2Responder, xoauth2_initial_response

__all__ = [
    "AccessToken",
    "Explanation",
    "GoogleTokens",
    "MicrosoftTokens",
    "TokenProvider",
    "Xoauth2Responder",
    "explain",
    "explained",
    "redact",
    "xoauth2_initial_response",
]
