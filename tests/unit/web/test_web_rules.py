"""The console's pure parts: roles from groups, permissions, config, CSRF origin check, dates."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from starlette.requests import Request
from support.configs import MAILDIR_CONFIG

from mailbot.config import WebSettings, parse_settings
from mailbot.errors import ConfigError
from mailbot.web import csrf
from mailbot.web.roles import PERMISSIONS, may, roles_from_groups
from mailbot.web.search import parse_day

MAPPING = {"caf_team": ("g-caf",), "viewer": ("g-read",), "administrator": ("g-admin",)}


def test_roles_come_from_the_groups_the_provider_names() -> None:
    assert roles_from_groups(["g-read", "g-other"], MAPPING) == ("viewer",)
    assert roles_from_groups(["g-caf", "g-admin"], MAPPING) == ("administrator", "caf_team")
    assert roles_from_groups([], MAPPING) == ()


def test_a_viewer_may_only_look() -> None:
    assert may(["viewer"], "view")
    assert [p for p in PERMISSIONS if may(["viewer"], p)] == ["view"]
    assert may(["wpehs_allocator"], "allocate") and not may(["wpehs_allocator"], "review")
    assert all(may(["administrator"], p) for p in PERMISSIONS)
    assert not may([], "view")


def _web(**overrides: object) -> dict[str, object]:
    table: dict[str, object] = {
        "base_url": "https://console.example.gov.uk/",
        "session_secret_env": "T_SESSION",
        "oidc": {"issuer": "https://idp.example", "client_id": "c", "client_secret_env": "T_OIDC"},
        "roles": {"viewer": ["g-read"]},
    }
    table.update(overrides)
    return table


def parse_web(web: dict[str, object] | None, base_dir: Path) -> tuple[WebSettings | None, list[str]]:
    """The [web] table read with a whole config file, as ``mailbot`` reads it: (settings, problems)."""
    raw = tomllib.loads(MAILDIR_CONFIG)
    if web is not None:
        raw["web"] = web
    try:
        return parse_settings(raw, base_dir).web, []
    except ConfigError as error:
        return None, error.problems


def test_web_config_is_read_and_every_mistake_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_SESSION", "s" * 32)
    monkeypatch.setenv("T_OIDC", "secret")
    web, problems = parse_web(_web(), Path("/etc/mailbot"))
    assert problems == [] and web is not None
    assert web.base_url == "https://console.example.gov.uk" and web.secure
    assert web.oidc.metadata_url == "https://idp.example/.well-known/openid-configuration"
    assert web.oidc.client_secret() == "secret"
    assert web.roles == {"viewer": ("g-read",)}
    assert (web.host, web.port, web.undo_minutes, web.assets_dir) == ("127.0.0.1", 8080, 180, None)
    monkeypatch.setenv("T_SESSION", "short")
    web, problems = parse_web(
        _web(roles={"boss": ["g"]}, oidc={"issuer": "ftp://x", "client_id": "c"}, port=0),
        Path("/etc/mailbot"),
    )
    assert web is None
    assert problems == [
        "web.session_secret_env: environment variable T_SESSION must hold at least 32 characters",
        "web.oidc.issuer: must be an https:// URL; got 'ftp://x'",
        "web.roles.boss: unknown role; known: caf_team, wpehs_allocator, viewer, administrator",
        "web.port: must be a port number from 1 to 65535; got 0",
    ]
    # The checks across keys of one table speak once that table's own keys are right.
    monkeypatch.setenv("T_SESSION", "s" * 32)
    web, problems = parse_web(
        _web(roles={}, oidc={"issuer": "https://idp.example", "client_id": "c"}, base_url="console"),
        Path("/etc/mailbot"),
    )
    assert problems == [
        "web.base_url: must start with https:// (or http:// for a local try-out)",
        "web.oidc: give exactly one of client_secret_env or client_certificate",
        "web.roles: map at least one identity-provider group to a role",
    ]
    assert parse_web(None, Path("/")) == (None, [])


def test_web_config_names_what_is_missing_and_resolves_paths(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("T_SESSION", "s" * 32)
    assert parse_web({"base_url": "https://c.example"}, tmp_path)[1] == [
        "web.oidc: missing section [web.oidc]",
        "web.session_secret_env: missing (required)",
        "web.oidc.issuer: missing (required)",
        "web.oidc.client_id: missing (required)",
        "web.roles: missing section [web.roles]",
    ]
    oidc = {"issuer": "https://idp.example", "client_id": "c", "client_certificate": "console.pem"}
    assert parse_web(_web(oidc=oidc), tmp_path)[1] == [
        f"web.oidc.client_certificate: {tmp_path / 'console.pem'} does not exist"
    ]
    (tmp_path / "console.pem").write_text("-----BEGIN PRIVATE KEY-----\n", encoding="utf-8")
    web, problems = parse_web(_web(oidc=oidc, assets_dir="assets"), tmp_path)
    assert problems == [] and web is not None
    assert (web.oidc.client_certificate, web.assets_dir) == (tmp_path / "console.pem", tmp_path / "assets")


def _post(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request(
        {"type": "http", "method": "POST", "headers": raw, "path": "/", "session": {"csrf": "tok"}}
    )


def test_csrf_refuses_another_origin_and_a_missing_or_wrong_token() -> None:
    base = "https://console.example.gov.uk"
    assert csrf.same_origin(_post({"Origin": base}), base)
    assert csrf.same_origin(_post({"Referer": f"{base}/review/1"}), base)
    assert csrf.same_origin(_post({}), base)  # no header: the token decides
    assert not csrf.same_origin(_post({"Origin": "https://evil.example"}), base)
    assert not csrf.same_origin(_post({"Origin": "http://console.example.gov.uk"}), base)
    assert not csrf.same_origin(_post({"Origin": "null"}), base)
    request = _post({})
    assert csrf.valid(request, "tok")
    assert not csrf.valid(request, "tok2") and not csrf.valid(request, "") and not csrf.valid(request, None)


def test_dates_as_staff_write_them() -> None:
    assert parse_day("03/04/2015") == date(2015, 4, 3)
    assert parse_day("2015-04-03") == date(2015, 4, 3)
    assert parse_day("31/02/2015") is None and parse_day("Maisie") is None


def test_a_session_ends_when_idle_or_too_old(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from mailbot.web.auth import current_user

    monkeypatch.setenv("T_SESSION", "s" * 32)
    monkeypatch.setenv("T_OIDC", "secret")
    web, _ = parse_web(_web(idle_timeout_minutes=30, session_max_hours=10), Path("/"))
    assert web is not None
    now = time.time()

    def session(seen: float, since: float) -> Request:
        user = {"sub": "s", "name": "Jo", "email": "jo@x", "roles": ["viewer"], "seen": seen, "since": since}
        return Request(
            {"type": "http", "method": "GET", "headers": [], "path": "/", "session": {"user": user}}
        )

    fresh = session(now - 60, now - 3600)
    user = current_user(fresh, web)
    assert user is not None and user.roles == ("viewer",) and user.actor == "console:jo@x"
    assert fresh.session["user"]["seen"] >= int(now)  # the request counts as activity
    idle = session(now - 31 * 60, now - 3600)
    assert current_user(idle, web) is None and idle.session == {}
    assert current_user(session(now - 60, now - 11 * 3600), web) is None
