"""The ``crawl_runs`` row of a crawl that stores its items, and the postings it saw go."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import insert, update
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler import crawl_stats
from outsourcing_crawler.db import Database, close_unseen, databases
from outsourcing_crawler.db.models import CrawlRun
from outsourcing_crawler.health.record import RECORD_STAT
from outsourcing_crawler.pipelines import database_opened
from outsourcing_crawler.storage import storage_url

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def _jsonable_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in stats.items()
        if isinstance(value, (int, float, str, datetime))
    }


class CrawlRunExtension:
    """Opens the crawl's ``crawl_runs`` row and closes it with the finish reason and sums.

    The row is opened when the database pipeline has the database migrated (its
    ``database_opened`` signal), before anything is stored and before ``spider_opened``, whose
    handlers (the incremental middleware) read the runs before this one. It is closed at
    ``spider_closed``, after the pipeline's last write. A crawl that finished cleanly after
    reading its spider's whole listing also closes the postings gone from it.
    ``STORAGE_ENABLED = False`` leaves it out, with the pipeline.
    """

    def __init__(self, crawler: Crawler) -> None:
        if storage_url(crawler.settings) is None:
            raise NotConfigured("STORAGE_ENABLED is off")
        self.crawler = crawler
        self.database: Database | None = None
        self.run_id: int | None = None
        self.started_at: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.database_opened, signal=database_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    async def database_opened(self, database: Database) -> None:
        """Open the run's row; a database that refuses it stops the crawl (the pipeline
        reports why)."""
        self.started_at = datetime.now(UTC)
        # A reference of its own: the pipeline lets go of the database before spider_closed.
        self.database = databases.acquire(database.url)
        try:
            async with self.database.session() as session:
                self.run_id = await session.scalar(
                    insert(CrawlRun)
                    .values(
                        spider=self.crawler.spider.name,
                        started_at=self.started_at,
                        items_scraped=0,
                        inserted=0,
                        updated=0,
                        unchanged=0,
                        dropped=0,
                        errors=0,
                        stats={},
                    )
                    .returning(CrawlRun.id)
                )
        except BaseException:
            await self._release()
            raise

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close the run's row: the finish reason is known only now."""
        if self.database is None or self.started_at is None:
            return
        stats = self.crawler.stats.get_stats()
        errors = crawl_stats.errors(stats)
        try:
            async with self.database.session() as session:
                if (
                    reason == "finished"
                    and not errors
                    and getattr(spider, "saw_whole_listing", False)
                ):
                    # Only a clean crawl of the whole listing knows what is gone from it.
                    closed = await close_unseen(session, spider.name, self.started_at)
                    self.crawler.stats.set_value("outsourcing/db/closed_unseen", closed)
                await session.execute(
                    update(CrawlRun)
                    .where(CrawlRun.id == self.run_id)
                    .values(
                        finished_at=datetime.now(UTC),
                        finish_reason=reason,
                        items_scraped=stats.get("item_scraped_count", 0),
                        inserted=stats.get("outsourcing/db/inserted", 0),
                        updated=stats.get("outsourcing/db/updated", 0),
                        unchanged=stats.get("outsourcing/db/unchanged", 0),
                        dropped=crawl_stats.dropped(stats),
                        errors=errors,
                        stats=_jsonable_stats(stats),
                        health=stats.get(RECORD_STAT),
                    )
                )
        except (OSError, SQLAlchemyError) as exc:
            logger.error("Could not close the crawl_runs row: %s", exc)
        finally:
            await self._release()

    async def _release(self) -> None:
        database, self.database = self.database, None
        if database is not None:
            await databases.release(database)
