"""The budget pipeline: it fills every item's budget in the base currency, counts what it cannot
convert, and converts a stored posting without a posted date at the day it was first seen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import select

from outsourcing_crawler.db import store_batch
from outsourcing_crawler.db.models import Project
from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.pipelines import BudgetPipeline, DatabasePipeline
from tests.conftest import run_async
from tests.support import database_session
from tests.test_pipelines import close_pipeline, make_crawler

KST = timezone(timedelta(hours=9))
FRIDAY = date(2025, 3, 14)  # ECB: 1 EUR = 1582.87 KRW = 1.0889 USD
GOOD_FRIDAY = datetime(2025, 4, 18, 3, tzinfo=UTC)  # no fixing; Thursday's: 1609.12, 1.136


def posting(external_id: str = "1", **fields: Any) -> ProjectItem:
    values: dict[str, Any] = {
        "platform": "kmong",  # the test spider's name
        "external_id": external_id,
        "url": f"https://www.guru.com/jobs/{external_id}",
        "title": "Scrapy crawler",
        "budget_min": 25,
        "budget_max": 45,
        "currency": "USD",
        "budget_type": "hourly",
        "posted_at": datetime(2025, 3, 14, 9, tzinfo=UTC),
        "scraped_at": GOOD_FRIDAY,
        **fields,
    }
    return ProjectItem(**values)


async def converted(items: list[ProjectItem], **settings: Any) -> BudgetPipeline:
    crawler = make_crawler("sqlite://", STORAGE_ENABLED=False, **settings)
    pipeline = BudgetPipeline.from_crawler(crawler)
    await pipeline.open_spider()
    for item in items:
        await pipeline.process_item(item)
    return pipeline


def test_the_pipeline_fills_the_item() -> None:
    item = posting()
    run_async(converted([item]))
    assert item.base_currency == "KRW"
    assert (item.base_budget_min, item.base_budget_max) == (36_341, 65_414)
    assert (item.monthly_budget_min, item.monthly_budget_max) == (6_299_112, 11_338_402)
    assert item.exchange_rate == pytest.approx(1582.87 / 1.0889)
    assert item.exchange_rate_date == FRIDAY


def test_the_pipeline_reads_its_settings() -> None:
    item = posting(budget_min=100, budget_max=100, currency="KRW")
    run_async(converted([item], BASE_CURRENCY="EUR", HOURS_PER_MONTH=100))
    assert (item.base_currency, item.base_budget_min, item.monthly_budget_min) == ("EUR", 0, 6)


def test_an_undated_new_posting_takes_the_day_it_is_scraped() -> None:
    item = posting(posted_at=None)
    run_async(converted([item]))
    assert item.exchange_rate_date == date(2025, 4, 17)
    assert item.base_budget_min == 35_412  # 25 x 1609.12 / 1.136


def test_what_cannot_be_converted_is_left_empty_and_counted() -> None:
    items = [
        posting("1", currency="TWD"),
        posting("2", currency="TWD"),
        posting("3", currency="RUB"),
    ]
    pipeline = run_async(converted([*items, posting("4", currency=None, budget_min=None)]))
    for item in items:
        assert item.base_currency is item.base_budget_min is item.exchange_rate_date is None
    stats = pipeline.crawler.stats.get_stats()
    assert stats["outsourcing/budgets/unknown_currency/TWD"] == 2
    assert stats["outsourcing/budgets/no_rate/RUB"] == 1
    assert not [key for key in stats if key.startswith("outsourcing/budgets/") and "None" in key]


async def crawl(url: str, items: list[ProjectItem]) -> dict[str, Any]:
    """The budget and database pipelines of one crawl; returns its stats."""
    crawler = make_crawler(url)
    budgets, database = BudgetPipeline.from_crawler(crawler), DatabasePipeline.from_crawler(crawler)
    await budgets.open_spider()
    await database.open_spider()
    for item in items:
        await database.process_item(await budgets.process_item(item))
    await close_pipeline(database)
    return crawler.stats.get_stats()


@deferred_f_from_coro_f
async def test_a_stored_undated_posting_keeps_the_day_it_was_first_seen(database_url: str) -> None:
    await crawl(database_url, [])  # creates the tables
    async with database_session(database_url) as session:
        seen_friday = datetime(2025, 3, 14, 12, tzinfo=UTC)
        await store_batch(session, [vars(posting(posted_at=None))], now=seen_friday)
    await crawl(database_url, [posting(posted_at=None)])
    async with database_session(database_url) as session:
        stored = await session.scalar(select(Project))
    # At the rate of the day it was first seen, not of this crawl's day.
    assert stored.exchange_rate_date == FRIDAY
    assert stored.base_budget_min == 36_341
    # Seen again later, it is not rewritten at that day's rate.
    stats = await crawl(database_url, [posting(posted_at=None, scraped_at=datetime.now(UTC))])
    assert stats["outsourcing/db/unchanged"] == 1


@deferred_f_from_coro_f
async def test_a_new_database_has_no_first_seen_times(sqlite_url: str) -> None:
    stats = await crawl(sqlite_url, [posting("1", posted_at=None)])
    assert stats["outsourcing/db/inserted"] == 1
