"""Taking over the council's register and the operator's dry runs, through the ``mailbot`` command,
against the real Dovecot and SMTP relay: import (mapping, dry run, row errors, re-run), the council
CSV export, ``chase --dry-run`` and ``digest --as-of`` a future date."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.apps import CAF, DOCX, WPEHS, assessment_docx, email
from test_cli import MAILBOT, _config

from mailbot.register.database import Register
from mailbot.register.export import export_register

pytestmark = pytest.mark.integration
SW = "sw.two@lancashire.gov.uk"
SETTINGS = """
[urn]
prefix = "LAN"
width = 6
legacy = [{ pattern = "\\\\d{6}" }]

[districts]
PR1 = "Preston"

[register.columns]
urn = "CAF URN"
child_name = "Child Name"
date_of_birth = "DOB"
lcs_id = "LCS ID"
postcode = "Postcode"
lead_professional = "Lead Professional"
lead_professional_agency = "LP Agency"
status = "Status"
"""
HEADINGS = "CAF URN,Child Name,DOB,LCS ID,Postcode,Lead Professional,LP Agency,Status"
ROWS = [
    "123456,Tom Sample,14/06/2017,LCS900001,PR1 2AB,,,Open",
    "123456,Ava Sample,01/02/2019,LCS900002,PR1 2AB,,,Open",
    "234567,Jo Other,03/03/2015,,BB5 1AA,Old Worker,Old Agency,Closed",
]


class Cli:
    def __init__(self, mail: Any, folder: Path) -> None:
        config, self.environment = _config(mail, folder)
        config.write_text(config.read_text(encoding="utf-8") + SETTINGS, encoding="utf-8")
        self.config = config
        self.folder = folder

    def __call__(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*MAILBOT, "--config", str(self.config), *arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def register(self) -> dict[str, Any]:
        """The register as ``register export --format json`` prints it, read in this process (faster)."""
        store = Register(f"sqlite:///{self.folder / 'register.sqlite3'}")
        try:
            with store.transaction() as session:
                return export_register(session)
        finally:
            store.close()

    def csv_file(self, name: str, lines: list[str]) -> Path:
        path = self.folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


@pytest.fixture
def cli(mail: Any, tmp_path: Path) -> Cli:
    return Cli(mail, tmp_path)


def test_import_dry_run_then_import_then_rerun_changes_nothing(cli: Cli) -> None:
    path = cli.csv_file("register.csv", [HEADINGS, *ROWS])
    dry = cli("register", "import", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "3 row(s), 2 case(s): would create 2, would merge 0, unchanged 0" in dry.stdout
    assert "dry run: nothing was changed" in dry.stdout
    assert cli.register()["cases"] == []
    done = cli("register", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "created 2, merged 0, unchanged 0; children added 3" in done.stdout
    again = cli("register", "import", str(path))
    assert "created 0, merged 0, unchanged 2; children added 0" in again.stdout
    cases = {c["urn"]: c for c in cli.register()["cases"]}
    assert [child["name"] for child in cases["123456"]["children"]] == ["Tom Sample", "Ava Sample"]
    assert (cases["123456"]["district"], cases["234567"]["status"]) == ("Preston", "closed")
    assert cases["234567"]["lead_professional"]["name"] == "Old Worker"
    # A corrected file merges: a new sibling, a new lead professional (the old one kept as history).
    changed = cli.csv_file(
        "register-2.csv",
        [
            HEADINGS,
            *ROWS[:2],
            "123456,Ben Sample,05/05/2021,,PR1 2AB,,,Open",
            ROWS[2].replace("Old Worker", "New Worker"),
        ],
    )
    merged = cli("register", "import", str(changed))
    assert "created 0, merged 2, unchanged 0; children added 1" in merged.stdout
    shown = json.loads(cli("register", "show", "234567").stdout)
    assert [lp["name"] for lp in shown["lead_professional_history"]] == ["Old Worker", "New Worker"]


def test_row_errors_name_the_line_and_column_and_nothing_is_imported(cli: Cli) -> None:
    path = cli.csv_file(
        "register.csv",
        [
            HEADINGS,
            ROWS[0],
            "12345,Ava Sample,01/02/2019,,PR1 2AB,,,Open",
            "234567,Jo Other,31/02/2015,,,,,Open",
        ],
    )
    done = cli("register", "import", str(path))
    assert done.returncode == 1
    assert "line 3, column 'CAF URN': '12345' is not a URN in a configured format" in done.stderr
    assert "line 4, column 'DOB': '31/02/2015' is not a date (use DD/MM/YYYY)" in done.stderr
    assert "nothing was imported" in done.stderr
    assert cli.register()["cases"] == []
    allowed = cli("register", "import", str(path), "--allow-errors")
    assert allowed.returncode == 0 and "created 1" in allowed.stdout


def test_a_file_with_other_headings_is_read_with_map(cli: Cli) -> None:
    path = cli.csv_file(
        "export-from-lcs.csv", ["URN;Forename Surname;Date of Birth", "123456;Tom Sample;14/06/2017"]
    )
    missing = cli("register", "import", str(path))
    assert missing.returncode == 1 and "no column 'CAF URN' for urn" in missing.stderr
    done = cli(
        "register",
        "import",
        str(path),
        "--map",
        "urn=URN",
        "--map",
        "child_name=Forename Surname",
        "--map",
        "date_of_birth=Date of Birth",
    )
    assert done.returncode == 0, done.stderr
    assert [c["urn"] for c in cli.register()["cases"]] == ["123456"]


def test_council_csv_export_has_the_import_headings_and_imports_back_unchanged(cli: Cli) -> None:
    cli("register", "import", str(cli.csv_file("register.csv", [HEADINGS, *ROWS])))
    exported = cli("register", "export", "--format", "council-csv")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert rows[0] == [*HEADINGS.split(",")[:7], "lead_professional_email", "Status"]
    assert rows[1:] == [
        ["123456", "Tom Sample", "14/06/2017", "LCS900001", "PR1 2AB", "", "", "", "open"],
        ["123456", "Ava Sample", "01/02/2019", "LCS900002", "PR1 2AB", "", "", "", "open"],
        ["234567", "Jo Other", "03/03/2015", "", "BB5 1AA", "Old Worker", "Old Agency", "", "closed"],
    ]
    round_trip = cli.folder / "round-trip.csv"
    round_trip.write_text(exported.stdout, encoding="utf-8")
    again = cli("register", "import", str(round_trip))
    assert "created 0, merged 0, unchanged 2" in again.stdout


def test_chase_dry_run_changes_nothing_and_sends_nothing(cli: Cli, mail: Any) -> None:
    mail.smtp_send(
        email(
            f"Jo Worker <{SW}>",
            CAF,
            "URN request",
            "Please could I have a URN.",
            [("EHA.docx", DOCX, assessment_docx([("Ruby Sample", "", "")]))],
        ),
        SW,
        CAF,
    )
    mail.wait_for(lambda: mail.imap_messages(CAF))
    ran = cli("run", "--once")
    assert ran.returncode == 0, ran.stderr
    assert cli.register()["requests"][0]["state"] == "incomplete", (ran.stdout, cli.register())
    mail.wait_for(lambda: mail.imap_messages(SW))
    later = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    before = cli.register()
    dry = cli("chase", "--as-of", later, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "SD-000001  urn_request" in dry.stdout and "would send reminder 1" in dry.stdout
    assert "would chase 1, escalate 0; 0 not yet due; nothing was changed or sent" in dry.stdout
    assert cli.register() == before
    assert len(mail.imap_messages(SW)) == 1
    real = cli("chase", "--as-of", later)
    assert "chased 1, escalated 0" in real.stdout
    mail.wait_for(lambda: len(mail.imap_messages(SW)) == 2)
    assert cli.register()["requests"][0]["chase_count"] == 1


def test_digest_as_of_a_future_date_previews_without_freezing_the_real_digest(cli: Cli, mail: Any) -> None:
    future = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    preview = cli("digest", "--as-of", future)
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith("Subject: Step downs waiting for allocation")
    assert f"(preview only: {future} is in the future; nothing was queued)" in preview.stdout
    assert cli.register()["outbox"] == []
    assert mail.imap_messages(WPEHS) == []
    sent = cli("digest")
    assert "queued; sent 1" in sent.stdout
    mail.wait_for(lambda: mail.imap_messages(WPEHS))
