"""Parse errors against the share of pages with errors in earlier crawls."""

import pytest

from tests.health.judging import crawl_stats, findings, judge


def test_errors_far_above_the_usual_share_are_degraded() -> None:
    record = judge(crawl_stats(errors=8, **{"outsourcing/parse_errors/kmong/no_rows": 2}))
    assert findings(record) == {
        "parse_errors": (
            "degraded",
            "10 errors in 13 pages (77%, usually 8%): http_503 x8, no_rows x2",
        )
    }


@pytest.mark.parametrize("errors", [2, 3])
def test_the_usual_noise_is_ok(errors: int) -> None:
    assert judge(crawl_stats(errors=errors))["state"] == "ok"
