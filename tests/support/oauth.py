"""The OAuth2 mail world for tests: the token service, an OAuth2-only Dovecot and submission server,
and mailbot configs that sign in to them as a Microsoft 365 app or a Google service account."""

from __future__ import annotations

import json
import secrets
import uuid
from pathlib import Path
from typing import Any

from mailbot.config import Settings, parse_settings
from support.mailservers import Dovecot, SmtpRelay, deliver_lmtp
from support.tokenservice import MicrosoftApp, TokenService

CAF = "caf@lancashire.gov.uk"
WPEHS = "preventionearlyhelp@lancashire.gov.uk"
DOMAIN = "lancashire.gov.uk"
SECRET_ENV = "MAILBOT_TEST_ENTRA_SECRET"


class OAuthWorld:
    """What an OAuth2 test needs; each test gets its own app registration (fresh counters)."""

    def __init__(self, tokens: TokenService, dovecot: Dovecot, smtp: SmtpRelay, directory: Path) -> None:
        self.tokens = tokens
        self.dovecot = dovecot
        self.smtp = smtp
        self.directory = directory
        self.tenant = f"tenant-{uuid.uuid4().hex[:8]}"
        self.app = tokens.register_microsoft_app(
            MicrosoftApp(
                tenant=self.tenant,
                client_id=str(uuid.uuid4()),
                domain=DOMAIN,
                secret=secrets.token_urlsafe(24),
                mailboxes={CAF, WPEHS},
                send_as={CAF, WPEHS},
            )
        )

    @property
    def authority(self) -> str:
        return self.tokens.base_url

    def deliver(self, raw: bytes, mail_from: str, to: str) -> None:
        """Mail from a social worker arriving in ``to``'s INBOX."""
        deliver_lmtp(self.dovecot, raw, mail_from, to)

    def issued_values(self) -> list[str]:
        return [issued.value for issued in self.tokens.issued]

    def google_key_file(self, client_email: str = "mailbot@council-project.iam.gserviceaccount.com") -> Path:
        account, info = self.tokens.register_google_account(client_email, DOMAIN)
        account.send_as = {}
        path = self.directory / f"google-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(info))
        path.chmod(0o600)
        return path

    def raw_config(
        self,
        database_url: str,
        *,
        secret: str | None = None,
        health: dict[str, Any] | None = None,
        **top: Any,
    ) -> dict[str, Any]:
        """A whole config (TOML as a dict): both mailboxes and one SMTP identity sending as both,
        signing in as this world's Microsoft app with its client secret from ``SECRET_ENV``;
        ``health`` is the ``[health]`` table, ``top`` more ``[mailbot]`` keys."""

        def imap(user: str) -> dict[str, Any]:
            return {
                "host": self.dovecot.host,
                "port": self.dovecot.imap_port,
                "tls": "none",
                "username": user,
                "auth": "microsoft",
                "poll_interval": 1,
            }

        return {
            "mailbot": {"database_url": database_url, "storage_dir": str(self.directory / "storage"), **top},
            "council": {"name": "Lancashire County Council", "trusted_domains": [DOMAIN]},
            "signin": {
                "microsoft": {
                    "tenant_id": self.tenant,
                    "client_id": self.app.client_id,
                    "client_secret_env": SECRET_ENV,
                    "authority": self.authority,
                    "ca_file": str(self.tokens.ca_file),
                }
            },
            "mailboxes": {
                "caf": {"address": CAF, "role": "caf", "imap": imap(CAF)},
                "wpehs": {"address": WPEHS, "role": "wpehs", "imap": imap(WPEHS)},
            },
            "transport": {
                "kind": "smtp",
                "smtp": {
                    "host": self.smtp.host,
                    "port": self.smtp.port,
                    "tls": "none",
                    "username": CAF,
                    "auth": "microsoft",
                    "send_as": [CAF, WPEHS],
                },
                "retry_base_seconds": 1,
            },
            "documents": {"workers": 1, "timeout_seconds": 30},
            **({"health": health} if health else {}),
        }

    def settings(self, database_url: str, monkeypatch: Any, **top: Any) -> Settings:
        monkeypatch.setenv(SECRET_ENV, self.app.secret or "")
        return parse_settings(self.raw_config(database_url, **top), self.directory)


def toml_of(raw: dict[str, Any]) -> str:
    """A config dict written as TOML (just what the tests use: tables, strings, numbers, lists)."""
    lines: list[str] = []

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int | float):
            return repr(item)
        if isinstance(item, list):
            return "[" + ", ".join(value(v) for v in item) + "]"
        return json.dumps(str(item))

    def table(prefix: str, mapping: dict[str, Any]) -> None:
        scalars = {k: v for k, v in mapping.items() if not isinstance(v, dict)}
        if prefix:
            lines.append(f"[{prefix}]")
        lines.extend(f"{k} = {value(v)}" for k, v in scalars.items())
        for key, sub in mapping.items():
            if isinstance(sub, dict):
                table(f"{prefix}.{key}" if prefix else key, sub)

    table("", raw)
    return "\n".join(lines) + "\n"
