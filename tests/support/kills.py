"""SIGKILL a running ``mailbot run`` at chosen points and prove every request is answered exactly once.

Used by the CI test (``tests/integration/test_send_kills.py``: 30 requests, 6 kills) and by the
benchmark (``benchmarks/kills.py``: 300 requests, 20 kills). Everything is real: the daemon is the
``mailbot`` command in a subprocess, mail comes from Dovecot over IMAP, replies go to the aiosmtpd
relay (which delivers them into Dovecot), the register is SQLite or PostgreSQL.

Kill points are drawn from a seeded RNG and reached by waiting on conditions, never on the clock:

* ``in_flight``: the relay holds the k-th DATA (fully received, unanswered); the kill lands while
  that message is in flight on a connection that has already carried the ones before it (k > 0:
  mid-batch);
* ``processing``: the relay holds every DATA and the kill lands once m more requests have been
  processed (mid-intake/processing, with replies queued and unsent).

Before each kill the harness also waits until every message the relay accepted is recorded ``sent``
in the register: the one instant no test can make safe — the server said 250 and the process dies
before its commit — is left out on purpose (SMTP cannot close it; see ``mailbot.transports.outbox``).
With ``random_kills`` the benchmark instead kills at random moments, that instant included, and
counts what happens.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from mailbot.register.models import Message, Outbox
from support.apps import CAF, DOCX, WPEHS, assessment_docx, email
from support.mailservers import Dovecot, SmtpRelay, wait_for

MAILBOT = [sys.executable, "-m", "mailbot.cli"]
SENDERS = ("sw.one@lancashire.gov.uk", "sw.two@lancashire.gov.uk", "sw.three@lancashire.gov.uk")
FIRST = ("Maisie", "Theo", "Aria", "Jayden", "Ruby", "Oscar", "Isla", "Noah", "Amelia", "Leo")
LAST = ("Example", "Sample", "Kershaw", "Ingham", "Crompton", "Fairclough", "Clegg", "Hughes")
#: Generous: only there to catch a hang (the CI machine is shared and slow), never a timing assert.
PATIENCE = 180.0


@dataclass
class KillRecord:
    kind: str
    accepted_before: int  # replies this process had handed over when it was killed
    held: bool  # a reply was in flight (DATA received, unanswered) at the kill


@dataclass
class Figures:
    backend: str
    messages: int
    kills: list[KillRecord] = field(default_factory=list)
    replies: Counter[str] = field(default_factory=Counter)  # request Message-ID → replies delivered
    sent_copies: Counter[str] = field(default_factory=Counter)  # reply Message-ID → copies in Sent
    unfinished_messages: int = 0
    unsent_rows: int = 0

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.replies.values() if count > 1)

    @property
    def lost(self) -> int:
        return self.messages - len(self.replies) + self.unfinished_messages + self.unsent_rows

    @property
    def mid_batch_kills(self) -> int:
        return sum(1 for kill in self.kills if kill.held and kill.accepted_before > 0)

    def summary(self) -> str:
        kinds = Counter(kill.kind for kill in self.kills)
        return (
            f"{self.backend}: messages {self.messages}, kills {len(self.kills)} "
            f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}; mid-batch {self.mid_batch_kills}), "
            f"duplicates {self.duplicates}, lost {self.lost}, "
            f"Sent copies {sum(self.sent_copies.values())} for {len(self.sent_copies)} replies"
        )


def write_config(
    dovecot: Dovecot, smtp: SmtpRelay, folder: Path, database_url: str
) -> tuple[Path, dict[str, str]]:
    """A config for ``mailbot run`` on the test servers; claims last 1 s so a takeover comes soon."""
    imap = "\n".join(
        f"""
[mailboxes.{name}]
address = "{address}"
role = "{name}"
[mailboxes.{name}.imap]
host = "{dovecot.host}"
port = {dovecot.imap_port}
tls = "none"
username = "{address}"
password_env = "KILL_TEST_{name.upper()}_PASSWORD"
"""
        for name, address in (("caf", CAF), ("wpehs", WPEHS))
    )
    text = f"""
[mailbot]
database_url = "{database_url}"
storage_dir = "storage"
log_level = "INFO"

[council]
trusted_domains = ["lancashire.gov.uk"]
{imap}
[transport]
kind = "smtp"
retry_base_seconds = 1
claim_lease_seconds = 1
[transport.smtp]
host = "{smtp.host}"
port = {smtp.port}
tls = "none"

[documents]
workers = 1

[limits]
replies_per_thread_per_day = 100000
replies_per_pattern_per_day = 100000
replies_per_sender_per_hour = 100000
replies_per_sender_per_day = 100000
"""
    path = folder / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    environment = {
        **os.environ,
        "KILL_TEST_CAF_PASSWORD": dovecot.passwords[CAF],
        "KILL_TEST_WPEHS_PASSWORD": dovecot.passwords[WPEHS],
    }
    return path, environment


def make_requests(count: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """``count`` step-down emails to CAF@ (every third with an assessment): (Message-ID, raw)."""
    made = []
    for n in range(count):
        child = f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}"
        attachments = []
        if n % 3 == 0:
            dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2008, 2022)}"
            attachments = [("Assessment.docx", DOCX, assessment_docx([(child, dob, f"LCS{500000 + n}")]))]
        raw = email(
            SENDERS[n % len(SENDERS)],
            CAF,
            f"URN request {n}",
            f"Hello, please can I request a URN for {child}. Consent has been given.",
            attachments,
        )
        message_id = str(message_from_bytes(raw, policy=policy.default)["Message-ID"]).strip()
        made.append((message_id, raw))
    return made


class Daemon:
    """``mailbot run`` as a subprocess, its stderr kept in a file for the post-mortem."""

    def __init__(self, config: Path, environment: dict[str, str], folder: Path) -> None:
        self.config, self.environment, self.folder = config, environment, folder
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        log = (self.folder / f"run-{self.runs}.log").open("wb")
        self.process = subprocess.Popen(
            [*MAILBOT, "--config", str(self.config), "run"],
            env=self.environment,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    def ready(self) -> bool:
        """The daemon has started its schedules and threads (its log says so)."""
        path = self.folder / f"run-{self.runs}.log"
        return path.exists() and "scheduler started" in path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=PATIENCE)

    def stop(self) -> int:
        """SIGTERM; returns the exit status."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def log_tail(self, lines: int = 40) -> str:
        path = self.folder / f"run-{self.runs}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class Register:
    """Read-only looks into the register the daemon writes (its own engine, from the test process)."""

    def __init__(self, url: str, folder: Path) -> None:
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = f"sqlite:///{folder / url.removeprefix('sqlite:///')}"
        self.engine: Engine = create_engine(url)

    def count(self, query: Any) -> int:
        try:
            with self.engine.connect() as connection:
                return int(connection.execute(query).scalar_one())
        except Exception:  # the daemon has not created the tables yet
            return 0

    def processed(self) -> int:
        return self.count(
            select(func.count(Message.id)).where(Message.direction == "in", Message.state != "received")
        )

    def sent(self) -> int:
        return self.count(select(func.count(Outbox.id)).where(Outbox.state == "sent"))

    def unfinished(self) -> tuple[int, int]:
        """(incoming messages not in a final state, outbox rows not sent)."""
        messages = self.count(
            select(func.count(Message.id)).where(Message.direction == "in", Message.state == "received")
        )
        rows = self.count(select(func.count(Outbox.id)).where(Outbox.state != "sent"))
        return messages, rows

    def close(self) -> None:
        self.engine.dispose()


def _header(raw: bytes, name: str) -> str:
    value = message_from_bytes(raw, policy=policy.compat32)[name]
    return " ".join(str(value).split()) if value else ""


def run_kills(
    dovecot: Dovecot,
    smtp: SmtpRelay,
    folder: Path,
    database_url: str,
    *,
    backend: str,
    messages: int,
    kills: int,
    seed: int,
    random_kills: bool = False,
) -> Figures:
    """Queue ``messages`` requests, run the daemon with ``kills`` SIGKILLs, finish, count the replies."""
    rng = random.Random(seed)
    config, environment = write_config(dovecot, smtp, folder, database_url)
    requests = make_requests(messages, rng)
    dovecot.append_many(CAF, "INBOX", [raw for _id, raw in requests])
    register = Register(database_url, folder)
    daemon = Daemon(config, environment, folder)
    figures = Figures(backend, messages)
    spread = max(8, 2 * messages // max(kills, 1))  # kill points spread over the whole backlog
    try:
        for _ in range(kills):
            daemon.start()
            if random_kills:
                record = _random_kill(daemon, smtp, register, rng)
            else:
                record = _kill(daemon, smtp, register, rng, spread)
            figures.kills.append(record)
        daemon.start()
        wait_for(lambda: _answered(smtp, requests) and register.unfinished() == (0, 0), PATIENCE)
        wait_for(daemon.ready, PATIENCE)
        if not daemon.alive():
            raise AssertionError(f"mailbot run stopped by itself:\n{daemon.log_tail()}")
        status = daemon.stop()
        if status != 0:
            raise AssertionError(f"mailbot run exited {status}:\n{daemon.log_tail()}")
    except BaseException:
        if daemon.alive():
            daemon.kill()
        print(daemon.log_tail())
        raise
    finally:
        smtp.release()
        figures.unfinished_messages, figures.unsent_rows = register.unfinished()
        register.close()
    wanted = {message_id for message_id, _raw in requests}
    for delivery in smtp.deliveries:
        if (answered := _header(delivery.raw, "In-Reply-To")) in wanted:
            figures.replies[answered] += 1
    for raw in dovecot.imap_messages(CAF, "Sent"):
        figures.sent_copies[_header(raw, "Message-ID")] += 1
    return figures


def _answered(smtp: SmtpRelay, requests: list[tuple[str, bytes]]) -> bool:
    answered = {_header(delivery.raw, "In-Reply-To") for delivery in list(smtp.deliveries)}
    return all(message_id in answered for message_id, _raw in requests)


def _accepted_ids(smtp: SmtpRelay) -> set[str]:
    return {_header(delivery.raw, "Message-ID") for delivery in list(smtp.deliveries)}


def _kill(daemon: Daemon, smtp: SmtpRelay, register: Register, rng: random.Random, spread: int) -> KillRecord:
    """One kill at a point drawn from ``rng`` (see the module docstring), at most ``spread`` requests
    or replies further on; returns what it hit."""
    accepted_at_start = len(smtp.deliveries)
    processed = register.processed()
    kind = "processing" if rng.random() < 0.3 else "in_flight"
    if kind == "processing":
        smtp.pause()
        target = processed + rng.randint(1, spread)
        wait_for(lambda: register.processed() >= target or _all_processed(register), PATIENCE)
    else:
        # Hold after 0..spread more replies: 0 kills the first message of a batch, more kill mid-batch.
        smtp.hold_after(accepted_at_start + rng.randint(0, spread))
        wait_for(lambda: smtp.handler.holding.is_set() or _all_replied(smtp, register), PATIENCE)
    # Every reply the relay accepted is committed as sent before the kill (see the module docstring).
    wait_for(lambda: register.sent() >= len(_accepted_ids(smtp)), PATIENCE)
    held = smtp.handler.holding.is_set()
    dropped = smtp.handler.dropped
    record = KillRecord(kind, len(smtp.deliveries) - accepted_at_start, held)
    daemon.kill()
    if held:
        wait_for(lambda: smtp.handler.dropped > dropped, PATIENCE)
    smtp.release()
    return record


def _all_processed(register: Register) -> bool:
    return register.processed() > 0 and register.unfinished()[0] == 0


def _all_replied(smtp: SmtpRelay, register: Register) -> bool:
    messages, rows = register.unfinished()
    return register.processed() > 0 and messages == 0 and rows == 0


def _random_kill(daemon: Daemon, smtp: SmtpRelay, register: Register, rng: random.Random) -> KillRecord:
    """Kill at a random moment once the daemon has started working (benchmark only: not reproducible)."""
    accepted_at_start = len(smtp.deliveries)
    processed = register.processed()
    wait_for(lambda: register.processed() > processed or _all_replied(smtp, register), PATIENCE)
    time.sleep(rng.uniform(0.0, 2.0))
    record = KillRecord("random", len(smtp.deliveries) - accepted_at_start, False)
    with contextlib.suppress(ProcessLookupError):
        daemon.kill()
    return record
