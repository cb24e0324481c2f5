"""The register: cases, requests, messages, documents, lead professionals, allocations, outbox, audit."""
