"""The console's part of the config file (``[web]``, ``[web.oidc]``, ``[web.roles]``), validated.

Kept apart from ``mailbot.config`` so the service's config stays readable; ``parse_settings`` calls
``parse_web`` and adds its problems to the rest. Imports nothing from the web framework, so reading
the config never needs the console's dependencies loaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: The roles a person can hold in the console; the identity provider's groups map onto them.
ROLES = ("caf_team", "wpehs_allocator", "viewer", "administrator")


@dataclass(frozen=True)
class OidcSettings:
    """The council's identity provider (Microsoft Entra ID in production; any OpenID provider works).

    The client authenticates with a secret (from ``client_secret_env``) or a certificate
    (``client_certificate``: a PEM file with the private key, used for ``private_key_jwt``).
    """

    issuer: str
    client_id: str
    client_secret_env: str | None = None
    client_certificate: Path | None = None
    scopes: str = "openid profile email"
    groups_claim: str = "groups"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def client_secret(self) -> str | None:
        return os.environ.get(self.client_secret_env) if self.client_secret_env else None


@dataclass(frozen=True)
class WebSettings:
    """``mailbot web``: where it listens, its public address, sessions, sign-in and roles."""

    base_url: str
    session_secret_env: str
    oidc: OidcSettings
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 8080
    idle_timeout_minutes: int = 30
    session_max_hours: int = 10
    undo_minutes: int = 180
    assets_dir: Path | None = None
    forwarded_allow_ips: str = "127.0.0.1"

    @property
    def secure(self) -> bool:
        """Cookies are ``Secure`` and HSTS is sent when the console is reached over TLS."""
        return self.base_url.startswith("https://")

    def session_secret(self) -> str:
        return os.environ.get(self.session_secret_env, "")


def _text(table: dict[str, Any], key: str, where: str, problems: list[str], default: Any = ...) -> Any:
    value = table.get(key, default)
    if value is ...:
        problems.append(f"{where}{key}: missing (required)")
        return None
    if value is not None and not isinstance(value, str):
        problems.append(f"{where}{key}: must be str, got {value!r}")
        return None
    return value


def _number(table: dict[str, Any], key: str, where: str, problems: list[str], default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        problems.append(f"{where}{key}: must be a whole number greater than 0; got {value!r}")
        return default
    return value


def _oidc(table: dict[str, Any], base_dir: Path, problems: list[str]) -> OidcSettings | None:
    where = "web.oidc."
    issuer = _text(table, "issuer", where, problems)
    client_id = _text(table, "client_id", where, problems)
    secret_env = _text(table, "client_secret_env", where, problems, None)
    certificate = _text(table, "client_certificate", where, problems, None)
    if issuer and urlsplit(issuer).scheme not in ("https", "http"):
        problems.append(f"{where}issuer: must be an https:// URL; got {issuer!r}")
    if bool(secret_env) == bool(certificate):
        problems.append(f"{where}: give exactly one of client_secret_env or client_certificate")
    if secret_env and secret_env not in os.environ:
        problems.append(f"{where}client_secret_env: environment variable {secret_env} is not set")
    certificate_path = None
    if certificate:
        certificate_path = Path(os.path.expandvars(certificate)).expanduser()
        if not certificate_path.is_absolute():
            certificate_path = base_dir / certificate_path
        if not certificate_path.is_file():
            problems.append(f"{where}client_certificate: {certificate_path} does not exist")
    if not (issuer and client_id):
        return None
    return OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret_env=secret_env,
        client_certificate=certificate_path,
        scopes=_text(table, "scopes", where, problems, "openid profile email") or "openid profile email",
        groups_claim=_text(table, "groups_claim", where, problems, "groups") or "groups",
    )


def _roles(table: Any, problems: list[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        problems.append("web.roles: must be a table of role = [groups]")
        return {}
    roles: dict[str, tuple[str, ...]] = {}
    for role, groups in table.items():
        if role not in ROLES:
            problems.append(f"web.roles.{role}: unknown role; known: {', '.join(ROLES)}")
            continue
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            problems.append(f"web.roles.{role}: must be a list of the identity provider's group ids")
            continue
        roles[role] = tuple(groups)
    if not roles:
        problems.append("web.roles: map at least one identity-provider group to a role")
    return roles


def parse_web(raw: Any, base_dir: Path) -> tuple[WebSettings | None, list[str]]:
    """The ``[web]`` table, or None when there is none (the console is optional); and the problems."""
    problems: list[str] = []
    if raw is None:
        return None, problems
    if not isinstance(raw, dict):
        return None, ["web: must be a table"]
    where = "web."
    base_url = _text(raw, "base_url", where, problems)
    if base_url and urlsplit(base_url).scheme not in ("http", "https"):
        problems.append(f"{where}base_url: must start with https:// (or http:// for a local try-out)")
    secret_env = _text(raw, "session_secret_env", where, problems)
    if secret_env and len(os.environ.get(secret_env, "")) < 32:
        problems.append(
            f"{where}session_secret_env: environment variable {secret_env} must hold at least 32 characters"
        )
    oidc_table = raw.get("oidc")
    oidc = _oidc(oidc_table, base_dir, problems) if isinstance(oidc_table, dict) else None
    if not isinstance(oidc_table, dict):
        problems.append("web.oidc: missing section [web.oidc] (issuer, client_id, client_secret_env)")
    roles = _roles(raw.get("roles", {}), problems)
    assets = _text(raw, "assets_dir", where, problems, None)
    assets_dir = None
    if assets:
        assets_dir = Path(assets) if Path(assets).is_absolute() else base_dir / assets
    if problems or not (base_url and secret_env and oidc):
        return None, problems
    return (
        WebSettings(
            base_url=base_url.rstrip("/"),
            session_secret_env=secret_env,
            oidc=oidc,
            roles=roles,
            host=_text(raw, "host", where, problems, "127.0.0.1") or "127.0.0.1",
            port=_number(raw, "port", where, problems, 8080),
            idle_timeout_minutes=_number(raw, "idle_timeout_minutes", where, problems, 30),
            session_max_hours=_number(raw, "session_max_hours", where, problems, 10),
            undo_minutes=_number(raw, "undo_minutes", where, problems, 180),
            assets_dir=assets_dir,
            forwarded_allow_ips=_text(raw, "forwarded_allow_ips", where, problems, "127.0.0.1")
            or "127.0.0.1",
        ),
        problems,
    )
