"""Taking a big email apart without holding it: large attachments streamed out, the rest kept (pure).

The stdlib's parser holds a message several times over (the bytes, a decoded string, each decoded
part), so an 80 MB email with a 60 MB scan would take hundreds of MB to parse. ``skeleton_of`` reads
the message line by line instead: every base64 leaf of the multipart tree whose encoded body is over
``threshold`` is decoded straight into a ``Spill`` (a file, for the caller) and replaced in the
skeleton by a short placeholder; everything else is copied. The skeleton, a small and valid email,
is then parsed as usual, and ``spilled_token`` recognises a placeholder among its attachments.

Only the multipart tree is taken apart, not messages forwarded inside it (``message/rfc822`` is
copied as it is), so a forwarded message keeps its attachments whatever their size. Boundaries are
matched as the stdlib parser matches them (RFC 2046 §5.1.1: ``--boundary``, optional trailing
white space; ``--boundary--`` closes).
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import BinaryIO, Protocol

#: A placeholder's decoded payload starts with this; the token follows, then padding.
MARKER = b"mailbot-spilled-part:"
#: Placeholders are padded past the size under which an inline image counts as a signature logo.
_PLACEHOLDER_BYTES = 32 * 1024


class Spill(Protocol):
    """Where a large part's decoded bytes go; ``begin`` returns the token naming the part."""

    def begin(self) -> str: ...

    def write(self, decoded: bytes) -> None: ...

    def end(self) -> None: ...


def placeholder(token: str) -> bytes:
    """The decoded payload that stands for spilled part ``token`` in a skeleton."""
    head = MARKER + token.encode("ascii") + b"\n"
    return head + b"." * (_PLACEHOLDER_BYTES - len(head))


def spilled_token(payload: bytes) -> str | None:
    """The token of a placeholder payload, or None for a real attachment."""
    if not payload.startswith(MARKER) or len(payload) != _PLACEHOLDER_BYTES:
        return None
    return payload[len(MARKER) :].split(b"\n", 1)[0].decode("ascii", "replace")


def _headers(lines: Iterator[bytes]) -> list[bytes]:
    """Header lines up to and including the blank line that ends them (or the end of input)."""
    block: list[bytes] = []
    for line in lines:
        block.append(line)
        if line in (b"\r\n", b"\n", b"\r"):
            break
    return block


def _parsed(block: list[bytes]) -> Message:
    return BytesHeaderParser(policy=compat32).parsebytes(b"".join(block))


def _boundary_of(line: bytes, open_boundaries: list[bytes]) -> tuple[bytes, bool] | None:
    """(boundary, closing) when ``line`` delimits a part of one of the open multiparts."""
    if not line.startswith(b"--"):
        return None
    text = line.rstrip(b"\r\n").rstrip(b" \t")
    for boundary in reversed(open_boundaries):
        if text == b"--" + boundary:
            return boundary, False
        if text == b"--" + boundary + b"--":
            return boundary, True
    return None


class _Decoder:
    """Base64 decoded a line at a time (whole 4-character groups; the rest waits for more)."""

    def __init__(self, spill: Spill) -> None:
        self.spill = spill
        self.rest = b""

    def feed(self, line: bytes) -> None:
        data = self.rest + b"".join(line.split())
        whole = len(data) - len(data) % 4
        self.rest = data[whole:]
        if whole:
            self.spill.write(binascii.a2b_base64(data[:whole]))

    def finish(self) -> None:
        if self.rest.strip(b"="):
            self.spill.write(binascii.a2b_base64(self.rest + b"=" * (-len(self.rest) % 4)))


def _base64_lines(payload: bytes) -> list[bytes]:
    encoded = binascii.b2a_base64(payload, newline=False)
    return [encoded[i : i + 76] + b"\r\n" for i in range(0, len(encoded), 76)]


class _Walker:
    """One pass over the lines of a message, writing the skeleton to ``out``."""

    def __init__(self, lines: Iterator[bytes], threshold: int, spill: Spill) -> None:
        self.lines = lines
        self.threshold = threshold
        self.spill = spill
        self.out = bytearray()
        self.open: list[bytes] = []
        self.pending: bytes | None = None  # a boundary line read while copying a body

    def next_line(self) -> bytes | None:
        if self.pending is not None:
            line, self.pending = self.pending, None
            return line
        return next(self.lines, None)

    def run(self) -> bytes:
        top = _headers(self.lines)
        self.out += b"".join(top)
        message = _parsed(top)
        boundary = message.get_boundary() if message.get_content_maintype() == "multipart" else None
        if boundary is None:
            for rest in self.lines:
                self.out += rest
            return bytes(self.out)
        self.open.append(boundary.encode("utf-8", "surrogateescape"))
        while (line := self.next_line()) is not None:
            self.out += line
            found = _boundary_of(line, self.open)
            if found is None:
                continue
            boundary_bytes, closing = found
            if closing:
                del self.open[self.open.index(boundary_bytes) :]
            elif self.open:
                self.part()
        return bytes(self.out)

    def part(self) -> None:
        block = _headers(self.lines)
        headers = _parsed(block)
        if headers.get_content_maintype() == "multipart" and headers.get_boundary():
            self.out += b"".join(block)
            self.open.append(str(headers.get_boundary()).encode("utf-8", "surrogateescape"))
            return
        encoding = str(headers.get("content-transfer-encoding", "")).strip().lower()
        if encoding != "base64" or headers.get_content_maintype() in ("message", "multipart"):
            self.out += b"".join(block)
            return  # the body is copied line by line by ``run``
        body: list[bytes] = []
        size = 0
        while (line := self.next_line()) is not None:
            if _boundary_of(line, self.open) is not None:
                self.pending = line
                break
            body.append(line)
            size += len(line)
            if size > self.threshold:
                self.spill_part(block, body)
                return
        self.out += b"".join(block) + b"".join(body)

    def spill_part(self, block: list[bytes], body: list[bytes]) -> None:
        token = self.spill.begin()
        decoder = _Decoder(self.spill)
        for buffered in body:
            decoder.feed(buffered)
        body.clear()
        while (line := self.next_line()) is not None:
            if _boundary_of(line, self.open) is not None:
                self.pending = line
                break
            decoder.feed(line)
        decoder.finish()
        self.spill.end()
        self.out += b"".join(block) + b"".join(_base64_lines(placeholder(token)))


def skeleton_of(source: BinaryIO, threshold: int, spill: Spill) -> bytes:
    """The message read from ``source`` with every base64 part over ``threshold`` encoded bytes
    decoded into ``spill`` and replaced by a placeholder; memory holds one part up to
    ``threshold`` at a time."""
    return _Walker(iter(source), threshold, spill).run()
