"""The pure sign-in parts: token renewal timing, the XOAUTH2 exchange, explanations and scrubbing."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from mailbot.signin.explain import KNOWN_FAILURES, REDACTED, explain, explained, redact
from mailbot.signin.tokens import AccessToken, token_from_lifetime
from mailbot.signin.xoauth2 import Xoauth2Responder, parse_error_challenge, xoauth2_initial_response

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQ"


def test_an_hour_long_token_is_renewed_five_minutes_before_it_expires() -> None:
    token = token_from_lifetime("t", NOW, 3600)
    assert token.renew_at() == NOW + timedelta(minutes=55)
    assert not token.due(NOW + timedelta(minutes=54, seconds=59))
    assert token.due(NOW + timedelta(minutes=55))
    assert token.seconds_left(NOW + timedelta(minutes=50)) == 300


def test_a_short_token_is_renewed_at_three_quarters_of_its_life() -> None:
    token = token_from_lifetime("t", NOW, 8)
    assert token.renew_at() == NOW + timedelta(seconds=6)
    assert not token.due(NOW) and token.due(NOW + timedelta(seconds=6))


def test_a_token_value_never_shows_in_its_repr() -> None:
    token = AccessToken(JWT, NOW, NOW + timedelta(hours=1))
    assert JWT not in repr(token) and JWT not in str(token)


def test_xoauth2_initial_response_is_the_documented_format() -> None:
    assert xoauth2_initial_response("caf@x.gov.uk", "abc") == b"user=caf@x.gov.uk\x01auth=Bearer abc\x01\x01"


def test_xoauth2_answers_the_error_challenge_with_an_empty_line_not_the_token_again() -> None:
    responder = Xoauth2Responder("caf@x.gov.uk", "abc")
    assert responder(b"") == b"user=caf@x.gov.uk\x01auth=Bearer abc\x01\x01"
    error = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
    assert responder(json.dumps(error).encode()) == b""
    assert responder.server_error == error
    assert parse_error_challenge(base64.b64encode(json.dumps(error).encode())) == error
    assert parse_error_challenge(b"not json") is None


@pytest.mark.parametrize(
    ("text", "marker", "fix_mentions"),
    [
        ("AADSTS7000215: Invalid client secret provided.", "AADSTS7000215", "client_secret_env"),
        (
            "AADSTS7000222: The provided client secret keys for app 'x' are expired.",
            "AADSTS7000222",
            "new client secret",
        ),
        ("AADSTS65001: The user or administrator has not consented", "AADSTS65001", "Grant admin consent"),
        ("AADSTS700016: Application with identifier 'x' was not found", "AADSTS700016", "client_id"),
        ("AADSTS7000112: Application 'x' is disabled.", "AADSTS7000112", "Enabled for users"),
        (
            "AADSTS700027: Client assertion failed signature validation.",
            "AADSTS700027",
            "certificate_thumbprint",
        ),
        ("AADSTS90002: Tenant 'x' not found.", "AADSTS90002", "tenant_id"),
        ("b'AUTHENTICATE failed.'", "AUTHENTICATE failed", "Add-MailboxPermission"),
        (
            "b'User is authenticated but not connected.'",
            "User is authenticated but not connected",
            "FullAccess",
        ),
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.",
            "5.7.139",
            "SmtpClientAuthenticationDisabled $false",
        ),
        ("550 5.7.60 SMTP; Client does not have permissions to send as this sender", "5.7.60", "SendAs"),
        (
            "554 5.2.252 SendAsDenied; caf@x not allowed to send as other@x; STOREDRV.Submission.Exception",
            "SendAsDenied",
            "Add-RecipientPermission",
        ),
        (
            "unauthorized_client: Client is unauthorized to retrieve access tokens",
            "unauthorized_client",
            "Domain-wide",
        ),
        ("invalid_grant: Invalid email or User ID", "Invalid email or User ID", "mailbox address"),
    ],
)
def test_known_failures_are_explained_with_a_fix(text: str, marker: str, fix_mentions: str) -> None:
    known = explain(text)
    assert known is not None and known.marker == marker
    assert fix_mentions in known.fix


def test_an_explained_message_is_not_explained_twice() -> None:
    once = explained("535 5.7.139 Authentication unsuccessful")
    assert once.count("Fix:") == 1
    assert explained(f"mailbox caf: {once}") == f"mailbox caf: {once}"


def test_unknown_failures_are_left_as_they_are() -> None:
    assert explain("something odd happened") is None
    assert explained("something odd happened") == "something odd happened"


def test_every_known_failure_says_what_it_means_and_what_to_do() -> None:
    markers = [known.marker for known in KNOWN_FAILURES]
    assert len(markers) == len(set(markers))
    assert all(known.meaning.endswith(".") and known.fix.endswith(".") for known in KNOWN_FAILURES)


def test_redact_removes_jwts_bearer_values_xoauth2_strings_and_given_secrets() -> None:
    xoauth2 = base64.b64encode(b"user=caf@x\x01auth=Bearer opaque-token-value\x01\x01").decode()
    text = (
        f"token {JWT}; header Authorization: Bearer opaque-token-value; sasl {xoauth2}; secret s3cr3t-value"
    )
    clean = redact(text, ["s3cr3t-value"])
    for leaked in (JWT, "opaque-token-value", xoauth2, "s3cr3t-value"):
        assert leaked not in clean
    assert clean.count(REDACTED) == 4
    assert (
        redact("AADSTS7000215: Invalid client secret provided.")
        == "AADSTS7000215: Invalid client secret provided."
    )
