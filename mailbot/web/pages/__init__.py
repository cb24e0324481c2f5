"""The console's pages, one module per concern; each exposes ``routes``."""

from __future__ import annotations
