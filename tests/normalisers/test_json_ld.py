"""schema.org JSON-LD blocks and JobPosting values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from outsourcing_crawler.normalisers import (
    NO_BUDGET,
    Budget,
    budget_from_base_salary,
    json_ld_nodes,
    location_from_address,
)

POSTING = {"@type": "JobPosting", "title": "Java 백엔드"}
ORGANIZATION = {"@type": "Organization", "name": "elancer"}
BREADCRUMBS = {"@type": "BreadcrumbList"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (POSTING, [POSTING]),
        ([ORGANIZATION, POSTING], [ORGANIZATION, POSTING]),
        # graph members follow the object that holds them, breadth first
        (
            [{"@graph": [POSTING, {"@graph": [BREADCRUMBS]}]}, ORGANIZATION],
            [
                {"@graph": [POSTING, {"@graph": [BREADCRUMBS]}]},
                ORGANIZATION,
                POSTING,
                {"@graph": [BREADCRUMBS]},
                BREADCRUMBS,
            ],
        ),
        ([[POSTING], 3, "text", None], [POSTING]),
        ([], []),
        ("a string", []),
    ],
)
def test_json_ld_nodes(data: Any, expected: list[dict[str, Any]]) -> None:
    assert json_ld_nodes(json.dumps(data)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (json.dumps([ORGANIZATION, POSTING]), [POSTING]),
        (json.dumps({"@graph": [ORGANIZATION, POSTING]}), [POSTING]),
        (
            json.dumps({**POSTING, "@type": ["Thing", "JobPosting"]}),
            [{**POSTING, "@type": ["Thing", "JobPosting"]}],
        ),
        (json.dumps(ORGANIZATION), []),
        # escaped HTML around the block, raw tabs and newlines inside strings
        (json.dumps(POSTING).replace('"', "&quot;"), [POSTING]),
        (
            '{"@type": "JobPosting", "title": "a\tb\nc"}',
            [{"@type": "JobPosting", "title": "a\tb\nc"}],
        ),
        # no JSON at all
        ('{"@type": "JobPosting", "title": ', None),
        ("", None),
        (None, None),
        ("[" * 100_000, None),
    ],
)
def test_json_ld_nodes_of_a_type(text: str | None, expected: list[dict[str, Any]] | None) -> None:
    assert json_ld_nodes(text, "JobPosting") == expected


def address(region: str | None = None, locality: str | None = None) -> dict[str, Any]:
    return {"@type": "PostalAddress", "addressRegion": region, "addressLocality": locality}


@pytest.mark.parametrize(
    ("job_location", "expected"),
    [
        ({"@type": "Place", "address": address("서울특별시", "강남구")}, "서울특별시 강남구"),
        ({"address": address(locality=" 판교 ")}, "판교"),
        ({"address": "  경기도 성남시  분당구 "}, "경기도 성남시 분당구"),
        (
            [
                {"address": address("서울특별시", "중구")},
                {"address": address("경기도", "과천시")},
                {"address": address("서울특별시", "중구")},
            ],
            "서울특별시 중구, 경기도 과천시",
        ),
        ({"address": {"streetAddress": "테헤란로 1"}}, None),
        ({"address": 3}, None),
        ("서울", None),
        (None, None),
        ([], None),
    ],
)
def test_location_from_address(job_location: Any, expected: str | None) -> None:
    assert location_from_address(job_location) == expected


@pytest.mark.parametrize(
    ("salary", "expected"),
    [
        (
            {"@type": "MonetaryAmount", "currency": "KRW", "value": 3500000},
            Budget(3_500_000, 3_500_000, "KRW", "fixed"),
        ),
        (
            {
                "currency": "KRW",
                "value": {"minValue": 6000000, "maxValue": 7000000, "unitText": "MONTH"},
            },
            Budget(6_000_000, 7_000_000, "KRW", "monthly"),
        ),
        (
            {"currency": "USD", "value": {"value": 40, "unitText": "HOUR"}},
            Budget(40, 40, "USD", "hourly"),
        ),
        ({"value": 0}, Budget(None, None, None, "negotiable")),
        ({"value": 500000}, Budget(500_000, 500_000, "KRW", "fixed")),  # no currency: KRW
        ("월 550만원", Budget(5_500_000, 5_500_000, "KRW", "monthly")),
        ("협의", Budget(None, None, None, "negotiable")),
        ("문의", NO_BUDGET),
        (None, NO_BUDGET),
        ([1, 2], NO_BUDGET),
    ],
)
def test_budget_from_base_salary(salary: Any, expected: Budget) -> None:
    assert budget_from_base_salary(salary) == expected
