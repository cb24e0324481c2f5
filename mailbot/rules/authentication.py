"""Is the From address really the sender's? The verdict from the council's own servers' results (pure).

Input is what ``mailbot.mail.authresults`` kept: headers written by a trusted authserv-id (forged
ones are already dropped) and Exchange Online's "sent inside the tenant" stamp. The verdict:

- ``pass``: sent inside the Exchange Online tenant; or DMARC passed; or, with no DMARC result, SPF or
  DKIM passed for a domain aligned with the From domain.
- ``fail``: DMARC failed; or Exchange's composite authentication (``compauth``) failed; or, with no
  DMARC result, SPF and DKIM gave verdicts but none is an aligned pass (an SPF pass for an attacker's
  own envelope domain says nothing about the From address).
- ``none``: nothing from a trusted server, or only ``none``/``temperror`` verdicts.

Alignment is DMARC's relaxed mode approximated without the Public Suffix List: the two domains are
equal or one is a subdomain of the other (``bounce.lancashire.gov.uk`` aligns with
``lancashire.gov.uk``). Two sibling subdomains do not align here; the DMARC result, which the
council's servers compute with the real list, decides those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mailbot.mail.authresults import AuthResult, AuthResultsHeader

AuthVerdict = Literal["pass", "fail", "none"]

#: SPF/DKIM results that are a verdict against the message (RFC 8601 sections 2.7.1 and 2.7.2).
_FAILING = frozenset({"fail", "softfail", "neutral", "policy", "permerror"})


@dataclass(frozen=True)
class SenderAuthentication:
    """The verdict and a short fixed reason (no address, no subject: it goes to the audit log)."""

    verdict: AuthVerdict
    reason: str


def _domain_of(identity: str | None) -> str | None:
    if not identity:
        return None
    return identity.rpartition("@")[2].strip().strip("<>").rstrip(".").lower() or None


def aligned(identity: str | None, from_domain: str) -> bool:
    """Relaxed alignment of an authenticated identity's domain with the From domain (see module doc)."""
    domain = _domain_of(identity)
    if domain is None:
        return False
    return domain == from_domain or domain.endswith("." + from_domain) or from_domain.endswith("." + domain)


def _for_from_domain(result: AuthResult, from_domain: str) -> bool:
    """A DMARC or compauth result is about the From domain unless it names another one."""
    named = result.prop("header.from")
    return named is None or _domain_of(named) == from_domain


def authenticate_sender(
    from_domain: str, headers: Sequence[AuthResultsHeader], *, inside_tenant: bool = False
) -> SenderAuthentication:
    """The verdict on a message whose From domain is ``from_domain`` (see the module docstring)."""
    if inside_tenant:
        return SenderAuthentication("pass", "sent inside the Exchange Online tenant")
    domain = from_domain.lower()
    results = [result for header in headers for result in header.results]
    if not results:
        return SenderAuthentication("none", "no authentication results from a trusted server")
    dmarc = [r for r in results if r.method == "dmarc" and _for_from_domain(r, domain)]
    if any(r.result == "fail" for r in dmarc):
        return SenderAuthentication("fail", "DMARC failed")
    compauth = [r for r in results if r.method == "compauth" and _for_from_domain(r, domain)]
    if any(r.result == "fail" for r in compauth):
        return SenderAuthentication("fail", "Exchange composite authentication failed")
    if any(r.result == "pass" for r in dmarc):
        return SenderAuthentication("pass", "DMARC passed")
    spf = [r for r in results if r.method == "spf"]
    dkim = [r for r in results if r.method == "dkim"]
    if any(
        r.result == "pass" and aligned(r.prop("smtp.mailfrom") or r.prop("smtp.helo"), domain) for r in spf
    ):
        return SenderAuthentication("pass", "SPF passed for the From domain")
    if any(r.result == "pass" and aligned(r.prop("header.d") or r.prop("header.i"), domain) for r in dkim):
        return SenderAuthentication("pass", "DKIM passed for the From domain")
    if any(r.result in _FAILING or r.result == "pass" for r in (*spf, *dkim)):
        return SenderAuthentication("fail", "neither SPF nor DKIM passed for the From domain")
    return SenderAuthentication("none", "no SPF, DKIM or DMARC verdict for the From domain")
