"""The record of a crawl's health, and whether its state is news."""

import pytest

from outsourcing_crawler.health.record import RECORD_STAT, previous_state, state_changed
from tests.health.judging import crawl_stats, judge


@pytest.mark.parametrize(
    ("previous", "state", "changed"),
    [
        (None, "ok", False),
        (None, "broken", True),
        ("ok", "ok", False),
        ("ok", "degraded", True),
        ("degraded", "degraded", False),
        ("degraded", "broken", True),
        ("broken", "ok", True),
        ("broken", "unknown", False),
    ],
)
def test_state_changed(previous: str | None, state: str, changed: bool) -> None:
    assert state_changed(previous, state) is changed


def test_previous_state_is_the_newest_judged_one() -> None:
    history = [
        {RECORD_STAT: {"state": "unknown"}},
        {},  # a crawl from before the health checks
        {RECORD_STAT: {"state": "degraded"}},
        {RECORD_STAT: {"state": "ok"}},
    ]
    assert previous_state(history) == "degraded"
    assert previous_state([]) is None


def test_the_record_says_what_changed() -> None:
    history = [{**crawl_stats(), RECORD_STAT: {"state": "ok"}}] * 3
    record = judge(crawl_stats(0), history)
    assert record == {
        "state": "broken",
        "findings": [
            {
                "check": "postings",
                "severity": "broken",
                "message": "no posting seen on any list page",
            }
        ],
        "previous_state": "ok",
        "changed": True,
    }
