"""Whether an email address can be replied to over SMTP: checked once, when a message is read.

A sender's address decides where mailbot's reply goes, so an address the SMTP library or the server
would refuse (``josé@example.org`` needs SMTPUTF8, ``Big Bug bb@bug.com`` is a display name without
angle brackets, control characters, a quoted local part) is recognised here, recorded with the reason,
and the message goes to review instead of queueing a reply that can only fail. The syntax check is
``email-validator`` (RFC 5321/5322 and RFC 6531 aware) without DNS: pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True)
class AddressCheck:
    """The outcome for one address: ``address`` to send to (ASCII), or ``problem`` saying why not."""

    address: str | None
    problem: str | None = None


def hides_another_address(text: str) -> bool:
    """True when the local part itself holds an address (``"evil@evil.example, x"@council.gov.uk``):
    a quoting trick to look like a trusted sender, not merely an address that cannot be replied to."""
    local, _, _domain = text.strip().strip("<>").rpartition("@")
    return "@" in local


def check_address(text: str, *, smtputf8: bool = False) -> AddressCheck:
    """Check ``text`` (a bare address, no display name) for sending to over SMTP.

    Returns the address to use — the domain in its ASCII (IDNA) form, so ``jo@mächine.example`` is
    sent as ``jo@xn--mchine-bua.example`` — or the problem. An internationalised local part
    (``josé@...``) can only travel over SMTPUTF8 (RFC 6531); with ``smtputf8`` False (mailbot's relay
    is not assumed to offer it) such an address is a problem. Never raises.
    """
    if not text or not text.strip():
        return AddressCheck(None, "no address")
    candidate = text.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
        return AddressCheck(None, "the address contains control characters")
    try:
        valid = validate_email(
            candidate, check_deliverability=False, globally_deliverable=False, allow_smtputf8=True
        )
    except EmailNotValidError as error:
        return AddressCheck(None, str(error))
    if valid.ascii_email is not None:
        return AddressCheck(valid.ascii_email)
    if smtputf8:
        return AddressCheck(valid.normalized)
    return AddressCheck(
        None, "the part before the @-sign is not ASCII; replying needs SMTPUTF8, which mailbot does not use"
    )
