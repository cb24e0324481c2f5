"""The step-down workflow carried out on the register: applying decisions in one unit of work,
allocation, chase-ups, the weekly digest, the review queue and retention.
"""

__all__ = ["allocation", "apply", "chase", "records", "retention", "review", "weekly_digest"]
