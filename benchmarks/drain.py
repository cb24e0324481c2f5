"""Backlog drain on Dovecot: mailbot against the bare reference, same messages, same run; and memory.

Each run fills two IMAP inboxes with the same backlog (one .docx assessment and one text PDF plan
per message), then drains one with ``bare_drain.py`` (IMAP fetch + MIME parse + python-docx and
pdfplumber in the same number of processes + move) and the other with a cold ``mailbot run --once``
(SQLite register, replies over SMTP to a sink, Sent copies, moves). Both are subprocesses, so both
pay their start-up. It prints messages a second, mailbot's share of the bare rate, the main
process's CPU a message (all of it, and without the start-up cost measured on an empty mailbox),
and the peak PSS of main and workers. ``--big`` adds one message with a 60 MB attachment (a .docx
holding a 60 MB scan, read with ``max_megabytes = 64``) to measure memory under the worst case.

    uv run python benchmarks/drain.py --messages 300 --runs 3
"""

from __future__ import annotations

import argparse
import io
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from harness import (
    BARE_USER,
    CAF,
    PYTHON,
    ROOT,
    SENDER,
    WPEHS,
    Finished,
    MailWorld,
    fill_inbox,
    load_average,
    mail_world,
    mailbot_config,
    median,
    run_measured,
)

BARE = str(ROOT / "benchmarks" / "bare_drain.py")


@dataclass
class DrainRun:
    messages: int
    bare: Finished
    mailbot: Finished
    load: str

    @property
    def share(self) -> float:
        return self.bare.wall / self.mailbot.wall


def backlog(count: int) -> list[bytes]:
    """The raw step-down emails (one .docx and one text PDF each; every child different)."""
    from backlog import messages

    return [raw for raw, _docx, _pdf in messages(count)]


def _png(width: int, height: int) -> bytes:
    """A valid RGB PNG of incompressible noise, stored without compression: a scanned page's weight."""
    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    compressed = zlib.compress(rows, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")


def big_message(megabytes: int = 60) -> bytes:
    """A URN request whose assessment .docx carries a ``megabytes`` MB scan (base64 makes it ~1.37x)."""
    from backlog import realistic_assessment
    from docx import Document
    from docx.shared import Inches
    from support.apps import DOCX, email

    document = Document(io.BytesIO(realistic_assessment("Maisie Bigfile", "03/04/2015", "LCS9999999")))
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    document.add_picture(io.BytesIO(_png(side, side)), width=Inches(6))
    buffer = io.BytesIO()
    document.save(buffer)
    return email(
        f"Sam Worker <{SENDER}>",
        CAF,
        "URN request",
        "Please can I request a URN. Consent has been given. The assessment includes a scan.\n\nSam",
        [("Assessment with scan.docx", DOCX, buffer.getvalue())],
    )


def run_bare(world: MailWorld, raws: list[bytes], workers: int) -> Finished:
    fill_inbox(world, BARE_USER, raws)
    args = [BARE, "--host", world.dovecot.host, "--port", str(world.dovecot.imap_port)]
    args += ["--user", BARE_USER, "--password", world.password(BARE_USER), "--workers", str(workers)]
    finished = run_measured(args, stdout=None)
    if finished.returncode != 0:
        raise SystemExit(f"the bare reference failed:\n{finished.output[-3000:]}")
    return finished


def run_mailbot(world: MailWorld, raws: list[bytes], workers: int, *, max_megabytes: int = 25) -> Finished:
    fill_inbox(world, CAF, raws)
    world.dovecot.reset_user(WPEHS)
    world.sink.arrivals.clear()
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-drain-") as folder:
        config, env = mailbot_config(Path(folder), world, max_megabytes=max_megabytes, workers=workers)
        finished = run_measured(["mailbot.cli", "-c", str(config), "run", "--once"], env)
    if finished.returncode != 0:
        raise SystemExit(f"mailbot run --once failed:\n{finished.output[-3000:]}")
    if not world.sink.wait_for_count(len(raws), timeout=60):
        raise SystemExit(f"expected {len(raws)} replies, the sink has {len(world.sink.arrivals)}")
    left = world.dovecot.imap_messages(CAF, "INBOX")
    if left:
        raise SystemExit(f"{len(left)} message(s) were left in the inbox")
    return finished


def startup_cpu(world: MailWorld, workers: int) -> Finished:
    """A cold ``run --once`` on empty mailboxes: what every run pays before the first message."""
    return run_mailbot(world, [], workers)


def drain_runs(world: MailWorld, raws: list[bytes], runs: int, workers: int) -> list[DrainRun]:
    results = []
    for number in range(runs):
        bare = run_bare(world, raws, workers)
        mailbot = run_mailbot(world, raws, workers)
        results.append(DrainRun(len(raws), bare, mailbot, load_average()))
        print(
            f"  run {number + 1}: bare {len(raws) / bare.wall:5.1f} msg/s ({bare.wall:.2f} s), "
            f"mailbot {len(raws) / mailbot.wall:5.1f} msg/s ({mailbot.wall:.2f} s) = {100 * results[-1].share:.0f} %;"
            f" main CPU {1000 * mailbot.cpu / len(raws):.1f} ms/msg (bare {1000 * bare.cpu / len(raws):.1f});"
            f" load {results[-1].load}",
            flush=True,
        )
    return results


def report(results: list[DrainRun], idle_cpu: float) -> dict[str, float]:
    count = results[0].messages
    bare_rate = median([count / r.bare.wall for r in results])
    mailbot_rate = median([count / r.mailbot.wall for r in results])
    figures = {
        "bare_msg_s": bare_rate,
        "mailbot_msg_s": mailbot_rate,
        "share_percent": 100 * median([r.share for r in results]),
        "main_cpu_ms": 1000 * median([r.mailbot.cpu for r in results]) / count,
        "main_cpu_steady_ms": 1000 * (median([r.mailbot.cpu for r in results]) - idle_cpu) / count,
        "bare_cpu_ms": 1000 * median([r.bare.cpu for r in results]) / count,
        "startup_cpu_s": idle_cpu,
        "mailbot_main_mib": median([r.mailbot.memory.main_kib for r in results]) / 1024,
        "mailbot_group_mib": median([r.mailbot.memory.group_kib for r in results]) / 1024,
        "bare_group_mib": median([r.bare.memory.group_kib for r in results]) / 1024,
    }
    print(
        f"\nDrain, {count} messages (one .docx + one text PDF each), medians of {len(results)} runs "
        f"(load averages: {'; '.join(r.load for r in results)})"
    )
    print(f"  bare reference (IMAP + MIME + python-docx/pdfplumber + move): {bare_rate:6.1f} msg/s")
    print(f"  mailbot run --once (cold, SQLite, replies over SMTP):        {mailbot_rate:6.1f} msg/s")
    print(f"  mailbot as a share of the bare rate: {figures['share_percent']:.0f} %   (target >= 90 %)")
    print(
        f"  main-process CPU: {figures['main_cpu_ms']:.1f} ms/msg, {figures['main_cpu_steady_ms']:.1f} ms/msg "
        f"without the start-up's {idle_cpu:.2f} s (target <= 6); bare {figures['bare_cpu_ms']:.1f} ms/msg"
    )
    print(
        f"  peak PSS: mailbot main {figures['mailbot_main_mib']:.0f} MiB, main + workers "
        f"{figures['mailbot_group_mib']:.0f} MiB; bare main + workers {figures['bare_group_mib']:.0f} MiB"
    )
    return figures


def big_attachment(world: MailWorld, workers: int, normal: int = 20) -> Finished:
    """A backlog of ``normal`` messages with one 60 MB attachment in the middle; peak PSS."""
    raws = backlog(normal)
    raws.insert(normal // 2, big_message(60))
    finished = run_mailbot(world, raws, workers, max_megabytes=64)
    print(
        f"\nMemory with a 60 MB attachment ({len(raws[normal // 2]) / 2**20:.0f} MB message) in a backlog of "
        f"{len(raws)}: {finished.memory.line()}  (target <= 300 MB together); load {load_average()}"
    )
    return finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--big", action="store_true", help="also the 60 MB attachment memory run")
    parser.add_argument("--only-big", action="store_true", help="only the 60 MB attachment memory run")
    args = parser.parse_args()
    print(f"python: {PYTHON}; load before: {load_average()}")
    if args.only_big:
        with mail_world() as world:
            big_attachment(world, args.workers)
        return
    raws = backlog(args.messages)
    with mail_world() as world:
        idle = startup_cpu(world, args.workers)
        print(f"  start-up alone (empty mailboxes): {idle.wall:.2f} s wall, {idle.cpu:.2f} s main CPU")
        report(drain_runs(world, raws, args.runs, args.workers), idle.cpu)
        if args.big:
            big_attachment(world, args.workers)


if __name__ == "__main__":
    main()
