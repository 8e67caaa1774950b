"""Whether a stored posting matches a saved search.

A posting is a mapping with the ``projects`` table's columns. Words match case-insensitively
in the title and the description; a Latin word must stand as a word (``java`` is not in
``javascript``), a Korean one may carry a particle (``리액트로``). Skills go through the
skills vocabulary, so ``리액트`` in the file matches a posting's ``React``. Budgets are
compared in the search's currency, the posting's converted at the ECB rate of its day.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from outsourcing_crawler.alerts.config import SavedSearch
from outsourcing_crawler.budgets import BaseBudget, BudgetConverter, NoRateError
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


@cache
def default_budgets() -> BudgetConverter:
    """The converter of the default settings (the shipped ECB rates, HOURS_PER_MONTH's
    default), for matching without a crawl's settings."""
    return BudgetConverter.from_settings({})


def budget_in(
    posting: Posting, currency: str, budgets: BudgetConverter | None = None
) -> BaseBudget | None:
    """The posting's budget (and its monthly equivalent) in ``currency``, or None when it
    cannot be compared.

    A budget in another currency is converted at the ECB rate of the posting's day, exactly
    as budgets.py converts it into the base currency; one whose currency has no rate that day
    compares only with bounds in its own currency.
    """
    if posting.get("budget_min") is None and posting.get("budget_max") is None:
        return None
    converter = dataclasses.replace(budgets or default_budgets(), base=currency)
    try:
        return converter.convert(posting)
    except NoRateError:
        return None


def _overlaps(low: int | None, high: int | None, least: int | None, most: int | None) -> bool:
    """Whether the range ``low``-``high`` (an open end is the other one) reaches into the
    bounds: 3-6 million fits "at least 5 million"."""
    if least is None and most is None:
        return True
    low, high = (low if low is not None else high), (high if high is not None else low)
    if low is None or high is None:
        return False
    return (least is None or high >= least) and (most is None or low <= most)


def _budget_fits(search: SavedSearch, posting: Posting, budgets: BudgetConverter | None) -> bool:
    bounds = (search.budget_min, search.budget_max, search.monthly_min, search.monthly_max)
    if all(bound is None for bound in bounds):
        return True
    assert search.currency is not None  # the file's checks require it with a bound
    budget = budget_in(posting, search.currency, budgets)
    if budget is None:
        return False
    return _overlaps(
        budget.base_budget_min, budget.base_budget_max, search.budget_min, search.budget_max
    ) and _overlaps(
        budget.monthly_budget_min, budget.monthly_budget_max, search.monthly_min, search.monthly_max
    )


def _skills_of(posting: Posting, text: str) -> set[str]:
    names = [canonical_skill(name) for name in posting.get("skills") or []]
    return {name.casefold() for name in [*names, *skills_in_text(text)] if name}


def matches(
    search: SavedSearch,
    posting: Posting,
    now: datetime,
    budgets: BudgetConverter | None = None,
) -> bool:
    """Whether an open posting meets every criterion the search sets; ``budgets`` converts
    budgets (the crawl's settings; the default ones without)."""
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
    if not _budget_fits(search, posting, budgets):
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
