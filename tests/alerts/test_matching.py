"""Matching: every criterion a search sets must hold; within a list, any one entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from outsourcing_crawler.alerts.matching import budget_in, matches
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
        # Not comparable: a budget in another currency, or none.
        ({"budget_min": 1}, {"currency": "USD"}, False),
        ({"budget_min": 1}, {"budget_min": None, "budget_max": None, "currency": None}, False),
    ],
)
def test_budget(bounds: dict[str, int], fields: dict[str, Any], expected: bool) -> None:
    assert match(fields, currency="KRW", **bounds) is expected


def test_budget_bounds_compare_within_one_currency() -> None:
    assert budget_in(posting(), "KRW") == (5_000_000, 8_000_000)
    assert budget_in(posting(), "USD") is None
    assert budget_in(posting(budget_min=None, budget_max=None, currency=None), "KRW") is None


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
