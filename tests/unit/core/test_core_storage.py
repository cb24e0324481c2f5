"""Storage: content-addressed files written atomically; the same bytes are stored once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from mailbot.register.storage import Storage

RAW = b"From: jane.doe@lancashire.gov.uk\r\nSubject: URN request\r\n\r\nPlease see attached.\r\n"


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_put_returns_the_hash_and_a_relative_path(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "store")
    digest, relative = storage.put("raw", RAW)
    assert digest == hashlib.sha256(RAW).hexdigest()
    assert relative == f"raw/{digest[:2]}/{digest}"
    assert (tmp_path / "store" / relative).read_bytes() == RAW
    assert storage.get(relative) == RAW
    assert files_under(tmp_path / "store") == [relative]


def test_the_same_bytes_are_stored_once_and_not_rewritten(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    first = storage.put("raw", RAW)
    target = tmp_path / first[1]
    before = target.stat()
    assert storage.put("raw", RAW) == first
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert files_under(tmp_path) == [first[1]]


def test_kinds_and_contents_are_kept_apart(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    raw = storage.put("raw", RAW)
    attachment = storage.put("attachments", RAW)
    other = storage.put("raw", RAW + b"x")
    assert raw[0] == attachment[0]
    assert raw[1] != attachment[1]
    assert other[0] != raw[0]
    assert files_under(tmp_path) == sorted([raw[1], attachment[1], other[1]])


def test_empty_payload(tmp_path: Path) -> None:
    digest, relative = Storage(tmp_path).put("attachments", b"")
    assert digest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert (tmp_path / relative).read_bytes() == b""


def test_stored_files_are_private_to_the_service_user(tmp_path: Path) -> None:
    _, relative = Storage(tmp_path).put("raw", RAW)
    assert (tmp_path / relative).stat().st_mode & 0o077 == 0


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The disk fills at fsync: neither the target nor the temporary file may remain.
    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    storage = Storage(tmp_path)
    with pytest.raises(OSError, match="No space left"):
        storage.put("raw", RAW)
    assert files_under(tmp_path) == []
    monkeypatch.undo()
    _, relative = storage.put("raw", RAW)
    assert files_under(tmp_path) == [relative]
