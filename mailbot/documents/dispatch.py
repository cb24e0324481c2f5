"""Read one attachment, whatever it is, into ``DocumentContent``: the single edge where reader errors stop.

``read_file`` checks the size, sniffs the real format, routes to the reader for it and turns every
exception a third-party library raises into a ``Problem`` whose detail names the file and what went
wrong in words a social worker can act on (never a traceback). Containers (winmail.dat, .msg, .eml)
expand into one ``DocumentContent`` per inner document, so one file may give several.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import subprocess
import zipfile

from mailbot.documents import containers, legacy, ocr, pdf
from mailbot.documents.docx import DocxRefusedError, read_docx
from mailbot.documents.sniff import Format, claimed_format, contradicts_claim, sniff
from mailbot.domain.content import DocumentContent, DocumentLimits, InputFile
from mailbot.domain.facts import Problem

logger = logging.getLogger(__name__)


def read_file(file: InputFile, limits: DocumentLimits) -> list[DocumentContent]:
    """Read ``file``; never raises for a bad document (the problem is in the returned content)."""
    return _read(file, limits, 0)


def _read(file: InputFile, limits: DocumentLimits, depth: int) -> list[DocumentContent]:
    name = file.filename or "attachment"
    digest = hashlib.sha256(file.payload).hexdigest()
    if depth > containers.MAX_DEPTH:
        return [
            _problem(
                name,
                "",
                digest,
                "unsupported_format",
                f"{name} is nested too deeply in forwarded messages to read",
            )
        ]
    if len(file.payload) > limits.max_bytes:
        return [too_large(name, len(file.payload), limits, digest)]
    kind = sniff(file.payload, name, file.content_type)
    claimed = claimed_format(name, file.content_type)
    if contradicts_claim(kind, claimed):
        return [
            _problem(
                name,
                "",
                digest,
                "corrupt",
                f"{name} should be a {claimed} but is not one (it is damaged or was renamed)",
            )
        ]
    try:
        contents = _route(kind, dataclasses.replace(file, filename=name), limits, depth)
    except DocxRefusedError as refused:
        contents = [_problem(name, kind, digest, refused.problem.code, refused.problem.detail)]
    except (pdf.PdfPasswordError, legacy.LegacyPasswordError):
        contents = [_problem(name, kind, digest, "encrypted", f"{name} is password protected")]
    except MemoryError:
        logger.warning("a %s attachment needed more memory than allowed", kind)
        contents = [
            _problem(name, kind, digest, "too_large", f"{name} needs more memory to read than is allowed")
        ]
    except subprocess.TimeoutExpired:
        contents = [_problem(name, kind, digest, "timeout", f"{name} took too long to read")]
    except Exception as error:  # the one broad catch: any library failure on any file is "corrupt"
        # The file name may carry a child's name, so the log names only the format and the error type.
        logger.info("could not read a %s attachment: %s", kind, type(error).__name__)
        detail = f"{name} is damaged or is not the kind of file its name says"
        if isinstance(error, zipfile.BadZipFile):
            detail = f"{name} is damaged (the file is incomplete or was changed in transit)"
        contents = [_problem(name, kind, digest, "corrupt", detail)]
    return [_finish(content, digest) for content in contents]


def _route(kind: Format, file: InputFile, limits: DocumentLimits, depth: int) -> list[DocumentContent]:
    name, payload = file.filename, file.payload

    def read_inner(inner: InputFile, inner_depth: int) -> list[DocumentContent]:
        return _read(inner, limits, inner_depth)

    if kind in ("docx", "docm"):
        return [read_docx(payload, name, limits, media=kind)]
    if kind == "pdf":
        return [pdf.read_pdf(payload, name, limits)]
    if kind == "doc":
        return [legacy.read_doc(payload, name, limits)]
    if kind == "encrypted_ooxml":
        raise legacy.LegacyPasswordError(name)
    if kind == "odt":
        return [legacy.read_odt(payload, name, limits)]
    if kind == "rtf":
        return [legacy.read_rtf(payload, name, limits)]
    if kind == "text":
        return [legacy.read_text(payload, name)]
    if kind == "html":
        return [legacy.read_html(payload, name)]
    if kind == "image":
        return [ocr.read_image(payload, name, limits)]
    if kind == "tnef":
        return containers.read_tnef(file, depth, read_inner)
    if kind == "msg":
        return containers.read_msg(file, depth, read_inner)
    if kind == "eml":
        return containers.read_eml(file, depth, read_inner)
    what = {
        "ole_other": "an Office file that is not a Word document",
        "zip_other": "a zip archive that is not a Word or OpenDocument text",
    }.get(kind, "a kind of file we cannot read")
    return [_problem(name, "", "", "unsupported_format", f"{name} is {what}; please send it as Word or PDF")]


def too_large(name: str, size: int, limits: DocumentLimits, digest: str) -> DocumentContent:
    """The content of a file over ``limits.max_bytes``: a ``too_large`` problem, nothing read.

    Also used before a stored file is loaded at all, so a huge attachment never enters memory.
    """
    megabytes, allowed = size // (1024 * 1024), limits.max_bytes // (1024 * 1024)
    return _finish(
        _problem(
            name, "", digest, "too_large", f"{name} is {megabytes} MB, more than the {allowed} MB allowed"
        ),
        digest,
    )


def _problem(name: str, media: str, digest: str, code: str, detail: str) -> DocumentContent:
    return DocumentContent(
        file=name, media=media or "unknown", problems=(Problem(code, detail),), sha256=digest or None
    )


def _finish(content: DocumentContent, digest: str) -> DocumentContent:
    """Stamp this file's hash on content that has none and say so when a readable file held no text."""
    problems = content.problems
    if not content.blocks and not problems:
        problems = (Problem("empty", f"{content.file} has no text in it"),)
    if content.sha256 is None or problems is not content.problems:
        return dataclasses.replace(content, sha256=content.sha256 or digest, problems=problems)
    return content
