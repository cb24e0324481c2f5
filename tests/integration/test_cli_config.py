"""``mailbot check-config`` on each mistake of issue 11 point 7, and ``mailbot chase`` after a region
written as a council writes it (Maildir mailboxes and transport, SQLite: no servers needed)."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.configs import MAILBOT, MAILDIR_CONFIG, write_maildir_config

from mailbot.cli import main

pytestmark = pytest.mark.integration
GOOD = MAILDIR_CONFIG


def _check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "mailbot.toml"
    config.write_text(text, encoding="utf-8")
    return subprocess.run([*MAILBOT, "--config", str(config), "check-config"], capture_output=True, text=True)


def test_the_good_config_is_ok(tmp_path: Path) -> None:
    result = _check(tmp_path, GOOD)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_check_config_names_every_mistake_of_the_issue_with_its_place(tmp_path: Path) -> None:
    text = (
        GOOD.replace("[workflow]\n", "[workflow]\nchase_after_workingdays = 2\n")
        .replace(
            "[retention]\nraw_mail_days = 30",
            "[retension]\nraw_mail_days = 30\n[retention]\nsent_mail_days = -1",
        )
        .replace("[health]\nport = 0", "[health]\nport = 99999")
        .replace('path = "mail/caf"', 'path = "mail/caf"\ncolour = "blue"')
        + '\n[transport.smtp]\nhost = "127.0.0.1"\nport = -5\n'
    )
    result = _check(tmp_path, text)
    assert result.returncode == 2, result.stdout
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert lines[0] == f"mailbot: configuration problems in {tmp_path / 'mailbot.toml'}:"
    assert lines[1:] == [
        "- retension: unknown section [retension]; did you mean [retention]?",
        "- mailboxes.caf.maildir.colour: unknown key; known: path",
        "- transport.smtp.port: must be a port number from 1 to 65535; got -5",
        "- workflow.chase_after_workingdays: unknown key; did you mean `chase_after_working_days`?",
        "- retention.sent_mail_days: must be 0 or more (0 = keep for ever); got -1",
        "- health.port: must be 0 (off) or a port number from 1 to 65535; got 99999",
    ]


def test_a_region_written_as_england_is_understood_and_chase_runs(tmp_path: Path) -> None:
    text = GOOD.replace('bank_holiday_region = "ENG"', 'bank_holiday_region = "England"')
    assert _check(tmp_path, text).returncode == 0
    config = write_maildir_config(tmp_path, text)
    request = tmp_path / "request.eml"
    request.write_bytes(
        b"From: Jo Worker <jo.worker@lancashire.gov.uk>\r\nTo: caf@lancashire.gov.uk\r\n"
        b"Subject: URN request\r\nMessage-ID: <r1@lancashire.gov.uk>\r\n"
        b"Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n\r\nPlease could I have a URN for this family?\r\n"
    )
    replay = CliRunner().invoke(
        main, ["--config", str(config), "replay", str(request), "--mailbox", "caf"], obj={}
    )
    assert replay.exit_code == 0, replay.output
    # Far enough ahead that the incomplete request is due: the region's bank holidays are looked up.
    as_of = (date.today() + timedelta(days=21)).isoformat()
    result = subprocess.run(
        [*MAILBOT, "--config", str(config), "chase", "--as-of", as_of], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("chased 1, escalated 0"), result.stdout
    assert "Traceback" not in result.stderr
