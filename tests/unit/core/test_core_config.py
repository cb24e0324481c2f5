"""Config validation: a minimal config loads; every mistake is reported at once with its dotted path."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from mailbot.config import DEFAULT_REQUIREMENTS, MaildirSettings, load_settings, parse_settings
from mailbot.errors import ConfigError
from mailbot.urn import UrnScheme

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "mailbot.example.toml"
ENV_VARS = ("MAILBOT_ENTRA_CLIENT_SECRET",)

MINIMAL = """
[mailbot]

[council]
trusted_domains = ["@Lancashire.gov.uk", "nhs.net"]

[mailboxes.caf]
address = "CAF@lancashire.gov.uk"
role = "caf"
[mailboxes.caf.maildir]
path = "mail/caf"

[mailboxes.wpehs]
address = "preventionearlyhelp@lancashire.gov.uk"
role = "wpehs"
[mailboxes.wpehs.imap]
host = "127.0.0.1"
port = 1143
tls = "none"
username = "wpehs"
password_env = "TEST_CORE_WPEHS_PASSWORD"

[transport]
kind = "maildir"
[transport.maildir]
path = "outgoing"
"""


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("TEST_CORE_WPEHS_PASSWORD", "secret")
    monkeypatch.setenv("TEST_CORE_SMTP_PASSWORD", "secret")


def minimal() -> dict[str, Any]:
    return tomllib.loads(MINIMAL)


def problems_of(raw: dict[str, Any], base: Path = Path("/srv/mailbot")) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, base)
    return caught.value.problems


def test_minimal_config_is_valid_and_defaults_are_filled_in(tmp_path: Path) -> None:
    settings = parse_settings(minimal(), tmp_path)
    assert settings.council_name == "Lancashire County Council"
    assert settings.timezone == "Europe/London"
    assert settings.database_url == f"sqlite:///{tmp_path}/var/mailbot.sqlite3"
    assert settings.storage_dir == tmp_path / "var/storage"
    assert settings.trusted_domains == ("lancashire.gov.uk", "nhs.net")
    assert settings.mailbox_by_role("caf").maildir == MaildirSettings(tmp_path / "mail/caf")
    wpehs = settings.mailbox_by_role("wpehs")
    assert wpehs.team_name == "WPEHS"
    assert wpehs.imap is not None
    assert (wpehs.imap.host, wpehs.imap.port, wpehs.imap.tls, wpehs.imap.inbox) == (
        "127.0.0.1",
        1143,
        "none",
        "INBOX",
    )
    assert wpehs.imap.password() == "secret"
    assert settings.mailbox_by_role("caf").team_name == "CAF Database Team"
    assert settings.transport.kind == "maildir"
    assert settings.transport.maildir == tmp_path / "outgoing"
    assert settings.urn == UrnScheme("LAN", 6)
    assert settings.workflow.allocation_weekday == 0
    assert settings.workflow.allocation_time == time(10, 0)
    assert settings.workflow.requirements == DEFAULT_REQUIREMENTS
    assert settings.message_id_domain == "lancashire.gov.uk"
    assert settings.own_addresses == ("caf@lancashire.gov.uk", "preventionearlyhelp@lancashire.gov.uk")
    assert settings.is_trusted("Jane <jane@schools.lancashire.gov.uk>")
    assert not settings.is_trusted("jane@notlancashire.gov.uk")


def test_database_url_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAILBOT_DATABASE_URL", "postgresql+psycopg://mailbot@db/mailbot")
    assert parse_settings(minimal(), tmp_path).database_url == "postgresql+psycopg://mailbot@db/mailbot"


def test_an_empty_file_lists_every_missing_section() -> None:
    assert problems_of({}) == [
        "mailbot: missing section [mailbot]",
        "council: missing section [council]",
        "council.trusted_domains: list at least one domain (personal data only goes there)",
        "mailboxes: missing section [mailboxes]",
        "transport: missing section [transport]",
        "transport.smtp: missing section [transport.smtp]",
        "transport.smtp.host: missing (required)",
    ]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        *parents, key = path.split(".")
        table = raw
        for parent in parents:
            table = table.setdefault(parent, {})
        table[key] = value

    return change


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        *parents, key = path.split(".")
        table = raw
        for parent in parents:
            table = table[parent]
        del table[key]

    return change


SMTP = {
    "host": "smtp.office365.com",
    "port": 587,
    "tls": "starttls",
    "password_env": "TEST_CORE_SMTP_PASSWORD",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            _delete("council"),
            [
                "council: missing section [council]",
                "council.trusted_domains: list at least one domain (personal data only goes there)",
                "mailboxes.caf.address: CAF@lancashire.gov.uk is not in council.trusted_domains",
                "mailboxes.wpehs.address: preventionearlyhelp@lancashire.gov.uk is not in council.trusted_domains",
            ],
            id="missing-council",
        ),
        pytest.param(
            _set("mailboxes.wpehs.imap.tls", "ssl"),
            ["mailboxes.wpehs.imap.tls: must be one of implicit, starttls, none; got 'ssl'"],
            id="bad-tls",
        ),
        pytest.param(
            _set("mailboxes.wpehs.imap.host", "mail.lancashire.gov.uk"),
            ["mailboxes.wpehs.imap.tls: 'none' sends the password in clear; only allowed for loopback hosts"],
            id="imap-tls-none-remote",
        ),
        pytest.param(
            _set("mailboxes.wpehs.imap.password_env", "TEST_CORE_NOT_SET"),
            ["mailboxes.wpehs.imap.password_env: environment variable TEST_CORE_NOT_SET is not set"],
            id="unset-password-env",
        ),
        pytest.param(
            _set("mailboxes.wpehs.imap.port", "143"),
            ["mailboxes.wpehs.imap.port: must be int, got '143'"],
            id="port-as-text",
        ),
        pytest.param(
            _set("transport", {"kind": "smtp", "smtp": {**SMTP, "tls": "none"}}),
            ["transport.smtp.tls: 'none' is only allowed for loopback hosts"],
            id="smtp-tls-none-remote",
        ),
        pytest.param(
            _set("transport", {"kind": "smtp", "smtp": {**SMTP, "password_env": "TEST_CORE_NOT_SET"}}),
            ["transport.smtp.password_env: environment variable TEST_CORE_NOT_SET is not set"],
            id="smtp-unset-password-env",
        ),
        pytest.param(
            _set("workflow.requirements.urn_request", {"documents": ["assesment"]}),
            [
                "workflow.requirements.urn_request.documents: each item must be one of "
                "assessment, assessment_or_plan, consent_form, plan, taf_document"
            ],
            id="unknown-document-requirement",
        ),
        pytest.param(
            _set("workflow.requirements.step_down_wpehs", {"facts": ["urn", "shoe_size"]}),
            [
                "workflow.requirements.step_down_wpehs.facts: each item must be one of "
                "child_identity, consent, lead_professional_agency, lead_professional_contact, "
                "lead_professional_name, meeting_date, urn, work_requested"
            ],
            id="unknown-fact-requirement",
        ),
        pytest.param(
            _set("workflow.requirements.urn_requests", {"facts": []}),
            [
                "workflow.requirements.urn_requests: unknown request type; known: urn_request, "
                "new_lead_professional, taf_minutes, step_down_wpehs, meeting_representation"
            ],
            id="unknown-request-type",
        ),
        pytest.param(
            _set("workflow.allocation_weekday", "mon"),
            [
                "workflow.allocation_weekday: must be one of monday, tuesday, wednesday, thursday, friday, "
                "saturday, sunday; got 'mon'"
            ],
            id="bad-weekday",
        ),
        pytest.param(
            _set("workflow.allocation_time", "25:00"),
            ["workflow.allocation_time: must be HH:MM (24-hour), got '25:00'"],
            id="bad-hour",
        ),
        pytest.param(
            _set("workflow.digest_time", "8am"),
            ["workflow.digest_time: must be HH:MM (24-hour), got '8am'"],
            id="bad-time-text",
        ),
        pytest.param(
            _set("mailboxes.caf.address", "caf@lancashire.example.org"),
            ["mailboxes.caf.address: caf@lancashire.example.org is not in council.trusted_domains"],
            id="mailbox-outside-trusted-domains",
        ),
        pytest.param(
            _set(
                "mailboxes.caf.imap",
                {
                    "host": "127.0.0.1",
                    "tls": "none",
                    "username": "u",
                    "password_env": "TEST_CORE_WPEHS_PASSWORD",
                },
            ),
            ["mailboxes.caf: has both imap and maildir; choose one"],
            id="both-imap-and-maildir",
        ),
        pytest.param(
            _delete("mailboxes.caf.maildir"),
            ["mailboxes.caf: needs an [mailboxes.caf.imap] or [mailboxes.caf.maildir] section"],
            id="neither-imap-nor-maildir",
        ),
        pytest.param(
            _set("mailboxes.wpehs.role", "caf"),
            [
                "mailboxes: need exactly one mailbox with role = 'caf', found 2",
                "mailboxes: need exactly one mailbox with role = 'wpehs', found 0",
            ],
            id="two-caf-no-wpehs",
        ),
        pytest.param(
            _delete("mailboxes.wpehs"),
            ["mailboxes: need exactly one mailbox with role = 'wpehs', found 0"],
            id="no-wpehs",
        ),
        pytest.param(
            _set("urn", {"prefix": "lan", "width": 12}),
            [
                "urn.prefix: use capital letters and digits only; got 'lan'",
                "urn.width: must be between 4 and 10; got 12",
            ],
            id="bad-urn-scheme",
        ),
        pytest.param(
            _set("mailbot.timezone", "Europe/Preston"),
            ["mailbot.timezone: unknown time zone 'Europe/Preston'"],
            id="bad-timezone",
        ),
        pytest.param(
            _set("mailbot.database_url", "mysql://x"),
            ["mailbot.database_url: only sqlite:/// and postgresql+psycopg:// URLs are supported"],
            id="bad-database",
        ),
    ],
)
def test_each_mistake_is_reported_with_its_dotted_path(
    change: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    raw = minimal()
    change(raw)
    assert problems_of(raw) == expected


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2", "::1"])
def test_tls_none_is_allowed_to_loopback(host: str, tmp_path: Path) -> None:
    raw = minimal()
    raw["mailboxes"]["wpehs"]["imap"]["host"] = host
    raw["transport"] = {"kind": "smtp", "smtp": {**SMTP, "host": host, "tls": "none"}}
    settings = parse_settings(raw, tmp_path)
    assert settings.transport.smtp is not None
    assert (settings.transport.smtp.host, settings.transport.smtp.tls) == (host, "none")


def test_all_problems_are_collected_at_once() -> None:
    raw = minimal()
    raw["mailbot"]["timezone"] = "Europe/Preston"
    raw["mailboxes"]["wpehs"]["imap"]["tls"] = "ssl"
    raw["mailboxes"]["wpehs"]["imap"]["password_env"] = "TEST_CORE_NOT_SET"
    raw["workflow"] = {"allocation_weekday": "Mon", "allocation_time": "10"}
    assert problems_of(raw) == [
        "mailbot.timezone: unknown time zone 'Europe/Preston'",
        "mailboxes.wpehs.imap.tls: must be one of implicit, starttls, none; got 'ssl'",
        "mailboxes.wpehs.imap.password_env: environment variable TEST_CORE_NOT_SET is not set",
        "workflow.allocation_weekday: must be one of monday, tuesday, wednesday, thursday, friday, "
        "saturday, sunday; got 'Mon'",
        "workflow.allocation_time: must be HH:MM (24-hour), got '10'",
    ]


def test_mailbox_roles_are_checked_even_when_other_sections_have_mistakes() -> None:
    # The docstring promises every mistake at once; a wrong time zone must not hide "two CAF mailboxes".
    raw = minimal()
    raw["mailbot"]["timezone"] = "Europe/Preston"
    raw["mailboxes"]["wpehs"]["role"] = "caf"
    assert problems_of(raw) == [
        "mailbot.timezone: unknown time zone 'Europe/Preston'",
        "mailboxes: need exactly one mailbox with role = 'caf', found 2",
        "mailboxes: need exactly one mailbox with role = 'wpehs', found 0",
    ]


def test_the_shipped_example_config_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.setenv(name, "secret")
    settings = load_settings(EXAMPLE)
    assert settings.source_path == EXAMPLE
    assert settings.mailbox_by_role("caf").address == "CAF@lancashire.gov.uk"
    assert settings.mailbox_by_role("wpehs").address == "preventionearlyhelp@lancashire.gov.uk"
    assert settings.transport.kind == "smtp"
    # Microsoft 365 with OAuth2 (app-only), not a password, and one identity sending as both mailboxes.
    assert {m.imap.auth for m in settings.mailboxes.values() if m.imap} == {"microsoft"}
    assert settings.signin.microsoft is not None
    assert settings.signin.microsoft.client_secret() == "secret"
    assert settings.transport.smtp is not None
    (identity,) = settings.transport.smtp.identities
    assert identity.auth == "microsoft"
    assert identity.may_send_as("caf@lancashire.gov.uk")
    assert identity.may_send_as("PreventionEarlyHelp@lancashire.gov.uk")
    assert settings.workflow.requirements == DEFAULT_REQUIREMENTS
    assert settings.districts["PR25"] == "Chorley and South Ribble"


def test_the_example_config_names_the_unset_client_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as caught:
        load_settings(EXAMPLE)
    assert caught.value.problems == [
        "signin.microsoft.client_secret_env: environment variable MAILBOT_ENTRA_CLIENT_SECRET is not set",
    ]


def test_load_settings_reports_an_unreadable_or_invalid_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_settings(missing)
    assert caught.value.problems == [f"{missing}: cannot be read (No such file or directory)"]
    broken = tmp_path / "broken.toml"
    broken.write_text("[mailbot\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(broken)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{broken}: not valid TOML (")


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "mailbot.toml"
    path.parent.mkdir()
    path.write_text(MINIMAL, encoding="utf-8")
    settings = load_settings(path)
    assert settings.mailbox_by_role("caf").maildir == MaildirSettings(tmp_path / "etc" / "mail/caf")
    assert settings.database_url == f"sqlite:///{tmp_path}/etc/var/mailbot.sqlite3"


def test_trust_is_by_whole_domain_or_subdomain_never_by_lookalike() -> None:
    from mailbot.config import is_trusted_address

    trusted = ("lancashire.gov.uk", "nhs.net")
    assert is_trusted_address("sam.worker@lancashire.gov.uk", trusted)
    assert is_trusted_address("<Kim@Schools.Lancashire.gov.uk>", trusted)
    assert not is_trusted_address("sam@evil-lancashire.gov.uk", trusted)
    assert not is_trusted_address("sam@lancashire.gov.uk.example.com", trusted)
    assert not is_trusted_address("no-domain", trusted)
