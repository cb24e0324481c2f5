"""The step-down workflow carried out on the register: applying decisions in one unit of work,
allocation, chase-ups, the weekly digest, the review queue, retention and erasure of personal data.
"""

__all__ = ["allocation", "apply", "chase", "erasure", "personal_data", "retention", "review", "weekly_digest"]
