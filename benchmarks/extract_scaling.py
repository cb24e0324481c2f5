"""Extraction time against document size: milliseconds per document and per thousand paragraphs.

The test suite checks the *shape* of the cost by counting work (tests/unit/extract/
test_extract_scaling.py); this prints the seconds, which depend on the machine. Each size is run
``--runs`` times with a fresh vocabulary (its label caches empty, as in a new worker); the best run
is printed, with the ratio to the smallest size (4x the document: ~4x when linear, ~16x quadratic).

    uv run python benchmarks/extract_scaling.py --runs 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from support.large_document import large_document  # noqa: E402

from mailbot.domain.urn import UrnScheme  # noqa: E402
from mailbot.extract import extract_facts, load_vocabulary  # noqa: E402

#: (paragraphs, family tables of ten children)
SIZES = ((2_000, 100), (4_000, 200), (8_000, 400), (20_000, 1_000))


def best_seconds(paragraphs: int, tables: int, runs: int) -> float:
    content = large_document(paragraphs, tables)
    times = []
    for _ in range(runs):
        vocabulary = load_vocabulary()
        started = time.perf_counter()
        extract_facts(content, vocabulary, UrnScheme())
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the best is printed")
    args = parser.parse_args()
    extract_facts(large_document(200, 10), load_vocabulary(), UrnScheme())  # warm imports and caches
    print(f"{'paragraphs':>10} {'children':>8} {'ms':>9} {'ms/1000 par':>11} {'x smallest':>10}")
    smallest = None
    for paragraphs, tables in SIZES:
        seconds = best_seconds(paragraphs, tables, args.runs)
        smallest = smallest or seconds
        print(
            f"{paragraphs:>10} {tables * 10:>8} {seconds * 1000:>9.0f} "
            f"{seconds * 1000 / (paragraphs / 1000):>11.1f} {seconds / smallest:>10.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
