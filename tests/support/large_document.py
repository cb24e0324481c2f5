"""A huge synthetic assessment, for tests and benchmarks of how extraction's cost grows with size."""

from __future__ import annotations

from mailbot.domain.content import Block, Cell, DocumentContent, Paragraph, Table

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
