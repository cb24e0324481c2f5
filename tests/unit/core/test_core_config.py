"""Config validation: a minimal config loads; every mistake is reported at once with its dotted path."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from mailbot.config import (
    DEFAULT_REQUIREMENTS,
    AuthenticationSettings,
    LimitSettings,
    MaildirSettings,
    load_settings,
    parse_settings,
)
from mailbot.domain.urn import UrnScheme
from mailbot.errors import ConfigError
from mailbot.rules.limits import ReplyLimits

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "mailbot.example.toml"
ENV_VARS = (
    "MAILBOT_ENTRA_CLIENT_SECRET",
    "MAILBOT_WEB_SESSION_SECRET",
    "MAILBOT_WEB_OIDC_SECRET",
)

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
    assert settings.is_trusted("jane@schools.lancashire.gov.uk")
    assert not settings.is_trusted("Jane <jane@schools.lancashire.gov.uk>")  # judged only once parsed
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
                "new_lead_professional, taf_minutes, step_down_wpehs, meeting_representation, "
                "no_lead_professional"
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
            _set("urn", {"prefix": "lan", "width": 13}),
            [
                "urn.prefix: use capital letters and digits only (or \"\"); got 'lan'",
                "urn.width: must be between 3 and 12; got 13",
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
        monkeypatch.setenv(name, "secret-of-at-least-thirty-two-characters")
    settings = load_settings(EXAMPLE)
    assert settings.source_path == EXAMPLE
    assert settings.workflow.allocators == ("wpehs.manager@lancashire.gov.uk",)
    assert settings.web is not None and settings.web.secure
    assert settings.web.roles["viewer"] == ("33333333-3333-3333-3333-333333333333",)
    assert settings.mailbox_by_role("caf").address == "CAF@lancashire.gov.uk"
    assert settings.mailbox_by_role("wpehs").address == "preventionearlyhelp@lancashire.gov.uk"
    assert settings.transport.kind == "smtp"
    # Microsoft 365 with OAuth2 (app-only), not a password, and one identity sending as both mailboxes.
    assert {m.imap.auth for m in settings.mailboxes.values() if m.imap} == {"microsoft"}
    assert settings.signin.microsoft is not None
    assert settings.signin.microsoft.client_secret() == "secret-of-at-least-thirty-two-characters"
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
        "web.session_secret_env: environment variable MAILBOT_WEB_SESSION_SECRET must hold at least 32 characters",
        "web.oidc.client_secret_env: environment variable MAILBOT_WEB_OIDC_SECRET is not set",
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


def test_forms_dir_is_a_folder_relative_to_the_config_that_may_not_exist_yet(tmp_path: Path) -> None:
    raw = minimal()
    assert parse_settings(raw, tmp_path).forms_dir is None
    raw["mailbot"]["forms_dir"] = "forms"
    assert parse_settings(raw, tmp_path).forms_dir == tmp_path / "forms"  # made by the first `forms learn`
    (tmp_path / "forms").write_text("not a folder", encoding="utf-8")
    assert problems_of(raw, tmp_path) == [f"mailbot.forms_dir: {tmp_path / 'forms'} is not a folder"]


def test_trust_is_by_whole_domain_or_subdomain_never_by_lookalike() -> None:
    from mailbot.rules.trust import is_trusted_address

    trusted = ("lancashire.gov.uk", "nhs.net")
    assert is_trusted_address("sam.worker@lancashire.gov.uk", trusted)
    assert is_trusted_address("<Kim@Schools.Lancashire.gov.uk>", trusted)
    assert not is_trusted_address("sam@evil-lancashire.gov.uk", trusted)
    assert not is_trusted_address("sam@lancashire.gov.uk.example.com", trusted)
    assert not is_trusted_address("no-domain", trusted)


# --- [limits], [authentication] and trusted-domain patterns (issue 11) -------------------------------


def test_limits_and_authentication_defaults(tmp_path: Path) -> None:
    settings = parse_settings(minimal(), tmp_path)
    assert settings.limits == LimitSettings()
    assert settings.limits.reply_limits == ReplyLimits(3, 3, 20, 60)
    assert settings.authentication == AuthenticationSettings()
    assert not settings.authentication.enabled


def test_limits_and_authentication_are_read(tmp_path: Path) -> None:
    raw = minimal()
    raw["limits"] = {"replies_per_thread_per_day": 2, "replies_per_sender_per_hour": 40}
    raw["authentication"] = {
        "trusted_authserv_ids": ["MX.Lancashire.gov.uk"],
        "exchange_online": True,
        "require_results": True,
    }
    raw["council"]["trusted_domains"] = ["lancashire.gov.uk", "*.lancs.sch.uk"]
    settings = parse_settings(raw, tmp_path)
    assert settings.limits.reply_limits == ReplyLimits(2, 3, 40, 60)
    assert settings.authentication.trusted_authserv_ids == ("mx.lancashire.gov.uk",)
    assert settings.authentication.exchange_online and settings.authentication.require_results
    assert settings.is_trusted("head@stmarys.lancs.sch.uk")
    assert not settings.is_trusted("head@lancs.sch.uk")


@pytest.mark.parametrize(
    ("section", "values", "problem"),
    [
        (
            "limits",
            {"replies_per_thread_per_day": 0},
            "limits.replies_per_thread_per_day: must be greater than 0; got 0",
        ),
        (
            "limits",
            {"replies_per_sender_per_hour": "many"},
            "limits.replies_per_sender_per_hour: must be int, got 'many'",
        ),
        (
            "authentication",
            {"require_results": True},
            "authentication.require_results: needs trusted_authserv_ids or exchange_online = true, "
            "or every message would be untrusted",
        ),
        (
            "authentication",
            {"trusted_authserv_ids": ["mx lancashire"]},
            "authentication.trusted_authserv_ids: each must be a server name such as mx.example.gov.uk",
        ),
        (
            "workflow",
            {"auto_replies_per_sender_per_hour": 5},
            "workflow.auto_replies_per_sender_per_hour: replaced by [limits] (per thread and per repeated "
            "message, so busy people are always answered); use limits.replies_per_sender_per_hour for "
            "the flood breaker",
        ),
    ],
)
def test_limit_and_authentication_mistakes(section: str, values: dict[str, Any], problem: str) -> None:
    raw = minimal()
    raw[section] = values
    assert problem in problems_of(raw)


@pytest.mark.parametrize("pattern", ["lancs.*.uk", "*lancs.sch.uk", "localhost"])
def test_bad_trusted_domain_patterns(pattern: str) -> None:
    raw = minimal()
    raw["council"]["trusted_domains"] = ["lancashire.gov.uk", pattern]
    assert any(p.startswith(f"council.trusted_domains: {pattern!r}") for p in problems_of(raw))


def test_every_bad_trusted_domain_pattern_is_named() -> None:
    raw = minimal()
    raw["council"]["trusted_domains"] = ["lancashire.gov.uk", "lancs.*.uk", "localhost"]
    assert problems_of(raw) == [
        "council.trusted_domains: 'lancs.*.uk' a wildcard is only allowed as the whole first label, "
        "as in *.lancs.sch.uk",
        "council.trusted_domains: 'localhost' is not a domain name (letters, digits and hyphens in at "
        "least two labels)",
    ]


def test_allocators_are_read_as_lower_case_addresses(tmp_path: Path) -> None:
    raw = minimal()
    raw["workflow"] = {"allocators": [" WPEHS.Manager@Lancashire.gov.uk"]}
    workflow = parse_settings(raw, tmp_path).workflow
    assert workflow.allocators == ("wpehs.manager@lancashire.gov.uk",)
    assert workflow.console_allocator_days == 0  # the identity provider's group is off by default
    assert parse_settings(minimal(), tmp_path).workflow.allocators == ()
    raw["workflow"] = {"allocators": ["wpehs.manager@lancashire.gov.uk", "the manager"]}
    assert problems_of(raw) == ["workflow.allocators: each item must be an email address; got 'the manager'"]
    raw["workflow"] = {"console_allocator_days": -1}
    assert [p.split(":")[0] for p in problems_of(raw)] == ["workflow.console_allocator_days"]


def test_the_removed_key_is_never_offered_as_a_near_miss() -> None:
    raw = minimal()
    raw["workflow"] = {"auto_replies_per_sender": 5}
    (problem,) = problems_of(raw)
    assert problem.startswith("workflow.auto_replies_per_sender: unknown key")
    assert "auto_replies_per_sender_per_hour" not in problem


def test_example_config_turns_on_exchange_online_authentication(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.setenv(name, "secret-of-at-least-thirty-two-characters")
    settings = load_settings(EXAMPLE)
    assert settings.authentication.exchange_online and settings.authentication.require_results
    assert settings.is_trusted("office@stmarys.lancs.sch.uk")


# --- strict configuration (issue 11, point 7) -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            _set("mailboxes.wpehs.imap.pol_interval", 30),
            ["mailboxes.wpehs.imap.pol_interval: unknown key; did you mean `poll_interval`?"],
            id="misspelt-key",
        ),
        pytest.param(
            _set("mailboxs", {"caf": {}}),
            ["mailboxs: unknown section [mailboxs]; did you mean [mailboxes]?"],
            id="misspelt-section",
        ),
        pytest.param(
            _set("mailboxes.caf.maildirr", {"path": "x"}),
            [
                "mailboxes.caf.maildirr: unknown section [mailboxes.caf.maildirr]; "
                "did you mean [mailboxes.caf.maildir]?"
            ],
            id="misspelt-subsection",
        ),
        pytest.param(
            _set("council.colour", "red"),
            ["council.colour: unknown key; known: name, trusted_domains"],
            id="unknown-key",
        ),
        pytest.param(
            _set("printing", {"enabled": True}),
            [
                "printing: unknown section [printing]; known: mailbot, council, urn, mailboxes, transport, "
                "signin, documents, workflow, limits, authentication, retention, health, web, districts, "
                "district_teams, register"
            ],
            id="unknown-section",
        ),
        pytest.param(
            _set("mailboxes.wpehs.imap.port", 99999),
            ["mailboxes.wpehs.imap.port: must be a port number from 1 to 65535; got 99999"],
            id="port-99999",
        ),
        pytest.param(
            _set("transport", {"kind": "smtp", "smtp": {**SMTP, "port": -5}}),
            ["transport.smtp.port: must be a port number from 1 to 65535; got -5"],
            id="port-minus-5",
        ),
        pytest.param(
            _set("retention", {"raw_mail_days": -1, "sent_mail_days": 30, "closed_case_days": -30}),
            [
                "retention.raw_mail_days: must be 0 or more (0 = keep for ever); got -1",
                "retention.closed_case_days: must be 0 or more (0 = keep for ever); got -30",
            ],
            id="negative-retention",
        ),
        pytest.param(
            _set("mailbot.retention_days", -7),
            ["mailbot.retention_days: must be 0 or more (0 = keep for ever); got -7"],
            id="negative-retention-old-key",
        ),
        pytest.param(
            _set("mailboxes.wpehs.imap.poll_interval", 0),
            ["mailboxes.wpehs.imap.poll_interval: must be greater than 0; got 0.0"],
            id="zero-interval",
        ),
        pytest.param(
            _set("workflow.bank_holiday_region", "Engerland"),
            [
                "workflow.bank_holiday_region: unknown bank holiday region 'Engerland'; use one of "
                "ENG (England), WLS (Wales), SCT (Scotland), NIR (Northern Ireland)"
            ],
            id="unknown-region",
        ),
        pytest.param(
            _set("health", {"listen": "0.0.0.0", "port": 70000}),
            [
                "health.listen: must be a loopback address (127.0.0.1, ::1 or localhost); got '0.0.0.0'",
                "health.port: must be 0 (off) or a port number from 1 to 65535; got 70000",
            ],
            id="health-endpoint",
        ),
        pytest.param(
            _set("documents.workers", -2),
            ["documents.workers: must be 0 (one per CPU core) or more; got -2"],
            id="negative-workers",
        ),
        pytest.param(
            _set("mailboxes.wpehs.imap.idle", "yes"),
            ["mailboxes.wpehs.imap.idle: must be bool, got 'yes'"],
            id="bool-as-text",
        ),
        pytest.param(
            _set("transport", "smtp"),
            [
                "transport: must be a table, not str",
            ],
            id="section-not-a-table",
        ),
    ],
)
def test_strict_config_names_each_mistake_with_its_path_and_a_near_miss(
    change: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    raw = minimal()
    change(raw)
    assert problems_of(raw) == expected


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("England", "ENG"),
        ("england", "ENG"),
        ("ENG", "ENG"),
        ("GB-WLS", "WLS"),
        ("Scotland", "SCT"),
        ("Northern  Ireland", "NIR"),
        ("England and Wales", "ENG"),
    ],
)
def test_bank_holiday_region_accepts_the_names_a_council_writes(
    written: str, code: str, tmp_path: Path
) -> None:
    raw = minimal()
    raw["workflow"] = {"bank_holiday_region": written}
    assert parse_settings(raw, tmp_path).workflow.bank_holiday_region == code


def test_retention_and_health_sections_have_safe_defaults_and_take_the_old_key(tmp_path: Path) -> None:
    settings = parse_settings(minimal(), tmp_path)
    assert (settings.retention.raw_mail_days, settings.retention.sent_mail_days) == (0, 0)
    assert settings.retention.closed_case_days == 0
    assert (settings.health.listen, settings.health.port) == ("127.0.0.1", 0)
    raw = minimal()
    raw["mailbot"]["retention_days"] = 90
    raw["retention"] = {"sent_mail_days": 30, "closed_case_days": 365}
    retention = parse_settings(raw, tmp_path).retention
    assert (retention.raw_mail_days, retention.sent_mail_days, retention.closed_case_days) == (90, 30, 365)
    raw["retention"]["raw_mail_days"] = 60
    assert problems_of(raw) == [
        "mailbot.retention_days: replaced by retention.raw_mail_days; keep only that one"
    ]


def test_the_example_config_sets_retention_and_health(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.setenv(name, "secret-of-at-least-thirty-two-characters")
    settings = load_settings(EXAMPLE)
    retention = settings.retention
    assert (retention.raw_mail_days, retention.sent_mail_days, retention.closed_case_days) == (90, 90, 730)
    assert (settings.health.listen, settings.health.port) == ("127.0.0.1", 9188)
