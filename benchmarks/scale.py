"""The register at a million cases: duplicate check, issuing a URN, digest, status, export.

Run against a register made by ``large_register.py`` (SQLite file or PostgreSQL database). Each
figure is the median (and p95 where it is a per-message cost) of repeated calls through mailbot's
own functions, in this process, except ``mailbot status`` and ``mailbot register export``, which
run as the command an operator types (cold start, as a subprocess; export's peak memory is the
PSS of that process, sampled). The register is changed only by the URN issues (a few cases added).

    uv run python benchmarks/scale.py sqlite:////tmp/register-1m.sqlite3
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from harness import PYTHON, MemorySampler, load_average, median, percentile

#: Export is stopped beyond these (the unstreamed export of issue 13 took 635 s and 12 GiB).
EXPORT_TIMEOUT = 900.0
EXPORT_MEMORY_CAP_MIB = 4096


def _settings(url: str, folder: Path) -> Any:
    from mailbot.config import parse_settings

    return parse_settings(
        {
            "mailbot": {"database_url": url, "storage_dir": "storage", "log_level": "WARNING"},
            "council": {"trusted_domains": ["lancashire.gov.uk"]},
            "urn": {"prefix": "LAN", "width": 7},
            "mailboxes": {
                "caf": {"address": "caf@lancashire.gov.uk", "role": "caf", "maildir": {"path": "caf"}},
                "wpehs": {
                    "address": "preventionearlyhelp@lancashire.gov.uk",
                    "role": "wpehs",
                    "maildir": {"path": "wpehs"},
                },
            },
            "transport": {"kind": "maildir", "maildir": {"path": "outgoing"}},
        },
        folder,
    )


def _config_file(url: str, folder: Path) -> Path:
    path = folder / "mailbot.toml"
    path.write_text(
        f"""
[mailbot]
database_url = "{url}"
storage_dir = "{folder / "storage"}"
log_level = "WARNING"
[council]
trusted_domains = ["lancashire.gov.uk"]
[urn]
width = 7
[mailboxes.caf]
address = "caf@lancashire.gov.uk"
role = "caf"
[mailboxes.caf.maildir]
path = "{folder / "caf"}"
[mailboxes.wpehs]
address = "preventionearlyhelp@lancashire.gov.uk"
role = "wpehs"
[mailboxes.wpehs.maildir]
path = "{folder / "wpehs"}"
[transport]
kind = "maildir"
[transport.maildir]
path = "{folder / "outgoing"}"
"""
    )
    return path


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _children(app: Any, count: int) -> list[Any]:
    """Children as a new request would name them: LCS id written in lower case, or name + DOB only."""
    from sqlalchemy import func, select

    from mailbot.domain.facts import Child as ChildFacts
    from mailbot.register.models import Child

    with app.register.transaction() as session:
        highest = session.execute(select(func.max(Child.id))).scalar_one()
        picked = [random.randint(1, highest) for _ in range(count)]
        rows = session.execute(select(Child).where(Child.id.in_(picked))).scalars().all()
    return [
        ChildFacts(row.name, row.date_of_birth, row.lcs_id.lower() if row.lcs_id else None, row.postcode)
        for row in rows
    ]


def in_process(app: Any) -> dict[str, list[float]]:
    from mailbot.register.queries import ViewQuery, build_view
    from mailbot.register.urn_sequence import issue_urn as next_urn
    from mailbot.service.health import check_health
    from mailbot.workflow.weekly_digest import preview_digest

    now = datetime.now(UTC)
    children = _children(app, 40)

    def duplicate_check() -> None:
        child = children.pop()
        with app.register.transaction() as session:
            build_view(
                session,
                ViewQuery(
                    request=None,
                    urns=[],
                    children=[child],
                    sender="sw1@lancashire.gov.uk",
                    now=now,
                    urn_scheme=app.settings.urn,
                    urn_next_number=app.settings.urn_next_number,
                    pattern="0123456789abcdef",
                ),
            )

    def issue_urn() -> None:
        from mailbot.register.models import Case

        with app.register.transaction() as session:
            urn = next_urn(session, app.settings.urn, app.settings.urn_next_number)
            session.add(Case(urn=urn, status="open", created_at=now, updated_at=now))

    def digest() -> None:
        with app.register.transaction() as session:
            preview_digest(session, app.shell, date(2026, 11, 30), now)

    def status() -> None:
        check_health(app.register, app.settings, now)

    return {
        "duplicate_check": timed(duplicate_check, 30),
        "urn_issue": timed(issue_urn, 30),
        "waiting": timed(lambda: app.pipeline.waiting(), 20),
        "digest": timed(digest, 3),
        "status": timed(status, 5),
    }


def command(config: Path, args: list[str], output: Path | None = None) -> tuple[float, float, int]:
    """Run ``mailbot ARGS`` cold; (wall seconds, peak PSS MiB, exit code). Killed past the caps."""
    started = time.perf_counter()
    with output.open("wb") if output else open(os.devnull, "wb") as sink:
        process = subprocess.Popen(
            [PYTHON, "-m", "mailbot.cli", "-c", str(config), *args], stdout=sink, stderr=subprocess.PIPE
        )
        with MemorySampler(process.pid, interval=0.2) as sampler:
            while process.poll() is None:
                if sampler.peaks.group_kib > EXPORT_MEMORY_CAP_MIB * 1024 or (
                    time.perf_counter() - started > EXPORT_TIMEOUT
                ):
                    process.kill()
                time.sleep(0.1)
    return time.perf_counter() - started, sampler.peaks.group_kib / 1024, process.returncode


def measure(url: str, *, export: bool = True) -> dict[str, float]:
    """Every figure for the register at ``url``, printed as it comes; returns them (ms, s, MiB)."""
    from mailbot.service.bootstrap import build_app

    random.seed(13)
    found: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-scale-") as name:
        folder = Path(name)
        print(f"register {url.split('://')[0]}; load {load_average()}")
        opened = time.perf_counter()
        app = build_app(_settings(url, folder), with_sources=False)
        found["open_s"] = time.perf_counter() - opened
        print(f"  opened (migrations included) in {found['open_s']:.1f} s")
        try:
            figures = in_process(app)
        finally:
            app.close()
        ms = {key: [1000 * v for v in values] for key, values in figures.items()}
        found.update(
            duplicate_p50_ms=median(ms["duplicate_check"]),
            duplicate_p95_ms=percentile(ms["duplicate_check"], 0.95),
            urn_p50_ms=median(ms["urn_issue"]),
            urn_p95_ms=percentile(ms["urn_issue"], 0.95),
            waiting_ms=median(ms["waiting"]),
            digest_ms=median(ms["digest"]),
            status_ms=median(ms["status"]),
        )
        print(f"  measured in process (load {load_average()}):")
        print(
            f"    duplicate check (build_view):  p50 {found['duplicate_p50_ms']:8.1f} ms"
            f"  p95 {found['duplicate_p95_ms']:8.1f} ms   (target <= 20 ms)"
        )
        print(
            f"    issuing a URN (txn):           p50 {found['urn_p50_ms']:8.1f} ms"
            f"  p95 {found['urn_p95_ms']:8.1f} ms   (target <= 5 ms)"
        )
        print(f"    messages waiting query:        p50 {found['waiting_ms']:8.1f} ms")
        print(f"    digest (preview):              p50 {found['digest_ms']:8.1f} ms   (target <= 1000 ms)")
        print(f"    status figures (health):       p50 {found['status_ms']:8.1f} ms   (target <= 300 ms)")
        config = _config_file(url, folder)
        found["status_cold_ms"] = 1000 * median([command(config, ["status"])[0] for _ in range(3)])
        print(
            f"    mailbot status, cold command:  p50 {found['status_cold_ms']:8.0f} ms   (load {load_average()})"
        )
        if not export:
            return found
        for fmt in ("csv", "json"):
            output = folder / f"export.{fmt}"
            wall, peak, code = command(config, ["register", "export", "--format", fmt], output)
            size = output.stat().st_size / 2**20 if output.exists() else 0
            found[f"export_{fmt}_s"], found[f"export_{fmt}_mib"] = wall, peak
            verdict = (
                ""
                if code == 0
                else f"  STOPPED (exit {code}: over {EXPORT_TIMEOUT:.0f} s or {EXPORT_MEMORY_CAP_MIB} MiB)"
            )
            print(
                f"    export --format {fmt:4s}: {wall:7.1f} s, peak {peak:7.0f} MiB PSS, {size:.0f} MiB written"
                f"{verdict}   (target <= 60 s, <= 200 MiB; load {load_average()})"
            )
            output.unlink(missing_ok=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    measure(args.url, export=not args.skip_export)


if __name__ == "__main__":
    main()
