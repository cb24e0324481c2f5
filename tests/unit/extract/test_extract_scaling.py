"""Extraction stays linear in a document's size, counted in work done (Python lines), never in seconds.

How many milliseconds a huge document takes is a benchmark figure: benchmarks/extract_scaling.py.
"""

from __future__ import annotations

from support.counting import growth, python_lines

from mailbot.documents.content import Block, Cell, DocumentContent, Paragraph, Table
from mailbot.extract import FieldVocabulary, extract_facts, load_vocabulary
from mailbot.urn import UrnScheme

_FIRST = ("Ava", "Theo", "Lily", "Noah", "Maisie", "Jacob", "Ruby", "Oscar", "Isla", "Harry")
_LAST = ("Smith", "Jones", "Crompton", "Pilling", "Jolly", "Unsworth", "Riding", "Eccles", "Lund", "Gorton")


def _name(n: int) -> str:
    """A distinct name per n, so no two table rows are the same child."""
    return f"{_FIRST[n % 10]} {_LAST[(n // 10) % 10]}-{chr(65 + (n // 100) % 26)}{chr(97 + (n // 2600) % 26)}"


def large_document(paragraphs: int, tables: int) -> DocumentContent:
    """Numbered, labelled and narrative paragraphs (every one different, so no cache helps) with
    ``tables`` family tables of ten children each spread through it."""
    blocks: list[Block] = []
    every = max(1, paragraphs // max(1, tables))
    made = 0
    for n in range(paragraphs):
        if made < tables and n % every == 0:
            rows = [("Name", "Date of birth", "Relationship", "LCS ID")]
            rows += [
                (_name(made * 10 + r), f"{r + 1}/03/2015", "Son", str(1_000_000 + made * 10 + r))
                for r in range(10)
            ]
            blocks.append(
                Table(
                    tuple(
                        tuple(Cell(text, f"table {made} row {r} cell {c}") for c, text in enumerate(row))
                        for r, row in enumerate(rows)
                    ),
                    f"table {made}",
                )
            )
            made += 1
        if n % 3 == 0:
            text = f"Paragraph {n}: the family have engaged with the plan of support."
        elif n % 3 == 1:
            text = f"Visit {n} on {n % 28 + 1}/03/2024: mum said consent to share with school number {n} is fine."
        else:
            text = f"The TAF review meeting {n} noted that the level of need at visit {n} was discussed."
        blocks.append(Paragraph(text, f"paragraph {n}"))
    return DocumentContent("huge assessment.docx", "docx", tuple(blocks))


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
