"""Matching: every criterion a search sets must hold; within a list, any one entry."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from outsourcing_crawler.alerts.matching import budget_in, default_budgets, matches
from outsourcing_crawler.budgets import rate_day
from tests.alerts.postings import NOW, posting, search


def match(fields: dict[str, Any] | None = None, **criteria: Any) -> bool:
    return matches(search(**criteria), posting(**(fields or {})), NOW)


def test_an_empty_search_matches_every_open_posting() -> None:
    assert match()
    assert not match({"status": "closed"})


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        (("react",), True),  # case does not matter
        (("REACT",), True),
        (("리액트",), True),  # Korean, in the description
        (("예약",), True),
        (("vue", "예약"), True),  # any one of them
        (("vue", "angular"), False),
        (("re",), False),  # a Latin word stands as a word
        (("node.js",), True),
    ],
)
def test_keywords(keywords: tuple[str, ...], expected: bool) -> None:
    assert match(keywords=keywords) is expected


def test_a_latin_keyword_is_a_word_and_a_korean_one_takes_particles() -> None:
    assert not match({"title": "JavaScript 개발"}, keywords=("java",))
    assert match({"title": "Java 개발"}, keywords=("java",))
    assert match({"title": "자바로 개발", "description": None}, keywords=("자바",))


def test_exclude() -> None:
    assert not match({"title": "React 앱 유지보수"}, exclude=("유지보수",))
    assert not match(keywords=("react",), exclude=("Node.js",))
    assert match(exclude=("vue",))


@pytest.mark.parametrize(
    ("skills", "fields", "expected"),
    [
        (("React",), {}, True),
        (("Vue.js",), {}, False),
        (("Vue.js", "Node.js"), {}, True),
        # The file's skills are canonical already (config); the posting's may be written
        # any way, and its texts count too.
        (("React",), {"skills": ["react js"], "description": None}, True),
        (("React",), {"skills": [], "title": "리액트 앱", "description": None}, True),
        (("React",), {"skills": [], "title": "앱", "description": None}, False),
    ],
)
def test_skills(skills: tuple[str, ...], fields: dict[str, Any], expected: bool) -> None:
    assert match(fields, skills=skills) is expected


@pytest.mark.parametrize(
    ("bounds", "fields", "expected"),
    [
        ({"budget_min": 5_000_000}, {}, True),
        ({"budget_min": 6_000_000}, {}, True),  # 5-8 million reaches 6
        ({"budget_min": 9_000_000}, {}, False),
        ({"budget_max": 5_000_000}, {}, True),
        ({"budget_max": 4_000_000}, {}, False),
        ({"budget_min": 1, "budget_max": 4_000_000}, {}, False),
        ({"budget_min": 7_000_000}, {"budget_max": None}, False),  # from 5 million only
        ({"budget_min": 7_000_000}, {"budget_min": None}, True),  # up to 8 million
        # Not comparable: a budget in a currency without a rate, or none.
        ({"budget_min": 1}, {"currency": "VND"}, False),
        ({"budget_min": 1}, {"budget_min": None, "budget_max": None, "currency": None}, False),
    ],
)
def test_budget(bounds: dict[str, int], fields: dict[str, Any], expected: bool) -> None:
    assert match(fields, currency="KRW", **bounds) is expected


def test_a_budget_in_its_own_currency_is_taken_as_it_is() -> None:
    budget = budget_in(posting(), "KRW")
    assert budget is not None
    assert (budget.base_budget_min, budget.base_budget_max) == (5_000_000, 8_000_000)
    assert budget_in(posting(budget_min=None, budget_max=None, currency=None), "KRW") is None


# A USD posting of 2 December 2026 (Korean time) in KRW: the ECB's last rate on or before it.
USD_POSTING = {"budget_min": 1_000, "budget_max": 2_000, "currency": "USD", "posted_at": NOW}


def usd_in_krw(amount: int) -> int:
    rate, _ = default_budgets().rates.rate("USD", "KRW", rate_day(USD_POSTING))
    return int((amount * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_a_budget_in_another_currency_is_converted_at_the_rate_of_its_day() -> None:
    budget = budget_in(posting(**USD_POSTING), "KRW")
    assert budget is not None
    assert (budget.base_budget_min, budget.base_budget_max) == (
        usd_in_krw(1_000),
        usd_in_krw(2_000),
    )


def test_a_usd_posting_matches_a_krw_bound_it_reaches() -> None:
    top = usd_in_krw(2_000)
    assert match(USD_POSTING, budget_min=top, currency="KRW")
    assert not match(USD_POSTING, budget_min=top + 1, currency="KRW")
    assert match(USD_POSTING, budget_max=usd_in_krw(1_000), currency="KRW")
    assert not match(USD_POSTING, budget_max=usd_in_krw(1_000) - 1, currency="KRW")


def test_a_currency_without_a_rate_compares_only_with_its_own() -> None:
    vnd = {"budget_min": 50_000_000, "budget_max": None, "currency": "VND", "posted_at": NOW}
    assert budget_in(posting(**vnd), "KRW") is None
    assert not match(vnd, budget_min=1, currency="KRW")
    assert match(vnd, budget_min=40_000_000, currency="VND")
    assert not match(vnd, budget_min=60_000_000, currency="VND")


@pytest.mark.parametrize(
    ("fields", "bounds", "expected"),
    [
        # 6 million over 90 days: 2 million a month.
        ({"duration_days": 90, "budget_min": 6_000_000, "budget_max": None}, {}, True),
        ({"duration_days": 90}, {"monthly_min": 2_000_000}, True),  # 5-8 million: 1.7-2.7
        ({"duration_days": 90}, {"monthly_min": 2_700_000}, False),
        ({"duration_days": 90}, {"monthly_max": 1_600_000}, False),
        ({"duration_days": None}, {"monthly_min": 1}, False),  # no monthly figure
        ({"budget_type": "monthly"}, {"monthly_min": 8_000_000}, True),
        # Hourly: x HOURS_PER_MONTH (2080 / 12), 30,000 KRW an hour is 5.2 million a month.
        (
            {"budget_type": "hourly", "budget_min": 30_000, "budget_max": None},
            {"monthly_min": 5_200_000},
            True,
        ),
    ],
)
def test_monthly_bounds(fields: dict[str, Any], bounds: dict[str, int], expected: bool) -> None:
    assert match(fields, currency="KRW", **bounds) is expected


def test_types_platforms_and_days_left() -> None:
    assert match(budget_types=frozenset({"fixed", "hourly"}))
    assert not match(budget_types=frozenset({"hourly"}))
    assert match(work_types=frozenset({"remote"}))
    # An unknown work type may be on site.
    assert not match({"work_type": None}, work_types=frozenset({"remote"}))
    assert match(platforms=frozenset({"wishket", "kmong"}))
    assert not match(platforms=frozenset({"kmong"}))
    assert match(min_days_left=10)
    assert not match(min_days_left=11)
    assert not match({"deadline": NOW + timedelta(hours=5)}, min_days_left=1)
    # No deadline: open until filled.
    assert match({"deadline": None}, min_days_left=30)
