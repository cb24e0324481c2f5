"""Which attachments of an email are documents to read (pure).

Mail clients attach things that are not documents: S/MIME signatures (NHSmail, police and many
councils sign every email), calendar invitations, contact cards, and the machine parts of delivery
reports. Reading them would only produce "could not read smime.p7s" in a chase-up, so they are left
out. An S/MIME *encrypted* email cannot be read at all: it becomes an ``encrypted`` problem, so the
sender is asked for a copy mailbot can open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.domain.content import InputFile
from mailbot.domain.facts import DocumentFacts, Problem

#: Content types that are never documents.
NOT_DOCUMENTS = frozenset(
    {
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-signature",
        "text/calendar",
        "application/ics",
        "text/vcard",
        "text/x-vcard",
        "text/directory",
        "message/delivery-status",
        "message/disposition-notification",
        "text/rfc822-headers",
    }
)
NOT_DOCUMENT_SUFFIXES = (".p7s", ".ics", ".vcf", ".vcs", ".asc", ".sig")
ENCRYPTED_SUFFIXES = (".p7m", ".pgp", ".gpg")
ENCRYPTED_TYPES = frozenset(
    {"application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted"}
)


@dataclass(frozen=True)
class Sorted:
    """``to_read`` go to the document reader; ``facts`` are already known (encrypted containers)."""

    to_read: tuple[InputFile, ...]
    facts: tuple[DocumentFacts, ...]
    skipped: int


def sort_attachments(files: Sequence[InputFile]) -> Sorted:
    """Split an email's attachments into documents to read, known problems, and non-documents."""
    to_read: list[InputFile] = []
    facts: list[DocumentFacts] = []
    skipped = 0
    for file in files:
        content_type = file.content_type.split(";")[0].strip().lower()
        name = file.filename.lower()
        if content_type in NOT_DOCUMENTS or name.endswith(NOT_DOCUMENT_SUFFIXES):
            skipped += 1
        elif content_type in ENCRYPTED_TYPES or name.endswith(ENCRYPTED_SUFFIXES):
            detail = (
                f"{file.filename} is an encrypted email (S/MIME or PGP) that mailbot cannot open; "
                "please send the documents through the council's secure email route without that encryption"
            )
            facts.append(
                DocumentFacts(file=file.filename, kind="other", problems=(Problem("encrypted", detail),))
            )
        else:
            to_read.append(file)
    return Sorted(tuple(to_read), tuple(facts), skipped)
