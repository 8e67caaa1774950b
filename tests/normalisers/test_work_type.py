"""Work modes."""

from __future__ import annotations

import pytest

from outsourcing_crawler.normalisers import parse_work_type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("반상주", "hybrid"),
        ("혼합", "hybrid"),
        ("hybrid", "hybrid"),
        ("Hybrid", "hybrid"),
        ("재택 병행", "hybrid"),
        ("상주/재택", "hybrid"),
        ("상주", "onsite"),
        ("(상주) 내부 백오피스 프론트엔드 개발자", "onsite"),
        ("주 5회 상주 (월~금)", "onsite"),
        ("기간제 상주", "onsite"),
        ("on-site", "onsite"),
        ("onsite", "onsite"),
        ("On-site", "onsite"),
        ("출근", "onsite"),
        ("재택 불가", "onsite"),
        ("재택", "remote"),
        ("원격", "remote"),
        ("remote", "remote"),
        ("Remote", "remote"),
        ("비상주", "remote"),
        ("외주", None),
        ("도급", None),
        ("기간제", None),
        ("", None),
        (None, None),
        ("garbage", None),
    ],
)
def test_parse_work_type(text: str | None, expected: str | None) -> None:
    assert parse_work_type(text) == expected
