"""The worker pool: order kept, containers expand, a hung or killed worker becomes a problem, not a stall."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import zipfile
from functools import cache
from pathlib import Path

from reader_builders import docx_bytes, rezip, tnef_bytes

from mailbot.domain.content import DocumentLimits, InputFile
from mailbot.domain.urn import UrnScheme
from mailbot.extract import load_vocabulary
from mailbot.service.reader_pool import DocumentPool, read_and_extract

SCHEME = UrnScheme()


def docx_file(name: str, text: str) -> InputFile:
    return InputFile(name, "application/octet-stream", docx_bytes(lambda d: d.add_paragraph(text)))


@cache
def slow_docx() -> InputFile:
    """A large but honest document (30,000 paragraphs) that takes well over a second to read and extract."""
    payload = docx_bytes(lambda d: d.add_paragraph("placeholder"))
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        body = archive.read("word/document.xml").decode()
    paragraph = (
        "<w:p><w:r><w:t>Paragraph {0}: the family have engaged with the plan of support.</w:t></w:r></w:p>"
    )
    many = "".join(paragraph.format(n) for n in range(30000))
    body = body.replace("<w:body>", "<w:body>" + many, 1)
    return InputFile(
        "huge assessment.docx",
        "application/octet-stream",
        rezip(payload, replace={"word/document.xml": body.encode()}),
    )


def test_read_and_extract_in_process():
    facts = read_and_extract(
        docx_file("a.docx", "URN: LAN-004217-K"), DocumentLimits(), load_vocabulary(None), SCHEME
    )
    assert [f.file for f in facts] == ["a.docx"]
    assert facts[0].sha256 is not None


def test_pool_keeps_order_and_expands_containers():
    files = [
        docx_file("first.docx", "First"),
        InputFile(
            "winmail.dat",
            "application/ms-tnef",
            tnef_bytes("", [("inner.docx", docx_file("x", "Inner").payload)]),
        ),
        InputFile("broken.docx", "application/octet-stream", b"PK\x03\x04broken"),
        docx_file("last.docx", "Last"),
    ]
    with DocumentPool(DocumentLimits(workers=2), None, SCHEME) as pool:
        facts = pool.read(files)
    assert [f.file for f in facts] == ["first.docx", "winmail.dat/inner.docx", "broken.docx", "last.docx"]
    assert [p.code for p in facts[2].problems] == ["corrupt"]
    assert facts[0].problems == ()


def test_timeout_kills_the_worker_and_the_pool_carries_on():
    with DocumentPool(DocumentLimits(workers=1, timeout_seconds=0.2), None, SCHEME) as pool:
        started = time.monotonic()
        facts = pool.read([slow_docx(), docx_file("after.docx", "After")])
        assert time.monotonic() - started < 20
    assert [p.code for p in facts[0].problems] == ["timeout"]
    assert facts[0].sha256 is not None
    assert facts[1].file == "after.docx" and facts[1].problems == ()


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                continue
    return parents


def _worker_pids() -> set[int]:
    """Our grandchildren: document workers forked by the forkserver (which is our child)."""
    parents = _parents()
    children = {pid for pid, parent in parents.items() if parent == os.getpid()}
    return {pid for pid, parent in parents.items() if parent in children}


def test_worker_crash_becomes_corrupt_problem():
    with DocumentPool(DocumentLimits(workers=1, timeout_seconds=60), None, SCHEME) as pool:
        pool.read([docx_file("warm-up.docx", "x")])  # the worker exists and is idle
        before = _worker_pids()
        assert before

        def kill_worker_soon() -> None:
            time.sleep(0.5)  # the slow document is being read by now
            for pid in _worker_pids() & before:
                os.kill(pid, signal.SIGKILL)  # what the kernel's OOM killer does to a worker

        killer = threading.Thread(target=kill_worker_soon)
        killer.start()
        facts = pool.read([slow_docx(), docx_file("after.docx", "After")])
        killer.join()
    assert [p.code for p in facts[0].problems] == ["corrupt"]
    assert facts[1].problems == ()
