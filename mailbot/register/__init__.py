"""The register: cases, requests, messages, documents, lead professionals, allocations, outbox, audit,
with its queries, export and the raw-bytes storage beside it (shell: SQLAlchemy, files).
"""

__all__ = [
    "council_export",
    "database",
    "export",
    "health",
    "import_rows",
    "importing",
    "models",
    "queries",
    "storage",
    "urn_sequence",
]
