"""Shared fixtures for the extractor tests: the packaged vocabulary and a URN scheme."""

from __future__ import annotations

import pytest

from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, load_vocabulary


@pytest.fixture(scope="session")
def vocabulary() -> FieldVocabulary:
    return load_vocabulary()


@pytest.fixture(scope="session")
def scheme() -> UrnScheme:
    return UrnScheme(prefix="LAN", width=6)
