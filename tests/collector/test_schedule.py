"""The collector's schedule: durations, the spiders due at a slot, and the slot after a cycle."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from scrapy.exceptions import UsageError
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from outsourcing_crawler.collector.schedule import (
    crawl_intervals,
    due_spiders,
    next_slot,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("10m", 600),
        ("1h", 3600),
        ("1h30m", 5400),
        ("1d", 86400),
        (" 2S ", 2),
        ("1.5m", 90),
        ("45", 45),
        (30, 30),
    ],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "10x", "10 m", "1h-5m", "0s", "-5", "inf", "nan"])
def test_not_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_due_spiders() -> None:
    intervals = {"kmong": 600.0, "wishket": 900.0, "guru": 600.0}
    # Never started: all due, in the plan's order.
    assert due_spiders(intervals, {}, 0.0) == ["kmong", "wishket", "guru"]
    last = {"kmong": 0.0, "wishket": 0.0, "guru": 0.0}
    assert due_spiders(intervals, last, 599.0) == []
    # Slot times are the start plus a whole number of periods, in floating point: here the
    # next slot comes a hair short of the period after the last start, and still counts.
    start, every = 8231.123456789, 2.2
    assert (start + 2 * every) - (start + every) < every
    assert due_spiders({"guru": every}, {"guru": start + every}, start + 2 * every) == ["guru"]
    assert due_spiders(intervals, last, 600.0) == ["kmong", "guru"]
    assert due_spiders(intervals, last, 900.0) == ["kmong", "wishket", "guru"]
    # Only the last start counts, whatever that crawl's outcome: a failed one is retried at
    # its next slot like any other.
    assert due_spiders(intervals, {**last, "guru": 500.0}, 1000.0) == ["kmong", "wishket"]


def test_next_slot() -> None:
    assert next_slot(0, 1.0, 600.0) == 1  # a quick cycle: the next slot
    assert next_slot(4, 2400.0, 600.0) == 5  # a cycle that took no time at all
    assert next_slot(0, 600.0, 600.0) == 1  # exactly one period: slot 1 is now
    assert next_slot(0, 601.0, 600.0) == 2  # overran: slot 1 is skipped, not run late
    assert next_slot(3, 3000.0, 600.0) == 5


def schedule(
    intervals: dict[str, float], every: float, slots: int, took: Callable[[int], float]
) -> list[list[str]]:
    """The spiders each slot runs, driving the collector's two rules as its loop does."""
    last: dict[str, float] = {}
    ran = []
    slot = 0
    while slot < slots:
        due = due_spiders(intervals, last, slot * every)
        last.update(dict.fromkeys(due, slot * every))
        ran.append(due)
        slot = next_slot(slot, slot * every + took(slot), every)
        ran.extend([] for _ in range(len(ran), min(slot, slots)))
    return ran


def test_a_slow_site_is_not_crawled_at_every_slot() -> None:
    intervals = {"kmong": 600.0, "wishket": 900.0}
    ran = schedule(intervals, 600.0, 7, lambda slot: 30.0)
    assert ran == [
        ["kmong", "wishket"],
        ["kmong"],
        ["kmong", "wishket"],  # 20 min after its last start: at least its 15 min
        ["kmong"],
        ["kmong", "wishket"],
        ["kmong"],
        ["kmong", "wishket"],
    ]
    # A cycle that overruns its slot (slot 1 takes 15 min) skips the slot it covered.
    ran = schedule(intervals, 600.0, 5, lambda slot: 900.0 if slot == 1 else 30.0)
    assert ran == [["kmong", "wishket"], ["kmong"], [], ["kmong", "wishket"], ["kmong"]]


@pytest.fixture(scope="module")
def spider_loader() -> SpiderLoader:
    return SpiderLoader.from_settings(get_project_settings())


def test_intervals_from_the_setting_and_the_sites_own_delay(spider_loader: SpiderLoader) -> None:
    names = ["kmong", "guru", "wishket"]
    settings = Settings({"CRAWL_INTERVALS": {"guru": "1h", "kmong": "5s"}})
    intervals = crawl_intervals(spider_loader.load, names, 600.0, settings)
    # kmong's 5 s is below --every; wishket's robots.txt asks `Crawl-delay: 5`, which its
    # DOWNLOAD_DELAY of 5 s follows: 60 requests' time, 5 minutes, at the least.
    assert intervals == {"kmong": 600.0, "guru": 3600.0, "wishket": 600.0}
    intervals = crawl_intervals(spider_loader.load, names, 2.0, Settings())
    assert intervals == {"kmong": 2.0, "guru": 2.0, "wishket": 300.0}
    settings = Settings({"CRAWL_INTERVAL_DELAY_REQUESTS": 0})
    assert crawl_intervals(spider_loader.load, ["wishket"], 2.0, settings) == {"wishket": 2.0}
    with pytest.raises(UsageError, match=r"CRAWL_INTERVALS\['guru'\]: not a duration"):
        crawl_intervals(
            spider_loader.load, names, 2.0, Settings({"CRAWL_INTERVALS": {"guru": "often"}})
        )
