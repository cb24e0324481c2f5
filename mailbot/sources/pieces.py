"""Fetching mail so memory holds a batch or a piece, never a backlog: FETCH batches by size, and a big
message written to a spool file a piece at a time.

Source-neutral: the IMAP source says how one piece is fetched (``BODY.PEEK[]<offset.length>``,
RFC 3501 §6.4.5); this module decides the batches and writes the pieces.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

#: A message over the batch budget is fetched in pieces of this size.
SPOOL_PIECE = 1024 * 1024
#: What a piece fetch returns when the folder's UIDVALIDITY changed (the UID may name another message).
STALE = object()


def size_batches(uids: Sequence[int], sizes: dict[int, int], count: int, budget: int) -> list[list[int]]:
    """Consecutive UIDs grouped for FETCH: at most ``count`` messages and ``budget`` bytes a batch; a
    message over ``budget`` forms a batch of its own."""
    batches: list[list[int]] = []
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= count or total + size > budget):
            batches.append(batch)
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        batches.append(batch)
    return batches


def spool(
    spool_dir: Path, fetch_piece: Callable[[int], bytes | object | None], piece: int = SPOOL_PIECE
) -> tuple[Path, int] | object | None:
    """Write a message into a new file in ``spool_dir`` piece by piece: ``fetch_piece(offset)`` gives
    the bytes from ``offset`` (at most ``piece`` of them), None when the message has gone, or
    ``STALE``. Returns (the file, its size); None or ``STALE`` as the fetch said, with no file left."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=spool_dir, prefix=".spool-")
    path, offset = Path(name), 0
    try:
        with os.fdopen(fd, "wb") as handle:
            while True:
                data = fetch_piece(offset)
                if not isinstance(data, bytes):
                    path.unlink(missing_ok=True)
                    return data
                handle.write(data)
                offset += len(data)
                if len(data) < piece:
                    break
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, offset
