"""Counts of applicants and proposals, and whole numbers from JSON."""

from __future__ import annotations

import pytest

from outsourcing_crawler.normalisers import parse_count, parse_id, parse_int


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
        ("12", 12),
        (12.0, 12),
        (10**9, 10**9),
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
        # beyond a billion: garbage no database column should receive
        (10**9 + 1, None),
        (1e12, None),
        ("99,999,999,999", None),
    ],
)
def test_parse_count(text: str | int | None, expected: int | None) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        (-2, -2),
        (0, 0),
        (10**12, 10**12),
        (5.0, 5),
        ("5", 5),
        (" -3 ", -3),
        ("+4", 4),
        # not whole numbers
        (5.5, None),
        (float("inf"), None),
        (float("nan"), None),
        (True, None),
        ("5일", None),
        ("soon", None),
        ("1" * 40, None),
        ("", None),
        (None, None),
        ([5], None),
    ],
)
def test_parse_int(value: object, expected: int | None) -> None:
    assert parse_int(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (612345, "612345"),
        (" 612345 ", "612345"),
        (612345.0, "612345"),
        (0, None),
        (-1, None),
        ("0", None),
        (True, None),
        (1.5, None),
        ("abc", None),
        ("", None),
        (None, None),
        ([612345], None),
        ({"id": 1}, None),
        (10**20, "1" + "0" * 20),
        ("9" * 200, "9" * 200),  # too long for the column: the database refuses it
        ("007", "007"),
        ("000", None),
        ("٣", None),  # a digit, but no ASCII one
        (float("inf"), None),
    ],
)
def test_parse_id(value: object, expected: str | None) -> None:
    assert parse_id(value) == expected  # type: ignore[arg-type]
