"""The finish reason."""

import pytest

from tests.health.judging import crawl_stats, findings, judge


@pytest.mark.parametrize("reason", ["site_unreachable", "blocked"])
def test_a_crawl_that_did_not_do_its_job_is_broken(reason: str) -> None:
    record = judge(crawl_stats(0, reason=reason))
    assert record["state"] == "broken"
    # The comparisons skip: a crawl cut short measures nothing of the site.
    assert findings(record) == {"finish": ("broken", f"the crawl ended as {reason}")}


@pytest.mark.parametrize("reason", ["finished", "closespider_itemcount"])
def test_a_crawl_that_did_its_job_is_ok(reason: str) -> None:
    assert judge(crawl_stats(reason=reason))["state"] == "ok"


@pytest.mark.parametrize("reason", ["shutdown", "database_unavailable"])
def test_a_crawl_stopped_for_other_reasons_is_not_judged(reason: str) -> None:
    record = judge(crawl_stats(0, reason=reason))
    assert (record["state"], record["findings"], record["changed"]) == ("unknown", [], False)
