"""Durations in days."""

from __future__ import annotations

import pytest

from outsourcing_crawler.normalisers import parse_duration_days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30일", 30),
        ("예상 기간300일", 300),
        ("예상 기간 3일", 3),
        ("90일", 90),
        ("3개월", 90),
        ("6개월 이상", 180),
        ("약 3개월", 90),
        ("2주", 14),
        ("2주일", 14),
        ("1년", 365),
        ("1년 6개월", 545),
        ("1~3개월", 90),
        ("3달", 90),
        ("6 months", 180),
        ("3 weeks", 21),
        ("10 days", 10),
        ("1 day", 1),
        ("1.5 months", 45),
        ("Less than 1 month", 30),
        ("1 to 3 months", 90),
        ("3 to 6 months", 180),
        ("More than 6 months", 180),
        ("Less than a week", 7),
        ("Less than 1 month, 10-30 hrs/week", 30),
        ("3개월 (2025년 10월 13일 ~ 2026년 01월 11일)", 90),
        (90, 90),
        (0, 0),
        ("90", 90),
        (" 45 ", 45),
        # unknown
        (-5, None),
        (True, None),
        (None, None),
        ("", None),
        ("garbage", None),
        ("즉시 시작", None),
        ("5달러", None),
        ("2025년 10월 13일 ~ 2026년 01월 11일", None),
        ("30 hrs/week", None),
    ],
)
def test_parse_duration_days(text: str | int | None, expected: int | None) -> None:
    assert parse_duration_days(text) == expected
