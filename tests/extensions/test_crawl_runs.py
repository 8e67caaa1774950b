"""The crawl_runs row of a stored crawl, and the postings a whole listing no longer shows."""

from __future__ import annotations

import logging

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import text

from outsourcing_crawler.db import Database, migrate
from outsourcing_crawler.db.models import Project, ProjectChange
from outsourcing_crawler.extensions.crawl_runs import CrawlRunExtension
from outsourcing_crawler.pipelines import DatabasePipeline
from tests.support import crawl_runs
from tests.test_pipelines import (
    KmongLikeSpider,
    close_pipeline,
    crawl,
    make_crawler,
    open_pipeline,
    posting,
    refused_open,
    rows,
)


@deferred_f_from_coro_f
async def test_crawl_run_row_is_closed_with_counts(database_url: str) -> None:
    await crawl(database_url, [posting(1), posting(2)])
    await crawl(database_url, [posting(1), posting(2, applicants=10), posting(3)])
    first, second = await crawl_runs(database_url)
    assert first.spider == "kmong"
    assert first.finish_reason == "finished"
    assert first.finished_at >= first.started_at
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)
    assert second.stats["outsourcing/db/inserted"] == 1


@deferred_f_from_coro_f
async def test_the_row_is_open_once_the_pipeline_is(database_url: str) -> None:
    # Before spider_opened: the incremental middleware then reads the runs before this one.
    pipeline = await open_pipeline(database_url)
    (run,) = await crawl_runs(database_url)
    assert (run.spider, run.finished_at, run.finish_reason) == ("kmong", None, None)
    await close_pipeline(pipeline, reason="shutdown")
    (run,) = await crawl_runs(database_url)
    assert run.finish_reason == "shutdown"
    assert run.finished_at is not None


@deferred_f_from_coro_f
async def test_a_database_refusing_the_row_stops_the_crawl_with_one_clear_line(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database(sqlite_url)
    try:
        await migrate(database)
        async with database.session() as session:
            await session.execute(text("DROP TABLE crawl_runs"))
    finally:
        await database.dispose()
    pipeline = DatabasePipeline.from_crawler(make_crawler(sqlite_url))
    record = await refused_open(pipeline, caplog)
    assert "no such table: crawl_runs" in record.getMessage()
    # Closing a crawl that never opened its database writes nothing, and says nothing.
    await close_pipeline(pipeline)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [record]


def test_storage_off_leaves_the_extension_out() -> None:
    with pytest.raises(NotConfigured):
        CrawlRunExtension.from_crawler(make_crawler("sqlite://", STORAGE_ENABLED=False))


@pytest.mark.parametrize("whole_listing", [True, False])
@deferred_f_from_coro_f
async def test_postings_gone_from_a_whole_listing_are_closed(
    database_url: str, whole_listing: bool
) -> None:
    await crawl(database_url, [posting(1), posting(2), posting(3)])
    KmongLikeSpider.saw_whole_listing = whole_listing
    try:
        stats = await crawl(database_url, [posting(1), posting(3)])
    finally:
        del KmongLikeSpider.saw_whole_listing
    projects = {p.external_id: p for p in await rows(database_url, Project, Project.id)}
    changes = await rows(database_url, ProjectChange, ProjectChange.id)
    if whole_listing:
        assert stats["outsourcing/db/closed_unseen"] == 1
        assert (projects["1002"].status, projects["1001"].status) == ("closed", "open")
        assert projects["1002"].closed_at is not None
        assert [(c.field, c.old_value, c.new_value) for c in changes] == [
            ("status", "open", "closed")
        ]
        # Back on the listing: open again, rewritten whole.
        await crawl(database_url, [posting(1), posting(2), posting(3)])
        (again,) = [
            p for p in await rows(database_url, Project, Project.id) if p.external_id == "1002"
        ]
        assert (again.status, again.closed_at) == ("open", None)
    else:
        assert "outsourcing/db/closed_unseen" not in stats
        assert {p.status for p in projects.values()} == {"open"}
        assert changes == []
