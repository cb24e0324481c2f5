"""Grouping fetched mail so memory holds a batch, never a backlog: FETCH batches and intake chunks."""

from __future__ import annotations

from mailbot.service.daemon import CHUNK_BYTES, CHUNK_MESSAGES, chunks
from mailbot.sources.base import SourceMessage
from mailbot.sources.pieces import size_batches


def test_fetch_batches_respect_the_count_and_the_bytes() -> None:
    uids = [1, 2, 3, 4, 5, 6]
    sizes = {1: 10, 2: 10, 3: 10, 4: 10, 5: 10, 6: 10}
    assert size_batches(uids, sizes, count=4, budget=1000) == [[1, 2, 3, 4], [5, 6]]
    assert size_batches(uids, sizes, count=50, budget=25) == [[1, 2], [3, 4], [5, 6]]


def test_a_message_over_the_budget_is_fetched_on_its_own() -> None:
    sizes = {1: 10, 2: 5000, 3: 10}
    assert size_batches([1, 2, 3], sizes, count=50, budget=100) == [[1], [2], [3]]


def _message(uid: int, size: int) -> SourceMessage:
    return SourceMessage("caf", "INBOX", 1, uid, b"x" * size)


def test_intake_chunks_hold_at_most_the_bytes_or_the_count() -> None:
    small = [_message(n, 10) for n in range(CHUNK_MESSAGES + 3)]
    assert [len(chunk) for chunk in chunks(small)] == [CHUNK_MESSAGES, 3]
    big = [_message(1, 10), _message(2, CHUNK_BYTES), _message(3, 10)]
    assert [[m.uid for m in chunk] for chunk in chunks(big)] == [[1], [2], [3]]
