"""The values every stage shares: the facts read from documents, the URN scheme, a document's
neutral layout and the input file. Pure, imported by every room and importing none.
"""

__all__ = ["content", "facts", "urn"]
