"""The spider's earlier crawls, loaded from ``crawl_runs`` when a crawl opens.

Spidermon hands monitors ``spider.stats_history``, newest first (its own collectors fill it
from a local file); this extension fills it from the database instead. Each entry is an
earlier crawl's stats as its row stored them, with the row's finish reason, postings scraped
and health record. With storage off there is no history, and the checks that need one skip.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler.db import databases
from outsourcing_crawler.db.crawl_runs import recent_runs
from outsourcing_crawler.health.record import RECORD_STAT
from outsourcing_crawler.listings import is_full_crawl

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from outsourcing_crawler.db.models import CrawlRun

logger = logging.getLogger(__name__)

SCOPE_STAT = "outsourcing/health/scope"


def crawl_scope(spider: Spider, incremental: bool) -> str:
    """What a crawl reads: everything or what changed, and the arguments that filter it.

    An incremental crawl stops at the first list page with nothing new and a search reads
    only its matches: postings counts compare only between crawls of one scope.
    """
    mode = "incremental" if incremental and not is_full_crawl(spider) else "full"
    arguments = sorted(getattr(spider, "arguments_given", ()))
    return " ".join([mode, *(f"{name}={getattr(spider, name)}" for name in arguments)])


def run_stats(run: CrawlRun) -> dict[str, Any]:
    """An earlier crawl as its stats were, with what its row keeps in columns."""
    return {
        **run.stats,
        "finish_reason": run.finish_reason,
        "item_scraped_count": run.items_scraped,
        RECORD_STAT: run.health,
    }


class CrawlHistory:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.storage = settings.getbool("STORAGE_ENABLED", True)
        self.url: str = settings["DATABASE_URL"]
        self.runs = settings.getint("HEALTH_HISTORY_RUNS", 20)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    async def spider_opened(self, spider: Spider) -> None:
        assert self.crawler.stats is not None
        # Incremental crawls compare with what the database holds: none without storage.
        self.crawler.stats.set_value(SCOPE_STAT, crawl_scope(spider, incremental=self.storage))
        spider.stats_history = await self._load(spider.name) if self.storage else []

    async def _load(self, spider: str) -> list[dict[str, Any]]:
        database = databases.acquire(self.url)
        try:
            async with database.session() as session:
                return [run_stats(run) for run in await recent_runs(session, spider, self.runs)]
        except (OSError, SQLAlchemyError) as exc:
            logger.warning("Crawl health: no earlier crawls to compare with: %s", exc)
            return []
        finally:
            await databases.release(database)
