"""Field coverage against the spider's earlier crawls."""

import pytest

from tests.health.judging import crawl_stats, findings, judge


def test_a_field_filled_far_less_often_than_usual_is_degraded() -> None:
    history = [crawl_stats(50, missing={"description": 1})] * 3
    record = judge(crawl_stats(50, missing={"description": 40}), history)
    assert findings(record) == {
        "coverage": ("degraded", "description filled in 20% of postings (usually 98%)")
    }


@pytest.mark.parametrize("missing", [0, 2])
def test_a_field_filled_about_as_often_as_usual_is_ok(missing: int) -> None:
    history = [crawl_stats(missing={"location": 3})] * 3
    assert judge(crawl_stats(missing={"location": 3 + missing}), history)["state"] == "ok"


def test_a_field_rarely_filled_before_is_no_finding_when_never_filled() -> None:
    history = [crawl_stats(50, missing={"location": 48})] * 3
    assert judge(crawl_stats(50, missing={"location": 50}), history)["state"] == "ok"


def test_small_crawls_are_not_judged_by_coverage() -> None:
    history = [crawl_stats(missing={"description": 0})] * 3
    assert judge(crawl_stats(4, missing={"description": 4}), history)["state"] == "degraded"
    assert "coverage" not in findings(judge(crawl_stats(4, missing={"description": 4}), history))
