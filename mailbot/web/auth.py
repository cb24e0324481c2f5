"""Sign-in with the council's identity provider (OpenID Connect, authorisation code flow), sign-out,
and the signed-in person on every request (with the idle timeout).

There is no local password store: who someone is and which groups they are in come from the ID
token; the groups map onto console roles through ``[web.roles]``. The person's name, email and
roles live in the signed session cookie, with the time of their last request: a session idle for
longer than ``idle_timeout_minutes`` is over, and so is one older than ``session_max_hours``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.config import WebSettings
from mailbot.errors import ConfigError
from mailbot.register.staff import record_sign_in
from mailbot.web.roles import Permission, may, roles_from_groups

log = logging.getLogger(__name__)
USER_KEY = "user"


@dataclass(frozen=True)
class User:
    """The signed-in person as the console knows them (from the ID token)."""

    subject: str
    name: str
    email: str
    roles: tuple[str, ...]

    @property
    def actor(self) -> str:
        """How the audit trail names them."""
        return f"console:{self.email or self.subject}"

    def may(self, permission: Permission) -> bool:
        return may(self.roles, permission)


def certificate_credentials(certificate_path: Path) -> tuple[str, dict[str, Any]]:
    """For Entra ID's certificate credentials: the private key (PEM) and ``private_key_jwt`` with the
    x5t header (the certificate's SHA-1 thumbprint, base64url), as Microsoft requires.

    The file must hold the certificate and its RSA private key; anything else is a ``ConfigError`` at
    start, not a failed sign-in later.
    """
    from authlib.oauth2.rfc7523 import PrivateKeyJWT
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        load_pem_private_key,
    )

    try:
        data = certificate_path.read_bytes()
        certificate = x509.load_pem_x509_certificate(data)
        key = load_pem_private_key(data, password=None)
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(
            [
                f"web.oidc.client_certificate: {certificate_path} must hold the certificate and its "
                f"unencrypted private key in PEM ({type(error).__name__})"
            ]
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise ConfigError(
            ["web.oidc.client_certificate: the private key must be RSA (Entra ID signs with RS256)"]
        )
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    thumbprint = hashlib.sha1(certificate.public_bytes(Encoding.DER)).digest()  # noqa: S324 (x5t is SHA-1 by spec)
    x5t = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
    return pem, {"token_endpoint_auth_method": PrivateKeyJWT(headers={"x5t": x5t}, alg="RS256")}


def make_oauth(web: WebSettings) -> OAuth:
    """The OpenID client, configured from the provider's discovery document (fetched once, cached)."""
    oauth = OAuth()
    client_kwargs: dict[str, Any] = {"scope": web.oidc.scopes, "code_challenge_method": "S256"}
    secret = web.oidc.client_secret()
    if web.oidc.client_certificate is not None:
        secret, extra = certificate_credentials(web.oidc.client_certificate)
        client_kwargs.update(extra)
    oauth.register(
        "idp",
        client_id=web.oidc.client_id,
        client_secret=secret,
        server_metadata_url=web.oidc.metadata_url,
        client_kwargs=client_kwargs,
    )
    return oauth


def current_user(request: Request, web: WebSettings) -> User | None:
    """The signed-in person, or None (never signed in, idle too long, or session too old)."""
    stored = request.session.get(USER_KEY)
    if not isinstance(stored, dict):
        return None
    now = time.time()
    idle = now - float(stored.get("seen", 0))
    age = now - float(stored.get("since", 0))
    if idle > web.idle_timeout_minutes * 60 or age > web.session_max_hours * 3600:
        request.session.clear()
        return None
    stored["seen"] = int(now)
    request.session[USER_KEY] = stored
    return User(stored["sub"], stored["name"], stored["email"], tuple(stored["roles"]))


def _user_from_claims(claims: dict[str, Any], web: WebSettings) -> User:
    groups = claims.get(web.oidc.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    email = str(claims.get("email") or claims.get("preferred_username") or "")
    return User(
        subject=str(claims["sub"]),
        name=str(claims.get("name") or email or claims["sub"]),
        email=email,
        roles=roles_from_groups([str(g) for g in groups], web.roles),
    )


async def sign_in(request: Request) -> Response:
    web: WebSettings = request.app.state.console.web
    oauth: OAuth = request.app.state.oauth
    redirect_uri = f"{web.base_url}/auth/callback"
    response: Response = await oauth.idp.authorize_redirect(request, redirect_uri)
    return response


async def callback(request: Request) -> Response:
    """The provider sends the person back here with a code; exchange it and start their session."""
    web: WebSettings = request.app.state.console.web
    oauth: OAuth = request.app.state.oauth
    try:
        token = await oauth.idp.authorize_access_token(request)
    except OAuthError as error:
        log.warning("sign-in failed error=%s", error.error)
        return RedirectResponse("/signed-out?failed=1", status_code=303)
    user = _user_from_claims(dict(token.get("userinfo") or {}), web)
    request.session.clear()  # a fresh session (and CSRF token) at sign-in: no fixation
    now = int(time.time())
    request.session[USER_KEY] = {
        "sub": user.subject,
        "name": user.name,
        "email": user.email,
        "roles": list(user.roles),
        "seen": now,
        "since": now,
    }
    await run_in_threadpool(_remember, request, user)
    log.info("signed in roles=%s", ",".join(user.roles) or "none")
    return RedirectResponse("/", status_code=303)


def _remember(request: Request, user: User) -> None:
    """Record the sign-in and the roles it brought in the register (``staff``): the allocation route
    reads it when allocators come from the identity provider's group."""
    console = request.app.state.console
    with console.register.transaction() as session:
        record_sign_in(session, user.email, user.name, user.roles, console.now())


def sign_out(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/signed-out", status_code=303)
