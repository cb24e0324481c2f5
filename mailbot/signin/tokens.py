"""Access tokens as values: what one is worth, and when to renew it (pure: the caller passes ``now``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: Renew this long before a token expires (Entra ID and Google tokens live 60-90 minutes).
RENEW_BEFORE = timedelta(minutes=5)


@dataclass(frozen=True)
class AccessToken:
    """An OAuth2 bearer token and its lifetime. The value never appears in ``repr`` (logs, tracebacks)."""

    value: str = field(repr=False)
    obtained_at: datetime
    expires_at: datetime

    def renew_at(self, lead: timedelta = RENEW_BEFORE) -> datetime:
        """When to stop using this token: ``lead`` before it expires, or at three quarters of a short
        lifetime (a token that lives less than ``4 * lead`` would otherwise be 'due' from birth)."""
        lifetime = self.expires_at - self.obtained_at
        return self.expires_at - min(lead, lifetime / 4)

    def due(self, now: datetime, lead: timedelta = RENEW_BEFORE) -> bool:
        """True when a new token should be fetched before this one is used again."""
        return now >= self.renew_at(lead)

    def seconds_left(self, now: datetime, lead: timedelta = RENEW_BEFORE) -> float:
        """Seconds until ``renew_at`` (negative when already due): how long a session may idle on it."""
        return (self.renew_at(lead) - now).total_seconds()


def token_from_lifetime(value: str, now: datetime, expires_in: float) -> AccessToken:
    """The token a token endpoint answered with ``expires_in`` seconds (RFC 6749 §5.1)."""
    return AccessToken(value=value, obtained_at=now, expires_at=now + timedelta(seconds=float(expires_in)))
