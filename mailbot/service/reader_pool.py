"""Open messages and read their documents in worker processes under a time limit, so one bad file
cannot stall mail.

A document is read *and* its facts extracted inside the worker, so only the small ``DocumentFacts``
cross back over the process boundary (never the parsed layout). A message is opened (parsed, its
attachments stored) in a worker too (``read_message``), and each of its files is then read by a
worker on its own: the main process never holds attachment bytes. A worker that overruns the
per-document limit is killed and replaced (``timeout`` problem); one that dies (a library crash,
the kernel's OOM killer, the address-space cap we set) is replaced too (``corrupt`` problem).

Workers start from a ``forkserver`` that has already imported the readers: the service runs threads
(scheduler, pool manager), and forking a threaded process can copy a held lock into the child.
``start`` starts them at once (the daemon does, so the first message does not wait for them).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import resource
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from pebble import ProcessExpired, ProcessPool

from mailbot.domain.content import DocumentLimits, InputFile
from mailbot.domain.facts import DocumentFacts, Problem
from mailbot.domain.urn import UrnScheme
from mailbot.errors import DocumentWorkerError
from mailbot.extract import FieldVocabulary, load_vocabulary
from mailbot.register.storage import Storage
from mailbot.service.message_reading import (
    OpenedMessage,
    OpeningRules,
    ReadMessage,
    StoredFile,
    open_stored,
    read_and_extract,
    read_stored,
)

__all__ = ["DocumentPool", "read_and_extract"]

logger = logging.getLogger(__name__)

#: Address-space cap per worker. Generous: Tesseract and pdfium map a lot more than they touch.
DEFAULT_MEMORY_LIMIT = 3 * 1024 * 1024 * 1024
#: How long ``close`` waits for workers to exit.
_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class _WorkerSetup:
    limits: DocumentLimits
    vocabulary_path: Path | None
    urn_scheme: UrnScheme
    memory_limit: int | None
    storage_root: Path | None
    opening: OpeningRules
    #: learned forms (``mailbot forms learn``), loaded with the vocabulary in every worker.
    forms_dir: Path | None = None


# Per-worker state, set once by ``_start_worker`` (module globals are the only way into a worker).
_worker_setup: _WorkerSetup | None = None
_worker_vocabulary: FieldVocabulary | None = None
_worker_storage: Storage | None = None


def _start_worker(setup: _WorkerSetup) -> None:
    global _worker_setup, _worker_vocabulary, _worker_storage
    _worker_setup = setup
    _worker_vocabulary = load_vocabulary(setup.vocabulary_path, setup.forms_dir)
    _worker_storage = Storage(setup.storage_root) if setup.storage_root is not None else None
    if setup.memory_limit:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = setup.memory_limit if hard == resource.RLIM_INFINITY else min(setup.memory_limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _state() -> tuple[_WorkerSetup, FieldVocabulary]:
    if _worker_setup is None or _worker_vocabulary is None:  # pragma: no cover - the initializer runs first
        raise DocumentWorkerError("worker started without its set-up")
    return _worker_setup, _worker_vocabulary


def _storage() -> Storage:
    if _worker_storage is None:
        raise DocumentWorkerError("this pool was built without a storage folder: it cannot open messages")
    return _worker_storage


def _warm() -> int:
    """Nothing but the round trip: scheduling one per worker makes the pool start its workers."""
    _state()
    return os.getpid()


def _work(file: InputFile) -> list[DocumentFacts]:
    setup, vocabulary = _state()
    return read_and_extract(file, setup.limits, vocabulary, setup.urn_scheme)


def _work_stored(file: StoredFile) -> list[DocumentFacts]:
    setup, vocabulary = _state()
    return read_stored(file, _storage(), setup.limits, vocabulary, setup.urn_scheme)


def _open(raw_path: str) -> OpenedMessage:
    setup, vocabulary = _state()
    storage = _storage()
    return open_stored(storage, raw_path, setup.opening, vocabulary)


class DocumentPool:
    """A pool of worker processes reading attachments; ``read`` keeps the order of the files given.

    ``workers`` is ``limits.workers`` or one per CPU core. ``memory_limit`` caps each worker's address
    space (``RLIMIT_AS``); None leaves it uncapped. ``storage_root`` (the storage folder) lets the
    workers open stored messages (``read_message``). Use as a context manager or call ``close()``.
    """

    def __init__(
        self,
        limits: DocumentLimits,
        vocabulary_path: Path | None,
        urn_scheme: UrnScheme,
        *,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
        storage_root: Path | None = None,
        opening: OpeningRules | None = None,
        forms_dir: Path | None = None,
    ) -> None:
        self._limits = limits
        self.workers = limits.workers or os.cpu_count() or 1
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mailbot.service.reader_pool"])
        setup = _WorkerSetup(
            limits,
            vocabulary_path,
            urn_scheme,
            memory_limit,
            storage_root,
            opening or OpeningRules(urn_scheme=urn_scheme),
            forms_dir,
        )
        self._pool = ProcessPool(
            max_workers=self.workers, initializer=_start_worker, initargs=(setup,), context=context
        )

    def start(self) -> list[Future[int]]:
        """Start every worker now (the forkserver, its imports, each worker's vocabulary) without
        waiting; returns futures that finish when the workers answer."""
        return [self._pool.schedule(_warm) for _ in range(self.workers)]

    def read(self, files: Sequence[InputFile]) -> list[DocumentFacts]:
        """Read and extract every file in parallel; one file may give several facts (containers)."""
        futures = [
            self._pool.schedule(_work, args=(file,), timeout=self._limits.timeout_seconds) for file in files
        ]
        results: list[DocumentFacts] = []
        for file, future in zip(files, futures, strict=True):
            results.extend(self._collect(file.filename, lambda f=file: _sha(f.payload), future))
        return results

    def read_message(self, raw_path: str) -> Future[ReadMessage]:
        """Open the stored message at ``raw_path`` and read each of its files, all in the workers.

        Returns at once. The future's result is the ``ReadMessage``; it raises
        ``DocumentWorkerError`` when the message itself could not be opened (a worker that timed out
        or died on the MIME structure, or a parser bug). A file's failure is that file's problem.
        """
        outer: Future[ReadMessage] = Future()
        opening = self._pool.schedule(_open, args=(raw_path,), timeout=self._limits.timeout_seconds)
        opening.add_done_callback(lambda done: self._opened(done, outer))
        return outer

    def _opened(self, done: Any, outer: Future[ReadMessage]) -> None:
        try:
            opened: OpenedMessage = done.result()
        except BaseException as error:  # the message could not even be opened: the caller records it
            outer.set_exception(_worker_error(error))
            return
        if not opened.files:
            outer.set_result(ReadMessage(opened, ()))
            return
        reads = [
            self._pool.schedule(_work_stored, args=(file,), timeout=self._limits.timeout_seconds)
            for file in opened.files
        ]
        left = [len(reads)]
        lock = threading.Lock()

        def one_read(_future: Any) -> None:
            with lock:
                left[0] -= 1
                if left[0]:
                    return
            documents: list[DocumentFacts] = []
            for file, future in zip(opened.files, reads, strict=True):
                documents.extend(self._collect(file.filename, lambda f=file: f.sha256, future))
            outer.set_result(ReadMessage(opened, tuple(documents)))

        for future in reads:
            future.add_done_callback(one_read)

    def _collect(self, filename: str, sha: Any, future: Any) -> list[DocumentFacts]:
        name = filename or "attachment"
        try:
            facts: list[DocumentFacts] = future.result()
            return facts
        except FutureTimeoutError:
            logger.warning(
                "reading an attachment took over %s s; its worker was replaced", self._limits.timeout_seconds
            )
            return [_failed(name, sha(), Problem("timeout", f"{name} took too long to read"))]
        except ProcessExpired as expired:
            logger.warning("a document worker died (exit code %s) and was replaced", expired.exitcode)
            problem = Problem("corrupt", f"{name} could not be read: it stopped the reader")
            return [_failed(name, sha(), problem)]
        except Exception as error:  # an extractor bug must not lose the rest of the message's files
            logger.error("reading an attachment failed unexpectedly: %s", type(error).__name__)
            return [_failed(name, sha(), Problem("corrupt", f"{name} could not be read"))]

    def close(self) -> None:
        """Stop the workers (a running task is abandoned) and wait for them to exit."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join(timeout=_GRACE_SECONDS)

    def __enter__(self) -> DocumentPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _sha(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def _worker_error(error: BaseException) -> DocumentWorkerError:
    if isinstance(error, FutureTimeoutError):
        return DocumentWorkerError("opening the message took too long; its worker was replaced")
    if isinstance(error, ProcessExpired):
        return DocumentWorkerError(f"the worker opening the message died (exit code {error.exitcode})")
    return DocumentWorkerError(f"the message could not be opened ({type(error).__name__})")


def _failed(filename: str, sha256: str, problem: Problem) -> DocumentFacts:
    return DocumentFacts(file=filename, problems=(problem,), sha256=sha256)
