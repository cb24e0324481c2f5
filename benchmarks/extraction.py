"""How well the reader extracts facts, every corpus side by side: recall, precision, silence, wrong values.

The regression sets were tuned on (their wording is in the label file), so their figures say only that
nothing regressed. The held-out sets were written without reading the reader and scored once before
any tuning: their figures say how the reader does on forms it has never seen. Scoring rules are in
tests/support/corpus_scoring.py; first-contact figures are kept in benchmarks/README.md.

    uv run python benchmarks/extraction.py                 # the table
    uv run python benchmarks/extraction.py --details       # and every wrong, filled and missed fact
    uv run python benchmarks/extraction.py --only blind3   # one set (repeatable)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support.corpus_scoring import (  # noqa: E402
    HELD_OUT_SETS,
    REGRESSION_SETS,
    Score,
    corpus_files,
    report,
    score_corpus,
)


def _row(name: str, role: str, files: int, score: Score, seconds: float) -> str:
    return (
        f"{name:20} {role:10} {files:5} {score.stated:6} {score.recall:8.1%} {score.precision:9.1%} "
        f"{score.silence:7.1%} {len(score.wrong):5} {len(score.filled):6} {len(score.missed):6} {seconds:6.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", action="append", help="score only this set (repeatable)")
    parser.add_argument("--details", action="store_true", help="print every wrong, filled and missed fact")
    args = parser.parse_args(argv)
    sets = [(name, "regression", folder) for name, folder in REGRESSION_SETS.items()]
    sets += [(name, "held-out", folder) for name, folder in HELD_OUT_SETS.items()]
    if args.only:
        sets = [s for s in sets if s[0] in args.only]
    header = (
        f"{'set':20} {'kind':10} {'files':>5} {'stated':>6} {'recall':>8} {'precision':>9} {'silent':>7} "
        f"{'wrong':>5} {'filled':>6} {'missed':>6} {'sec':>6}"
    )
    rows, details = [], []
    for name, role, folder in sets:
        files = corpus_files(folder)
        started = time.perf_counter()
        score = score_corpus(files)
        rows.append(_row(name, role, len(files), score, time.perf_counter() - started))
        if args.details:
            details.append(f"\n== {name} ==\n{report(score, len(files))}")
    print("\n".join(details))
    print(header)
    print("\n".join(rows))
    print(
        "\nrecall = stated facts read right / stated; precision = right / stated facts the reader gave a value "
        "for;\nsilent = facts the documents do not state that the reader left empty; wrong = stated facts read "
        "wrongly;\nfilled = values where the document is silent; missed = stated facts left empty."
    )


if __name__ == "__main__":
    main()
