"""The decision rule, and above all its guard: boilerplate alone never makes one project."""

from __future__ import annotations

import itertools
from random import Random

import pytest

from outsourcing_crawler.grouping import (
    NO_BOILERPLATE,
    Amounts,
    BoilerplateModel,
    MatchRule,
    PostingFeatures,
    Signature,
    signature,
)
from tests.grouping import variations as v
from tests.grouping.evaluation import evaluation_set, features_of
from tests.grouping.postings import features, recorded

RULE = MatchRule()
# The other postings of a window, which a model is always learnt from as well.
WINDOW = list(features_of(evaluation_set()["postings"]).values())


def learnt(postings: list[PostingFeatures]) -> BoilerplateModel:
    return BoilerplateModel.fit([*WINDOW, *postings])


def same(a: PostingFeatures, b: PostingFeatures, model: BoilerplateModel) -> bool:
    return RULE.same_project(signature(a, model), signature(b, model))


@pytest.fixture(scope="module", params=v.AGENCIES, ids=lambda agency: agency["name"])
def templated(request: pytest.FixtureRequest) -> list[v.Posting]:
    """One agency's template filled with 25 different recorded projects."""
    agency = request.param
    originals = recorded(korean=v.is_korean({"title": agency["body"]}))[:25]
    rng = Random(0)
    return [v.from_template(posting, agency, rng) for posting in originals]


def _features(postings: list[v.Posting]) -> list[PostingFeatures]:
    return [features(f"p{day}", posting, day=day) for day, posting in enumerate(postings)]


def test_an_agency_template_is_learnt_as_boilerplate(templated: list[v.Posting]) -> None:
    postings = _features(templated)
    model = learnt(postings)
    assert all(not same(a, b, model) for a, b in itertools.combinations(postings, 2))
    # What is left of each posting is its own project.
    assert all(signature(posting, model).text for posting in postings)


def test_a_templated_posting_reposted_is_one_project(templated: list[v.Posting]) -> None:
    """Whenever the agency left a distinctive part of the project in its template."""
    postings = _features(templated)
    model = learnt(postings)
    rng = Random(2)
    pairs = [
        (
            posting,
            features(f"r{day}", v.reword(fields, rng, strength=0.3, drop_line=False), day=day + 7),
        )
        for day, (posting, fields) in enumerate(zip(postings, templated, strict=True))
        if len(signature(posting, model).description) >= 2 * RULE.min_shared
    ]
    assert len(pairs) >= 5
    assert all(same(posting, repost, model) for posting, repost in pairs)


@pytest.mark.parametrize("korean", [True, False], ids=["korean", "english"])
def test_a_generic_title_over_different_work_is_not_one_project(korean: bool) -> None:
    titles = v.GENERIC_TITLES_KO if korean else v.GENERIC_TITLES_EN
    bodies = v.GENERIC_BODIES_KO if korean else v.GENERIC_BODIES_EN
    base = recorded(korean=korean)[0]
    rng = Random(1)
    for title in titles:
        postings = [
            features(f"g{day}", v.with_generic_title(base, title, body, rng), day=day)
            for day, body in enumerate(bodies)
        ]
        for model in (NO_BOILERPLATE, learnt(postings)):
            assert all(not same(a, b, model) for a, b in itertools.combinations(postings, 2))


@pytest.mark.parametrize("title", ["웹사이트 유지보수", "앱 개발", "Website maintenance"])
def test_a_generic_title_alone_is_never_enough(title: str) -> None:
    a = features("a", {"title": title, "budget_min": 500_000, "currency": "KRW"})
    b = features("b", {"title": title, "budget_min": 500_000, "currency": "KRW"}, day=3)
    assert not same(a, b, NO_BOILERPLATE)


@pytest.mark.parametrize("client", v.CLIENTS, ids=lambda client: client["name"])
def test_one_clients_different_projects_are_not_one_project(client: dict[str, str]) -> None:
    korean = v.is_korean({"title": client["head"]})
    postings = [
        features(f"c{n}", v.with_client(posting, client), day=n)
        for n, posting in enumerate(recorded(korean=korean)[:8])
    ]
    for model in (NO_BOILERPLATE, learnt(postings)):
        assert all(not same(a, b, model) for a, b in itertools.combinations(postings, 2))


def _signature(
    description: range, title: range, *, skills: set[str], budget: Amounts | None = None
) -> Signature:
    """A signature made by hand; title shingles are numbered from 1000 on."""
    title_shingles = frozenset(number + 1000 for number in title)
    posting = PostingFeatures(
        key=object(),
        seen_at=0.0,
        title=title_shingles,
        description=frozenset(description),
        text=title_shingles | frozenset(description),
        skills=frozenset(skills),
        budget=budget,
        duration_days=None,
    )
    return Signature(posting, posting.title, posting.description, posting.text)


# 50 shingles shared of 170 (titles included): a Jaccard similarity of 0.29.
ORIGINAL, HALF_LIKE = range(100), range(60, 160)


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ({"skills": {"React"}}, True),
        ({"skills": set()}, False),
        ({"skills": {"Django"}}, False),
        ({"skills": {"React"}, "budget": Amounts(1_000_000, 1_000_000, "KRW", "fixed")}, True),
        ({"skills": {"React"}, "budget": Amounts(9_000_000, 9_000_000, "KRW", "fixed")}, False),
    ],
    ids=["a skill in common", "no skills", "other skills", "close budget", "far budget"],
)
def test_skills_and_budgets_decide_a_partial_likeness(other: dict, expected: bool) -> None:
    budget = Amounts(1_500_000, 1_500_000, "KRW", "fixed")
    a = _signature(ORIGINAL, range(10), skills={"React", "Node.js"}, budget=budget)
    b = _signature(HALF_LIKE, range(10), **other)
    assert RULE.same_project(a, b) is expected


def test_a_partial_likeness_needs_the_title() -> None:
    a = _signature(ORIGINAL, range(10), skills={"React"})
    b = _signature(HALF_LIKE, range(7, 17), skills={"React"})
    assert not RULE.same_project(a, b)


def test_a_nearly_identical_text_needs_nothing_else() -> None:
    a = _signature(range(100), range(10), skills={"React"})
    b = _signature(range(2, 100), range(20, 30), skills={"Django"})
    assert RULE.same_project(a, b)


@pytest.mark.parametrize(
    ("description", "title"),
    [(range(11), range(100)), (range(0), range(100))],
    ids=["short description", "title only"],
)
def test_the_descriptions_must_share_enough(description: range, title: range) -> None:
    a = _signature(description, title, skills={"React"})
    b = _signature(description, title, skills={"React"})
    assert not RULE.same_project(a, b)
