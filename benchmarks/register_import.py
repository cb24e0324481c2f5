"""Register import benchmark: how long ``mailbot register import`` takes for a council-sized file.

Writes a CSV of N rows (one child a row; about one case in five is a family of two or three children;
legacy digits-only URNs under the council's own headings), then times, on SQLite and/or PostgreSQL:
the first import into an empty register, the same file again (nothing changes), and the streaming
council-csv export. Not a timed test: it prints figures.

    uv run python benchmarks/register_import.py --rows 100000
    uv run python benchmarks/register_import.py --rows 100000 --postgresql postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from mailbot.domain.urn import LegacyUrnFormat, UrnScheme  # noqa: E402
from mailbot.register.council_export import write_council_csv  # noqa: E402
from mailbot.register.database import Register  # noqa: E402
from mailbot.register.importing import ImportOptions, import_register  # noqa: E402

COLUMNS = {
    "urn": "CAF URN",
    "child_name": "Child Name",
    "date_of_birth": "DOB",
    "lcs_id": "LCS ID",
    "postcode": "Postcode",
    "lead_professional": "Lead Professional",
    "lead_professional_agency": "LP Agency",
    "status": "Status",
}
FIRST = ["Maisie", "Theo", "Aria", "Jayden", "Ruby", "Oscar", "Isla", "Noah", "Amelia", "Leo", "Tom", "Evie"]
LAST = ["Example", "Sample", "Test", "Specimen", "Model", "Pattern", "Instance", "Dummy", "Mock", "Proto"]
AGENCIES = [
    "Preston Primary School",
    "School Nursing",
    "Preston North WPEHS",
    "Barnardo's",
    "Health Visiting",
]
SCHEME = UrnScheme(prefix="LAN", width=6, legacy=(LegacyUrnFormat(r"\d{6}"),))


def write_file(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(COLUMNS.values()))
        number, written = 100000, 0
        while written < rows:
            number += 1
            surname = rng.choice(LAST)
            lead = (
                (rng.choice(FIRST) + " " + rng.choice(LAST), rng.choice(AGENCIES))
                if rng.random() < 0.7
                else ("", "")
            )
            status = "Open" if rng.random() < 0.8 else "Closed"
            for _ in range(1 if rng.random() < 0.8 else rng.choice((2, 3))):
                born = date(2006, 1, 1) + timedelta(days=rng.randrange(6500))
                writer.writerow(
                    [
                        f"{number:06d}",
                        f"{rng.choice(FIRST)} {surname}",
                        born.strftime("%d/%m/%Y"),
                        f"LCS{rng.randrange(10**7):07d}",
                        f"PR{rng.randrange(1, 9)} {rng.randrange(1, 9)}AB",
                        *lead,
                        status,
                    ]
                )
                written += 1
                if written == rows:
                    break


def run(url: str, path: Path) -> None:
    register = Register(url)
    options = ImportOptions(SCHEME, COLUMNS, {"PR": "Preston"}, datetime.now(UTC))
    try:
        for label in ("first import", "same file again"):
            started = time.perf_counter()
            report = import_register(register, path, options)
            took = time.perf_counter() - started
            print(
                f"  {label:<16} {took:6.1f} s  rows {report.rows}  created {report.created}  "
                f"merged {report.merged}  unchanged {report.unchanged}  errors {len(report.errors)}"
            )
        started = time.perf_counter()
        with register.transaction() as session:
            rows = write_council_csv(session, io.StringIO(), COLUMNS)
        print(f"  {'export':<16} {time.perf_counter() - started:6.1f} s  rows {rows}")
    finally:
        register.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgresql", metavar="LIBPQ_URL", help="also run on a fresh PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "register.csv"
        write_file(path, args.rows)
        print(f"{args.rows} rows, {path.stat().st_size / 2**20:.1f} MiB")
        if not args.no_sqlite:
            print("SQLite (WAL):")
            run(f"sqlite:///{directory}/register.sqlite3", path)
        if args.postgresql:
            from support import databases

            url = databases.create_database(args.postgresql)
            print("PostgreSQL:")
            try:
                run(url, path)
            finally:
                databases.drop_database(args.postgresql, url)


if __name__ == "__main__":
    main()
