"""Read and extract attachments in worker processes under a time limit, so one bad file cannot stall mail.

A document is read *and* its facts extracted inside the worker, so only the small ``DocumentFacts``
cross back over the process boundary (never the parsed layout). A worker that overruns the
per-document limit is killed and replaced (``timeout`` problem); one that dies (a library crash, the
kernel's OOM killer, the address-space cap we set) is replaced too (``corrupt`` problem).

Workers start from a ``forkserver`` that has already imported the readers: the service runs threads
(scheduler, pool manager), and forking a threaded process can copy a held lock into the child.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import multiprocessing
import os
import resource
from collections.abc import Sequence
from concurrent.futures import TimeoutError as FutureTimeoutError
from pathlib import Path
from types import TracebackType
from typing import Any

from pebble import ProcessExpired, ProcessPool

from mailbot.documents.dispatch import read_file
from mailbot.domain.content import DocumentLimits, InputFile
from mailbot.domain.facts import DocumentFacts, Problem
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts, load_vocabulary

logger = logging.getLogger(__name__)

#: Address-space cap per worker. Generous: Tesseract and pdfium map a lot more than they touch.
DEFAULT_MEMORY_LIMIT = 3 * 1024 * 1024 * 1024
#: How long ``close`` waits for workers to exit.
_GRACE_SECONDS = 5.0

# Per-worker state, set once by ``_start_worker`` (module globals are the only way into a worker).
_worker_limits = DocumentLimits()
_worker_vocabulary: FieldVocabulary | None = None
_worker_scheme = UrnScheme()


def read_and_extract(
    file: InputFile, limits: DocumentLimits, vocabulary: FieldVocabulary, urn_scheme: UrnScheme
) -> list[DocumentFacts]:
    """Read ``file`` (containers expand) and extract facts from each document, in this process.

    Used by the pool's workers and by ``mailbot read-document``; never raises for a bad document.
    """
    facts: list[DocumentFacts] = []
    for content in read_file(file, limits):
        found = extract_facts(content, vocabulary, urn_scheme)
        if found.sha256 is None and content.sha256 is not None:
            found = dataclasses.replace(found, sha256=content.sha256)
        facts.append(found)
    return facts


def _start_worker(
    limits: DocumentLimits,
    vocabulary_path: Path | None,
    urn_scheme: UrnScheme,
    memory_limit: int | None,
    forms_dir: Path | None = None,
) -> None:
    global _worker_limits, _worker_vocabulary, _worker_scheme
    _worker_limits = limits
    _worker_vocabulary = load_vocabulary(vocabulary_path, forms_dir)
    _worker_scheme = urn_scheme
    if memory_limit:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _work(file: InputFile) -> list[DocumentFacts]:
    if _worker_vocabulary is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker started without its vocabulary")
    return read_and_extract(file, _worker_limits, _worker_vocabulary, _worker_scheme)


class DocumentPool:
    """A pool of worker processes reading attachments; ``read`` keeps the order of the files given.

    ``workers`` is ``limits.workers`` or one per CPU core. ``memory_limit`` caps each worker's address
    space (``RLIMIT_AS``); None leaves it uncapped. Use as a context manager or call ``close()``.
    """

    def __init__(
        self,
        limits: DocumentLimits,
        vocabulary_path: Path | None,
        urn_scheme: UrnScheme,
        *,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
        forms_dir: Path | None = None,
    ) -> None:
        self._limits = limits
        workers = limits.workers or os.cpu_count() or 1
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mailbot.service.reader_pool"])
        self._pool = ProcessPool(
            max_workers=workers,
            initializer=_start_worker,
            initargs=(limits, vocabulary_path, urn_scheme, memory_limit, forms_dir),
            context=context,
        )

    def read(self, files: Sequence[InputFile]) -> list[DocumentFacts]:
        """Read and extract every file in parallel; one file may give several facts (containers)."""
        futures = [
            self._pool.schedule(_work, args=(file,), timeout=self._limits.timeout_seconds) for file in files
        ]
        results: list[DocumentFacts] = []
        for file, future in zip(files, futures, strict=True):
            results.extend(self._collect(file, future))
        return results

    def _collect(self, file: InputFile, future: Any) -> list[DocumentFacts]:
        name = file.filename or "attachment"
        try:
            facts: list[DocumentFacts] = future.result()
            return facts
        except FutureTimeoutError:
            logger.warning(
                "reading an attachment took over %s s; its worker was replaced", self._limits.timeout_seconds
            )
            return [_failed(file, Problem("timeout", f"{name} took too long to read"))]
        except ProcessExpired as expired:
            logger.warning("a document worker died (exit code %s) and was replaced", expired.exitcode)
            return [_failed(file, Problem("corrupt", f"{name} could not be read: it stopped the reader"))]
        except Exception as error:  # an extractor bug must not lose the rest of the message's files
            logger.error("reading an attachment failed unexpectedly: %s", type(error).__name__)
            return [_failed(file, Problem("corrupt", f"{name} could not be read"))]

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


def _failed(file: InputFile, problem: Problem) -> DocumentFacts:
    return DocumentFacts(
        file=file.filename or "attachment",
        problems=(problem,),
        sha256=hashlib.sha256(file.payload).hexdigest(),
    )
