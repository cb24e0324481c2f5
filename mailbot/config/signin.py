"""Signing in to the mail servers: ``[signin.microsoft]``, ``[signin.google]``, each mailbox's and each
SMTP identity's ``auth``, and the From addresses an identity may send as (``send_as``).

Microsoft 365 accepts only OAuth2 for IMAP (and for SMTP from the end of 2026): mailbot signs in
app-only as an Entra ID app (client secret or certificate); Google Workspace through a service account
with domain-wide delegation. A mailbox or identity says which with ``auth``; ``"password"`` keeps the
plain login with ``password_env``.

Here: the sections (checked by pydantic like every other), the frozen values the rest of mailbot reads,
and the checks that span sections or touch the disk (``signin_problems``, run with the other cross
checks in ``load.py``): an OAuth2 ``auth`` needs its ``[signin.*]`` section, files named must exist, and
every mailbox's address needs an SMTP identity that may send as it (replies go out From the mailbox).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from mailbot.config.checks import EmailAddress, PasswordEnv, Section, field_problem, problem

if TYPE_CHECKING:
    from mailbot.config.sections import MailboxSection, SmtpSection, TransportSection

#: How a mailbox or a sending identity signs in: a password, or an OAuth2 token from Entra ID or Google.
AuthMethod = Literal["password", "microsoft", "google"]
_THUMBPRINT = re.compile(r"[0-9a-fA-F]{40}")


def _thumbprint(text: str) -> str:
    if not _THUMBPRINT.fullmatch(text.replace(":", "")):
        raise problem(
            "must be the certificate's SHA-1 thumbprint (40 hexadecimal digits, as Entra ID shows it)"
        )
    return text


def password_keys_problem(auth: AuthMethod, password_env: str | None) -> PydanticCustomError | None:
    """A password sign-in needs its variable; an OAuth2 one must not name one (it would never be read)."""
    if auth == "password" and password_env is None:
        return field_problem("password_env", "missing (required)")
    if auth != "password" and password_env is not None:
        return field_problem("password_env", f"not used with auth = {auth!r}; remove it")
    return None


class MicrosoftSignInSection(Section):
    """``[signin.microsoft]``: the Entra ID app used app-only for IMAP and SMTP (client credentials)."""

    tenant_id: str
    client_id: str
    client_secret_env: PasswordEnv | None = None
    certificate_path: str | None = None
    certificate_thumbprint: Annotated[str, AfterValidator(_thumbprint)] | None = None
    authority: str = "https://login.microsoftonline.com"
    scope: str = "https://outlook.office365.com/.default"
    ca_file: str | None = None
    # Either client_secret_env or certificate_path: checked in ``signin_problems`` on the keys as
    # written, so it is said even when another key of the table has a mistake.


class GoogleSignInSection(Section):
    """``[signin.google]``: a service account key with domain-wide delegation for the mailboxes."""

    service_account_file: str
    scope: str = "https://mail.google.com/"
    ca_file: str | None = None


class SignInSection(Section):
    """``[signin]``: the OAuth2 apps mailboxes and SMTP identities sign in with (both optional)."""

    microsoft: MicrosoftSignInSection | None = None
    google: GoogleSignInSection | None = None


class SmtpIdentitySection(Section):
    """``[transport.smtp.identities.NAME]``: one SMTP sign-in (one per mailbox, when no one account
    has Send As rights on both) and the addresses it may send as besides its own."""

    username: str
    auth: AuthMethod = "password"
    password_env: PasswordEnv | None = None
    send_as: list[EmailAddress] = Field(default_factory=list)

    @model_validator(mode="after")
    def _password_needs_its_variable(self) -> SmtpIdentitySection:
        if self.auth == "password" and self.password_env is None:
            raise field_problem("password_env", "missing (required)")
        return self


# --- the values mailbot reads ---------------------------------------------------------------------


@dataclass(frozen=True)
class MicrosoftSignIn:
    """``[signin.microsoft]`` with its paths made absolute."""

    tenant_id: str
    client_id: str
    client_secret_env: str | None = None
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    authority: str = "https://login.microsoftonline.com"
    scope: str = "https://outlook.office365.com/.default"
    ca_file: Path | None = None

    def client_secret(self) -> str | None:
        """The client secret from the environment (never from the file)."""
        return os.environ.get(self.client_secret_env) if self.client_secret_env else None


@dataclass(frozen=True)
class GoogleSignIn:
    """``[signin.google]`` with its paths made absolute."""

    service_account_file: Path
    scope: str = "https://mail.google.com/"
    ca_file: Path | None = None


@dataclass(frozen=True)
class SignInSettings:
    microsoft: MicrosoftSignIn | None = None
    google: GoogleSignIn | None = None


@dataclass(frozen=True)
class SmtpIdentity:
    """One SMTP sign-in and the From addresses it may use (itself, plus any it has Send As rights on)."""

    name: str
    username: str
    auth: AuthMethod
    send_as: tuple[str, ...]
    password_env: str | None = None

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None

    def may_send_as(self, address: str) -> bool:
        return address.lower() in {a.lower() for a in self.send_as}


def identity_for(identities: tuple[SmtpIdentity, ...], from_address: str) -> SmtpIdentity | None:
    """The identity that may send as ``from_address`` (None if none may, or there are none)."""
    return next((i for i in identities if i.may_send_as(from_address)), None)


# --- building and the checks across sections ---------------------------------------------------------

Resolve = Callable[[str | None], Path | None]


def build_signin(section: SignInSection, resolve: Resolve) -> SignInSettings:
    """The sign-in values, paths made absolute with ``resolve`` (relative to the config file)."""
    microsoft = google = None
    if (ms := section.microsoft) is not None:
        microsoft = MicrosoftSignIn(
            tenant_id=ms.tenant_id,
            client_id=ms.client_id,
            client_secret_env=ms.client_secret_env,
            certificate_path=resolve(ms.certificate_path),
            certificate_thumbprint=ms.certificate_thumbprint,
            authority=ms.authority,
            scope=ms.scope,
            ca_file=resolve(ms.ca_file),
        )
    if (g := section.google) is not None:
        key_file = resolve(g.service_account_file)
        if key_file is not None:
            google = GoogleSignIn(service_account_file=key_file, scope=g.scope, ca_file=resolve(g.ca_file))
    return SignInSettings(microsoft=microsoft, google=google)


def _identity(
    name: str, username: str, auth: AuthMethod, send_as: list[str], password_env: str | None
) -> SmtpIdentity:
    addresses = tuple(dict.fromkeys(a for a in (username, *send_as) if "@" in a))
    return SmtpIdentity(name, username, auth, addresses, password_env)


def smtp_identities(section: SmtpSection) -> tuple[SmtpIdentity, ...]:
    """One identity in ``[transport.smtp]`` itself (``username``...), or one per
    ``[transport.smtp.identities.NAME]``; none for an open relay."""
    if section.username is not None:
        return (
            _identity("default", section.username, section.auth, section.send_as or [], section.password_env),
        )
    return tuple(
        _identity(name, i.username, i.auth, i.send_as, i.password_env)
        for name, i in section.identities.items()
    )


def _written(raw: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The table at ``keys`` as written in the file ({} when absent or not a table)."""
    table: Any = raw
    for key in keys:
        table = table.get(key) if isinstance(table, dict) else None
    return table if isinstance(table, dict) else {}


def _written_signin_problems(raw: Mapping[str, Any], resolve: Resolve) -> list[str]:
    """Secret or certificate, and files that must exist: read from the keys as written, so they are
    reported beside any type mistake in the same table."""
    found = []
    microsoft = _written(raw, "signin", "microsoft")
    if "microsoft" in _written(raw, "signin") and bool(microsoft.get("client_secret_env")) == bool(
        microsoft.get("certificate_path")
    ):
        found.append(
            "signin.microsoft: give either client_secret_env or certificate_path (with certificate_thumbprint)"
        )
    for table, keys in (
        ("microsoft", ("certificate_path", "ca_file")),
        ("google", ("service_account_file", "ca_file")),
    ):
        written = _written(raw, "signin", table)
        for key in keys:
            text = written.get(key)
            path = resolve(text) if isinstance(text, str) else None
            if path is not None and not path.is_file():
                found.append(f"signin.{table}.{key}: {path} does not exist")
    return found


def signin_problems(sections: Mapping[str, Any], raw: Mapping[str, Any], resolve: Resolve) -> list[str]:
    """Files named must exist; every OAuth2 sign-in has its ``[signin.*]`` table (as written: a
    mistake inside one is reported on its own); every mailbox's address has an SMTP identity that may
    send as it (when the SMTP server is signed in to at all)."""
    found = _written_signin_problems(raw, resolve)
    mailboxes: Mapping[str, MailboxSection] = sections.get("mailboxes") or {}
    transport: TransportSection | None = sections.get("transport")
    wanted = [(f"mailboxes.{name}.imap.auth", m.imap.auth) for name, m in mailboxes.items() if m.imap]
    smtp = transport.smtp if transport is not None and transport.kind == "smtp" else None
    identities = smtp_identities(smtp) if smtp is not None else ()
    wanted += [(f"transport.smtp identity {i.name!r} auth", i.auth) for i in identities]
    tables = _written(raw, "signin")
    for where, auth in wanted:
        if auth == "microsoft" and "microsoft" not in tables:
            found.append(f"{where}: 'microsoft' needs a [signin.microsoft] section (tenant_id, client_id...)")
        if auth == "google" and "google" not in tables:
            found.append(f"{where}: 'google' needs a [signin.google] section (service_account_file)")
    for name, mailbox in mailboxes.items() if identities else ():
        if identity_for(identities, mailbox.address) is None:
            found.append(
                f"mailboxes.{name}.address: no SMTP identity may send as {mailbox.address}; "
                "add it to transport.smtp.send_as (Send As rights) or add an identity for it"
            )
    return found
