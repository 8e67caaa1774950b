"""The report's figures on both databases, against postings whose every figure is known.

``fill`` stores postings of three platforms (won, dollars and euros; fixed, hourly, monthly and
negotiable budgets; open, closed, past their deadline, or closed by a full crawl) first seen at
chosen times around the window edges of ``NOW``; each test checks one figure exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import update

from outsourcing_crawler.db import open_migrated, store_batch
from outsourcing_crawler.db.models import Project
from outsourcing_crawler.report.figures import (
    BudgetSpread,
    DayCount,
    Figures,
    Finding,
    MedianBudget,
    Report,
    SkillTrend,
    SpiderHealth,
    budget_amount,
    build_report,
    top_skills,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
APP = "IT·프로그래밍 / 앱 개발"
WEB = "IT·프로그래밍 / 웹 개발"
WISHKET_WEB = "개발 / 웹"
SOFTWARE = "Websites, IT & Software"


def posting(platform: str, external_id: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "platform": platform,
        "external_id": external_id,
        "url": f"https://{platform}.example/{external_id}",
        "title": f"{platform} {external_id}",
        "description": None,
        "category": None,
        "skills": [],
        "budget_min": None,
        "budget_max": None,
        "currency": None,
        "budget_type": None,
        "deadline": None,
        "status": "open",
        "extra": {},
        "scraped_at": None,
    }
    return {**row, **fields}


def krw(low: int | None, high: int | None, kind: str = "fixed") -> dict[str, Any]:
    return {"budget_min": low, "budget_max": high, "currency": "KRW", "budget_type": kind}


def money(currency: str, low: int | None, high: int | None, kind: str) -> dict[str, Any]:
    return {"budget_min": low, "budget_max": high, "currency": currency, "budget_type": kind}


# (first seen, posting)
POSTINGS: list[tuple[datetime, dict[str, Any]]] = [
    # kmong: won, one category of fixed prices and one monthly; window edges.
    (NOW - 2 * HOUR, posting("kmong", "k1", category=APP, skills=["Python", "React"],
                             deadline=NOW + 2 * DAY, **krw(3_000_000, 5_000_000))),
    # 20:00 UTC is 05:00 the next day in Seoul.
    (NOW - 40 * HOUR, posting("kmong", "k2", category=APP, skills=["Python"],
                              deadline=NOW + 5 * DAY, **krw(5_000_000, 5_000_000))),
    # Exactly 24 h ago: not new in 24 h.
    (NOW - DAY, posting("kmong", "k3", category=APP, skills=["React", "Figma"],
                        **krw(1_000_000, None))),
    (NOW - 10 * DAY, posting("kmong", "k4", category=WEB, skills=["Python", "Java"],
                             deadline=NOW + DAY, **krw(6_000_000, 6_000_000, "monthly"))),
    (NOW - 12 * DAY, posting("kmong", "k5", category=APP, skills=["Java"], status="closed",
                             **krw(9_000_000, 9_000_000))),
    # Open by its badge, but its deadline has passed.
    (NOW - 20 * DAY, posting("kmong", "k6", category=APP, skills=["Python"],
                             deadline=NOW - DAY, **krw(2_000_000, 2_000_000))),
    # Closing exactly 3 days from now: counts as closing; no amount: no median.
    (NOW - 5 * DAY, posting("kmong", "k7", category=APP, skills=["Python", "Node.js"],
                            deadline=NOW + 3 * DAY, budget_type="negotiable")),
    # Exactly 7 days ago: last week, not this week.
    (NOW - 7 * DAY, posting("kmong", "k8", category=APP, skills=["React"],
                            deadline=NOW + 10 * DAY, **krw(4_000_000, 4_000_000))),
    # Exactly 14 days ago: in neither week; a second after the 3-day horizon.
    (NOW - 14 * DAY, posting("kmong", "k9", category=APP, skills=["Python"],
                             deadline=NOW + 3 * DAY + timedelta(seconds=1),
                             **krw(8_000_000, 8_000_000))),
    # freelancer: dollars and euros, hourly and fixed, a posting without a category.
    (NOW - HOUR, posting("freelancer", "f1", category=SOFTWARE, skills=["Python", "Scrapy"],
                         **money("USD", 15, 25, "hourly"))),
    (NOW - 3 * HOUR, posting("freelancer", "f2", category=SOFTWARE, skills=["Python"],
                             **money("USD", 30, 40, "hourly"))),
    (NOW - 2 * DAY, posting("freelancer", "f3", category=SOFTWARE, skills=["React"],
                            **money("USD", 500, 500, "fixed"))),
    (NOW - 2 * DAY, posting("freelancer", "f4", category=SOFTWARE,
                            skills=["React", "TypeScript"], **money("EUR", 400, 400, "fixed"))),
    (NOW - 8 * DAY, posting("freelancer", "f5", skills=["Scrapy", "Python"],
                            **money("USD", 1000, 1000, "fixed"))),
    (NOW - 6 * DAY, posting("freelancer", "f6", category=SOFTWARE, skills=["Python"],
                            deadline=NOW + DAY, **money("USD", None, 300, "fixed"))),
    (NOW - 3 * DAY, posting("freelancer", "f7", category=SOFTWARE, skills=["Go"],
                            status="closed", **money("USD", 100, 100, "hourly"))),
    # wishket: w2 stays "open" but a full crawl no longer saw it (closed_at, set below).
    (NOW - 4 * DAY, posting("wishket", "w1", category=WISHKET_WEB, skills=["Java", "Spring"],
                            deadline=NOW + 20 * DAY, **krw(10_000_000, 20_000_000))),
    (NOW - 4 * DAY, posting("wishket", "w2", category=WISHKET_WEB, skills=["Java"],
                            **krw(30_000_000, 30_000_000))),
    (NOW - 9 * DAY, posting("wishket", "w3", category=WISHKET_WEB, skills=["Java", "React"],
                            **krw(12_000_000, 12_000_000))),
    # guru: only an old closed posting.
    (NOW - 40 * DAY, posting("guru", "g1", skills=["PHP"], status="closed",
                             **money("USD", 50, 50, "hourly"))),
]  # fmt: skip


async def fill(url: str) -> None:
    """Migrate the database at ``url`` and store ``POSTINGS``, each first seen at its time."""
    async with open_migrated(url) as (database, _), database.session() as session:
        for first_seen, row in POSTINGS:
            await store_batch(session, [row], now=first_seen)
        await session.execute(
            update(Project)
            .where(Project.platform == "wishket", Project.external_id == "w2")
            .values(closed_at=NOW - DAY)
        )


async def report_of(url: str, **kwargs: Any) -> Report:
    async with open_migrated(url) as (database, _), database.session() as session:
        return await build_report(session, NOW, **kwargs)


async def filled_report(url: str, **kwargs: Any) -> Report:
    await fill(url)
    return await report_of(url, **kwargs)


def by_platform(report: Report) -> dict[str | None, Any]:
    return {figures.platform: figures for figures in (*report.platforms, report.total)}


def small_report() -> Report:
    """A report made by hand, for the renderings: one platform, markup in a category."""
    days = (DayCount(date(2026, 11, 28), 1), DayCount(date(2026, 11, 29), 0))
    kmong = Figures(
        platform="kmong",
        open=1,
        new_24h=0,
        new_7d=1,
        closing_3d=0,
        median_budgets=(MedianBudget("fixed", "앱 <개발>", "KRW", 5_000_000, 1),),
        top_skills=(SkillTrend("C++", 1, 0),),
        new_per_day=days,
    )
    total = Figures(None, 1, 0, 1, 0, (), (SkillTrend("C++", 1, 0),), days)
    spreads = (
        BudgetSpread("kmong", "total", "KRW", 4, 1_000_000, 2_500_000, 3_500_000, 5_000_000,
                     8_000_000),
        BudgetSpread("wishket", "total", "KRW", 2, 2_000_000, 3_000_000, 4_000_000, 5_000_000,
                     6_000_000),
        BudgetSpread("kmong", "monthly", "KRW", 1, 6_000_000, 6_000_000, 6_000_000, 6_000_000,
                     6_000_000),
    )  # fmt: skip
    health = (
        SpiderHealth("kmong", "degraded", NOW - DAY, "ok", True,
                     (Finding("coverage", "warning", "description <20%>, was 98%"),)),
        SpiderHealth("wishket", "ok", NOW - HOUR, "ok", False, ()),
    )  # fmt: skip
    return Report(
        now=NOW,
        tz=UTC,
        days=2,
        platforms=(kmong,),
        total=total,
        budget_spreads=spreads,
        health=health,
    )


def series(first: date, days: int, counts: Mapping[int, int]) -> tuple[DayCount, ...]:
    """``days`` days from ``first``, ``counts`` keyed by day of the month (November)."""
    every = [first + timedelta(days=n) for n in range(days)]
    return tuple(DayCount(day, counts.get(day.day, 0)) for day in every)


@deferred_f_from_coro_f
async def test_counts_per_platform_and_in_total(database_url: str) -> None:
    report = await filled_report(database_url)
    counts = {
        platform: (figures.open, figures.new_24h, figures.new_7d, figures.closing_3d)
        for platform, figures in by_platform(report).items()
    }
    assert counts == {
        "freelancer": (6, 2, 6, 1),
        "guru": (0, 0, 0, 0),
        "kmong": (7, 1, 4, 3),
        "wishket": (2, 0, 2, 0),
        None: (15, 3, 12, 4),
    }
    assert [figures.platform for figures in report.platforms] == [
        "freelancer",
        "guru",
        "kmong",
        "wishket",
    ]


@deferred_f_from_coro_f
async def test_median_budgets_compare_like_with_like(database_url: str) -> None:
    figures = by_platform(await filled_report(database_url))
    assert figures["kmong"].median_budgets == (
        # 1M (a minimum alone), 4M (3M-5M), 4M, 5M, 8M; closed and past-deadline ones left out.
        MedianBudget("fixed", APP, "KRW", 4_000_000, 5),
        MedianBudget("monthly", WEB, "KRW", 6_000_000, 1),
    )
    assert figures["freelancer"].median_budgets == (
        MedianBudget("fixed", SOFTWARE, "EUR", 400, 1),
        MedianBudget("fixed", SOFTWARE, "USD", 400, 2),  # 500 and a maximum alone of 300
        MedianBudget("fixed", None, "USD", 1000, 1),
        MedianBudget("hourly", SOFTWARE, "USD", 27.5, 2),  # midpoints 20 and 35
    )
    # w2 was closed by a full crawl: only w1 (15M) and w3 (12M).
    assert figures["wishket"].median_budgets == (
        MedianBudget("fixed", WISHKET_WEB, "KRW", 13_500_000, 2),
    )
    assert figures["guru"].median_budgets == ()
    assert figures[None].median_budgets == ()


@deferred_f_from_coro_f
async def test_top_skills_this_week_against_last_week(database_url: str) -> None:
    figures = by_platform(await filled_report(database_url))
    assert figures["kmong"].top_skills == (
        SkillTrend("Python", 3, 1),
        SkillTrend("React", 2, 1),
        SkillTrend("Figma", 1, 0),
        SkillTrend("Node.js", 1, 0),
    )
    assert figures["freelancer"].top_skills == (
        SkillTrend("Python", 3, 1),
        SkillTrend("React", 2, 0),
        SkillTrend("Go", 1, 0),
        SkillTrend("Scrapy", 1, 1),
        SkillTrend("TypeScript", 1, 0),
    )
    assert figures["wishket"].top_skills == (SkillTrend("Java", 2, 1), SkillTrend("Spring", 1, 0))
    assert figures["guru"].top_skills == ()
    total = figures[None].top_skills
    assert total == (
        SkillTrend("Python", 6, 2),
        SkillTrend("React", 4, 2),
        SkillTrend("Java", 2, 3),
        SkillTrend("Figma", 1, 0),
        SkillTrend("Go", 1, 0),
        SkillTrend("Node.js", 1, 0),
        SkillTrend("Scrapy", 1, 1),
        SkillTrend("Spring", 1, 0),
        SkillTrend("TypeScript", 1, 0),
    )
    assert [trend.change for trend in total[:3]] == [4, 2, -1]


@deferred_f_from_coro_f
async def test_top_skills_are_limited(database_url: str) -> None:
    figures = by_platform(await filled_report(database_url, top=2))
    assert [trend.skill for trend in figures[None].top_skills] == ["Python", "React"]
    assert [trend.skill for trend in figures["freelancer"].top_skills] == ["Python", "React"]


def test_twenty_skills_by_default_most_first_ties_by_name() -> None:
    this_week = Counter({f"skill{n:02}": 1 for n in range(30)} | {"Zig": 5, "ada": 5})
    ranked = top_skills(this_week, Counter({"Zig": 7}))
    assert len(ranked) == 20
    assert ranked[:3] == (
        SkillTrend("ada", 5, 0),
        SkillTrend("Zig", 5, 7),
        SkillTrend("skill00", 1, 0),
    )
    assert ranked[1].change == -2


@deferred_f_from_coro_f
async def test_new_postings_per_day_in_utc(database_url: str) -> None:
    report = await filled_report(database_url)
    first = date(2026, 11, 16)
    assert report.first_day == first
    figures = by_platform(report)
    assert figures["kmong"].new_per_day == series(
        first, 14, {17: 1, 19: 1, 22: 1, 24: 1, 27: 1, 28: 1, 29: 1}
    )
    assert figures["freelancer"].new_per_day == series(
        first, 14, {21: 1, 23: 1, 26: 1, 27: 2, 29: 2}
    )
    assert figures["wishket"].new_per_day == series(first, 14, {20: 1, 25: 2})
    assert figures["guru"].new_per_day == series(first, 14, {})
    total = {17: 1, 19: 1, 20: 1, 21: 1, 22: 1, 23: 1, 24: 1, 25: 2, 26: 1, 27: 3, 28: 1, 29: 3}
    assert figures[None].new_per_day == series(first, 14, total)


@deferred_f_from_coro_f
async def test_new_postings_per_day_in_the_reports_time_zone(database_url: str) -> None:
    report = await filled_report(database_url, tz=ZoneInfo("Asia/Seoul"), days=5)
    first = date(2026, 11, 25)  # NOW is 21:00 on the 29th in Seoul
    # k2, first seen at 20:00 UTC on the 27th, is a posting of the 28th in Seoul.
    assert by_platform(report)["kmong"].new_per_day == series(first, 5, {28: 2, 29: 1})


@deferred_f_from_coro_f
async def test_empty_database_gives_an_empty_report(database_url: str) -> None:
    report = await report_of(database_url, days=3)
    assert report.platforms == ()
    total = report.total
    assert (total.open, total.new_24h, total.new_7d, total.closing_3d) == (0, 0, 0, 0)
    assert total.top_skills == ()
    assert total.new_per_day == series(date(2026, 11, 27), 3, {})


@pytest.mark.parametrize(
    ("low", "high", "amount"),
    [(3, 5, 4), (3, 4, 3.5), (None, 300, 300), (1000, None, 1000), (None, None, None)],
)
def test_budget_amount_is_the_midpoint_of_a_range(
    low: int | None, high: int | None, amount: float | None
) -> None:
    assert budget_amount(low, high) == amount


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_report(None, datetime(2026, 11, 29)).send(None)  # type: ignore[arg-type]
