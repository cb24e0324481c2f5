"""Config for signing in: OAuth2 sections, SMTP identities and the From addresses they may use."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from mailbot.config import parse_settings
from mailbot.errors import ConfigError

BASE = """
[mailbot]
[council]
trusted_domains = ["lancashire.gov.uk"]
[signin.microsoft]
tenant_id = "00000000-0000-0000-0000-000000000000"
client_id = "11111111-1111-1111-1111-111111111111"
client_secret_env = "TEST_SIGNIN_SECRET"
[mailboxes.caf]
address = "CAF@lancashire.gov.uk"
role = "caf"
[mailboxes.caf.imap]
host = "outlook.office365.com"
username = "CAF@lancashire.gov.uk"
auth = "microsoft"
[mailboxes.wpehs]
address = "preventionearlyhelp@lancashire.gov.uk"
role = "wpehs"
[mailboxes.wpehs.imap]
host = "outlook.office365.com"
username = "preventionearlyhelp@lancashire.gov.uk"
auth = "microsoft"
[transport]
kind = "smtp"
[transport.smtp]
host = "smtp.office365.com"
username = "CAF@lancashire.gov.uk"
auth = "microsoft"
send_as = ["preventionearlyhelp@lancashire.gov.uk"]
"""


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SIGNIN_SECRET", "secret")
    monkeypatch.delenv("MAILBOT_DATABASE_URL", raising=False)


def base() -> dict[str, Any]:
    return tomllib.loads(BASE)


def problems_of(raw: dict[str, Any], directory: Path = Path("/srv/mailbot")) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, directory)
    return caught.value.problems


def test_microsoft_app_only_config_is_valid() -> None:
    settings = parse_settings(base(), Path("/srv/mailbot"))
    assert settings.signin.microsoft is not None
    assert settings.signin.microsoft.client_secret() == "secret"
    assert settings.signin.microsoft.scope == "https://outlook.office365.com/.default"
    caf = settings.mailbox_by_role("caf").imap
    assert caf is not None and caf.auth == "microsoft" and caf.password_env is None
    assert caf.sent_folder is None  # found by SPECIAL-USE at sign-in
    assert settings.transport.smtp is not None
    (identity,) = settings.transport.smtp.identities
    assert identity.send_as == ("CAF@lancashire.gov.uk", "preventionearlyhelp@lancashire.gov.uk")
    assert settings.health.mailbox_failing_max_minutes == 15


def test_a_from_address_no_identity_may_send_as_is_rejected() -> None:
    raw = base()
    raw["transport"]["smtp"]["send_as"] = []
    assert problems_of(raw) == [
        "mailboxes.wpehs.address: no SMTP identity may send as preventionearlyhelp@lancashire.gov.uk; "
        "add it to transport.smtp.send_as (Send As rights) or add an identity for it"
    ]


def test_one_identity_per_mailbox() -> None:
    raw = base()
    smtp = raw["transport"]["smtp"]
    for key in ("username", "auth", "send_as"):
        del smtp[key]
    smtp["identities"] = {
        "caf": {"username": "CAF@lancashire.gov.uk", "auth": "microsoft"},
        "wpehs": {"username": "preventionearlyhelp@lancashire.gov.uk", "auth": "microsoft"},
    }
    settings = parse_settings(raw, Path("/srv"))
    assert settings.transport.smtp is not None
    chosen = settings.transport.smtp.identity_for("PreventionEarlyHelp@lancashire.gov.uk")
    assert chosen is not None and chosen.name == "wpehs"
    del smtp["identities"]["wpehs"]
    assert problems_of(raw)[0].startswith("mailboxes.wpehs.address: no SMTP identity may send as")


def test_oauth_sign_in_mistakes_are_each_reported_with_their_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_SIGNIN_SECRET")
    raw = base()
    raw["signin"]["microsoft"]["certificate_path"] = "missing.pem"
    raw["signin"]["microsoft"]["certificate_thumbprint"] = "not-hex"
    raw["mailboxes"]["caf"]["imap"]["auth"] = "google"
    raw["mailboxes"]["wpehs"]["imap"]["auth"] = "kerberos"
    raw["mailboxes"]["wpehs"]["imap"]["password_env"] = "TEST_SIGNIN_SECRET"
    # Each table's own mistakes first (in the file's section order), then the checks across keys
    # and sections, made on the keys as written. With [mailboxes] unreadable, its cross checks wait.
    assert problems_of(raw, tmp_path) == [
        "mailboxes.wpehs.imap.auth: must be one of password, microsoft, google; got 'kerberos'",
        "mailboxes.wpehs.imap.password_env: environment variable TEST_SIGNIN_SECRET is not set",
        "signin.microsoft.client_secret_env: environment variable TEST_SIGNIN_SECRET is not set",
        "signin.microsoft.certificate_thumbprint: must be the certificate's SHA-1 thumbprint "
        "(40 hexadecimal digits, as Entra ID shows it)",
        "signin.microsoft: give either client_secret_env or certificate_path (with certificate_thumbprint)",
        f"signin.microsoft.certificate_path: {tmp_path / 'missing.pem'} does not exist",
    ]


def test_an_oauth_sign_in_needs_its_signin_section() -> None:
    raw = base()
    raw["mailboxes"]["caf"]["imap"]["auth"] = "google"
    raw["transport"]["smtp"]["auth"] = "google"
    assert problems_of(raw) == [
        "mailboxes.caf.imap.auth: 'google' needs a [signin.google] section (service_account_file)",
        "transport.smtp identity 'default' auth: 'google' needs a [signin.google] section (service_account_file)",
    ]


def test_an_oauth_mailbox_must_not_name_a_password_variable() -> None:
    raw = base()
    raw["mailboxes"]["caf"]["imap"]["password_env"] = "TEST_SIGNIN_SECRET"
    assert problems_of(raw) == [
        "mailboxes.caf.imap.password_env: not used with auth = 'microsoft'; remove it"
    ]


def test_a_password_mailbox_still_needs_its_password_variable() -> None:
    raw = base()
    raw["mailboxes"]["caf"]["imap"]["auth"] = "password"
    assert problems_of(raw) == ["mailboxes.caf.imap.password_env: missing (required)"]


def test_certificate_instead_of_secret(tmp_path: Path) -> None:
    (tmp_path / "app.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    raw = base()
    microsoft = raw["signin"]["microsoft"]
    del microsoft["client_secret_env"]
    microsoft["certificate_path"] = "app.pem"
    microsoft["certificate_thumbprint"] = "3A:1B" + "0" * 36
    settings = parse_settings(raw, tmp_path)
    assert settings.signin.microsoft is not None
    assert settings.signin.microsoft.certificate_path == tmp_path / "app.pem"
    assert settings.signin.microsoft.client_secret() is None
