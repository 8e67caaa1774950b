"""What grouping reads of one posting, independent of every other posting."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from outsourcing_crawler.normalisers import skills_from_field

from .shingles import comparable_text, shingles

__all__ = ["Amounts", "PostingFeatures", "posting_features"]


class Amounts(NamedTuple):
    """A budget's bounds (either may be missing, not both) in one currency and type."""

    low: int
    high: int
    currency: str
    budget_type: str | None


@dataclass(frozen=True, slots=True, eq=False)
class PostingFeatures:
    """A posting as grouping compares it: its text as shingles, its skills and numbers.

    ``seen_at`` (POSIX seconds) places it in time: postings further apart than the grouping
    window are never one project.
    """

    key: Hashable
    seen_at: float
    title: frozenset[int]
    description: frozenset[int]
    text: frozenset[int]  # title and description together
    skills: frozenset[str]
    budget: Amounts | None
    duration_days: int | None


def _amounts(posting: Mapping[str, Any]) -> Amounts | None:
    low, high = posting.get("budget_min"), posting.get("budget_max")
    currency = posting.get("currency")
    if currency is None or (low is None and high is None):
        return None
    return Amounts(
        low if low is not None else high,
        high if high is not None else low,
        currency,
        posting.get("budget_type"),
    )


def posting_features(
    posting: Mapping[str, Any], *, key: Hashable, seen_at: datetime
) -> PostingFeatures:
    """The features of ``posting``, a mapping of ``ProjectItem`` fields (an item's dict or a
    stored row). ``seen_at`` is when it was first stored: the one time every posting has."""
    title = shingles(comparable_text(posting.get("title")))
    description = shingles(comparable_text(posting.get("description")))
    return PostingFeatures(
        key=key,
        seen_at=seen_at.timestamp(),
        title=title,
        description=description,
        text=title | description,
        skills=frozenset(skills_from_field(posting.get("skills"))),
        budget=_amounts(posting),
        duration_days=posting.get("duration_days"),
    )
