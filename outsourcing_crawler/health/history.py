"""The spider's earlier crawls, read from ``crawl_runs`` for the health checks.

Spidermon hands monitors the history as ``stats_history``: earlier crawls' stats, newest first.
Each entry here is an earlier crawl's stats as its row stored them, with the row's finish
reason, postings scraped and health record.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler.db import databases
from outsourcing_crawler.db.crawl_runs import recent_runs
from outsourcing_crawler.health.record import RECORD_STAT
from outsourcing_crawler.listing_marks import is_full_crawl

if TYPE_CHECKING:
    from scrapy import Spider

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


async def load_history(url: str, spider: str, limit: int) -> list[dict[str, Any]]:
    """The stats of the spider's last ``limit`` crawls, newest first; none when the database
    cannot be read (the checks that need a history then skip)."""
    database = databases.acquire(url)
    try:
        async with database.session() as session:
            return [run_stats(run) for run in await recent_runs(session, spider, limit)]
    except (OSError, SQLAlchemyError) as exc:
        logger.warning("Crawl health: no earlier crawls to compare with: %s", exc)
        return []
    finally:
        await databases.release(database)
