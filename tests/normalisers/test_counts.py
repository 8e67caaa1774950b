"""Counts of applicants and proposals."""

from __future__ import annotations

import pytest

from outsourcing_crawler.normalisers import parse_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("지원자 7명", 7),
        ("지원자 없음", 0),
        ("없음", 0),
        ("1,234", 1234),
        ("7명", 7),
        ("0명", 0),
        ("12 proposals", 12),
        ("Proposals: 5 to 10", 5),
        ("5 to 10", 5),
        ("Proposals: 20 to 50", 20),
        ("50+", 50),
        ("2,022", 2022),
        ("1.2k", 1200),
        (7, 7),
        (0, 0),
        # unknown or hidden
        ("Proposals: Less than 5", None),
        ("Less than 5", None),
        ("비공개", None),
        (-3, None),
        ("-3", None),
        ("3.5", None),
        (True, None),
        (None, None),
        ("", None),
        ("garbage", None),
    ],
)
def test_parse_count(text: str | int | None, expected: int | None) -> None:
    assert parse_count(text) == expected
