"""Postings seen against the spider's earlier crawls of the same scope."""

import pytest

from tests.health.judging import USUAL, crawl_stats, findings, judge


@pytest.mark.parametrize(("postings", "state"), [(10, "ok"), (6, "ok"), (5, "degraded")])
def test_half_the_usual_postings_is_degraded(postings: int, state: str) -> None:
    record = judge(crawl_stats(postings))
    assert record["state"] == state
    if state == "degraded":
        assert findings(record) == {
            "postings": (
                "degraded",
                "5 postings seen, 50% of the usual 10 (median of the last 3 crawls)",
            )
        }


def test_no_posting_at_all_is_broken() -> None:
    assert findings(judge(crawl_stats(0))) == {
        "postings": ("broken", "no posting seen on any list page")
    }


def test_no_posting_is_broken_without_history_too() -> None:
    assert judge(crawl_stats(0), history=[])["state"] == "broken"


def test_a_search_that_matches_nothing_is_not_judged_without_history() -> None:
    assert judge(crawl_stats(0, scope="full q=rare"), history=[], q="rare")["state"] == "ok"


def test_a_scope_that_usually_sees_nothing_is_ok_seeing_nothing() -> None:
    history = [crawl_stats(0, scope="full q=rare")] * 3
    assert judge(crawl_stats(0, scope="full q=rare"), history, q="rare")["state"] == "ok"


@pytest.mark.parametrize(
    "history",
    [
        USUAL[:2],
        [crawl_stats(scope="incremental")] * 3,
        [crawl_stats(reason="blocked")] * 3,
    ],
    ids=["too-few-crawls", "other-scope", "failed-crawls"],
)
def test_only_enough_comparable_crawls_are_compared(history: list) -> None:
    assert judge(crawl_stats(2), history)["state"] == "ok"


def test_the_median_ignores_one_odd_crawl() -> None:
    history = [crawl_stats(1000), crawl_stats(10), crawl_stats(10)]
    assert judge(crawl_stats(8), history)["state"] == "ok"
