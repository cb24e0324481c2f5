"""The extractor's entry point: a document's layout, or a forwarded email body, to ``DocumentFacts``.

It sits above ``extractor`` (forms and letters) and ``email`` (bodies), so neither imports the other's
caller and the two stay free of import cycles.
"""

from __future__ import annotations

from mailbot.domain.content import DocumentContent
from mailbot.domain.facts import DocumentFacts
from mailbot.domain.urn import UrnScheme
from mailbot.extract.email import extract_email_content
from mailbot.extract.extractor import extract_layout_facts
from mailbot.extract.vocabulary import FieldVocabulary


def extract_facts(
    content: DocumentContent, vocabulary: FieldVocabulary, urn_scheme: UrnScheme
) -> DocumentFacts:
    """Read the facts of one document; content.problems and content.sha256 are carried over.

    An email body (``media="email"``, e.g. the body of a forwarded .msg/.eml) is read the way
    ``extract_message_facts`` reads one: its signature is ignored and its sentences are read too.
    """
    if content.media == "email":
        return extract_email_content(content, vocabulary, urn_scheme, subject="")
    return extract_layout_facts(content, vocabulary, urn_scheme, kind=None, extra_urn_text=())
