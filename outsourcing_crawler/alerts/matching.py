"""Whether a stored posting matches a saved search.

A posting is a mapping with the ``projects`` table's columns. Words match case-insensitively
in the title and the description; a Latin word must stand as a word (``java`` is not in
``javascript``), a Korean one may carry a particle (``리액트로``). Skills go through the
skills vocabulary, so ``리액트`` in the file matches a posting's ``React``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from outsourcing_crawler.alerts.config import SavedSearch
from outsourcing_crawler.normalisers import canonical_skill, skills_in_text

__all__ = ["budget_in", "matches"]

Posting = Mapping[str, Any]


def _word_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern finding any of the words in casefolded text."""
    branches = []
    for word in words:
        folded = re.escape(word.casefold())
        # Latin letters and digits around a Latin word make another word; Hangul after it
        # is a particle ("Node.js로").
        start = r"(?<![a-z0-9])" if word[0].isascii() and word[0].isalnum() else ""
        end = r"(?![a-z0-9])" if word[-1].isascii() and word[-1].isalnum() else ""
        branches.append(f"{start}{folded}{end}")
    return re.compile("|".join(branches)) if branches else None


@cache
def _patterns(search: SavedSearch) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    return _word_pattern(search.keywords), _word_pattern(search.exclude)


def budget_in(posting: Posting, currency: str) -> tuple[int | None, int | None] | None:
    """The posting's budget bounds in ``currency``, or None when they cannot be compared.

    For now only a budget in that same currency compares: this is the one place to use
    converted amounts once postings carry them.
    """
    if posting.get("currency") != currency:
        return None
    low, high = posting.get("budget_min"), posting.get("budget_max")
    if low is None and high is None:
        return None
    return low, high


def _budget_fits(search: SavedSearch, posting: Posting) -> bool:
    if search.budget_min is None and search.budget_max is None:
        return True
    assert search.currency is not None  # the file's checks require it with a bound
    bounds = budget_in(posting, search.currency)
    if bounds is None:
        return False
    low, high = bounds
    # The ranges overlap: 3-6 million fits "at least 5 million".
    low, high = (low if low is not None else high), (high if high is not None else low)
    assert low is not None and high is not None
    if search.budget_min is not None and high < search.budget_min:
        return False
    return search.budget_max is None or low <= search.budget_max


def _skills_of(posting: Posting, text: str) -> set[str]:
    names = [canonical_skill(name) for name in posting.get("skills") or []]
    return {name.casefold() for name in [*names, *skills_in_text(text)] if name}


def matches(search: SavedSearch, posting: Posting, now: datetime) -> bool:
    """Whether an open posting meets every criterion the search sets."""
    if posting.get("status") != "open":
        return False
    if search.platforms and posting.get("platform") not in search.platforms:
        return False
    if search.budget_types and posting.get("budget_type") not in search.budget_types:
        return False
    # An unknown work type may be on site: it does not pass a work-type criterion.
    if search.work_types and posting.get("work_type") not in search.work_types:
        return False
    deadline = posting.get("deadline")
    # A posting without a deadline stays open until filled: it has the days.
    if (
        search.min_days_left is not None
        and deadline is not None
        and deadline - now < timedelta(days=search.min_days_left)
    ):
        return False
    if not _budget_fits(search, posting):
        return False
    text = "\n".join(filter(None, (posting.get("title"), posting.get("description"))))
    folded = text.casefold()
    keywords, exclude = _patterns(search)
    if exclude is not None and exclude.search(folded):
        return False
    if keywords is not None and not keywords.search(folded):
        return False
    return not search.skills or not _skills_of(posting, text).isdisjoint(
        name.casefold() for name in search.skills
    )
