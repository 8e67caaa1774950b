"""Whole crawls of every spider over the recordings, into a real database, run three times.

The first run stores every posting exactly once. The second, incremental by default, over
the same unchanged site, changes nothing and reads no more than the first list page. The
third, with ``-a full=1``, reads everything again and still changes nothing.
"""

from __future__ import annotations

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import func, select

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import CrawlRun, Project, ProjectChange
from tests.commands.test_crawl import SPIDERS
from tests.scrapy_run import replay

# Requests before the first list page that shows postings: robots.txt, then freemoa's
# session-cookie page and elancer's sitemap index.
REQUESTS_TO_FIRST_LIST_PAGE = {"freemoa": 3, "elancer": 3}


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
async def test_replayed_crawls_store_every_posting_once(database_url: str, spider: str) -> None:
    for arguments in ([], [], ["-a", "full=1"]):
        result = replay("crawl", spider, "-s", f"DATABASE_URL={database_url}", *arguments)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "recordings/missing" not in result.stderr, result.stderr[-3000:]
    (first, second, full), stored, changes = await runs_and_counts(database_url, spider)
    assert first.finish_reason == second.finish_reason == full.finish_reason == "finished"
    assert stored > 0
    assert first.items_scraped == first.inserted == stored
    assert (second.inserted, second.updated) == (full.inserted, full.updated) == (0, 0)
    assert full.unchanged == stored
    assert changes == 0
    # A detail page that failed (the recorded site has a 503) is tried again, with retries.
    failed = sum(
        count
        for key, count in first.stats.items()
        if key.startswith((f"outsourcing/parse_errors/{spider}/http_", "retry/count"))
    )
    requests = second.stats["downloader/request_count"]
    assert requests <= REQUESTS_TO_FIRST_LIST_PAGE.get(spider, 2) + failed
    assert full.stats["downloader/request_count"] == first.stats["downloader/request_count"]
