"""Issue 13 in one run: every speed and scale figure with its reference, its target and the load.

    uv run python benchmarks/large_register.py sqlite:////tmp/register-1m.sqlite3     # once (~15 min)
    uv run python benchmarks/speed.py --register sqlite:////tmp/register-1m.sqlite3 \\
        [--postgres postgresql+psycopg://postgres@127.0.0.1/register_1m] [--runs 3] [--messages 300]

In order: cold start (``startup.py``); the backlog drain against the bare reference, same messages,
same run (``drain.py``), with peak PSS of main and workers, and the run with a 60 MB attachment;
IDLE latency with the Dovecot floor shown apart (``idle.py``), on a fresh register and on a copy of
the large one; the large register's figures (``scale.py``) on SQLite and, if given, PostgreSQL. Then
one table. The machine is shared: every section prints the load average it ran under.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import drain
import idle
import scale
import startup
from harness import PYTHON, load_average, mail_world

#: (figure, key, unit, target as text, True when smaller is better)
ROWS = (
    ("drain, share of the bare reference", "drain.share_percent", "%", ">= 90", False),
    ("drain, mailbot", "drain.mailbot_msg_s", "msg/s", "", False),
    ("drain, bare reference", "drain.bare_msg_s", "msg/s", "", False),
    ("main-process CPU a message (steady)", "drain.main_cpu_steady_ms", "ms", "<= 6", True),
    ("main-process CPU a message (with start-up)", "drain.main_cpu_ms", "ms", "", True),
    ("peak PSS, normal drain, main + workers", "drain.mailbot_group_mib", "MiB", "", True),
    ("peak PSS with a 60 MB attachment", "big.group_mib", "MiB", "<= 300", True),
    ("IDLE mailbot's own part p95", "idle.own_p95_ms", "ms", "<= 50", True),
    ("IDLE first request after start (own part)", "idle.first_own_ms", "ms", "<= 50", True),
    ("IDLE end to end p95 (Dovecot floor apart)", "idle.total_p95_ms", "ms", "", True),
    ("IDLE Dovecot floor p95", "idle.floor_p95_ms", "ms", "", True),
    ("IDLE end to end p95 at 1M cases", "idle1m.total_p95_ms", "ms", "<= 700", True),
    ("IDLE own part p95 at 1M cases", "idle1m.own_p95_ms", "ms", "<= 50", True),
    ("1M: duplicate check p50", "sqlite.duplicate_p50_ms", "ms", "<= 20", True),
    ("1M: issuing a URN p50", "sqlite.urn_p50_ms", "ms", "<= 5", True),
    ("1M: digest", "sqlite.digest_ms", "ms", "<= 1000", True),
    ("1M: status figures", "sqlite.status_ms", "ms", "<= 300", True),
    ("1M: mailbot status, cold", "sqlite.status_cold_ms", "ms", "<= 300", True),
    ("1M: export JSON", "sqlite.export_json_s", "s", "<= 60", True),
    ("1M: export JSON peak memory", "sqlite.export_json_mib", "MiB", "<= 200", True),
    ("1M: export CSV", "sqlite.export_csv_s", "s", "<= 60", True),
    ("1M PostgreSQL: duplicate check p50", "postgres.duplicate_p50_ms", "ms", "<= 20", True),
    ("1M PostgreSQL: issuing a URN p50", "postgres.urn_p50_ms", "ms", "<= 5", True),
    ("1M PostgreSQL: digest", "postgres.digest_ms", "ms", "<= 1000", True),
    ("1M PostgreSQL: status figures", "postgres.status_ms", "ms", "<= 300", True),
    ("1M PostgreSQL: export JSON", "postgres.export_json_s", "s", "<= 60", True),
    ("1M PostgreSQL: export JSON peak memory", "postgres.export_json_mib", "MiB", "<= 200", True),
    ("mailbot status cold, bytecode", "start.status_ms", "ms", "<= 300", True),
    ("mailbot status cold, no bytecode", "start.status_uncompiled_ms", "ms", "", True),
    ("mailbot --help cold, bytecode", "start.help_ms", "ms", "", True),
)


def _table(figures: dict[str, float], loads: dict[str, str]) -> None:
    print("\n| figure | value | target | load during it |\n|---|---|---|---|")
    for label, key, unit, target, _smaller in ROWS:
        if key in figures:
            section = key.split(".")[0]
            value = figures[key]
            shown = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            print(f"| {label} | {shown} {unit} | {target} | {loads.get(section, '')} |")


def _copy_sqlite(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--register", help="SQLAlchemy URL of a SQLite register made by large_register.py")
    parser.add_argument(
        "--postgres", help="SQLAlchemy URL of a PostgreSQL register made by large_register.py"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    figures: dict[str, float] = {}
    loads: dict[str, str] = {}

    def keep(section: str, found: dict[str, float]) -> None:
        figures.update({f"{section}.{key}": value for key, value in found.items()})
        loads[section] = load_average()

    print(f"python: {PYTHON}; load at the start: {load_average()}")
    keep("start", startup.measure_startup(5))
    raws = drain.backlog(args.messages)
    with mail_world() as world:
        idle_cpu = drain.startup_cpu(world, 2).cpu
        keep("drain", drain.report(drain.drain_runs(world, raws, args.runs, 2), idle_cpu))
        big = drain.big_attachment(world, 2)
        keep("big", {"group_mib": big.memory.group_kib / 1024, "main_mib": big.memory.main_kib / 1024})
        found = idle.measure(world, args.requests, None)
        idle.print_figures(found, f"{args.requests} requests, fresh register", load_average())
        keep("idle", found)
        sqlite_file = _copy_sqlite(args.register) if args.register else None
        if sqlite_file is not None:
            found = idle.measure(world, args.requests, sqlite_file)
            idle.print_figures(
                found, f"{args.requests} requests, register {sqlite_file.name}", load_average()
            )
            keep("idle1m", found)
    if args.register:
        keep("sqlite", scale.measure(args.register))
    if args.postgres:
        keep("postgres", scale.measure(args.postgres))
    _table(figures, loads)


if __name__ == "__main__":
    main()
