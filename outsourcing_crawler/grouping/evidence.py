"""Skills and numbers that say two postings are different projects, however alike their text.

Copies of one project differ in their numbers (a repost raises the budget, another platform
shows a range), so only a wide gap counts: it takes another order of work to explain it.
"""

from __future__ import annotations

from .features import Amounts, PostingFeatures

__all__ = ["budgets_apart", "conflicting", "durations_apart", "skills_apart"]


def skills_apart(a: PostingFeatures, b: PostingFeatures) -> bool:
    """Both name skills, and none in common."""
    return bool(a.skills and b.skills and a.skills.isdisjoint(b.skills))


def budgets_apart(a: Amounts | None, b: Amounts | None, factor: float) -> bool:
    """Comparable budgets (one currency, one type) further apart than ``factor``."""
    if a is None or b is None or a.currency != b.currency or a.budget_type != b.budget_type:
        return False
    return max(a.low, b.low) > factor * min(a.high, b.high)


def durations_apart(a: int | None, b: int | None, factor: float) -> bool:
    """Known durations further apart than ``factor``."""
    if not a or not b:
        return False
    return max(a, b) > factor * min(a, b)


def conflicting(a: PostingFeatures, b: PostingFeatures, factor: float) -> bool:
    """Skills or numbers that two copies of one project would not show."""
    return (
        skills_apart(a, b)
        or budgets_apart(a.budget, b.budget, factor)
        or durations_apart(a.duration_days, b.duration_days, factor)
    )
