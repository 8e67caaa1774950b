"""Skills and numbers: what else two postings must agree on when their texts agree only in
part.

Skills are evidence for: copies of one project name the same technologies. Numbers are
evidence against only: copies differ in them (a repost raises the budget, another platform
shows a range), so only a wide gap counts, one that takes another order of work to explain.
"""

from __future__ import annotations

from .features import Amounts, PostingFeatures

__all__ = ["budgets_apart", "durations_apart", "numbers_apart", "skills_agree"]


def skills_agree(a: PostingFeatures, b: PostingFeatures) -> bool:
    """A skill in common, or no skills named by either."""
    return not a.skills.isdisjoint(b.skills) or not (a.skills or b.skills)


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


def numbers_apart(a: PostingFeatures, b: PostingFeatures, factor: float) -> bool:
    """A budget or a duration that two copies of one project would not show."""
    return budgets_apart(a.budget, b.budget, factor) or durations_apart(
        a.duration_days, b.duration_days, factor
    )
