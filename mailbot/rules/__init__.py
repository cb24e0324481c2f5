"""The pure decision core: classify a message, merge facts, check completeness, decide actions, plus
the pure pieces of the workflow (trust, sender authentication, reply limits, digest content,
allocation replies, working days, districts).
No I/O, no clock (``now`` is passed in), no config module, no database session.
"""

__all__ = [
    "actions",
    "allocation_reply",
    "allocation_route",
    "authentication",
    "cadence",
    "chasing",
    "classify",
    "decide",
    "digest",
    "districts",
    "guards",
    "inbound",
    "lead_professional",
    "limits",
    "matching",
    "merge",
    "names",
    "requirements",
    "trust",
    "view",
    "workdays",
]
