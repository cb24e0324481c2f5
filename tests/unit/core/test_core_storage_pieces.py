"""Storage in pieces: a big file is written and copied without being held whole, under its sha256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from mailbot.register.storage import Storage


def test_a_file_written_in_pieces_is_stored_under_its_hash(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    pieces = [os.urandom(1000) for _ in range(5)]
    with storage.writer("documents", durable=False) as writer:
        for piece in pieces:
            writer.write(piece)
    digest, relative = writer.result
    assert digest == hashlib.sha256(b"".join(pieces)).hexdigest()
    assert storage.get(relative) == b"".join(pieces) and writer.size == 5000
    assert [p.name for p in (tmp_path / "documents").rglob("*") if p.is_file()] == [digest]


def test_put_file_copies_and_head_reads_only_the_start(tmp_path: Path) -> None:
    source = tmp_path / "spooled"
    source.write_bytes(b"Subject: hello\r\n\r\n" + b"y" * 3_000_000)
    storage = Storage(tmp_path / "store")
    digest, relative = storage.put_file("raw", source)
    assert storage.get(relative) == source.read_bytes()
    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()
    assert storage.head(relative, limit=16) == b"Subject: hello\r\n"
    assert storage.size(relative) == source.stat().st_size
