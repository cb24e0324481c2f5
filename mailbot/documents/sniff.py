"""Decide what an attachment really is: magic bytes first, then the file name, then the declared MIME type.

Outlook and Exchange often declare ``application/octet-stream`` (or the wrong type outright), and social
workers rename files, so the bytes are the authority. The name and MIME type only break ties the bytes
cannot (plain text versus HTML, an ``.eml`` versus a ``.txt``).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath
from typing import Literal

import olefile  # type: ignore[import-untyped]

Format = Literal[
    "docx",
    "docm",
    "odt",
    "pdf",
    "doc",
    "msg",
    "encrypted_ooxml",
    "ole_other",
    "rtf",
    "text",
    "html",
    "tnef",
    "eml",
    "image",
    "zip_other",
    "unknown",
]

_TNEF_MAGIC = (0x223E9F78).to_bytes(4, "little")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"II*\x00",
    b"MM\x00*",
    b"GIF87a",
    b"GIF89a",
    b"BM",
)
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_MACRO_CONTENT_TYPE = b"macroEnabled"
#: Header names that start nearly every RFC 5322 message; one of them on the first line means "a message".
_EML_FIRST_LINE = re.compile(
    rb"^(Received|Return-Path|From|To|Subject|Date|Message-ID|MIME-Version|Delivered-To|X-[\w-]+|"
    rb"Content-Type|Reply-To|Sender|DKIM-Signature|Authentication-Results|Thread-Topic)\s*:",
    re.IGNORECASE,
)
_HTML_START = re.compile(
    rb"^\s*(<!DOCTYPE\s+html|<html|<head|<body|<meta|<div|<p[\s>]|<table)", re.IGNORECASE
)


def sniff(payload: bytes, filename: str = "", content_type: str = "") -> Format:
    """Return the real format of ``payload``; ``unknown`` when neither bytes nor name nor type say."""
    head = payload[:16]
    suffix = PurePosixPath(filename.lower()).suffix
    mime = content_type.lower().split(";")[0].strip()
    if head.startswith(b"%PDF") or (b"%PDF-" in payload[:1024]):
        # Some scanners put a few bytes of junk before the header; readers tolerate 1 KiB of it.
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(payload)
    if head.startswith(_OLE_MAGIC):
        return _sniff_ole(payload)
    if head.startswith(_TNEF_MAGIC):
        return "tnef"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if any(head.startswith(magic) for magic in _IMAGE_MAGIC) and not (
        head.startswith(b"BM") and suffix != ".bmp"
    ):
        return "image"
    return _sniff_text(payload, suffix, mime)


def _sniff_zip(payload: bytes) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                if archive.read("mimetype").strip() == _ODT_MIMETYPE:
                    return "odt"
                return "zip_other"
            if "word/document.xml" in names or "[Content_Types].xml" in names:
                content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
                if b"wordprocessingml" not in content_types and b"ms-word" not in content_types:
                    return "zip_other"
                return "docm" if _MACRO_CONTENT_TYPE in content_types else "docx"
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        # A zip header with a broken body: the docx reader will say "corrupt" with the file name.
        return "docx"
    return "zip_other"


def _sniff_ole(payload: bytes) -> Format:
    try:
        with olefile.OleFileIO(io.BytesIO(payload)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                return "encrypted_ooxml"
            if ole.exists("WordDocument"):
                return "doc"
            if ole.exists("__properties_version1.0") or any(
                entry[0].startswith("__substg1.0_") for entry in ole.listdir()
            ):
                return "msg"
    except (OSError, ValueError):
        return "ole_other"
    return "ole_other"


def _sniff_text(payload: bytes, suffix: str, mime: str) -> Format:
    sample = payload[:4096]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "unknown"
    stripped = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix == ".eml" or mime == "message/rfc822" or _EML_FIRST_LINE.match(stripped):
        return "eml"
    if suffix in (".htm", ".html") or mime == "text/html" or _HTML_START.match(stripped):
        return "html"
    if suffix in (".txt", ".csv", ".text", "") or mime.startswith("text/"):
        return "text"
    if _looks_like_text(sample):
        return "text"
    return "unknown"


def _looks_like_text(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sample's end is still text.
        if error.start < len(sample) - 4:
            return False
    printable = sum(1 for byte in sample if byte >= 0x20 or byte in (0x09, 0x0A, 0x0D))
    return not sample or printable / len(sample) > 0.95


#: What a file name's extension says the file is, in words for a problem's detail.
_CLAIMED_BY_SUFFIX = {
    ".pdf": "PDF",
    ".docx": "Word document",
    ".docm": "Word document",
    ".dotx": "Word document",
    ".doc": "Word document",
    ".dot": "Word document",
    ".odt": "OpenDocument text",
    ".rtf": "RTF document",
    ".msg": "Outlook message",
    ".png": "picture",
    ".jpg": "picture",
    ".jpeg": "picture",
    ".tif": "picture",
    ".tiff": "picture",
    ".gif": "picture",
    ".bmp": "picture",
}
_CLAIMED_BY_MIME = {
    "application/pdf": "PDF",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-word.document.macroenabled.12": "Word document",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/rtf": "RTF document",
    "text/rtf": "RTF document",
    "application/vnd.ms-outlook": "Outlook message",
    "application/ms-tnef": "winmail.dat attachment",
    "application/vnd.ms-tnef": "winmail.dat attachment",
}
#: Claimed kinds that may legitimately be HTML inside (Word saves "Web page" documents as .doc).
_MAY_BE_HTML = frozenset({"Word document", "RTF document"})


def claimed_format(filename: str, content_type: str = "") -> str | None:
    """The document format the name (or else the MIME type) claims, in words; None when it claims none."""
    lowered = filename.lower()
    claimed = _CLAIMED_BY_SUFFIX.get(PurePosixPath(lowered).suffix)
    if claimed is None and PurePosixPath(lowered).name == "winmail.dat":
        claimed = "winmail.dat attachment"
    if claimed is None:
        mime = content_type.lower().split(";")[0].strip()
        claimed = _CLAIMED_BY_MIME.get(mime) or ("picture" if mime.startswith("image/") else None)
    return claimed


def contradicts_claim(kind: Format, claimed: str | None) -> bool:
    """True when the bytes (sniffed as ``kind``) are not the document format the name or type claims.

    Only a claim of a binary document format can be contradicted, and only by bytes that are no
    document at all (text, HTML, unrecognisable): such a file is damaged or mislabelled, not a
    format we do not support.
    """
    if claimed is None:
        return False
    if kind in ("unknown", "text"):
        return True
    return kind == "html" and claimed not in _MAY_BE_HTML
