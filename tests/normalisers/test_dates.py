"""Absolute and relative dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from outsourcing_crawler.normalisers import SEOUL, end_of_day, parse_datetime, parse_relative

KST = SEOUL
REFERENCE = datetime(2026, 10, 2, 14, 30, tzinfo=KST)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026.08.05.", datetime(2026, 8, 5, tzinfo=KST)),
        ("· 등록일자 2026.08.05.", datetime(2026, 8, 5, tzinfo=KST)),
        ("등록 일자 2026.10.02.", datetime(2026, 10, 2, tzinfo=KST)),
        ("2026년 10월 08일", datetime(2026, 10, 8, tzinfo=KST)),
        ("2026년 1월 8일", datetime(2026, 1, 8, tzinfo=KST)),
        ("2025-09-29 08:55:40", datetime(2025, 9, 29, 8, 55, 40, tzinfo=KST)),
        ("2025-10-13", datetime(2025, 10, 13, tzinfo=KST)),
        ("2025/10/13", datetime(2025, 10, 13, tzinfo=KST)),
        ("2025-10-13T08:00:00", datetime(2025, 10, 13, 8, tzinfo=KST)),
        ("2025-10-13T08:00:00Z", datetime(2025, 10, 13, 8, tzinfo=UTC)),
        ("2025-10-13T08:00:00+09:00", datetime(2025, 10, 13, 8, tzinfo=KST)),
        (
            "2025-10-13T08:00:00.123456-05:00",
            datetime(2025, 10, 13, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("2025-10-13T08:00:00+0530", datetime(2025, 10, 13, 2, 30, tzinfo=UTC)),
        ("2025/10/13 오후 3:05", datetime(2025, 10, 13, 15, 5, tzinfo=KST)),
        ("Sep 29, 2025", datetime(2025, 9, 29, tzinfo=KST)),
        ("Mon, 29 Sep 2025 08:55:40 +0000", datetime(2025, 9, 29, 8, 55, 40, tzinfo=UTC)),
        ("20251013", datetime(2025, 10, 13, tzinfo=KST)),
        # epoch seconds and milliseconds
        (1760367600, datetime(2025, 10, 14, tzinfo=KST)),
        ("1760367600", datetime(2025, 10, 14, tzinfo=KST)),
        (1760367600.0, datetime(2025, 10, 14, tzinfo=KST)),
        (1760367600000, datetime(2025, 10, 14, tzinfo=KST)),
        ("1760367600000", datetime(2025, 10, 14, tzinfo=KST)),
        # garbage
        (None, None),
        ("", None),
        ("garbage", None),
        ("2025-13-45", None),
        ("2025-02-30", None),
        ("D-5", None),
        (5, None),
        (True, None),
        (float("nan"), None),
        (10**400, None),
    ],
)
def test_parse_datetime(value: str | int | float | None, expected: datetime | None) -> None:
    result = parse_datetime(value)
    assert result == expected
    if result is not None:
        assert result.tzinfo is not None


def test_parse_datetime_keeps_the_local_zone() -> None:
    result = parse_datetime("2025-09-29 08:55:40")
    assert result is not None
    assert result.utcoffset() == timedelta(hours=9)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-10-13", datetime(2025, 10, 13, 23, 59, 59, tzinfo=KST)),
        ("2026년 10월 08일", datetime(2026, 10, 8, 23, 59, 59, tzinfo=KST)),
        ("2025-10-13 08:00", datetime(2025, 10, 13, 8, tzinfo=KST)),  # a time wins
    ],
)
def test_parse_datetime_end_of_day(value: str, expected: datetime) -> None:
    assert parse_datetime(value, end_of_day=True) == expected


def test_parse_datetime_other_zone() -> None:
    result = parse_datetime("2025-10-13 08:00", tz=UTC)
    assert result == datetime(2025, 10, 13, 8, tzinfo=UTC)


def test_end_of_day() -> None:
    assert end_of_day(0, REFERENCE) == datetime(2026, 10, 2, 23, 59, 59, tzinfo=KST)
    assert end_of_day(5, REFERENCE) == datetime(2026, 10, 7, 23, 59, 59, tzinfo=KST)
    # 20:00 UTC on 2 October is already 3 October in Seoul
    late = datetime(2026, 10, 2, 20, 0, tzinfo=UTC)
    assert end_of_day(0, late) == datetime(2026, 10, 3, 23, 59, 59, tzinfo=KST)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # past
        ("3일 전", REFERENCE - timedelta(days=3)),
        ("3일전", REFERENCE - timedelta(days=3)),
        ("2시간 전", REFERENCE - timedelta(hours=2)),
        ("5분 전", REFERENCE - timedelta(minutes=5)),
        ("10초 전", REFERENCE - timedelta(seconds=10)),
        ("2주 전", REFERENCE - timedelta(weeks=2)),
        ("1개월 전", REFERENCE - timedelta(days=30)),
        ("3달 전", REFERENCE - timedelta(days=90)),
        ("1년 전", REFERENCE - timedelta(days=365)),
        ("방금 전", REFERENCE),
        ("어제", REFERENCE - timedelta(days=1)),
        ("Posted 3 hours ago", REFERENCE - timedelta(hours=3)),
        ("2 days ago", REFERENCE - timedelta(days=2)),
        ("yesterday", REFERENCE - timedelta(days=1)),
        ("Posted yesterday", REFERENCE - timedelta(days=1)),
        ("just now", REFERENCE),
        ("a minute ago", REFERENCE - timedelta(minutes=1)),
        ("an hour ago", REFERENCE - timedelta(hours=1)),
        ("30+ days ago", REFERENCE - timedelta(days=30)),
        ("Posted 2 weeks ago", REFERENCE - timedelta(weeks=2)),
        ("Posted last week", REFERENCE - timedelta(weeks=1)),
        ("Posted last month", REFERENCE - timedelta(days=30)),
        # future (deadlines)
        ("D-5", datetime(2026, 10, 7, 23, 59, 59, tzinfo=KST)),
        ("D-DAY", datetime(2026, 10, 2, 23, 59, 59, tzinfo=KST)),
        ("D-day", datetime(2026, 10, 2, 23, 59, 59, tzinfo=KST)),
        ("마감일정 D-12", datetime(2026, 10, 14, 23, 59, 59, tzinfo=KST)),
        ("마감 2주 2일 전", REFERENCE + timedelta(days=16)),
        ("마감 6일 5시간 전", REFERENCE + timedelta(days=6, hours=5)),
        ("마감 6일 6시간 전", REFERENCE + timedelta(days=6, hours=6)),
        ("마감 3시간 전", REFERENCE + timedelta(hours=3)),
        ("2 days left", REFERENCE + timedelta(days=2)),
        ("5 hours left", REFERENCE + timedelta(hours=5)),
        ("3일 남음", REFERENCE + timedelta(days=3)),
        # unknown
        (None, None),
        ("", None),
        ("마감", None),
        ("비공개", None),
        ("3일", None),
        ("garbage", None),
        ("D-99999999999", None),
        ("99999999999 years ago", None),
    ],
)
def test_parse_relative(text: str | None, expected: datetime | None) -> None:
    result = parse_relative(text, REFERENCE)
    assert result == expected
    if result is not None:
        assert result.tzinfo is not None


def test_parse_relative_naive_reference_is_local() -> None:
    naive = datetime(2026, 10, 2, 14, 30)
    assert parse_relative("D-DAY", naive) == datetime(2026, 10, 2, 23, 59, 59, tzinfo=KST)
    assert parse_relative("1일 전", naive) == datetime(2026, 10, 1, 14, 30, tzinfo=KST)


def test_parse_relative_with_frozen_clock() -> None:
    """Spiders pass the response's fetch time; a test freezes it with time-machine."""
    time_machine = pytest.importorskip("time_machine")
    with time_machine.travel(datetime(2026, 10, 2, 5, 30, tzinfo=UTC), tick=False):
        fetched = datetime.now(KST)
        assert parse_relative("D-1", fetched) == datetime(2026, 10, 3, 23, 59, 59, tzinfo=KST)
