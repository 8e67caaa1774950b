"""Skills and numbers that tell two projects apart."""

from __future__ import annotations

import pytest

from outsourcing_crawler.grouping import Amounts
from outsourcing_crawler.grouping.evidence import budgets_apart, durations_apart, skills_agree
from tests.grouping.postings import features

WON = "KRW"


@pytest.mark.parametrize(
    ("one", "other", "apart"),
    [
        (Amounts(500, 500, WON, "fixed"), Amounts(700, 700, WON, "fixed"), False),
        (Amounts(400, 500, WON, "fixed"), Amounts(1_200, 1_500, WON, "fixed"), False),
        (Amounts(400, 400, WON, "fixed"), Amounts(1_200, 1_500, WON, "fixed"), True),
        (Amounts(400, 400, WON, "fixed"), Amounts(1_500, 1_500, "USD", "fixed"), False),
        (Amounts(40, 40, "USD", "hourly"), Amounts(1_500, 1_500, "USD", "fixed"), False),
        (Amounts(400, 400, WON, "fixed"), None, False),
    ],
)
def test_budgets_apart(one: Amounts, other: Amounts | None, apart: bool) -> None:
    assert budgets_apart(one, other, 2.5) is apart
    assert budgets_apart(other, one, 2.5) is apart


@pytest.mark.parametrize(
    ("one", "other", "apart"), [(30, 60, False), (30, 90, True), (None, 90, False)]
)
def test_durations_apart(one: int | None, other: int | None, apart: bool) -> None:
    assert durations_apart(one, other, 2.5) is apart


@pytest.mark.parametrize(
    ("one", "other", "agree"),
    [
        (["React"], ["리액트", "Node.js"], True),  # one skill, two spellings
        ([], [], True),
        (["React"], ["Django"], False),
        (["React"], [], False),
    ],
)
def test_skills_agree(one: list[str], other: list[str], agree: bool) -> None:
    a, b = features("a", {"skills": one}), features("b", {"skills": other})
    assert skills_agree(a, b) is agree
    assert skills_agree(b, a) is agree
