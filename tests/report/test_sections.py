"""The budget spreads in the reference currency and the crawl health, on both databases.

Postings with known converted amounts (hand-computed quartiles, inclusive method: the quartile
of n sorted amounts at position (n - 1) / 4 between them) and crawl runs with known verdicts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrapy.utils.defer import deferred_f_from_coro_f

from outsourcing_crawler.db import open_migrated, store_batch
from outsourcing_crawler.db.models import CrawlRun
from outsourcing_crawler.report.figures import BudgetSpread, Finding, SpiderHealth
from tests.report.test_figures import DAY, HOUR, NOW, posting, report_of


def converted(
    kind: str, low: int | None, high: int | None, monthly: tuple[int, int] | None = None
) -> dict[str, Any]:
    """A won budget (so converted as is) with its monthly equivalent, if any."""
    return {
        "budget_type": kind,
        "currency": "KRW",
        "budget_min": low,
        "budget_max": high,
        "base_currency": "KRW",
        "base_budget_min": low,
        "base_budget_max": high,
        "monthly_budget_min": monthly and monthly[0],
        "monthly_budget_max": monthly and monthly[1],
    }


def dollars(low: int, high: int, base: tuple[int, int], monthly: tuple[int, int] | None) -> dict:
    kind = "fixed" if monthly is None else "hourly"
    return {
        "budget_type": kind,
        "currency": "USD",
        "budget_min": low,
        "budget_max": high,
        "base_currency": "KRW",
        "base_budget_min": base[0],
        "base_budget_max": base[1],
        "monthly_budget_min": monthly and monthly[0],
        "monthly_budget_max": monthly and monthly[1],
    }


SPREAD_POSTINGS = [
    # kmong totals 1M, 3M (2M-4M), 4M, 8M: quartiles 2.5M, 3.5M, 5M.
    posting("kmong", "a", **converted("fixed", 1_000_000, None)),
    posting("kmong", "b", **converted("fixed", 2_000_000, 4_000_000)),
    posting("kmong", "c", **converted("fixed", 4_000_000, 4_000_000)),
    # Two months long: per month 4M as well.
    posting("kmong", "d", **converted("fixed", 8_000_000, 8_000_000, (4_000_000, 4_000_000))),
    posting("kmong", "e", **converted("monthly", 6_000_000, 6_000_000, (6_000_000, 6_000_000))),
    # Left out: closed, past its deadline, not converted (a currency the rates do not know).
    posting("kmong", "f", status="closed", **converted("fixed", 50_000_000, 50_000_000)),
    posting("kmong", "g", deadline=NOW - DAY, **converted("fixed", 90_000_000, 90_000_000)),
    posting("kmong", "h", budget_type="fixed", currency="XYZ", budget_min=5, budget_max=5),
    # freelancer: dollars at 1,400 won; hourly with monthly equivalents.
    posting("freelancer", "x", **dollars(500, 500, (700_000, 700_000), None)),
    posting("freelancer", "y", **dollars(20, 30, (28_000, 42_000), (3_467_000, 5_200_000))),
    posting("freelancer", "z", **dollars(35, 45, (49_000, 63_000), (6_000_000, 8_000_000))),
]


@deferred_f_from_coro_f
async def test_budget_spreads_in_the_reference_currency(database_url: str) -> None:
    async with open_migrated(database_url) as (database, _), database.session() as session:
        await store_batch(session, SPREAD_POSTINGS, now=NOW - HOUR)
    report = await report_of(database_url)
    assert report.budget_spreads == (
        BudgetSpread("freelancer", "total", "KRW", 1, 700_000, 700_000, 700_000, 700_000, 700_000),
        BudgetSpread(
            "kmong", "total", "KRW", 4, 1_000_000, 2_500_000, 3_500_000, 5_000_000, 8_000_000
        ),
        # Midpoints 4,333,500 and 7,000,000.
        BudgetSpread(
            "freelancer", "monthly", "KRW", 2, 4_333_500, 5_000_125, 5_666_750, 6_333_375,
            7_000_000,
        ),
        BudgetSpread(
            "kmong", "monthly", "KRW", 2, 4_000_000, 4_500_000, 5_000_000, 5_500_000, 6_000_000
        ),
    )  # fmt: skip


def run(spider: str, started_hours_ago: int, health: dict[str, Any] | None = None) -> CrawlRun:
    started = NOW - timedelta(hours=started_hours_ago)
    fields: dict[str, Any] = {"health": health} if health is not None else {}
    return CrawlRun(spider=spider, started_at=started, finished_at=started + HOUR, **fields)


DEGRADED = {
    "state": "degraded",
    "previous_state": "ok",
    "changed": True,
    "findings": [
        {"check": "coverage", "severity": "warning", "message": "description 20%, was 98%"}
    ],
}


@deferred_f_from_coro_f
async def test_health_is_each_spiders_latest_judged_crawl(database_url: str) -> None:
    async with open_migrated(database_url) as (database, _), database.session() as session:
        session.add_all(
            [
                run("kmong", 30, {"state": "ok", "findings": [], "changed": False}),
                run("kmong", 5, DEGRADED),
                # Still running: no finish time, no verdict yet.
                CrawlRun(spider="kmong", started_at=NOW - HOUR),
                run("wishket", 20, {"state": "broken", "previous_state": None, "changed": True,
                                    "findings": []}),
                # Not judged (the checks did not run): the verdict before it stands.
                run("wishket", 2),
                run("guru", 3),
            ]
        )  # fmt: skip
        await session.commit()
    report = await report_of(database_url)
    coverage = Finding("coverage", "warning", "description 20%, was 98%")
    assert report.health == (
        SpiderHealth("kmong", "degraded", NOW - 4 * HOUR, "ok", True, (coverage,)),
        SpiderHealth("wishket", "broken", NOW - 19 * HOUR, None, True, ()),
    )
