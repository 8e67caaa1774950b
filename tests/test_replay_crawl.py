"""Whole crawls of every spider over the recordings, into a real database, run twice.

The first run stores every posting exactly once; the second, over the same unchanged site,
changes nothing.
"""

from __future__ import annotations

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import func, select

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import CrawlRun, Project, ProjectChange
from tests.commands.test_crawl import SPIDERS
from tests.scrapy_run import replay


async def runs_and_counts(url: str, spider: str) -> tuple[list[CrawlRun], int, int]:
    database = Database(url)
    try:
        async with database.session() as session:
            runs = list((await session.scalars(select(CrawlRun).order_by(CrawlRun.id))).all())
            projects = await session.scalar(
                select(func.count()).select_from(Project).where(Project.platform == spider)
            )
            changes = await session.scalar(select(func.count()).select_from(ProjectChange))
        return runs, projects, changes
    finally:
        await database.dispose()


@pytest.mark.parametrize("spider", sorted(SPIDERS))
@deferred_f_from_coro_f
async def test_replayed_crawl_stores_every_posting_once(database_url: str, spider: str) -> None:
    for _ in range(2):
        result = replay("crawl", spider, "-s", f"DATABASE_URL={database_url}")
        assert result.returncode == 0, result.stderr[-3000:]
        assert "recordings/missing" not in result.stderr, result.stderr[-3000:]
    (first, second), stored, changes = await runs_and_counts(database_url, spider)
    assert first.finish_reason == second.finish_reason == "finished"
    assert stored > 0
    assert first.items_scraped == first.inserted == stored
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, stored)
    assert changes == 0
