"""IDLE latency: from a message landing in the inbox to mailbot's reply reaching the SMTP server.

``mailbot run`` (the daemon) watches the CAF inbox with IMAP IDLE. The benchmark APPENDs one URN
request at a time and waits for the reply at the SMTP sink. A second, bare IDLE client watches the
same inbox: the moment it hears EXISTS is Dovecot's own floor (its notification delay), so for each
message

- **end to end** = reply at the sink − APPEND,
- **Dovecot floor** = EXISTS at the bare client − APPEND,
- **mailbot's own part** = end to end − floor.

The first request is sent two seconds after the daemon connects, so it shows what a request pays
right after a start (worker pool, templates). ``--register FILE`` copies a SQLite register (e.g. one
made by ``large_register.py``) for the daemon to use, to measure IDLE at a million cases.

    uv run python benchmarks/idle.py --requests 30
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

from harness import (
    CAF,
    PYTHON,
    SENDER,
    MailWorld,
    load_average,
    mail_world,
    mailbot_config,
    median,
    percentile,
)


def request_email(number: int) -> tuple[bytes, str]:
    """A small URN request (one .docx assessment, one PDF plan) and its Message-ID."""
    from support.apps import DOCX, assessment_docx, email, plan_pdf

    child = f"Idle Child{number:04d}"
    docx = assessment_docx(
        [(child, f"{1 + number % 28:02d}/0{1 + number % 9}/2016", f"LCS{8000000 + number}")]
    )
    raw = email(
        f"Sam Worker <{SENDER}>",
        CAF,
        "URN request",
        "Please can I request a URN. Consent has been given.\n\nSam",
        [("Assessment.docx", DOCX, docx), ("Plan.pdf", "application/pdf", plan_pdf(child))],
    )
    message_id = BytesHeaderParser().parsebytes(raw)["Message-ID"]
    return raw, str(message_id).strip()


@dataclass
class Watcher:
    """A bare IMAP IDLE client on the inbox, noting when each EXISTS arrives (Dovecot's floor)."""

    world: MailWorld
    exists_at: list[float] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        from imapclient import IMAPClient

        client = IMAPClient(self.world.dovecot.host, self.world.dovecot.imap_port, use_uid=True, ssl=False)
        client.login(CAF, self.world.password(CAF))
        client.select_folder("INBOX", readonly=True)
        # One IDLE for the whole run (no DONE/IDLE churn that would make the floor look later).
        client.idle()
        self.ready.set()
        while not self.stopping.is_set():
            responses = client.idle_check(timeout=0.2)
            if any(len(r) >= 2 and r[1] == b"EXISTS" for r in responses):
                self.exists_at.append(time.perf_counter())
        client.idle_done()
        client.logout()

    def first_after(self, moment: float, timeout: float = 10.0) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [at for at in self.exists_at if at >= moment]
            if found:
                return found[0]
            time.sleep(0.005)
        return None


def _wait_connected(world: MailWorld, daemon: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while "Processed" not in world.dovecot.folders(CAF):
        if daemon.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("mailbot run did not connect to the CAF mailbox")
        time.sleep(0.1)


def measure(world: MailWorld, requests: int, register: Path | None) -> dict[str, float]:
    from support.mailservers import STANDARD_USERS

    for user in STANDARD_USERS[:2]:
        world.dovecot.reset_user(user)
    world.sink.arrivals.clear()
    watcher = Watcher(world)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    watcher.ready.wait(10)
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-idle-") as folder:
        url = None
        if register is not None:
            copy = Path(folder) / "register.sqlite3"
            shutil.copyfile(register, copy)
            url = f"sqlite:///{copy}"
        config, env = mailbot_config(Path(folder), world, database_url=url, urn_width=7)
        daemon = subprocess.Popen(
            [PYTHON, "-m", "mailbot.cli", "-c", str(config), "run"],
            env={**os.environ, **env},
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_connected(world, daemon)
            time.sleep(2.0)
            own, floor, total = [], [], []
            for number in range(requests):
                raw, message_id = request_email(number)
                sent = time.perf_counter()
                world.dovecot.append(CAF, "INBOX", raw)
                replied = world.sink.arrival_of_reply_to(message_id, timeout=60)
                exists = watcher.first_after(sent)
                if replied is None or exists is None:
                    raise SystemExit(f"request {number}: no reply within 60 s (or no EXISTS)")
                total.append(replied - sent)
                floor.append(exists - sent)
                own.append(replied - exists)
                time.sleep(1.0)
        finally:
            daemon.terminate()
            daemon.wait(30)
            watcher.stopping.set()
            thread.join(5)
    return {
        "first_own_ms": 1000 * own[0],
        "own_p50_ms": 1000 * median(own),
        "own_p95_ms": 1000 * percentile(own, 0.95),
        "floor_p50_ms": 1000 * median(floor),
        "floor_p95_ms": 1000 * percentile(floor, 0.95),
        "total_p50_ms": 1000 * median(total),
        "total_p95_ms": 1000 * percentile(total, 0.95),
        "total_max_ms": 1000 * max(total),
    }


def print_figures(figures: dict[str, float], label: str, load: str) -> None:
    print(f"\nIDLE, {label} (load {load}):")
    print(
        f"  end to end     p50 {figures['total_p50_ms']:6.0f} ms   p95 {figures['total_p95_ms']:6.0f} ms"
        f"   max {figures['total_max_ms']:6.0f} ms"
    )
    print(f"  Dovecot floor  p50 {figures['floor_p50_ms']:6.0f} ms   p95 {figures['floor_p95_ms']:6.0f} ms")
    print(
        f"  mailbot's own  p50 {figures['own_p50_ms']:6.0f} ms   p95 {figures['own_p95_ms']:6.0f} ms"
        f"   first request after start {figures['first_own_ms']:.0f} ms   (target p95 <= 50 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--register", type=Path, help="a SQLite register to copy (e.g. 1M cases)")
    args = parser.parse_args()
    with mail_world() as world:
        figures = measure(world, args.requests, args.register)
        label = f"{args.requests} requests" + (f", register {args.register.name}" if args.register else "")
        print_figures(figures, label, load_average())


if __name__ == "__main__":
    main()
