"""The worker pool: order kept, containers expand, a hung or killed worker becomes a problem, not a stall."""

from __future__ import annotations

import io
import os
import signal
import zipfile
from functools import cache
from pathlib import Path

from reader_builders import docx_bytes, rezip, tnef_bytes
from support.waiting import HANG_TIMEOUT, in_background, wait_until

from mailbot.domain.content import DocumentLimits, InputFile
from mailbot.domain.urn import UrnScheme
from mailbot.extract import load_vocabulary
from mailbot.service.reader_pool import DocumentPool, read_and_extract

SCHEME = UrnScheme()


def docx_file(name: str, text: str) -> InputFile:
    return InputFile(name, "application/octet-stream", docx_bytes(lambda d: d.add_paragraph(text)))


@cache
def slow_docx() -> InputFile:
    """A large but honest document (200,000 paragraphs): several seconds of CPU to read and extract.

    Far longer than the one-second limit below, so it always times out (load only makes it slower),
    and long enough that a test can catch its worker in the middle of it.
    """
    payload = docx_bytes(lambda d: d.add_paragraph("placeholder"))
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        body = archive.read("word/document.xml").decode()
    paragraph = (
        "<w:p><w:r><w:t>Paragraph {0}: the family have engaged with the plan of support.</w:t></w:r></w:p>"
    )
    many = "".join(paragraph.format(n) for n in range(200_000))
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
    # One second: seconds of work for the slow document, ~10 ms for the next one on a fresh worker.
    with DocumentPool(DocumentLimits(workers=1, timeout_seconds=1.0), None, SCHEME) as pool:
        facts = pool.read([slow_docx(), docx_file("after.docx", "After")])
    assert [p.code for p in facts[0].problems] == ["timeout"]
    assert facts[0].sha256 is not None
    assert facts[1].file == "after.docx" and facts[1].problems == ()


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: state, ppid, ... (proc(5) fields 3 onwards)."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def _worker_pids() -> set[int]:
    """Document workers: the children of our forkserver child (not, say, Dovecot's processes)."""
    parents: dict[int, int] = {}
    forkservers = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
                if b"multiprocessing.forkserver" in (entry / "cmdline").read_bytes():
                    forkservers.add(int(entry.name))
            except (OSError, ValueError):
                continue
    ours = {pid for pid in forkservers if parents.get(pid) == os.getpid()}
    return {pid for pid, parent in parents.items() if parent in ours}


def _cpu_seconds(pid: int) -> float:
    """CPU time ``pid`` has used (user + system), from /proc/<pid>/stat."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_worker_crash_becomes_corrupt_problem():
    leftovers = _worker_pids()  # a worker of an earlier pool may still be on its way out
    with DocumentPool(DocumentLimits(workers=1, timeout_seconds=HANG_TIMEOUT), None, SCHEME) as pool:
        pool.read([docx_file("warm-up.docx", "x")])  # the worker exists and is idle
        (worker,) = _worker_pids() - leftovers
        idle = _cpu_seconds(worker)
        reading = in_background(pool.read, [slow_docx(), docx_file("after.docx", "After")])
        # Half a second of CPU spent since it was idle: the worker is in the middle of the slow document.
        wait_until(lambda: _cpu_seconds(worker) >= idle + 0.5)
        os.kill(worker, signal.SIGKILL)  # what the kernel's OOM killer does to a worker
        facts = reading.result(timeout=HANG_TIMEOUT)
    assert [p.code for p in facts[0].problems] == ["corrupt"]
    assert facts[1].problems == ()
