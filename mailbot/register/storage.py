"""Content-addressed files on disk: raw messages and attachments, written atomically before commit."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


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

    def delete(self, relative: str) -> bool:
        """Remove a stored file; True if it was there (retention)."""
        try:
            (self.root / relative).unlink()
        except FileNotFoundError:
            return False
        return True
