"""Reading a spider's earlier crawls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrapy.utils.defer import deferred_f_from_coro_f

from outsourcing_crawler.db import Database, migrate
from outsourcing_crawler.db.crawl_runs import recent_runs
from outsourcing_crawler.db.models import CrawlRun

START = datetime(2026, 12, 1, tzinfo=UTC)


def run(spider: str, hour: int, finished: bool = True) -> CrawlRun:
    started = START + timedelta(hours=hour)
    return CrawlRun(
        spider=spider,
        started_at=started,
        finished_at=started + timedelta(minutes=5) if finished else None,
        finish_reason="finished" if finished else None,
        items_scraped=hour,
        stats={"item_scraped_count": hour},
        health={"state": "ok"},
    )


@deferred_f_from_coro_f
async def test_recent_runs_are_the_spiders_closed_crawls_newest_first(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate(database)
        async with database.session() as session:
            unfinished = run("kmong", 5, finished=False)
            session.add_all([run("kmong", 1), run("kmong", 3), run("guru", 4), run("kmong", 2)])
            session.add(unfinished)
        async with database.session() as session:
            runs = await recent_runs(session, "kmong", 10)
            assert [r.items_scraped for r in runs] == [3, 2, 1]
            assert runs[0].health == {"state": "ok"}
            assert [r.items_scraped for r in await recent_runs(session, "kmong", 2)] == [3, 2]
    finally:
        await database.dispose()
