"""A real OAuth2 token service for the test suite, over TLS on loopback, playing Entra ID and Google.

It implements what mailbot's two sign-in libraries really send, so MSAL and google-auth talk to it
unchanged:

- Entra ID (MSAL): ``GET /<tenant>/v2.0/.well-known/openid-configuration`` and the client-credentials
  grant at ``POST /<tenant>/oauth2/v2.0/token``, with a client secret or a ``private_key_jwt`` client
  assertion signed with the app's certificate (RS256 with ``x5t``, or PS256 with ``x5t#S256``).
  Refusals carry Entra's ``AADSTS`` codes and wording.
- Google (google-auth): the JWT-bearer grant (RFC 7523) at ``POST /google/token`` for a service
  account with domain-wide delegation, impersonating ``sub``.

Access tokens are RS256-signed JWTs (joserfc) with the lifetime the test sets (seconds, for expiry
tests). Claims the test mail servers check: ``exp``/``nbf``/``iat``; ``realm`` (``@domain``: Dovecot's
username check compares domains, as an app-only token names no mailbox); ``mailboxes`` (space-separated
addresses the app may open: Exchange's FullAccess) and ``send_as`` (addresses it may send as).
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry

LOOPBACK = "127.0.0.1"
OUTLOOK_AUDIENCE = "https://outlook.office365.com"
OUTLOOK_SCOPE = "https://outlook.office365.com/.default"
GOOGLE_SCOPE = "https://mail.google.com/"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SIGNING_KID = "mailbot-test-signing-key"
#: MSAL puts the whole certificate (``x5c``) in the assertion's header: more than joserfc's 512-byte default.
_ASSERTION_REGISTRY = JWSRegistry(algorithms=["RS256", "PS256"])
_ASSERTION_REGISTRY.max_header_length = 8192


@dataclass
class MicrosoftApp:
    """An Entra ID app registration: its credentials, and which mailboxes it may open and send as.

    ``state`` plays what an administrator can do to it: ``active``, ``disabled`` (AADSTS7000112),
    ``secret_expired`` (AADSTS7000222) or ``deleted`` (AADSTS700016).
    """

    tenant: str
    client_id: str
    domain: str
    secret: str | None = None
    certificate_sha1: str | None = None
    certificate_sha256: str | None = None
    public_key_pem: bytes | None = None
    mailboxes: set[str] = field(default_factory=set)
    send_as: set[str] = field(default_factory=set)
    state: str = "active"


@dataclass
class GoogleAccount:
    """A Google service account with domain-wide delegation for ``domain`` (or none, when not ``delegated``)."""

    client_email: str
    domain: str
    public_key_pem: bytes
    private_key_pem: str
    private_key_id: str
    delegated: bool = True
    send_as: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Issued:
    """One access token handed out (the test's record; the value itself is kept for leak checks)."""

    grant: str
    client: str
    subject: str | None
    expires_at: float
    value: str


@dataclass(frozen=True)
class AppCertificate:
    """A certificate and private key for app-only sign-in, as a council would upload to Entra ID."""

    pem_path: Path
    sha1_thumbprint: str
    sha256_thumbprint: str
    public_key_pem: bytes


def make_app_certificate(directory: Path, name: str = "mailbot-app") -> AppCertificate:
    """A self-signed certificate plus key in one PEM file (what ``certificate_path`` points at)."""
    from datetime import UTC, datetime, timedelta

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{name}.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    path.chmod(0o600)
    return AppCertificate(
        pem_path=path,
        sha1_thumbprint=cert.fingerprint(hashes.SHA1()).hex().upper(),  # as the Entra portal shows it
        sha256_thumbprint=cert.fingerprint(hashes.SHA256()).hex(),
        public_key_pem=key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


def _b64url_to_hex(text: str) -> str:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded).hex()


class OAuthError(Exception):
    """A refusal the token endpoint answers with (status, OAuth ``error``, description)."""

    def __init__(self, status: int, error: str, description: str, code: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.code = code

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "error_description": self.description}
        if self.code is not None:
            body["error_codes"] = [self.code]
        return body


def _aad(status: int, error: str, code: int, text: str) -> OAuthError:
    return OAuthError(status, error, f"AADSTS{code}: {text} Trace ID: 0000 Correlation ID: 0000", code)


class TokenService:
    """The running service: ``base_url`` over TLS with a certificate from ``ca`` (trust ``ca_file``)."""

    def __init__(self, ca: trustme.CA, directory: Path, lifetime: int = 3600) -> None:
        self.ca = ca
        self.directory = directory
        self.ca_file = directory / "token-service-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.lifetime = lifetime
        self.signing_key = RSAKey.generate_key(2048, parameters={"kid": SIGNING_KID})
        self.microsoft_apps: dict[str, MicrosoftApp] = {}
        self.google_accounts: dict[str, GoogleAccount] = {}
        self.issued: list[Issued] = []
        self.refusals: list[tuple[str, str]] = []  # (client, OAuth error code) answered, in order
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service._respond(self, service._get(urlparse(self.path).path))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                service._respond(self, service._post(urlparse(self.path).path, form))

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tokens are in bodies only
                return

        server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert(LOOPBACK, "localhost").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="token-service", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    @property
    def google_token_uri(self) -> str:
        return f"{self.base_url}/google/token"

    def public_key_pem(self) -> str:
        return self.signing_key.as_pem(private=False).decode()

    # -- registration --------------------------------------------------------------------------------

    def register_microsoft_app(self, app: MicrosoftApp) -> MicrosoftApp:
        with self._lock:
            self.microsoft_apps[app.client_id] = app
        return app

    def register_google_account(self, client_email: str, domain: str) -> tuple[GoogleAccount, dict[str, Any]]:
        """A delegated service account; returns it and the JSON key file a council would download."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        account = GoogleAccount(
            client_email=client_email,
            domain=domain,
            public_key_pem=key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            private_key_pem=private_pem,
            private_key_id=secrets.token_hex(20),
        )
        with self._lock:
            self.google_accounts[client_email] = account
        info = {
            "type": "service_account",
            "project_id": "mailbot-test",
            "private_key_id": account.private_key_id,
            "private_key": private_pem,
            "client_email": client_email,
            "client_id": "100000000000000000001",
            "token_uri": self.google_token_uri,
        }
        return account, info

    def refusals_for(self, client: str) -> list[str]:
        """The error codes this service answered ``client``'s token requests with, in order."""
        with self._lock:
            return [code for who, code in self.refusals if who == client]

    def tokens_for(self, client: str) -> list[Issued]:
        with self._lock:
            return [issued for issued in self.issued if issued.client == client]

    # -- HTTP ------------------------------------------------------------------------------------------

    @staticmethod
    def _respond(handler: BaseHTTPRequestHandler, answer: tuple[int, dict[str, Any]]) -> None:
        status, body = answer
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _get(self, path: str) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            tenant = parts[0]
            if not any(app.tenant == tenant for app in self.microsoft_apps.values()):
                return 400, _aad(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.").body()
            base = f"{self.base_url}/{tenant}"
            return 200, {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            }
        return 404, {"error": "not_found"}

    def _post(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        try:
            if parts == ["google", "token"]:
                return 200, self._google_grant(form)
            if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
                return 200, self._client_credentials(parts[0], form, f"{self.base_url}{path}")
        except OAuthError as error:
            with self._lock:
                self.refusals.append((form.get("client_id", ""), str(error.code or error.error)))
            return error.status, error.body()
        return 404, {"error": "not_found"}

    # -- Entra ID client credentials -------------------------------------------------------------

    def _client_credentials(self, tenant: str, form: dict[str, str], endpoint: str) -> dict[str, Any]:
        if form.get("grant_type") != "client_credentials":
            raise _aad(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        app = self.microsoft_apps.get(form.get("client_id", ""))
        if app is None or app.tenant != tenant or app.state == "deleted":
            raise _aad(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the directory "
                f"'{tenant}'.",
            )
        if form.get("scope") != OUTLOOK_SCOPE:
            raise _aad(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {form.get('scope')} is not valid.",
            )
        if "client_assertion" in form:
            self._check_assertion(app, form, endpoint)
        elif form.get("client_secret"):
            if app.secret is None or not secrets.compare_digest(form["client_secret"], app.secret):
                raise _aad(401, "invalid_client", 7000215, "Invalid client secret provided.")
            if app.state == "secret_expired":
                raise _aad(
                    401,
                    "invalid_client",
                    7000222,
                    f"The provided client secret keys for app '{app.client_id}' are expired.",
                )
        else:
            raise _aad(
                401,
                "invalid_client",
                7000218,
                "The request body must contain: 'client_assertion' or 'client_secret'.",
            )
        if app.state == "disabled":
            raise _aad(400, "unauthorized_client", 7000112, f"Application '{app.client_id}' is disabled.")
        claims = {
            "aud": OUTLOOK_AUDIENCE,
            "iss": f"https://sts.windows.net/{tenant}/",
            "tid": tenant,
            "appid": app.client_id,
            "sub": app.client_id,
            "roles": ["IMAP.AccessAsApp", "SMTP.SendAsApp"],
            "realm": f"@{app.domain}",
            "mailboxes": " ".join(sorted(app.mailboxes)),
            "send_as": " ".join(sorted(app.send_as)),
        }
        return self._issue("client_credentials", app.client_id, None, claims)

    def _check_assertion(self, app: MicrosoftApp, form: dict[str, str], endpoint: str) -> None:
        """``private_key_jwt`` (RFC 7523 §2.2): signed by the app's certificate key, for this endpoint."""
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE or app.public_key_pem is None:
            raise _aad(401, "invalid_client", 700027, "Client assertion failed signature validation.")
        try:
            token = jwt.decode(
                form["client_assertion"],
                RSAKey.import_key(app.public_key_pem),
                algorithms=["RS256", "PS256"],
                registry=_ASSERTION_REGISTRY,
            )
        except (JoseError, ValueError) as error:
            raise _aad(
                401, "invalid_client", 700027, "Client assertion failed signature validation."
            ) from error
        header, claims = token.header, token.claims
        thumbprints = {_b64url_to_hex(header[name]).lower() for name in ("x5t", "x5t#S256") if name in header}
        known = {t.lower() for t in (app.certificate_sha1, app.certificate_sha256) if t}
        if not thumbprints & known:
            raise _aad(
                401,
                "invalid_client",
                700027,
                "Client assertion contains an invalid signature. Key was not found.",
            )
        now = time.time()
        if (
            claims.get("aud") != endpoint
            or claims.get("iss") != app.client_id
            or claims.get("sub") != app.client_id
        ):
            raise _aad(
                401, "invalid_client", 700021, "Client assertion application identifier doesn't match."
            )
        if float(claims.get("exp", 0)) < now:
            raise _aad(401, "invalid_client", 700024, "Client assertion is not within its valid time range.")

    # -- Google JWT bearer -------------------------------------------------------------------------

    def _google_grant(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != JWT_BEARER:
            raise OAuthError(400, "unsupported_grant_type", "Invalid grant_type")
        assertion = form.get("assertion", "")
        try:
            unverified = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
        except (ValueError, IndexError) as error:
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.") from error
        account = self.google_accounts.get(unverified.get("iss", ""))
        if account is None:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        try:
            claims = jwt.decode(
                assertion, RSAKey.import_key(account.public_key_pem), algorithms=["RS256"]
            ).claims
        except (JoseError, ValueError) as error:
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.") from error
        # google-auth always names Google's own token endpoint as the audience, wherever it posts.
        if (
            claims.get("aud") not in (GOOGLE_TOKEN_AUDIENCE, self.google_token_uri)
            or float(claims.get("exp", 0)) < time.time()
        ):
            raise OAuthError(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.",
            )
        subject = str(claims.get("sub") or "")
        if not account.delegated or GOOGLE_SCOPE not in str(claims.get("scope", "")).split():
            raise OAuthError(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client not "
                "authorized for any of the scopes requested.",
            )
        if not subject.lower().endswith("@" + account.domain):
            raise OAuthError(400, "invalid_grant", "Invalid email or User ID")
        token_claims = {
            "aud": GOOGLE_SCOPE,
            "iss": "https://accounts.google.com",
            "azp_client": account.client_email,
            "sub": subject.lower(),
            "email": subject.lower(),
            "realm": subject.lower(),
            "mailboxes": subject.lower(),
            "send_as": " ".join(sorted({subject.lower(), *account.send_as.get(subject.lower(), set())})),
            "scope": GOOGLE_SCOPE,
        }
        return self._issue("jwt_bearer", account.client_email, subject.lower(), token_claims)

    # -- issuing and checking -------------------------------------------------------------------

    def _issue(self, grant: str, client: str, subject: str | None, claims: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        lifetime = self.lifetime
        claims = {**claims, "iat": now, "nbf": now, "exp": now + lifetime, "jti": secrets.token_hex(8)}
        value = jwt.encode({"alg": "RS256", "kid": SIGNING_KID, "typ": "JWT"}, claims, self.signing_key)
        with self._lock:
            self.issued.append(Issued(grant, client, subject, now + lifetime, value))
        return {
            "token_type": "Bearer",
            "access_token": value,
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
        }

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this service issued that is still valid now; None otherwise."""
        try:
            claims = jwt.decode(token, self.signing_key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            return None
        now = time.time()
        if float(claims.get("exp", 0)) <= now or float(claims.get("nbf", 0)) > now + 1:
            return None
        return dict(claims)
