"""Token providers: app-only tokens from Entra ID (MSAL) and delegated tokens from Google (google-auth).

Each provider keeps its token in memory, hands it out until it is due for renewal (a few minutes
before expiry) and fetches a new one on demand when a server refused it (``renew``). Providers are
shared: the two mailboxes and the SMTP identity of one Microsoft app use one provider, one token.
Thread-safe (the mailbox threads and the outbox ask at once).

Failures raise ``SignInError`` with the plain explanation of a known refusal; no message ever holds
the token or the secret.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import requests

from mailbot.errors import SignInError
from mailbot.signin.explain import explain, redact
from mailbot.signin.http import token_http_session
from mailbot.signin.tokens import AccessToken, token_from_lifetime

log = logging.getLogger(__name__)

MICROSOFT_SCOPE = "https://outlook.office365.com/.default"
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
GOOGLE_SCOPE = "https://mail.google.com/"


def utc_now() -> datetime:
    return datetime.now(UTC)


class TokenProvider(Protocol):
    """Where a sign-in gets its bearer token."""

    #: What this provider signs in as, for reports: no secret in it.
    description: str

    def token(self) -> AccessToken:
        """A token valid for a while yet (cached; fetched when none is, or the cached one is due)."""
        ...

    def renew(self) -> AccessToken:
        """A freshly fetched token (the server refused the cached one)."""
        ...


class CachedTokens:
    """The in-memory cache and renewal rule shared by every provider; ``fetch`` does the network part."""

    description = "token provider"

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self.fetched = 0  # tokens fetched so far (health checks, tests)

    def _fetch(self, force: bool) -> AccessToken:
        raise NotImplementedError

    def token(self) -> AccessToken:
        with self._lock:
            if self._token is None or self._token.due(self._clock()):
                self._token = self._fetched(force=False)
            return self._token

    def renew(self) -> AccessToken:
        with self._lock:
            self._token = self._fetched(force=True)
            return self._token

    def _fetched(self, force: bool) -> AccessToken:
        token = self._fetch(force)
        self.fetched += 1
        log.info(
            "signin token obtained provider=%s lifetime_s=%d",
            self.description,
            int((token.expires_at - token.obtained_at).total_seconds()),
        )
        return token


# -------------------------------------------------------------------------------------- Microsoft


@dataclass(frozen=True)
class MicrosoftApp:
    """An Entra ID app registration used app-only (client credentials).

    Exactly one of ``client_secret`` and ``certificate_path`` (PEM holding the private key and the
    certificate). ``certificate_thumbprint`` is the SHA-1 thumbprint Entra shows; without it MSAL
    computes the SHA-256 one from the certificate (PS256 assertion).
    """

    tenant_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    authority_host: str = MICROSOFT_AUTHORITY
    scope: str = MICROSOFT_SCOPE
    ca_file: Path | None = None
    timeout: float = 30.0

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant_id}"


class MicrosoftTokens(CachedTokens):
    """App-only tokens for Exchange Online from MSAL's ``ConfidentialClientApplication``.

    The MSAL application (which fetches the tenant's OpenID configuration) is built on first use, so
    a wrong tenant or an unreachable network fails a sign-in, not the service's start.
    """

    def __init__(self, app: MicrosoftApp, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(clock)
        self.app = app
        self.description = f"microsoft app {app.client_id} tenant {app.tenant_id}"
        self._msal: Any = None
        self._secrets = tuple(s for s in (app.client_secret,) if s)

    def _credential(self) -> str | dict[str, str]:
        if self.app.certificate_path is not None:
            try:
                pem = self.app.certificate_path.read_text(encoding="ascii")
            except OSError as error:
                raise SignInError(
                    f"{self.description}: cannot read certificate_path {self.app.certificate_path} "
                    f"({error.strerror})"
                ) from error
            if self.app.certificate_thumbprint:
                return {"private_key": pem, "thumbprint": self.app.certificate_thumbprint.replace(":", "")}
            return {"private_key": pem, "public_certificate": pem}
        if not self.app.client_secret:
            raise SignInError(
                f"{self.description}: no client secret (the client_secret_env variable is empty)",
                str(explain("AADSTS7000218")),
            )
        return self.app.client_secret

    def _client(self) -> Any:
        if self._msal is None:
            import msal

            try:
                self._msal = msal.ConfidentialClientApplication(
                    self.app.client_id,
                    client_credential=self._credential(),
                    authority=self.app.authority,
                    validate_authority=self.app.authority_host.rstrip("/") == MICROSOFT_AUTHORITY,
                    instance_discovery=self.app.authority_host.rstrip("/") == MICROSOFT_AUTHORITY,
                    http_client=_TimeoutSession(token_http_session(self.app.ca_file), self.app.timeout),
                )
            except (ValueError, requests.RequestException) as error:
                raise self._error("cannot reach the tenant's sign-in configuration", error) from None
        return self._msal

    def _error(self, what: str, error: BaseException | str) -> SignInError:
        text = redact(str(error), self._secrets)
        known = explain(text)
        temporary = isinstance(error, requests.RequestException) and known is None
        return SignInError(
            f"{self.description}: {what}: {text}", str(known) if known else None, temporary=temporary
        )

    def _fetch(self, force: bool) -> AccessToken:
        client = self._client()
        # Our cache decides when to renew (renewal, or a server refused the token): MSAL would answer
        # from its own cache while its token has 5+ minutes left, so forget that first.
        cache = client.token_cache
        for item in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(item)
        now = self._clock()
        try:
            result = client.acquire_token_for_client(scopes=[self.app.scope])
        except (ValueError, requests.RequestException) as error:
            raise self._error("token request failed", error) from None
        if "access_token" not in result:
            description = str(result.get("error_description") or result.get("error") or "no token")
            raise self._error("Entra ID refused the token request", description.split(" Trace ID:")[0])
        return token_from_lifetime(str(result["access_token"]), now, float(result.get("expires_in", 3599)))


class _TimeoutSession(requests.Session):
    """Wraps a session so every request has a timeout (MSAL ignores its own ``timeout`` when given a
    session; a token service that never answers must not hang a mailbox thread)."""

    def __init__(self, inner: requests.Session, timeout: float) -> None:
        super().__init__()
        self._inner = inner
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._inner.request(method, url, *args, **kwargs)

    def close(self) -> None:
        self._inner.close()
        super().close()


# ----------------------------------------------------------------------------------------- Google


@dataclass(frozen=True)
class GoogleServiceAccount:
    """A Google service account key file (JSON) with domain-wide delegation."""

    service_account_file: Path
    scope: str = GOOGLE_SCOPE
    ca_file: Path | None = None
    timeout: float = 30.0


class GoogleTokens(CachedTokens):
    """Tokens for one Google Workspace mailbox (``subject``), by the service account's delegation."""

    def __init__(
        self, account: GoogleServiceAccount, subject: str, clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(clock)
        self.account = account
        self.subject = subject
        self.description = f"google service account for {subject}"
        self._credentials: Any = None
        self._session = _TimeoutSession(token_http_session(account.ca_file), account.timeout)

    def _load(self) -> Any:
        if self._credentials is None:
            from google.oauth2 import service_account

            try:
                self._credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                    str(self.account.service_account_file), scopes=[self.account.scope], subject=self.subject
                )
            except (OSError, ValueError) as error:
                raise SignInError(
                    f"{self.description}: cannot load service_account_file "
                    f"{self.account.service_account_file} ({type(error).__name__})"
                ) from None
        return self._credentials

    def _fetch(self, force: bool) -> AccessToken:
        from google.auth import exceptions
        from google.auth.transport.requests import Request

        credentials = self._load()
        now = self._clock()
        try:
            credentials.refresh(Request(self._session))
        except exceptions.RefreshError as error:
            text = redact(str(error.args[0] if error.args else error))
            known = explain(text)
            raise SignInError(
                f"{self.description}: Google refused the token request: {text}", str(known) if known else None
            ) from None
        except exceptions.TransportError as error:
            text = redact(str(error))
            known = explain(text)
            raise SignInError(
                f"{self.description}: token request failed: {text}",
                str(known) if known else None,
                temporary=known is None,
            ) from None
        expiry = credentials.expiry  # naive UTC (google-auth's convention)
        expires_at = expiry.replace(tzinfo=UTC) if expiry is not None else now
        return AccessToken(value=str(credentials.token), obtained_at=now, expires_at=expires_at)
