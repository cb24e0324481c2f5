"""What a document worker does with one stored message before any decision: open it and read its files.

Opening a message — MIME parsing, automatic-mail detection, storing each attachment, reading the
facts of the body — happens in a worker process, not in the main one: the main process then never
holds a message's attachments, and its CPU goes to the register and the mail servers while both
cores read. The worker hands back an ``OpenedMessage`` (the parsed message without attachment
bytes, and where each attachment is stored); each stored file is then read by a worker on its own
under the per-document time limit (``read_stored``), so a hostile file costs one worker and one
file, never the message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from mailbot.documents.dispatch import read_file, too_large
from mailbot.documents.docx import slim_package
from mailbot.domain.content import DocumentLimits, InputFile
from mailbot.domain.facts import DocumentFacts
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts, extract_message_facts
from mailbot.mail.attachments import sort_attachments
from mailbot.mail.automatic import classify_automatic
from mailbot.mail.message import AutomaticMail, ParsedMessage
from mailbot.mail.parse import parse_message
from mailbot.mail.quoting import new_text
from mailbot.mail.spill import skeleton_of, spilled_token
from mailbot.register.storage import Storage, StoredWriter


@dataclass(frozen=True)
class StoredFile:
    """An attachment kept in the storage folder, to be read by a worker; its bytes stay on disk.

    ``path`` is relative to the storage root and content-addressed, so its last part is the sha256.
    """

    filename: str
    content_type: str
    path: str
    size: int
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return PurePosixPath(self.path).name


@dataclass(frozen=True)
class OpeningRules:
    """What opening a message needs from config: who we are (automatic mail) and the URN scheme."""

    own_addresses: tuple[str, ...] = ()
    message_id_domain: str = ""
    urn_scheme: UrnScheme = field(default_factory=UrnScheme)


@dataclass(frozen=True)
class OpenedMessage:
    """A stored message, parsed: everything a decision needs except the facts of its documents.

    ``parsed`` carries no attachment bytes (``attachments`` is empty); ``files`` are the documents to
    read, ``known`` the facts already known without reading (an encrypted email), ``written`` the
    sender's own new text (quoted history removed) and ``body`` the facts read from it.
    """

    parsed: ParsedMessage
    automatic: AutomaticMail | None
    files: tuple[StoredFile, ...]
    known: tuple[DocumentFacts, ...]
    written: str
    body: DocumentFacts


@dataclass(frozen=True)
class ReadMessage:
    """An opened message with the facts of every document it carried, in attachment order."""

    opened: OpenedMessage
    documents: tuple[DocumentFacts, ...]


#: A stored message bigger than this is taken apart in a stream before it is parsed
#: (``mailbot.mail.spill``); its base64 parts over ``SPILL_PART_BYTES`` go straight to storage.
BIG_MESSAGE_BYTES = 8 * 1024 * 1024
SPILL_PART_BYTES = 1024 * 1024


class _StorageSpill:
    """A ``Spill`` into the storage folder: each large part becomes a stored document file."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.files: dict[str, tuple[str, int]] = {}
        self._open: tuple[str, ExitStack, StoredWriter] | None = None

    def begin(self) -> str:
        token = str(len(self.files) + 1)
        stack = ExitStack()
        self._open = (token, stack, stack.enter_context(self.storage.writer("documents", durable=False)))
        return token

    def write(self, decoded: bytes) -> None:
        if self._open is not None:
            self._open[2].write(decoded)

    def end(self) -> None:
        if self._open is not None:
            token, stack, writer = self._open
            stack.close()
            self.files[token] = (writer.result[1], writer.size)
            self._open = None


def open_stored(
    storage: Storage,
    raw_path: str,
    rules: OpeningRules,
    vocabulary: FieldVocabulary,
    *,
    big: int = BIG_MESSAGE_BYTES,
    part: int = SPILL_PART_BYTES,
) -> OpenedMessage:
    """``open_message`` for the stored message at ``raw_path``; one over ``big`` bytes is never read
    whole (its base64 parts over ``part`` encoded bytes are streamed to storage)."""
    if storage.size(raw_path) <= big:
        return open_message(storage.get(raw_path), storage, rules, vocabulary)
    spill = _StorageSpill(storage)
    with storage.open(raw_path) as source:
        skeleton = skeleton_of(source, part, spill)
    return open_message(skeleton, storage, rules, vocabulary, spill.files)


def open_message(
    raw: bytes,
    storage: Storage,
    rules: OpeningRules,
    vocabulary: FieldVocabulary,
    spilled: Mapping[str, tuple[str, int]] | None = None,
) -> OpenedMessage:
    """Parse ``raw``, store its attachments (not fsynced: the raw message is the durable copy) and
    read the facts of its body. An auto-reply's or bounce's attachments are never read or stored.

    A loop (our own mail come back) has its files read: it may be one mailbox's hand-off to the other
    (``mailbot.register.queries.handoff_view``), which only the register can tell. ``spilled`` maps
    the placeholders of a skeleton to the stored parts they stand for.
    """
    parsed = parse_message(raw)
    automatic = classify_automatic(parsed, rules.own_addresses, own_message_id_domain=rules.message_id_domain)
    files: list[StoredFile] = []
    known: tuple[DocumentFacts, ...] = ()
    if automatic is None or automatic.kind == "loop":
        attachments = sort_attachments(parsed.attachments)
        known = attachments.facts
        for attachment in attachments.to_read:
            token = spilled_token(attachment.payload) if spilled else None
            if spilled and token is not None and token in spilled:
                path, size = spilled[token]
            else:
                _sha, path = storage.put("documents", attachment.payload, durable=False)
                size = len(attachment.payload)
            files.append(
                StoredFile(attachment.filename, attachment.content_type, path, size, dict(attachment.extra))
            )
    written = new_text(parsed.body_text)
    body = extract_message_facts(parsed.subject, written, vocabulary, rules.urn_scheme)
    return OpenedMessage(
        dataclasses.replace(parsed, attachments=()), automatic, tuple(files), known, written, body
    )


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


def read_stored(
    file: StoredFile,
    storage: Storage,
    limits: DocumentLimits,
    vocabulary: FieldVocabulary,
    urn_scheme: UrnScheme,
    *,
    big: int = BIG_MESSAGE_BYTES,
) -> list[DocumentFacts]:
    """Read one stored attachment and extract its facts; a file over the size limit is not loaded,
    and a Word file over ``big`` bytes is read without its pictures (``slim_package``)."""
    if file.size > limits.max_bytes:
        return [
            extract_facts(too_large(file.filename, file.size, limits, file.sha256), vocabulary, urn_scheme)
        ]
    if file.size > big:
        with storage.open(file.path) as handle:
            slim = slim_package(handle, file.filename, limits)
        if slim is not None:  # a big Word file read without its pictures; the facts name the real file
            light = InputFile(file.filename, file.content_type, slim, dict(file.extra))
            facts = read_and_extract(light, limits, vocabulary, urn_scheme)
            return [dataclasses.replace(found, sha256=file.sha256) for found in facts]
    payload = storage.get(file.path)
    return read_and_extract(
        InputFile(file.filename, file.content_type, payload, dict(file.extra)), limits, vocabulary, urn_scheme
    )


class InProcessReader:
    """Opens and reads messages in this process, one at a time (``Pipeline``'s ``MessageReader``).

    For a handful of messages (the route check, the command line): no worker pool to start, and no
    time limit, so a hostile file is never given to it. The future it returns is already done.
    """

    workers = 1

    def __init__(
        self, storage: Storage, limits: DocumentLimits, vocabulary: FieldVocabulary, opening: OpeningRules
    ) -> None:
        self.storage, self.limits, self.vocabulary, self.opening = storage, limits, vocabulary, opening

    def read_message(self, raw_path: str) -> Future[ReadMessage]:
        done: Future[ReadMessage] = Future()
        try:
            opened = open_stored(self.storage, raw_path, self.opening, self.vocabulary)
            documents = tuple(
                facts
                for file in opened.files
                for facts in read_stored(
                    file, self.storage, self.limits, self.vocabulary, self.opening.urn_scheme
                )
            )
        except Exception as error:  # recorded against the message by the pipeline, as a worker's would be
            done.set_exception(error)
            return done
        done.set_result(ReadMessage(opened, documents))
        return done
