"""The trust rule (invariant 4): which addresses may receive personal data. Pure: no config, no I/O."""

from __future__ import annotations


def is_trusted_address(address: str, trusted_domains: tuple[str, ...]) -> bool:
    """True when ``address``'s domain is one of ``trusted_domains`` or a subdomain of one.

    The one rule for invariant 4, used by the rules (who gets personal data) and by the outbox
    guard (which refuses it anyway), so the two can never disagree.
    """
    domain = address.rpartition("@")[2].strip().lower().rstrip(">")
    return bool(domain) and any(domain == d or domain.endswith("." + d) for d in trusted_domains)
