"""Plain explanations of sign-in failures, and scrubbing of secrets from any text we show or log (pure).

Each known failure — an Entra ID ``AADSTS`` code, an Exchange Online or Gmail IMAP/SMTP reply, a
Google token-endpoint error — maps to what went wrong and what the administrator should change.
``explain`` picks the first pattern found in a message; ``redact`` removes bearer tokens, JWTs and
the secrets it is given, so an error can go into a log line, the register or ``status`` safely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    """A known failure: the text that identifies it, what it means, and what to do about it."""

    marker: str
    meaning: str
    fix: str

    def __str__(self) -> str:
        return f"{self.meaning} Fix: {self.fix}"


#: Known failures, most specific first. ``marker`` is matched case-insensitively as a substring.
KNOWN_FAILURES: tuple[Explanation, ...] = (
    # -- Entra ID (Microsoft 365) token endpoint -------------------------------------------------------
    Explanation(
        "AADSTS7000215",
        "Entra ID refused the client secret: it is not a valid secret of this app.",
        "copy the secret's Value (not its Secret ID) from Entra ID > App registrations > the app > "
        "Certificates & secrets into the environment variable named by client_secret_env.",
    ),
    Explanation(
        "AADSTS7000222",
        "The app's client secret has expired.",
        "add a new client secret in Entra ID > App registrations > the app > Certificates & secrets, put "
        "it in the environment variable named by client_secret_env and restart; a certificate avoids "
        "this (secrets last at most 24 months).",
    ),
    Explanation(
        "AADSTS7000218",
        "No client secret or certificate was sent.",
        "set the environment variable named by client_secret_env, or configure certificate_path and "
        "certificate_thumbprint.",
    ),
    Explanation(
        "AADSTS700016",
        "Entra ID has no app with this client id in this tenant (wrong client_id or tenant_id, or the "
        "app was deleted).",
        "copy the Application (client) ID and Directory (tenant) ID from the app's Overview page in "
        "Entra ID into signin.microsoft.client_id and tenant_id.",
    ),
    Explanation(
        "AADSTS7000112",
        "The app is disabled in this tenant.",
        "enable it: Entra ID > Enterprise applications > the app > Properties > Enabled for users to "
        "sign in = Yes.",
    ),
    Explanation(
        "AADSTS7000229",
        "The app has no service principal (enterprise application) in this tenant.",
        "grant admin consent for the app (API permissions > Grant admin consent), which creates it.",
    ),
    Explanation(
        "AADSTS65001",
        "An administrator has not consented to the app's permissions.",
        "in Entra ID > App registrations > the app > API permissions, add Office 365 Exchange Online > "
        "Application permissions > IMAP.AccessAsApp and SMTP.SendAsApp, then press Grant admin consent.",
    ),
    Explanation(
        "AADSTS700027",
        "Entra ID could not verify the certificate assertion: the certificate is not uploaded to this "
        "app, or the thumbprint does not match the key.",
        "upload the certificate (public part, .cer/.pem) under the app's Certificates & secrets and set "
        "certificate_thumbprint to the thumbprint shown there.",
    ),
    Explanation(
        "AADSTS700024",
        "The certificate assertion is outside its valid time: this server's clock is wrong.",
        "synchronise the clock (systemd-timesyncd or chrony).",
    ),
    Explanation(
        "AADSTS90002",
        "Entra ID does not know this tenant.",
        "set signin.microsoft.tenant_id to the Directory (tenant) ID from the app's Overview page.",
    ),
    Explanation(
        "AADSTS900023",
        "The tenant id is not a tenant GUID or domain.",
        "set signin.microsoft.tenant_id to the Directory (tenant) ID (a GUID) from the app's Overview page.",
    ),
    Explanation(
        "AADSTS500011",
        "The tenant has no Exchange Online resource (https://outlook.office365.com) to issue a token for.",
        "check the tenant id is the one that holds the mailboxes and that Exchange Online is licensed.",
    ),
    Explanation(
        "AADSTS70011",
        "The scope asked for is not valid for an app-only token.",
        "leave signin.microsoft.scope at its default https://outlook.office365.com/.default.",
    ),
    Explanation(
        "AADSTS1002012",
        "The scope asked for is not valid for an app-only token.",
        "leave signin.microsoft.scope at its default https://outlook.office365.com/.default.",
    ),
    Explanation(
        "AADSTS53003",
        "A Conditional Access policy blocked the app's sign-in.",
        "exclude the app (a workload identity) from the policy or allow this server's address in it.",
    ),
    # -- Exchange Online IMAP and SMTP -------------------------------------------------------------
    Explanation(
        "User is authenticated but not connected",
        "Exchange accepted the token but the app may not open this mailbox.",
        "give the app's service principal FullAccess: Add-MailboxPermission -Identity <mailbox> -User "
        "<service principal object id> -AccessRights FullAccess (see deploy/MICROSOFT365.md).",
    ),
    Explanation(
        "AUTHENTICATE failed",
        "Exchange refused the token for this mailbox: the app's service principal is not registered in "
        "Exchange, or it has no FullAccess on the mailbox, or the mailbox address is wrong.",
        "run New-ServicePrincipal -AppId <client id> -ObjectId <enterprise app object id>, then "
        "Add-MailboxPermission -Identity <mailbox> -User <service principal id> -AccessRights FullAccess; "
        "allow up to an hour for Exchange to apply it (see deploy/MICROSOFT365.md).",
    ),
    Explanation(
        "AUTHENTICATIONFAILED",
        "The IMAP server refused the sign-in for this mailbox (for OAuth2: the app may not open it, or "
        "the token was not accepted).",
        "Microsoft 365: New-ServicePrincipal and Add-MailboxPermission -AccessRights FullAccess for the "
        "app; Google: domain-wide delegation for the service account with https://mail.google.com/; "
        "password: check the username and the password variable.",
    ),
    Explanation(
        "5.7.139",
        "SMTP AUTH is switched off for this mailbox or the whole tenant.",
        "Set-CASMailbox -Identity <sending mailbox> -SmtpClientAuthenticationDisabled $false (and check "
        "Get-TransportConfig | fl SmtpClientAuthenticationDisabled).",
    ),
    Explanation(
        "SendAsDenied",
        "The sending identity may not send as this From address.",
        "Add-RecipientPermission -Identity <From mailbox> -Trustee <sending identity or service "
        "principal> -AccessRights SendAs, or sign in as that mailbox ([transport.smtp.identities]).",
    ),
    Explanation(
        "5.7.60",
        "The sending identity may not send as this From address.",
        "Add-RecipientPermission -Identity <From mailbox> -Trustee <sending identity or service "
        "principal> -AccessRights SendAs, or sign in as that mailbox ([transport.smtp.identities]).",
    ),
    Explanation(
        "5.7.57",
        "The SMTP server wants a sign-in before it takes mail.",
        "set transport.smtp.auth (microsoft, google or password) and the username.",
    ),
    Explanation(
        "535 5.7.3",
        "Exchange refused the SMTP sign-in: the app lacks SMTP.SendAsApp consent, its service principal "
        "is not registered in Exchange, or it has no rights on the sign-in mailbox.",
        "grant admin consent for SMTP.SendAsApp, run New-ServicePrincipal, and give the service principal "
        "FullAccess on the mailbox it signs in as (see deploy/MICROSOFT365.md).",
    ),
    # -- Google Workspace ------------------------------------------------------------------------------
    Explanation(
        "unauthorized_client",
        "Google refused the service account: domain-wide delegation is not set up for it, or not with "
        "the scope https://mail.google.com/.",
        "in the Admin console > Security > Access and data control > API controls > Domain-wide "
        "delegation, add the service account's client ID with the scope https://mail.google.com/.",
    ),
    Explanation(
        "Invalid email or User ID",
        "Google does not know this mailbox in the Workspace domain the service account is delegated for.",
        "check the mailbox address (username) and that it is a user or group mailbox in that domain.",
    ),
    Explanation(
        "Invalid JWT Signature",
        "Google does not accept the service account key (deleted or rotated).",
        "create a new JSON key for the service account and point service_account_file at it.",
    ),
    Explanation(
        "invalid_grant",
        "Google refused the token request (clock out of step, wrong account or deleted key).",
        "synchronise this server's clock and check service_account_file and the mailbox address.",
    ),
    Explanation(
        "5.7.8",
        "The SMTP server refused the credentials.",
        "OAuth2: check the app's rights on the sending mailbox; password: check username and password.",
    ),
    # -- The network ---------------------------------------------------------------------------------
    Explanation(
        "CERTIFICATE_VERIFY_FAILED",
        "The server's TLS certificate is not trusted by this machine.",
        "if a TLS-inspecting proxy sits in between, set ca_file to its CA certificate; otherwise install "
        "the CA bundle (apt install ca-certificates).",
    ),
    Explanation(
        "Name or service not known",
        "The host name does not resolve.",
        "check the host name and this server's DNS.",
    ),
    Explanation(
        "Connection refused",
        "Nothing listens at that host and port.",
        "check host, port and tls (993 implicit for IMAP; 587 starttls for SMTP) and the firewall.",
    ),
)


def explain(text: str) -> Explanation | None:
    """The explanation for the first known failure named in ``text``; None when none is."""
    folded = text.casefold()
    for known in KNOWN_FAILURES:
        if known.marker.casefold() in folded:
            return known
    return None


#: A JWT (three base64url parts, the first a JSON header ``eyJ``), an ``auth=Bearer`` value, a SASL
#: XOAUTH2 string in base64 (``dXNlcj1``: "user="), or a ``Bearer`` header value.
_TOKEN_LIKE = re.compile(
    r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
    r"|dXNlcj1[A-Za-z0-9+/=]{8,}"
    r"|(?<=Bearer )[A-Za-z0-9._~+/=-]{8,}",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every token-like string and each of ``secrets`` (4+ characters) replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return _TOKEN_LIKE.sub(REDACTED, text)


def explained(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` scrubbed of secrets, followed by the explanation when the failure is a known one."""
    clean = redact(text, secrets)
    known = explain(clean)
    if known is None or known.fix in clean:  # already explained further down the chain
        return clean
    return f"{clean} — {known}"
