"""The pipelines on both databases: validation, batching, upsert outcomes, history."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import Project, ProjectChange
from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.pipelines import (
    CompletenessPipeline,
    DatabasePipeline,
    ValidationPipeline,
)
from tests.conftest import run_async

KST = timezone(timedelta(hours=9))
SCRAPED = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


class KmongLikeSpider(Spider):
    name = "kmong"
    expected_fields = ("budget_type", "deadline")


def posting(n: int = 1, **changes: Any) -> ProjectItem:
    item = ProjectItem(
        platform="kmong",
        external_id=str(1000 + n),
        url=f"https://kmong.com/enterprise/requests/{1000 + n}",
        title=f"쇼핑몰 앱 개발 {n}",
        description="React Native 로 iOS/Android 앱을 개발합니다.\n관리자 페이지 포함.",
        category="IT·프로그래밍 / 앱 개발",
        skills=["React Native", "Node.js"],
        budget_min=5_000_000,
        budget_max=5_000_000,
        currency="KRW",
        budget_type="fixed",
        duration_days=60,
        work_type="remote",
        deadline=datetime(2026, 12, 5, 23, 59, 59, tzinfo=KST),
        applicants=3,
        status="open",
        extra={"project_type": "OUTSOURCING"},
        scraped_at=SCRAPED,
    )
    return replace(item, **changes)


def make_crawler(url: str, **settings: Any) -> Any:
    """A crawler with the project's storage extension (only it: Scrapy's own extensions
    expect a crawl's every signal), its spider open."""
    crawler = get_crawler(
        KmongLikeSpider,
        {
            "DATABASE_URL": url,
            "DB_FLUSH_INTERVAL": 60,
            "DB_BATCH_SIZE": 500,
            "EXTENSIONS_BASE": {},
            "EXTENSIONS": {"outsourcing_crawler.extensions.crawl_runs.CrawlRunExtension": 500},
            **settings,
        },
    )
    crawler.spider = KmongLikeSpider()
    crawler.stats.open_spider()
    return crawler


async def open_pipeline(url: str, **settings: Any) -> DatabasePipeline:
    pipeline = DatabasePipeline.from_crawler(make_crawler(url, **settings))
    await pipeline.open_spider()
    return pipeline


async def close_pipeline(pipeline: DatabasePipeline, reason: str = "finished") -> None:
    """Close as the engine does: the pipelines, then the spider_closed signal."""
    crawler = pipeline.crawler
    await pipeline.close_spider()
    await crawler.signals.send_catch_log_async(
        signals.spider_closed, spider=crawler.spider, reason=reason
    )


async def crawl(url: str, items: Iterable[ProjectItem], **settings: Any) -> dict[str, Any]:
    """One whole crawl's worth of pipeline calls; returns the crawl's stats."""
    pipeline = await open_pipeline(url, **settings)
    for item in items:
        await pipeline.process_item(item)
    await close_pipeline(pipeline)
    return pipeline.crawler.stats.get_stats()


async def rows(url: str, model: Any, *order: Any) -> list[Any]:
    database = Database(url)
    try:
        async with database.session() as session:
            return list((await session.scalars(select(model).order_by(*order))).all())
    finally:
        await database.dispose()


async def eventually(url: str, count: int, seconds: float = 5.0) -> int:
    """How many projects are stored once ``count`` are, or when ``seconds`` have passed."""
    stored = 0
    for _ in range(int(seconds / 0.05)):
        stored = len(await rows(url, Project, Project.id))
        if stored >= count:
            break
        await asyncio.sleep(0.05)
    return stored


async def refused_open(
    pipeline: DatabasePipeline, caplog: pytest.LogCaptureFixture
) -> logging.LogRecord:
    """The one error line of a pipeline that cannot use its database: it stops the crawl."""
    with caplog.at_level(logging.ERROR), pytest.raises(CloseSpider) as raised:
        await pipeline.open_spider()
    assert raised.value.reason == "database_unavailable"
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    return record


# -- validation ---------------------------------------------------------------------------


def validate(item: ProjectItem) -> tuple[ProjectItem | None, dict[str, Any]]:
    crawler = make_crawler("sqlite://")
    pipeline = ValidationPipeline.from_crawler(crawler)
    try:
        result = run_async(pipeline.process_item(item))
    except DropItem:
        result = None
    return result, crawler.stats.get_stats()


def test_valid_item_passes() -> None:
    item = posting()
    assert validate(item)[0] is item


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"platform": None}, "missing_platform"),
        ({"external_id": None}, "missing_external_id"),
        ({"url": None}, "missing_url"),
        ({"title": "   "}, "missing_title"),
        ({"external_id": 1001}, "invalid_external_id"),
        ({"platform": "craigslist"}, "invalid_platform"),
        ({"budget_type": "weekly"}, "invalid_budget_type"),
        ({"work_type": "office"}, "invalid_work_type"),
        ({"status": "active"}, "invalid_status"),
        ({"budget_min": 250.0}, "invalid_budget_min"),
        ({"budget_max": True}, "invalid_budget_max"),
        ({"skills": "Python, Django"}, "invalid_skills"),
        ({"skills": ["Python", 3]}, "invalid_skills"),
        ({"extra": ["views", 3]}, "invalid_extra"),
        ({"deadline": datetime(2026, 12, 5, 23, 59, 59)}, "invalid_deadline"),
        ({"deadline": "2026-12-05"}, "invalid_deadline"),
        ({"applicants": "7명"}, "invalid_applicants"),
        ({"budget_min": 9, "budget_max": 5}, "invalid_budget_range"),
        ({"currency": None}, "missing_currency"),
    ],
)
def test_invalid_item_is_dropped_and_counted(changes: dict[str, Any], reason: str) -> None:
    result, stats = validate(posting(**changes))
    assert result is None
    assert stats[f"outsourcing/dropped/{reason}"] == 1


def test_drop_names_the_field() -> None:
    pipeline = ValidationPipeline.from_crawler(make_crawler("sqlite://"))
    with pytest.raises(DropItem, match="invalid_budget_type"):
        run_async(pipeline.process_item(posting(budget_type="weekly")))


def test_completeness_counts_missing_expected_fields() -> None:
    crawler = make_crawler("sqlite://")
    pipeline = CompletenessPipeline.from_crawler(crawler)
    run_async(pipeline.process_item(posting(deadline=None)))
    stats = crawler.stats.get_stats()
    assert stats["outsourcing/missing_fields/kmong/deadline"] == 1
    assert "outsourcing/missing_fields/kmong/budget_type" not in stats


# -- storage ------------------------------------------------------------------------------


@deferred_f_from_coro_f
async def test_insert_stores_every_field(database_url: str) -> None:
    stats = await crawl(database_url, [posting(1), posting(2)])
    assert stats["outsourcing/db/inserted"] == 2
    stored = await rows(database_url, Project, Project.external_id)
    assert [p.external_id for p in stored] == ["1001", "1002"]
    first = stored[0]
    assert first.title == "쇼핑몰 앱 개발 1"
    assert first.skills == ["React Native", "Node.js"]
    assert first.budget_min == 5_000_000
    assert first.extra == {"project_type": "OUTSOURCING"}
    # The instant survives, whatever the database does with offsets.
    assert first.deadline == datetime(2026, 12, 5, 23, 59, 59, tzinfo=KST)
    assert first.first_seen_at == first.last_seen_at == first.updated_at


@deferred_f_from_coro_f
async def test_recrawl_of_unchanged_items_only_moves_last_seen(database_url: str) -> None:
    await crawl(database_url, [posting(1), posting(2)])
    (before, _) = await rows(database_url, Project, Project.external_id)
    stats = await crawl(database_url, [posting(1), posting(2)])
    assert stats["outsourcing/db/unchanged"] == 2
    assert stats.get("outsourcing/db/inserted", 0) == stats.get("outsourcing/db/updated", 0) == 0
    (after, _) = await rows(database_url, Project, Project.external_id)
    assert after.last_seen_at > before.last_seen_at
    assert after.updated_at == before.updated_at
    assert after.first_seen_at == before.first_seen_at
    assert await rows(database_url, ProjectChange, ProjectChange.id) == []


@deferred_f_from_coro_f
async def test_changed_item_is_updated_with_its_history(database_url: str) -> None:
    await crawl(database_url, [posting(1)])
    new_deadline = datetime(2026, 12, 12, 23, 59, 59, tzinfo=KST)
    stats = await crawl(
        database_url,
        [posting(1, status="closed", applicants=9, budget_max=6_000_000, deadline=new_deadline)],
    )
    assert stats["outsourcing/db/updated"] == 1
    (project,) = await rows(database_url, Project, Project.id)
    assert (project.status, project.applicants, project.budget_max) == ("closed", 9, 6_000_000)
    assert project.closed_at is not None
    assert project.updated_at > project.first_seen_at
    changes = {
        c.field: (c.old_value, c.new_value)
        for c in await rows(database_url, ProjectChange, ProjectChange.id)
    }
    assert changes == {
        "status": ("open", "closed"),
        "applicants": (3, 9),
        "budget_max": (5_000_000, 6_000_000),
        "deadline": ("2026-12-05T14:59:59+00:00", "2026-12-12T14:59:59+00:00"),
    }


@deferred_f_from_coro_f
async def test_a_key_twice_in_one_batch_keeps_the_last(database_url: str) -> None:
    stats = await crawl(database_url, [posting(1, title="처음"), posting(1, title="나중")])
    assert stats["outsourcing/db/inserted"] == 1
    (project,) = await rows(database_url, Project, Project.id)
    assert project.title == "나중"


@deferred_f_from_coro_f
async def test_batch_size_flushes_during_the_crawl(database_url: str) -> None:
    pipeline = await open_pipeline(database_url, DB_BATCH_SIZE=2)
    for n in range(5):
        await pipeline.process_item(posting(n))
    # Full batches are written while the crawl goes on, before any timer or close.
    assert await eventually(database_url, 4) >= 4
    await close_pipeline(pipeline)
    assert len(await rows(database_url, Project, Project.id)) == 5
    assert pipeline.crawler.stats.get_value("outsourcing/db/flushes") >= 2


@deferred_f_from_coro_f
async def test_timer_flush_lands_items_of_a_slow_crawl(database_url: str) -> None:
    pipeline = await open_pipeline(database_url, DB_FLUSH_INTERVAL=0.2)
    await pipeline.process_item(posting(1))
    assert await eventually(database_url, 1) == 1
    await close_pipeline(pipeline)


@deferred_f_from_coro_f
async def test_close_flushes_what_is_left(database_url: str) -> None:
    pipeline = await open_pipeline(database_url)
    for n in range(3):
        await pipeline.process_item(posting(n))
    assert await rows(database_url, Project, Project.id) == []
    await close_pipeline(pipeline)
    assert len(await rows(database_url, Project, Project.id)) == 3


@deferred_f_from_coro_f
async def test_close_waits_for_a_timer_flush_under_way(database_url: str) -> None:
    pipeline = await open_pipeline(database_url, DB_FLUSH_INTERVAL=0.05)
    for n in range(300):
        await pipeline.process_item(posting(n))
    await asyncio.sleep(0.06)  # the timer's flush has begun
    await close_pipeline(pipeline)
    assert len(await rows(database_url, Project, Project.id)) == 300


@deferred_f_from_coro_f
async def test_concurrent_items_are_each_stored_once(database_url: str) -> None:
    pipeline = await open_pipeline(database_url, DB_BATCH_SIZE=50)
    await asyncio.gather(*(pipeline.process_item(posting(n % 400)) for n in range(1000)))
    await close_pipeline(pipeline)
    assert len(await rows(database_url, Project, Project.id)) == 400


@deferred_f_from_coro_f
async def test_sql_is_never_built_from_values(database_url: str) -> None:
    title = "'); DROP TABLE projects; --"
    await crawl(database_url, [posting(1, title=title, external_id="1' OR '1'='1")])
    (project,) = await rows(database_url, Project, Project.id)
    assert (project.title, project.external_id) == (title, "1' OR '1'='1")


@deferred_f_from_coro_f
async def test_unreachable_database_stops_the_crawl_with_one_clear_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = "postgresql://crawler:s3cret-pass@127.0.0.1:1/projects"
    record = await refused_open(DatabasePipeline.from_crawler(make_crawler(url)), caplog)
    assert "127.0.0.1:1/projects" in record.getMessage()
    assert "s3cret-pass" not in caplog.text
    assert record.exc_info is None


def test_storage_can_be_turned_off() -> None:
    with pytest.raises(NotConfigured):
        DatabasePipeline.from_crawler(make_crawler("sqlite://", STORAGE_ENABLED=False))
