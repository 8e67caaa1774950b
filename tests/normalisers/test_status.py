"""Open or closed from a status badge's words."""

from __future__ import annotations

import pytest

from outsourcing_crawler.normalisers import parse_status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # open, closing soon and upcoming recruitment take applications
        ("모집 중", "open"),
        ("모집중", "open"),
        (" 모집\u00a0중 ", "open"),
        ("모집 예정", "open"),
        ("마감 임박", "open"),
        ("마감임박", "open"),
        ("Open", "open"),
        ("ACTIVE", "open"),
        # closed, and projects already under way or contracted
        ("모집 마감", "closed"),
        ("모집마감", "closed"),
        ("마감", "closed"),
        ("모집 완료", "closed"),
        ("모집 종료", "closed"),
        ("계약 완료", "closed"),
        ("진행 중", "closed"),
        ("진행중", "closed"),
        ("완료", "closed"),
        ("종료", "closed"),
        ("Closed", "closed"),
        ("expired", "closed"),
        # no status badge
        ("외주", None),
        ("프라이빗 매칭", None),
        ("마감 2주 2일 전", None),
        ("모집 중인 프로젝트를 찾고 있습니다", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_status(text: str | None, expected: str | None) -> None:
    assert parse_status(text) == expected
