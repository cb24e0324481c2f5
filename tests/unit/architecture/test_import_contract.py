"""The layout shows the pipeline, and no import runs back up (issue 14).

The contracts live in ``pyproject.toml`` under ``[tool.importlinter]``; these tests run import-linter on
the package as it is, and once on a copy with one backward import added, so a broken contract is shown
to fail the suite rather than assumed to.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT = Path(sys.executable).with_name("lint-imports")

#: The only modules allowed at the top of the package; everything else lives in a room of its stage.
#: mailbot.config is a package (mailbot/config/: one schema model per section) but stays a top-level room.
TOP_LEVEL = {"__init__.py", "cli.py", "errors.py", "logs.py"}


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_contracts_are_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_backward_import_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "mailbot", tmp_path / "mailbot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    decide = tmp_path / "mailbot" / "rules" / "decide.py"
    decide.write_text(decide.read_text() + "\nimport mailbot.config  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "mailbot.rules.decide -> mailbot.config" in result.stdout


def test_only_the_entry_points_sit_at_the_top_of_the_package() -> None:
    top = {p.name for p in (ROOT / "mailbot").iterdir() if p.suffix == ".py"}
    assert top == TOP_LEVEL
    assert (ROOT / "mailbot" / "config" / "__init__.py").is_file()


def test_every_room_says_what_it_offers() -> None:
    for init in sorted((ROOT / "mailbot").glob("*/__init__.py")):
        text = init.read_text()
        assert text.startswith('"""'), f"{init} has no docstring"
        assert "__all__" in text, f"{init} does not say what it offers"
