"""Personal data detection and redaction."""

from __future__ import annotations

import pytest

from outsourcing_crawler.normalisers import find_personal_data, redact_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("연락처 010-1234-5678", ["010-1234-5678"]),
        ("01012345678로 연락", ["01012345678"]),
        ("010 1234 5678", ["010 1234 5678"]),
        ("010.1234.5678", ["010.1234.5678"]),
        ("Tel:02-123-4567", ["02-123-4567"]),
        ("Tel.010-1234-5678", ["010-1234-5678"]),
        ("번호는 010-1234-5678입니다", ["010-1234-5678"]),
        ("031-123-4567", ["031-123-4567"]),
        ("070-1234-5678", ["070-1234-5678"]),
        ("대표번호 1588-1234", ["1588-1234"]),
        ("+82 10 1234 5678", ["+82 10 1234 5678"]),
        ("+82-2-123-4567", ["+82-2-123-4567"]),
        ("+1 (555) 123-4567", ["+1 (555) 123-4567"]),
        ("+44 20 7946 0958", ["+44 20 7946 0958"]),
        ("(555) 123-4567", ["(555) 123-4567"]),
        ("me@example.com", ["me@example.com"]),
        ("메일: client.name+tag@corp.co.kr 로", ["client.name+tag@corp.co.kr"]),
        ("a@b.com, a@b.com", ["a@b.com"]),
        ("010-1234-5678 / hr@company.io", ["010-1234-5678", "hr@company.io"]),
        # never personal data
        ("2025-09-29", []),
        ("2025-09-29 08:55:40", []),
        ("2026.02.05.", []),
        ("7,000,000원", []),
        ("1,234,567,890", []),
        ("to******", []),
        ("la******", []),
        ("팽*원", []),
        ("ab***@gmail.com", []),
        ("id 1760367600", []),
        ("proj_idx 47597", []),
        ("v2.10.1234.5678", []),
        ("1.0101234567", []),
        ("20101234567890", []),
        ("https://www.freemoa.net/m4/s41?pno=47597&first_pno=47597", []),
        ("", []),
        (None, []),
    ],
)
def test_find_personal_data(text: str | None, expected: list[str]) -> None:
    assert find_personal_data(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "메일 client@corp.co.kr 또는 010-1234-5678 로 연락, 날짜 2025-09-29, 금액 7,000,000원",
            "메일 [email] 또는 [phone] 로 연락, 날짜 2025-09-29, 금액 7,000,000원",
        ),
        ("01012345678@gmail.com", "[email]"),
        ("no personal data", "no personal data"),
        ("", ""),
        (None, None),
    ],
)
def test_redact_personal_data(text: str | None, expected: str | None) -> None:
    assert redact_personal_data(text) == expected
