"""Extraction stays linear in a document's size, counted in work done (Python lines), never in seconds.

How many milliseconds a huge document takes is a benchmark figure: benchmarks/extract_scaling.py.
"""

from __future__ import annotations

from support.counting import growth, python_lines
from support.large_document import large_document

from mailbot.domain.content import DocumentContent
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts, load_vocabulary


def _work(content: DocumentContent, vocabulary: FieldVocabulary) -> int:
    """Python lines executed extracting ``content`` with a fresh vocabulary (its caches start empty)."""
    return python_lines(lambda: extract_facts(content, vocabulary, UrnScheme()))


def test_twenty_thousand_paragraphs_and_two_hundred_tables_are_all_read() -> None:
    # Correctness at size only; the speed itself is a benchmark figure (benchmarks/), not a timed test,
    # and the test below guards the shape of the cost (linear, not quadratic) by counting work.
    vocabulary = load_vocabulary()  # fresh: its label caches start empty, as in a new worker
    content = large_document(20_000, 200)
    facts = extract_facts(content, vocabulary, UrnScheme())
    assert len(facts.children) == 2000  # every family-table row read, none merged by mistake


def test_work_grows_linearly_with_the_number_of_children() -> None:
    """Merging repeated mentions of a child used to compare every child with every other one."""
    _work(large_document(200, 10), load_vocabulary())  # warm the re module's pattern cache first
    work = [_work(large_document(1_000 * k, 50 * k), load_vocabulary()) for k in (1, 2, 4)]
    # 500, 1,000 and 2,000 children: today 2.00; the old pairwise merge measured 3.88.
    assert growth(work) < 2.2
