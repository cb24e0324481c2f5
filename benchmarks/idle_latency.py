"""IDLE latency: from a request landing in CAF@'s inbox to mailbot's reply accepted by the SMTP server.

Starts the suite's real servers (a throwaway Dovecot and the aiosmtpd relay, tests/support/
mailservers.py), runs the daemon's mailbox loops (``Runner``) on SQLite, and for each request waits
until CAF@ is in IDLE, delivers the request (IMAP APPEND, as the mail server would) and waits for
the reply. Prints the median, fastest and slowest, end to end and inside mailbot (from the
message's intake to the reply's ``sent_at``). The suite only checks that IDLE wakes the daemon
(tests/integration/test_end_to_end.py); the time is this figure.

Dovecot waits about half a second after a change before it tells an IDLE client (its
NOTIFY_DELAY_MSECS), so most of the end-to-end figure is the server's.

    uv run python benchmarks/idle_latency.py --requests 9
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from support import mailservers  # noqa: E402
from support.apps import CAF, DOCX, assessment_docx, email, make_app, settings_for  # noqa: E402
from support.waiting import wait_until  # noqa: E402

from mailbot.config import LimitSettings  # noqa: E402
from mailbot.register.models import Message, Outbox  # noqa: E402
from mailbot.service.daemon import Runner, run_once  # noqa: E402

SW = "sw.one@lancashire.gov.uk"


class _Environment:
    """``settings_for`` hands the IMAP passwords over in environment variables (monkeypatch in tests)."""

    @staticmethod
    def setenv(name: str, value: str) -> None:
        os.environ[name] = value


def _request(n: int) -> bytes:
    child = (f"Child {n} Example", f"{n % 28 + 1:02d}/04/2015", f"LCS9{n:05d}")
    return email(
        f"Sam Worker <{SW}>",
        CAF,
        "URN request",
        "Hello, please can I request a URN for the attached assessment. Consent has been given.\n\nSam",
        [("Assessment.docx", DOCX, assessment_docx([child]))],
    )


def measure(requests: int, directory: Path) -> tuple[list[float], list[float]]:
    """End-to-end and inside-mailbot seconds for each request, in order."""
    tls_dir = directory / "tls"
    tls_dir.mkdir()
    tls_dir.chmod(0o755)
    tls = mailservers.make_self_signed_cert(tls_dir)
    dovecot = mailservers.start_dovecot(tls)
    relay = mailservers.start_smtp_relay(dovecot, tls)
    try:
        # Every request from one sender: lift the reply limits (tested in test_reply_limits).
        lifted = LimitSettings(*(4 * (requests + 1,)))
        settings = dataclasses.replace(
            settings_for(
                dovecot, relay, directory, f"sqlite:///{directory / 'register.sqlite3'}", _Environment()
            ),
            limits=lifted,
        )
        app = make_app(settings)
        run_once(app)  # warm up: connections, the document workers, templates
        caf = app.sources["caf"]
        runner = Runner(app, idle_timeout=600)
        runner.start()
        end_to_end, inside = [], []
        try:
            for n in range(requests):
                wait_until(lambda n=n: caf.idle_commands == n + 1)
                started = datetime.now(UTC)
                dovecot.append(CAF, "INBOX", _request(n))

                def answered(n: int = n) -> tuple[datetime, datetime] | None:
                    with app.register.transaction() as session:
                        sent = session.execute(select(Outbox.sent_at).order_by(Outbox.id)).scalars().all()
                        received = (
                            session.execute(select(Message.received_at).order_by(Message.id)).scalars().all()
                        )
                    if len(sent) > n and sent[n] is not None:
                        return sent[n], received[n]
                    return None

                sent_at, received_at = wait_until(answered)
                end_to_end.append((sent_at - started).total_seconds())
                inside.append((sent_at - received_at).total_seconds())
                print(f"request {n + 1}: {end_to_end[-1] * 1000:.0f} ms", flush=True)
        finally:
            runner.stop()
            app.close()
    finally:
        relay.stop()
        mailservers.remove_dovecot(dovecot)
    return end_to_end, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=9)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="mailbot-idle-latency-"))
    try:
        end_to_end, inside = measure(args.requests, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    for label, figures in (("end to end", end_to_end), ("inside mailbot", inside)):
        print(
            f"{label:>15}: median {statistics.median(figures) * 1000:.0f} ms, "
            f"fastest {min(figures) * 1000:.0f} ms, slowest {max(figures) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
