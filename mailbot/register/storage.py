"""Content-addressed files on disk: raw messages and attachments, written atomically before commit."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_PIECE = 1024 * 1024


class StoredWriter:
    """What ``Storage.writer`` hands out: ``write`` pieces; ``result`` is (sha256, path) once stored."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0
        self.result = ("", "")

    def write(self, piece: bytes) -> None:
        self.digest.update(piece)
        self.size += len(piece)
        self._handle.write(piece)


class Storage:
    """Stores bytes under ``root/<kind>/<sha[:2]>/<sha>``; the same bytes are stored once.

    Files are written to a temporary name, fsynced and renamed, so a crash leaves either the whole
    file or none: a register row never points at half a message (invariant 1).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, kind: str, payload: bytes, durable: bool = True) -> tuple[str, str]:
        """Store ``payload``; return (sha256 hex, path relative to the storage root).

        ``durable=False`` skips the fsync, for bytes that can be rebuilt from a durable original.
        """
        digest = hashlib.sha256(payload).hexdigest()
        relative = Path(kind) / digest[:2] / digest
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(payload)
                    handle.flush()
                    if durable:
                        os.fsync(handle.fileno())
                Path(temp).replace(target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        return digest, relative.as_posix()

    def get(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def size(self, relative: str) -> int:
        return (self.root / relative).stat().st_size

    def open(self, relative: str) -> BinaryIO:
        """The stored file for reading in pieces (a big message is never read whole)."""
        return (self.root / relative).open("rb")

    def head(self, relative: str, limit: int = 256 * 1024) -> bytes:
        """The first ``limit`` bytes: enough for a message's headers without reading its body."""
        with self.open(relative) as handle:
            return handle.read(limit)

    @contextmanager
    def writer(self, kind: str, durable: bool = True) -> Iterator[StoredWriter]:
        """Write a file in pieces; it is stored under its sha256 when the block ends (``result``)."""
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                writer = StoredWriter(handle)
                yield writer
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
            digest = writer.digest.hexdigest()
            relative = Path(kind) / digest[:2] / digest
            (self.root / relative).parent.mkdir(parents=True, exist_ok=True)
            Path(temp).replace(self.root / relative)
            writer.result = (digest, relative.as_posix())
        finally:
            Path(temp).unlink(missing_ok=True)

    def put_file(self, kind: str, source: Path, durable: bool = True) -> tuple[str, str]:
        """Store a copy of the file at ``source``, read in pieces; returns (sha256 hex, path)."""
        with source.open("rb") as handle, self.writer(kind, durable) as writer:
            while piece := handle.read(_PIECE):
                writer.write(piece)
        return writer.result

    def delete(self, relative: str) -> bool:
        """Remove a stored file; True if it was there (retention)."""
        try:
            (self.root / relative).unlink()
        except FileNotFoundError:
            return False
        return True
