"""The boilerplate model: shingles in more postings than one project has."""

from __future__ import annotations

from outsourcing_crawler.grouping import NO_BOILERPLATE, BoilerplateModel
from tests.grouping.postings import features


def _postings(texts: list[str]) -> list:
    return [
        features(f"p{number}", {"title": "x", "description": text})
        for number, text in enumerate(texts)
    ]


def test_a_shingle_in_max_copies_postings_is_common() -> None:
    postings = _postings(["공통 문구 하나"] * 3 + ["다른 문구"])
    model = BoilerplateModel.fit(postings, max_copies=3)
    assert postings[0].text <= model.common
    assert model.distinctive(postings[3].text) == postings[3].text - postings[0].text


def test_a_posting_counts_a_shingle_once() -> None:
    postings = _postings(["반복 반복 반복 반복"])
    assert BoilerplateModel.fit(postings, max_copies=2).common == frozenset()


def test_in_a_large_window_the_count_grows_with_it() -> None:
    postings = _postings([f"공통 문구 {n}" for n in range(40)])
    assert BoilerplateModel.fit(postings, max_copies=3, max_share=0.5).threshold == 20
    assert BoilerplateModel.fit(postings, max_copies=30, max_share=0.5).threshold == 30


def test_nothing_is_common_without_postings() -> None:
    assert BoilerplateModel.fit([]) == NO_BOILERPLATE
