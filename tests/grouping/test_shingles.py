"""Texts as shingles: what copies of one project keep in common."""

from __future__ import annotations

import pytest

from outsourcing_crawler.grouping import comparable_text, shingles


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("반려동물 산책 앱 개발", "반려동물 산책앱 개발"),  # Korean spacing is loose
        ("[상주] Java 백엔드", "(상주) JAVA 백엔드"),  # brackets and case
        ("ＡＰＩ 서버", "API 서버"),  # full-width forms
        ("리액트 앱 개발", "React 앱 개발"),  # a skill in either language
        ("플러터 앱 (안드로이드/아이폰)", "Flutter 앱 (Android/iOS)"),
        ("Build a ReactJS dashboard", "Build a React dashboard"),
    ],
)
def test_spellings_of_one_text_compare_equal(one: str, other: str) -> None:
    assert comparable_text(one) == comparable_text(other)


@pytest.mark.parametrize("text", [None, "", "  ", "!!!"])
def test_no_text_has_no_shingles(text: str | None) -> None:
    assert shingles(comparable_text(text)) == frozenset()


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("가나다라", {"가나다", "나다라"}),  # three syllables of Korean
        ("abcdef", {"abcde", "bcdef"}),  # five letters of anything else
        ("react기반앱", {"react", "기반앱"}),
        ("ui화면", {"ui", "화면"}),  # a shorter run is one piece
        ("가나다가나다", {"가나다", "나다가", "다가나"}),  # a set
    ],
)
def test_shingles_are_the_overlapping_pieces(text: str, pieces: set[str]) -> None:
    assert shingles(text) == frozenset().union(*(shingles(piece) for piece in pieces))
    assert len(shingles(text)) == len(pieces)


def test_shingles_are_the_same_in_every_process() -> None:
    # Not Python's randomised hash(): shingles may be stored.
    assert shingles("산책앱") == frozenset({2_412_369_870})
