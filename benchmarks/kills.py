"""Kill benchmark: SIGKILL ``mailbot run`` many times over a big backlog; count duplicates and losses.

The big version of ``tests/integration/test_send_kills.py`` (same harness, ``tests/support/kills.py``):
a real Dovecot, the aiosmtpd relay, ``mailbot run`` in a subprocess, SQLite and PostgreSQL. It prints,
per backend: messages, kills (by kind, and how many landed mid-batch), duplicate replies, lost
requests, and the Sent copies. A figure, not a timed test.

    uv run python benchmarks/kills.py --messages 300 --kills 20
    uv run python benchmarks/kills.py --backend sqlite --random-kills   # kills at random moments

``--random-kills`` kills at a random moment (0–2 s after the daemon has started working) instead of
at the harness's chosen points, including the one instant SMTP cannot make safe (the server has
accepted a message and the process dies before recording it): each such kill may re-send one reply.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from support import databases, mailservers  # noqa: E402
from support.kills import run_kills  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--random-kills", action="store_true")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers and daemons on the way out
    backends = ("sqlite", "postgresql") if options.backend == "both" else (options.backend,)
    tls_folder = Path(tempfile.mkdtemp(prefix="mailbot-kills-tls-"))
    tls_folder.chmod(0o755)
    tls = mailservers.make_self_signed_cert(tls_folder)
    dovecot = mailservers.start_dovecot(tls)
    relay = mailservers.start_smtp_relay(dovecot, tls)
    failures = 0
    try:
        for backend in backends:
            for user in list(dovecot.passwords):
                dovecot.reset_user(user)
            relay.deliveries.clear()
            folder = Path(tempfile.mkdtemp(prefix=f"mailbot-kills-{backend}-"))
            admin = databases.admin_url() if backend == "postgresql" else None
            url = databases.create_database(admin) if admin else "sqlite:///register.sqlite3"
            started = time.monotonic()
            try:
                figures = run_kills(
                    dovecot,
                    relay,
                    folder,
                    url,
                    backend=backend,
                    messages=options.messages,
                    kills=options.kills,
                    seed=options.seed,
                    random_kills=options.random_kills,
                )
            finally:
                if admin:
                    databases.drop_database(admin, url)
            print(f"{figures.summary()}  [{time.monotonic() - started:.0f} s]", flush=True)
            if figures.duplicates or figures.lost:
                failures += 1
                repeated = {mid: n for mid, n in figures.replies.items() if n > 1}
                print(f"  requests answered more than once: {repeated}")
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        relay.stop()
        mailservers.remove_dovecot(dovecot)
        shutil.rmtree(tls_folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
