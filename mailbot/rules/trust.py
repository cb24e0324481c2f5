"""The trust rule (invariant 4): which addresses may receive personal data. Pure: no config, no I/O.

A trusted-domain check must judge the address a message really comes from, so it works on a parsed,
plain addr-spec (``local@domain``) and refuses anything a relay or a mail client could read another
way. Decisions, each one a trick seen on trial (issue 11):

- An empty local part (``@lancashire.gov.uk``) is no mailbox: not trusted.
- ``%`` in the local part is the "percent hack" (RFC 1123 section 5.2.16 discourages it, but some
  relays still route ``a%evil.com@lancashire.gov.uk`` on to ``a@evil.com``); ``!`` is a UUCP bang path.
  Neither is ever a real council mailbox: not trusted.
- A quoted local part (``"evil@example.com, x"@lancashire.gov.uk``), spaces, commas, angle brackets,
  a second ``@`` or a source route: not a plain dot-atom, not trusted.
- Domains are compared label by label, in ASCII, without a trailing dot; an address literal
  (``x@[192.0.2.1]``) or a non-ASCII domain is not trusted (the council's domains are ASCII).

Display-name tricks (``"sw@lancashire.gov.uk" <evil@example.com>``) are the parser's job: the
sender given here is the parsed mailbox, never the display name (see ``mailbot.mail.parse``).

Patterns: a plain entry (``lancashire.gov.uk``) trusts that domain and every subdomain of it (a school
at ``school.lancashire.gov.uk``); ``*.lancs.sch.uk`` trusts the subdomains only (each school has its own
domain under the county's, the bare domain is no mailbox anyone writes from).
"""

from __future__ import annotations

import re

# RFC 5322 section 3.2.3 atext, less "%" and "!" (see the module docstring).
_ATEXT = r"[A-Za-z0-9#$&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*\Z")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")


def _is_hostname(domain: str) -> bool:
    labels = domain.split(".")
    return len(labels) >= 2 and len(domain) <= 253 and all(_LABEL.match(label) for label in labels)


def address_domain(address: str) -> str | None:
    """The lower-case domain of ``address`` when it is a plain ``local@domain`` mailbox, else None.

    Angle brackets around the whole address are allowed (``<sw@lancashire.gov.uk>``); anything the
    module docstring lists as a trick gives None.
    """
    text = address.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if text.count("@") != 1 or not text.isascii():
        return None
    local, _, domain = text.partition("@")
    domain = domain.lower()
    if not _LOCAL_PART.match(local) or len(local) > 64 or not _is_hostname(domain):
        return None
    return domain


def domain_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a trusted-domain entry, or None when it can (for config checks)."""
    text = pattern.strip().lower().removeprefix("@")
    wildcard = text.startswith("*.")
    base = text[2:] if wildcard else text
    if "*" in base:
        return "a wildcard is only allowed as the whole first label, as in *.lancs.sch.uk"
    if not _is_hostname(base):
        return "is not a domain name (letters, digits and hyphens in at least two labels)"
    return None


def domain_matches(domain: str, pattern: str) -> bool:
    """True when ``domain`` falls under ``pattern`` (``example.org`` or ``*.example.org``)."""
    text = pattern.strip().lower().removeprefix("@")
    if text.startswith("*."):
        return domain.endswith("." + text[2:])
    return domain == text or domain.endswith("." + text)


def is_trusted_address(address: str, trusted_domains: tuple[str, ...]) -> bool:
    """True when ``address`` is a plain mailbox whose domain matches one of ``trusted_domains``.

    The one rule for invariant 4, used by the rules (who gets personal data) and by the outbox
    guard (which refuses it anyway), so the two can never disagree.
    """
    domain = address_domain(address)
    return domain is not None and any(domain_matches(domain, pattern) for pattern in trusted_domains)
