"""Signing in to IMAP with OAuth2: MSAL and google-auth fetch real tokens from the test token service,
and a Dovecot that accepts only those tokens checks them (no mocked token, no patched login)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support.apps import email
from support.mailservers import DEFAULT_PASSWORD
from support.oauth import CAF, WPEHS, OAuthWorld
from support.tokenservice import make_app_certificate

from mailbot.errors import SignInError, SourceConnectionError
from mailbot.signin.providers import GoogleServiceAccount, GoogleTokens, MicrosoftApp, MicrosoftTokens
from mailbot.sources.imap import ImapSource

pytestmark = pytest.mark.integration


def microsoft(oauth: OAuthWorld, clock: Any = None, **overrides: Any) -> MicrosoftTokens:
    options: dict[str, Any] = {
        "tenant_id": oauth.tenant,
        "client_id": oauth.app.client_id,
        "client_secret": oauth.app.secret,
        "authority_host": oauth.authority,
        "ca_file": oauth.tokens.ca_file,
    }
    options.update(overrides)
    app = MicrosoftApp(**options)
    return MicrosoftTokens(app, clock) if clock else MicrosoftTokens(app)


def source(oauth: OAuthWorld, user: str, tokens: Any, **overrides: Any) -> ImapSource:
    return ImapSource(
        user.split("@")[0],
        oauth.dovecot.host,
        oauth.dovecot.imap_port,
        "none",
        user,
        "",
        tokens=tokens,
        sent_folder=None,
        connect_timeout=5.0,
        read_timeout=10.0,
        **overrides,
    )


def test_first_sign_in_with_a_client_secret_reads_the_inbox_and_finds_sent_items(oauth: OAuthWorld) -> None:
    oauth.deliver(
        email("sw.one@lancashire.gov.uk", CAF, "URN request", "hello"), "sw.one@lancashire.gov.uk", CAF
    )
    signed_in: list[str] = []
    tokens = microsoft(oauth)
    with source(oauth, CAF, tokens, on_signed_in=lambda: signed_in.append("caf")) as caf:
        (message,) = list(caf.fetch_waiting(10))
        caf.mark_done(message, "processed")
        # RFC 6154: Dovecot marks "Sent Items" \Sent, as Exchange does; nothing was configured.
        assert caf.sent_folder == "Sent Items"
    assert signed_in == ["caf"]
    assert len(oauth.tokens.tokens_for(oauth.app.client_id)) == 1
    assert len(oauth.dovecot.imap_messages(CAF, "Processed")) == 1
    assert oauth.dovecot.imap_messages(CAF) == []


def test_one_app_token_opens_both_mailboxes_and_only_those(oauth: OAuthWorld) -> None:
    tokens = microsoft(oauth)
    with source(oauth, CAF, tokens) as caf, source(oauth, WPEHS, tokens) as wpehs:
        assert list(caf.fetch_waiting(1)) == [] and list(wpehs.fetch_waiting(1)) == []
    assert tokens.fetched == 1  # cached: one token for both mailboxes
    # No FullAccess on a third mailbox: refused as Exchange refuses ("AUTHENTICATE failed").
    with (
        source(oauth, "sw.one@lancashire.gov.uk", tokens) as other,
        pytest.raises(SourceConnectionError) as caught,
    ):
        list(other.fetch_waiting(1))
    assert "sign-in refused" in str(caught.value)
    assert "FullAccess" in str(caught.value)  # the explanation names the fix


def test_a_password_login_is_refused(oauth: OAuthWorld) -> None:
    password_source = ImapSource(
        "caf", oauth.dovecot.host, oauth.dovecot.imap_port, "none", CAF, DEFAULT_PASSWORD
    )
    with password_source, pytest.raises(SourceConnectionError) as caught:
        list(password_source.fetch_waiting(1))
    assert "AUTHENTICATIONFAILED" in str(caught.value)


@pytest.mark.parametrize("with_thumbprint", [True, False], ids=["rs256-sha1-thumbprint", "ps256-sha256"])
def test_certificate_sign_in(oauth: OAuthWorld, with_thumbprint: bool) -> None:
    """MSAL signs a client assertion with the certificate's key; the service checks it (private_key_jwt)."""
    certificate = make_app_certificate(oauth.directory)
    oauth.app.certificate_sha1 = certificate.sha1_thumbprint
    oauth.app.certificate_sha256 = certificate.sha256_thumbprint
    oauth.app.public_key_pem = certificate.public_key_pem
    tokens = microsoft(
        oauth,
        client_secret=None,
        certificate_path=certificate.pem_path,
        certificate_thumbprint=certificate.sha1_thumbprint if with_thumbprint else None,
    )
    with source(oauth, CAF, tokens) as caf:
        assert list(caf.fetch_waiting(1)) == []
    assert len(oauth.tokens.tokens_for(oauth.app.client_id)) == 1


def test_google_service_account_impersonates_each_mailbox(oauth: OAuthWorld) -> None:
    account = GoogleServiceAccount(oauth.google_key_file(), ca_file=oauth.tokens.ca_file)
    caf_tokens, wpehs_tokens = GoogleTokens(account, CAF), GoogleTokens(account, WPEHS)
    with source(oauth, CAF, caf_tokens) as caf, source(oauth, WPEHS, wpehs_tokens) as wpehs:
        assert list(caf.fetch_waiting(1)) == [] and list(wpehs.fetch_waiting(1)) == []
    # A token delegated for preventionearlyhelp@ does not open CAF@.
    with source(oauth, CAF, wpehs_tokens) as wrong, pytest.raises(SourceConnectionError):
        list(wrong.fetch_waiting(1))


def test_token_is_renewed_before_it_expires(oauth: OAuthWorld) -> None:
    now = [datetime.now(UTC)]
    tokens = microsoft(oauth, clock=lambda: now[0])
    first = tokens.token()
    now[0] += timedelta(minutes=50)
    assert tokens.token() is first  # 10 minutes left: still good
    now[0] += timedelta(minutes=6)  # under 5 minutes left: renew before it expires
    second = tokens.token()
    assert second is not first and second.value != first.value
    assert len(oauth.tokens.tokens_for(oauth.app.client_id)) == 2


def test_a_refused_token_is_renewed_on_demand(oauth: OAuthWorld) -> None:
    """The cached token predates FullAccess on preventionearlyhelp@; the server refuses it, mailbot
    fetches a new one at once (no waiting for expiry) and signs in."""
    oauth.app.mailboxes = {CAF}
    tokens = microsoft(oauth)
    with source(oauth, CAF, tokens) as caf:
        assert list(caf.fetch_waiting(1)) == []
    oauth.app.mailboxes = {CAF, WPEHS}  # the administrator adds FullAccess
    with source(oauth, WPEHS, tokens) as wpehs:
        assert list(wpehs.fetch_waiting(1)) == []
    assert tokens.fetched == 2


def test_a_refused_client_is_a_sign_in_error_with_its_fix(oauth: OAuthWorld) -> None:
    tokens = microsoft(oauth, client_secret="not-the-secret")
    with pytest.raises(SignInError) as caught:
        tokens.token()
    assert "AADSTS7000215" in str(caught.value)
    assert "client_secret_env" in str(caught.value)  # the fix
    assert "not-the-secret" not in str(caught.value)
    oauth.app.state = "secret_expired"
    with pytest.raises(SignInError, match="AADSTS7000222"):
        microsoft(oauth).token()
    with source(oauth, CAF, microsoft(oauth)) as caf, pytest.raises(SourceConnectionError) as failed:
        list(caf.fetch_waiting(1))
    assert "no access token" in str(failed.value) and "expired" in str(failed.value)
