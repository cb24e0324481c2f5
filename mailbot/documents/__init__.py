"""Reading attachments into a neutral layout (paragraphs, tables, form fields) for the extractor.

Pure readers: bytes in, ``DocumentContent`` out, with problems as values. ``dispatch.read_document``
is the entry point; it sniffs the bytes and picks the reader. The worker pool that runs them under
time and memory limits is shell (``mailbot.service.reader_pool``).
"""

__all__ = ["columns", "containers", "dispatch", "docx", "glyphs", "legacy", "ocr", "pdf", "sniff"]
