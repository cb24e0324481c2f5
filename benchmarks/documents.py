"""Document reader benchmark: our reader+extractor against the bare parsing libraries, per format.

For .docx, text PDFs and scanned PDFs from the test corpus (tests/fixtures/documents) it prints
documents per second and peak worker memory for

- **full**: ``DocumentPool`` (reader + extractor in worker processes, both cores busy), and
- **bare**: the libraries alone in the same number of processes: python-docx ``Document(f)`` plus every
  paragraph and table-cell text; pdfplumber ``open`` plus ``extract_text()`` per page; for scans also
  the page rendered at 300 dpi and Tesseract (what any OCR of the page must pay),

then the share of our time that is the library's own parsing (bare time / full time) and our
throughput as a percentage of the bare libraries' (the same ratio, seen from the other side).
Medians over ``--runs`` runs; each run feeds every file ``--repeat`` times. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.domain.content import DocumentLimits, InputFile  # noqa: E402
from mailbot.domain.urn import UrnScheme  # noqa: E402
from mailbot.service.reader_pool import DocumentPool  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "documents"
CONTENT_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}


def corpus_groups() -> dict[str, list[Path]]:
    """Readable corpus files by format: the generator's ground truth says which have no problems."""
    groups: dict[str, list[Path]] = {"docx": [], "text pdf": [], "scanned pdf": []}
    for path in sorted(CORPUS.glob("*")):
        expected_path = path.parent / f"{path.name}.expected.json"
        if path.suffix not in CONTENT_TYPES or not expected_path.exists():
            continue
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        if isinstance(expected, list) or expected["problems"]:
            continue
        if path.suffix == ".docx":
            groups["docx"].append(path)
        elif path.name.startswith("scanned-"):
            groups["scanned pdf"].append(path)
        else:
            groups["text pdf"].append(path)
    return groups


# --------------------------------------------------------------------------------------------------
# Peak memory of worker processes: VmHWM of every live descendant (pool workers are grandchildren
# through the forkserver, so getrusage(RUSAGE_CHILDREN) would not see them).
# --------------------------------------------------------------------------------------------------


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found.extend(children)
        frontier.extend(children)
    return found


def peak_worker_mib() -> float:
    """The largest peak resident set (VmHWM) among this process's live descendants, in MiB."""
    peak = 0
    for pid in _descendants(os.getpid()):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


# --------------------------------------------------------------------------------------------------
# Bare libraries
# --------------------------------------------------------------------------------------------------


def bare_docx(payload: bytes) -> int:
    from docx import Document

    document = Document(io.BytesIO(payload))
    chars = sum(len(p.text) for p in document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                chars += len(cell.text)
    return chars


def bare_pdf(payload: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(payload)) as pdf:
        return sum(len(page.extract_text() or "") for page in pdf.pages)


def bare_scanned_pdf(payload: bytes) -> int:
    import pdfplumber
    import pytesseract

    chars = 0
    with pdfplumber.open(io.BytesIO(payload)) as pdf:
        for page in pdf.pages:
            chars += len(page.extract_text() or "")
            image = page.to_image(resolution=300).original
            chars += len(pytesseract.image_to_string(image, lang="eng"))
    return chars


BARE: dict[str, Callable[[bytes], int]] = {
    "docx": bare_docx,
    "text pdf": bare_pdf,
    "scanned pdf": bare_scanned_pdf,
}


def _bare_job(job: tuple[str, bytes]) -> int:
    group, payload = job
    return BARE[group](payload)


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------


@dataclass
class Measure:
    seconds: float
    documents: int
    peak_mib: float

    @property
    def rate(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def run_full(group: str, files: list[Path], repeat: int, runs: int, workers: int) -> Measure:
    inputs = [InputFile(p.name, CONTENT_TYPES[p.suffix], p.read_bytes()) for p in files] * repeat
    limits = DocumentLimits(workers=workers, timeout_seconds=120.0)
    times: list[float] = []
    with DocumentPool(limits, None, UrnScheme()) as pool:
        pool.read(inputs[: workers * 2])  # warm-up: workers started, libraries imported
        for _ in range(runs):
            start = time.perf_counter()
            facts = pool.read(inputs)
            times.append(time.perf_counter() - start)
            failed = [f.file for f in facts if not f.readable]
            if failed:
                raise SystemExit(f"{group}: the reader failed on {failed[:3]}")
        peak = peak_worker_mib()
    return Measure(statistics.median(times), len(inputs), peak)


def run_bare(group: str, files: list[Path], repeat: int, runs: int, workers: int) -> Measure:
    jobs = [(group, p.read_bytes()) for p in files] * repeat
    times: list[float] = []
    context = multiprocessing.get_context("forkserver")
    with context.Pool(workers) as pool:
        pool.map(_bare_job, jobs[: workers * 2], chunksize=1)  # warm-up
        for _ in range(runs):
            start = time.perf_counter()
            pool.map(_bare_job, jobs, chunksize=1)
            times.append(time.perf_counter() - start)
        peak = peak_worker_mib()
    return Measure(statistics.median(times), len(jobs), peak)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median reported)")
    parser.add_argument("--repeat", type=int, default=4, help="times each file is fed per run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--only", choices=sorted(BARE), action="append", help="measure only these groups")
    args = parser.parse_args(argv)

    groups = corpus_groups()
    print(
        f"corpus: {CORPUS.relative_to(ROOT)}; workers: {args.workers}; runs: {args.runs} (median); "
        f"each file fed {args.repeat}x per run"
    )
    header = (
        f"{'format':12} {'files':>5} {'full doc/s':>10} {'full MiB':>9} {'bare doc/s':>10} "
        f"{'bare MiB':>9} {'library share':>13} {'ours vs bare':>12}"
    )
    print(header)
    print("-" * len(header))
    for group, files in groups.items():
        if args.only and group not in args.only:
            continue
        if not files:
            print(f"{group:12} no files (regenerate with tests/fixtures/make_documents.py)")
            continue
        repeat = max(1, args.repeat // 2) if group == "scanned pdf" else args.repeat
        full = run_full(group, files, repeat, args.runs, args.workers)
        bare = run_bare(group, files, repeat, args.runs, args.workers)
        share = bare.seconds / full.seconds if full.seconds else 0.0
        print(
            f"{group:12} {len(files):5d} {full.rate:10.1f} {full.peak_mib:9.0f} {bare.rate:10.1f} "
            f"{bare.peak_mib:9.0f} {share:13.0%} {full.rate / bare.rate:12.0%}"
        )
    print(
        "library share = bare-library time / our time for the same files; "
        "ours vs bare = our documents per second as a share of the bare libraries'."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
