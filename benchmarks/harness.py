"""What every speed benchmark shares: the load average, process-tree memory (PSS), medians, the test
mail servers, a config file for a mailbot subprocess, and the step-down messages to feed it.

The machine the figures come from is shared and busy, so every figure is printed with the load
average that was measured while it ran. Memory is PSS (proportional set size, from
``/proc/PID/smaps_rollup``): pages shared between the main process, the forkserver and the workers
are counted once in total, which RSS would count once per process.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT / "tests"), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from aiosmtpd.controller import Controller  # noqa: E402
from support import mailservers  # noqa: E402

PYTHON = sys.executable
RUSAGE_RUN = ROOT / "benchmarks" / "rusage_run.py"
CAF = "caf@lancashire.gov.uk"
WPEHS = "preventionearlyhelp@lancashire.gov.uk"
BARE_USER = "bare@lancashire.gov.uk"
SENDER = "sw.one@lancashire.gov.uk"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0.95 for p95) by the nearest-rank method: a value that was measured."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


# ------------------------------------------------------------------------------------------ memory


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            found.extend(int(child) for child in text.split())
    except OSError:
        return found
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and every descendant (forkserver, workers), parents first."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop(0)
        tree.append(current)
        pending.extend(_children(current))
    return tree


def pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB (0 when it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


@dataclass
class MemoryPeaks:
    """Peak PSS seen while sampling: the main process, its descendants together, and the whole group."""

    main_kib: int = 0
    workers_kib: int = 0
    group_kib: int = 0

    def line(self) -> str:
        return (
            f"main {self.main_kib / 1024:.0f} MiB, workers (with forkserver) {self.workers_kib / 1024:.0f} MiB,"
            f" together {self.group_kib / 1024:.0f} MiB PSS"
        )


class MemorySampler:
    """Samples the PSS of a process tree every ``interval`` seconds in a thread, keeping the peaks."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peaks = MemoryPeaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            tree = process_tree(self.pid)
            sizes = [pss_kib(pid) for pid in tree]
            if sizes:
                self.peaks.main_kib = max(self.peaks.main_kib, sizes[0])
                self.peaks.workers_kib = max(self.peaks.workers_kib, sum(sizes[1:]))
                self.peaks.group_kib = max(self.peaks.group_kib, sum(sizes))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


# --------------------------------------------------------------------------------------- processes


@dataclass
class Finished:
    """A subprocess run: wall seconds from spawn to exit, its own CPU (not its children's), memory."""

    wall: float
    cpu: float
    modules: int
    memory: MemoryPeaks
    returncode: int
    output: str = ""


def run_measured(
    module_args: list[str],
    env: dict[str, str] | None = None,
    *,
    stdout: Any = subprocess.DEVNULL,
    timeout: float | None = None,
    cwd: Path | None = None,
) -> Finished:
    """Run ``python -m MODULE ARGS`` through ``rusage_run.py`` (which writes the main process's own
    CPU time and module count at exit) while sampling the PSS of its process tree."""
    report = (
        Path(os.environ.get("TMPDIR", "/tmp")) / f"mailbot-bench-{os.getpid()}-{time.monotonic_ns()}.json"
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, str(RUSAGE_RUN), str(report), *module_args],
        env={**os.environ, **(env or {})},
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    with MemorySampler(process.pid) as sampler:
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, err = process.communicate()
    wall = time.perf_counter() - started
    figures = json.loads(report.read_text()) if report.exists() else {"cpu": float("nan"), "modules": 0}
    report.unlink(missing_ok=True)
    return Finished(
        wall,
        figures["cpu"],
        figures["modules"],
        sampler.peaks,
        process.returncode,
        err.decode(errors="replace"),
    )


# ------------------------------------------------------------------------------------ mail servers


@dataclass
class SmtpSink:
    """An aiosmtpd listener that keeps what it is sent (arrival time and In-Reply-To), nothing else.

    Cheaper than the test relay (no LMTP delivery): the benchmark measures mailbot, not the relay.
    """

    controller: Controller
    arrivals: list[tuple[float, str | None]] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def wait_for_count(self, count: int, timeout: float) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: len(self.arrivals) >= count, timeout)

    def arrival_of_reply_to(self, message_id: str, timeout: float) -> float | None:
        def found() -> float | None:
            return next((at for at, reply_to in self.arrivals if reply_to == message_id), None)

        with self.condition:
            self.condition.wait_for(lambda: found() is not None, timeout)
            return found()

    def stop(self) -> None:
        self.controller.stop()


class _SinkHandler:
    def __init__(self, sink_ref: list[SmtpSink]) -> None:
        self.sink_ref = sink_ref

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        at = time.perf_counter()
        reply_to = None
        for line in bytes(envelope.content).split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            if line.lower().startswith(b"in-reply-to:"):
                reply_to = line.split(b":", 1)[1].strip().decode()
        sink = self.sink_ref[0]
        with sink.condition:
            sink.arrivals.append((at, reply_to))
            sink.condition.notify_all()
        await asyncio.sleep(0)
        return "250 OK"


def start_sink() -> SmtpSink:
    holder: list[SmtpSink] = []
    controller = Controller(_SinkHandler(holder), hostname=mailservers.LOOPBACK, port=mailservers.free_port())
    controller.start()
    holder.append(SmtpSink(controller))
    return holder[0]


@dataclass
class MailWorld:
    """A throwaway Dovecot (IDLE, MOVE, UIDPLUS) and an SMTP sink, for the length of a benchmark."""

    dovecot: mailservers.Dovecot
    sink: SmtpSink
    tls_dir: Path

    def password(self, user: str) -> str:
        return self.dovecot.passwords[user.lower()]


@contextmanager
def mail_world() -> Iterator[MailWorld]:
    import shutil
    import tempfile

    tls_dir = Path(tempfile.mkdtemp(prefix="mailbot-bench-tls-"))
    tls_dir.chmod(0o755)
    tls = mailservers.make_self_signed_cert(tls_dir)
    dovecot = mailservers.start_dovecot(tls)
    dovecot.add_user(BARE_USER)
    sink = start_sink()
    try:
        yield MailWorld(dovecot, sink, tls_dir)
    finally:
        sink.stop()
        mailservers.remove_dovecot(dovecot)
        shutil.rmtree(tls_dir, ignore_errors=True)


def fill_inbox(world: MailWorld, user: str, raws: Sequence[bytes]) -> None:
    """Empty ``user``'s mailbox and APPEND ``raws`` to its INBOX, oldest first."""
    world.dovecot.reset_user(user)
    world.dovecot.append_many(user, "INBOX", raws)


def mailbot_config(
    folder: Path,
    world: MailWorld,
    *,
    database_url: str | None = None,
    urn_width: int = 6,
    max_megabytes: int = 25,
    workers: int = 2,
) -> tuple[Path, dict[str, str]]:
    """A TOML config for a mailbot subprocess on ``world`` and the environment holding its passwords."""
    url = database_url or f"sqlite:///{folder / 'register.sqlite3'}"

    def imap(user: str, variable: str) -> str:
        return (
            f'host = "{world.dovecot.host}"\nport = {world.dovecot.imap_port}\ntls = "none"\n'
            f'username = "{user}"\npassword_env = "{variable}"\n'
        )

    text = f"""
[mailbot]
database_url = "{url}"
storage_dir = "{folder / "storage"}"
log_level = "WARNING"

[council]
trusted_domains = ["lancashire.gov.uk"]

[urn]
prefix = "LAN"
width = {urn_width}

[mailboxes.caf]
address = "{CAF}"
role = "caf"

[mailboxes.caf.imap]
{imap(CAF, "BENCH_CAF_PASSWORD")}
[mailboxes.wpehs]
address = "{WPEHS}"
role = "wpehs"

[mailboxes.wpehs.imap]
{imap(WPEHS, "BENCH_WPEHS_PASSWORD")}
[transport]
kind = "smtp"

[transport.smtp]
host = "{mailservers.LOOPBACK}"
port = {world.sink.port}
tls = "none"

[documents]
workers = {workers}
max_megabytes = {max_megabytes}

[limits]
replies_per_thread_per_day = 1000000
replies_per_pattern_per_day = 1000000
replies_per_sender_per_hour = 1000000
replies_per_sender_per_day = 1000000
"""
    path = folder / "mailbot.toml"
    path.write_text(text)
    env = {
        "BENCH_CAF_PASSWORD": world.password(CAF),
        "BENCH_WPEHS_PASSWORD": world.password(WPEHS),
        "MAILBOT_CONFIG": str(path),
    }
    return path, env
