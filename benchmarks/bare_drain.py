"""The bare reference for draining a mailbox: the least any program must do for the same backlog.

IMAP fetch (BODY.PEEK[] in batches of 50), MIME parse (the stdlib's ``email`` package), every .docx
through python-docx (paragraphs and table cells) and every PDF through pdfplumber (``extract_text``
per page) in ``--workers`` forkserver processes, and a UID MOVE of each batch once its documents are
read. Pipelined as any sensible program would be: the next batch is fetched while the workers read.
No register, no decisions, no replies. Run by ``drain.py`` through ``rusage_run.py``:

    python benchmarks/bare_drain.py --host 127.0.0.1 --port 1430 --user bare@... --password ...
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor, wait
from email import message_from_bytes, policy

BATCH = 50


def _warm() -> None:
    import docx  # noqa: F401
    import pdfplumber  # noqa: F401


def read_docx(payload: bytes) -> int:
    from docx import Document

    document = Document(io.BytesIO(payload))
    text = [p.text for p in document.paragraphs]
    text += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return len(text)


def read_pdf(payload: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(payload)) as pdf:
        return sum(len(page.extract_text() or "") for page in pdf.pages)


def _submit(pool: ProcessPoolExecutor, raw: bytes) -> list[Future[int]]:
    message = message_from_bytes(raw, policy=policy.default)
    futures = []
    for part in message.iter_attachments():  # type: ignore[attr-defined]
        name = (part.get_filename() or "").lower()
        payload = part.get_content()
        if name.endswith(".docx"):
            futures.append(pool.submit(read_docx, payload))
        elif name.endswith(".pdf"):
            futures.append(pool.submit(read_pdf, payload))
    return futures


def main() -> None:
    from imapclient import IMAPClient

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["docx", "pdfplumber"])
    imap = IMAPClient(args.host, args.port, use_uid=True, ssl=False)
    imap.login(args.user, args.password)
    if not imap.folder_exists("Processed"):
        imap.create_folder("Processed")
    imap.select_folder("INBOX")
    uids = sorted(imap.search("ALL"))
    moved = 0
    with ProcessPoolExecutor(args.workers, mp_context=context, initializer=_warm) as pool:
        pending: list[tuple[list[int], list[Future[int]]]] = []
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            fetched = imap.fetch(batch, ["BODY.PEEK[]"])
            futures = [f for uid in batch for f in _submit(pool, fetched[uid][b"BODY[]"])]
            pending.append((batch, futures))
            while pending and all(f.done() for f in pending[0][1]):
                done, _ = pending.pop(0)
                imap.move(done, "Processed")
                moved += len(done)
        for batch, futures in pending:
            wait(futures)
            for future in futures:
                future.result()
            imap.move(batch, "Processed")
            moved += len(batch)
    imap.logout()
    print(moved)


if __name__ == "__main__":
    main()
