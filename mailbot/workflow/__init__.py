"""The step-down workflow carried out on the register: applying decisions in one unit of work,
allocation, chase-ups, the weekly digest, the review queue, retention and teaching a form.
"""

__all__ = ["allocation", "apply", "chase", "learn_form", "retention", "review", "weekly_digest"]
