"""CSRF protection: a per-session secret token in every form, checked on every POST.

The token lives in the signed session cookie (so any console process behind the load balancer can
check it) and is compared in constant time. A POST whose Origin header names another site is refused
too, before the token is looked at.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

FIELD = "csrf_token"
SESSION_KEY = "csrf"


def token(request: Request) -> str:
    """The session's token, made on first use."""
    value = request.session.get(SESSION_KEY)
    if not isinstance(value, str):
        value = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = value
    return value


def same_origin(request: Request, base_url: str) -> bool:
    """False when the browser says the form came from another origin (Origin or Referer header)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    sent, ours = urlsplit(origin), urlsplit(base_url)
    return (sent.scheme, sent.netloc) == (ours.scheme, ours.netloc)


def valid(request: Request, submitted: object) -> bool:
    expected = request.session.get(SESSION_KEY)
    if not isinstance(expected, str) or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())
