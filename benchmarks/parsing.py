"""How long parse_message takes on each raw email fixture (Outlook, Gmail, NHSmail, MTAs, garbage).

The suite only checks that every fixture parses; this prints the time: the total per pass over the
fixtures and the slowest files, best of ``--runs`` passes.

    uv run python benchmarks/parsing.py --runs 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.mail.parse import parse_message  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "mail"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="passes over the fixtures; the best is printed")
    parser.add_argument("--slowest", type=int, default=5, help="how many of the slowest files to list")
    args = parser.parse_args()
    raws = {path.name: path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))}
    best: dict[str, float] = {}
    for _ in range(args.runs):
        for name, raw in raws.items():
            started = time.perf_counter()
            parse_message(raw)
            seconds = time.perf_counter() - started
            best[name] = min(seconds, best.get(name, seconds))
    total = sum(best.values())
    size = sum(len(raw) for raw in raws.values())
    print(f"{len(raws)} fixtures, {size / 1024:.0f} KiB: {total * 1000:.1f} ms a pass (best of {args.runs})")
    for name, seconds in sorted(best.items(), key=lambda item: -item[1])[: args.slowest]:
        print(f"  {seconds * 1000:7.2f} ms  {len(raws[name]) / 1024:7.1f} KiB  {name}")


if __name__ == "__main__":
    main()
