"""Cold start of the ``mailbot`` command: ``--help`` and ``status``, with and without bytecode.

"With bytecode" is how an install with ``uv sync --compile-bytecode`` (or ``UV_COMPILE_BYTECODE=1``)
runs: every module's ``.pyc`` is there and readable. "Without" is how a service user that cannot
write to the environment ran before: nothing compiled, so every start compiles every module it
imports (simulated with an empty ``PYTHONPYCACHEPREFIX`` per run and ``PYTHONDONTWRITEBYTECODE``).
The status runs on a small SQLite register; ``scale.py`` times it on a million cases.

    uv run python benchmarks/startup.py --runs 5
"""

from __future__ import annotations

import argparse
import compileall
import sys
import tempfile
from pathlib import Path

from harness import ROOT, load_average, median, run_measured


def _config(folder: Path) -> Path:
    path = folder / "mailbot.toml"
    path.write_text(
        f"""
[mailbot]
database_url = "sqlite:///{folder / "register.sqlite3"}"
storage_dir = "{folder / "storage"}"
[council]
trusted_domains = ["lancashire.gov.uk"]
[mailboxes.caf]
address = "caf@lancashire.gov.uk"
role = "caf"
[mailboxes.caf.maildir]
path = "{folder / "caf"}"
[mailboxes.wpehs]
address = "preventionearlyhelp@lancashire.gov.uk"
role = "wpehs"
[mailboxes.wpehs.maildir]
path = "{folder / "wpehs"}"
[transport]
kind = "maildir"
[transport.maildir]
path = "{folder / "outgoing"}"
"""
    )
    return path


def measure(args: list[str], runs: int, *, bytecode: bool) -> tuple[float, int]:
    """Median wall seconds of ``mailbot ARGS`` and the number of modules it imported."""
    walls, modules = [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="mailbot-pycache-") as empty:
            env = {} if bytecode else {"PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
            finished = run_measured(["mailbot.cli", *args], env)
        walls.append(finished.wall)
        modules = finished.modules
    return median(walls), modules


def measure_startup(runs: int) -> dict[str, float]:
    """Cold ``--help`` and ``status`` with and without bytecode (ms) and the modules each imports."""
    # What an install with --compile-bytecode leaves: every module of the environment compiled.
    compileall.compile_dir(ROOT / "mailbot", quiet=2)
    compileall.compile_dir(Path(sys.prefix) / "lib", quiet=2)
    found: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-start-") as name:
        config = _config(Path(name))
        run_measured(["mailbot.cli", "-c", str(config), "status"])  # creates the register
        print(f"Cold start (medians of {runs}; load {load_average()}):")
        for label, command in (("help", ["--help"]), ("status", ["-c", str(config), "status"])):
            warm, count = measure(command, runs, bytecode=True)
            cold, _ = measure(command, runs, bytecode=False)
            found[f"{label}_ms"], found[f"{label}_uncompiled_ms"], found[f"{label}_modules"] = (
                1000 * warm,
                1000 * cold,
                count,
            )
            target = "   (target <= 300 ms with bytecode)" if label == "status" else ""
            print(
                f"  mailbot {label:7s} with bytecode {1000 * warm:6.0f} ms, without {1000 * cold:6.0f} ms;"
                f" {count} modules imported{target}"
            )
        print(f"  load after: {load_average()}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    measure_startup(args.runs)


if __name__ == "__main__":
    main()
