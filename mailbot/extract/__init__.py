"""Extraction: from a document's neutral layout (or an email body) to ``DocumentFacts`` with provenance.

Public API (others call exactly this):
``load_vocabulary(path=None)``, ``extract_facts(content, vocabulary, urn_scheme)``,
``content_from_text(file, text, media="email")``, ``extract_message_facts(subject, body_text,
vocabulary, urn_scheme)`` and ``parse_british_date(text)``; forms taught from one example:
``LearnedForm``, ``learn_form``, ``match_form``, ``load_learned_forms`` (``load_vocabulary(path,
forms_dir)`` attaches them, and ``extract_facts`` then reads a copy of one from its learned places).
"""

from __future__ import annotations

from mailbot.extract.dates import parse_british_date
from mailbot.extract.email import content_from_text, extract_message_facts
from mailbot.extract.learned import LearnedForm, learn_form, load_learned_forms, match_form
from mailbot.extract.reading import extract_facts
from mailbot.extract.vocabulary import FieldVocabulary, load_vocabulary

__all__ = [
    "FieldVocabulary",
    "LearnedForm",
    "content_from_text",
    "extract_facts",
    "extract_message_facts",
    "learn_form",
    "load_learned_forms",
    "load_vocabulary",
    "match_form",
    "parse_british_date",
]
