"""Token providers built from ``[signin.*]``, one per Microsoft app and one per Google mailbox, shared."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mailbot.config import AuthMethod, SignInSettings
from mailbot.errors import ConfigError
from mailbot.signin.providers import (
    GoogleServiceAccount,
    GoogleTokens,
    MicrosoftApp,
    MicrosoftTokens,
    TokenProvider,
    utc_now,
)


class TokenProviders:
    """Hands out the provider for a sign-in, so IMAP and SMTP for one app share one cached token."""

    def __init__(self, signin: SignInSettings, clock: Callable[[], datetime] = utc_now) -> None:
        self.signin = signin
        self.clock = clock
        self._microsoft: MicrosoftTokens | None = None
        self._google: dict[str, GoogleTokens] = {}

    def for_user(self, method: AuthMethod, username: str) -> TokenProvider | None:
        """The provider for ``username`` signing in by ``method``; None for a password."""
        if method == "microsoft":
            return self.microsoft()
        if method == "google":
            return self.google(username)
        return None

    def microsoft(self) -> MicrosoftTokens:
        settings = self.signin.microsoft
        if settings is None:
            raise ConfigError(["signin.microsoft: missing section (auth = 'microsoft' needs it)"])
        if self._microsoft is None:
            self._microsoft = MicrosoftTokens(
                MicrosoftApp(
                    tenant_id=settings.tenant_id,
                    client_id=settings.client_id,
                    client_secret=settings.client_secret(),
                    certificate_path=settings.certificate_path,
                    certificate_thumbprint=settings.certificate_thumbprint,
                    authority_host=settings.authority,
                    scope=settings.scope,
                    ca_file=settings.ca_file,
                ),
                self.clock,
            )
        return self._microsoft

    def google(self, subject: str) -> GoogleTokens:
        settings = self.signin.google
        if settings is None:
            raise ConfigError(["signin.google: missing section (auth = 'google' needs it)"])
        key = subject.lower()
        if key not in self._google:
            account = GoogleServiceAccount(settings.service_account_file, settings.scope, settings.ca_file)
            self._google[key] = GoogleTokens(account, key, self.clock)
        return self._google[key]
