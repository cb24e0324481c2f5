"""The console's part of the config file: ``[web]``, ``[web.oidc]`` and ``[web.roles]`` (``mailbot web``).

Checked with the rest of the file, so ``check-config`` names a console mistake like any other; nothing
here imports the web framework, so reading the config never loads the console.
"""

from __future__ import annotations

import os
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, model_validator

from mailbot.config.checks import PasswordEnv, Port, PositiveInt, Section, problem


def _console_url(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https"):
        raise problem("must start with https:// (or http:// for a local try-out)")
    return url


def _issuer_url(url: str) -> str:
    if urlsplit(url).scheme not in ("https", "http"):
        raise problem(f"must be an https:// URL; got {url!r}")
    return url


def _session_secret_env(name: str) -> str:
    if len(os.environ.get(name, "")) < 32:
        raise problem(f"environment variable {name} must hold at least 32 characters")
    return name


class OidcSection(Section):
    """``[web.oidc]``: the council's identity provider (Entra ID in production; any OpenID provider).

    The client authenticates with a secret (from ``client_secret_env``) or a certificate
    (``client_certificate``: a PEM file with the private key, used for ``private_key_jwt``).
    """

    issuer: Annotated[str, AfterValidator(_issuer_url)]
    client_id: str
    client_secret_env: PasswordEnv | None = None
    client_certificate: str | None = None
    scopes: str = "openid profile email"
    groups_claim: str = "groups"

    @model_validator(mode="after")
    def _one_way_of_signing_in(self) -> OidcSection:
        if bool(self.client_secret_env) == bool(self.client_certificate):
            raise problem("give exactly one of client_secret_env or client_certificate")
        return self


class RolesSection(Section):
    """``[web.roles]``: the identity provider's group ids that give each console role."""

    unknown_key_message = "unknown role; known: {known}"

    caf_team: list[str] | None = None
    wpehs_allocator: list[str] | None = None
    viewer: list[str] | None = None
    administrator: list[str] | None = None

    @model_validator(mode="after")
    def _some_role(self) -> RolesSection:
        if all(getattr(self, role) is None for role in type(self).model_fields):
            raise problem("map at least one identity-provider group to a role")
        return self


#: The roles a person can hold in the console; the identity provider's groups map onto them.
ROLES: tuple[str, ...] = tuple(RolesSection.model_fields)


class WebSection(Section):
    """``[web]``: the staff console (``mailbot web``); without this table there is no console."""

    base_url: Annotated[str, AfterValidator(_console_url)]
    #: The environment variable holding the key that signs session cookies (32 characters or more).
    session_secret_env: Annotated[str, AfterValidator(_session_secret_env)]
    oidc: OidcSection
    roles: RolesSection
    host: str = "127.0.0.1"
    port: Port = 8080
    idle_timeout_minutes: PositiveInt = 30
    session_max_hours: PositiveInt = 10
    undo_minutes: PositiveInt = 180
    assets_dir: str | None = None
    forwarded_allow_ips: str = "127.0.0.1"

    @classmethod
    def required_tables(cls, table: dict[str, Any]) -> tuple[str, ...]:
        return ("oidc",)
