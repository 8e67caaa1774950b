"""One cycle: every planned spider's crawl started at once on one runner, and its summary.

Each spider runs in a crawler of its own (its own stats and finish reason) on one event loop;
crawls of one database share one engine and connection pool (``db.databases``). One spider
failing (blocked, site down, a bad argument) does not stop the others: :meth:`Cycle.rows`
says how each did.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.utils.defer import ensure_awaitable
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler import crawl_stats
from outsourcing_crawler.collector.plan import PlannedCrawl
from outsourcing_crawler.db import DatabaseTooNew, describe_target, migrate_url
from outsourcing_crawler.storage import storage_url

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler, CrawlerProcessBase, CrawlerRunnerBase
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

# The finish reason of a spider whose arguments were refused before it started.
BAD_ARGUMENT = "bad_argument"
# ... and of one whose crawl broke before it could close (the traceback is in the log).
NOT_STARTED = "not_started"


def prepare_database(settings: BaseSettings) -> None:
    """Migrate the crawls' database once, before they all open on it at the same moment.

    Each crawl's pipeline migrates when it opens, but several migrations of one fresh SQLite
    file at once in one process collide (the file is locked, Alembic's context is global).
    """
    url = storage_url(settings)
    if url is None:
        return
    try:
        # On a loop of its own, in a thread: the crawls' loop does not run yet.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, migrate_url(url)).result()
    except (OSError, SQLAlchemyError, DatabaseTooNew) as exc:
        # Each crawl's pipeline tries again, and stops its crawl with the reason.
        logger.warning("Could not migrate %s first: %s", describe_target(url), exc)


@dataclass(frozen=True)
class SummaryRow:
    """How one spider's crawl went, from its stats."""

    spider: str
    pages: int
    postings: int
    inserted: int
    updated: int
    unchanged: int
    dropped: int
    errors: int
    finish_reason: str

    @classmethod
    def from_stats(cls, spider: str, stats: Mapping[str, Any], reason: str) -> Self:
        return cls(
            spider=spider,
            pages=stats.get("response_received_count", 0),
            postings=stats.get("item_scraped_count", 0),
            inserted=stats.get("outsourcing/db/inserted", 0),
            updated=stats.get("outsourcing/db/updated", 0),
            unchanged=stats.get("outsourcing/db/unchanged", 0),
            # The same sums as the crawl_runs row of the database pipeline.
            dropped=crawl_stats.dropped(stats),
            errors=crawl_stats.errors(stats),
            finish_reason=reason,
        )

    @property
    def succeeded(self) -> bool:
        return crawl_stats.succeeded(self.finish_reason)


COLUMNS = (
    ("spider", "spider"),
    ("pages", "pages"),
    ("postings", "postings"),
    ("inserted", "inserted"),
    ("updated", "updated"),
    ("unchanged", "unchanged"),
    ("dropped", "dropped"),
    ("errors", "errors"),
    ("finish reason", "finish_reason"),
)


def format_summary(rows: Iterable[SummaryRow]) -> str:
    """A plain-text table: numbers right-aligned, one line per spider."""
    cells = [[title for title, _ in COLUMNS]]
    cells += [[str(getattr(row, attr)) for _, attr in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    numeric = [attr not in ("spider", "finish_reason") for _, attr in COLUMNS]
    lines = []
    for line in cells:
        padded = [
            cell.rjust(width) if is_number else cell.ljust(width)
            for cell, width, is_number in zip(line, widths, numeric, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


class Cycle:
    """The crawls of one run of every planned spider, started together on one runner."""

    def __init__(self, plan: Sequence[PlannedCrawl]) -> None:
        self.plan = list(plan)
        self.crawlers: dict[str, Crawler] = {}
        # What runner.crawl returned for each: done when that crawl is over.
        self.crawls: dict[str, Awaitable[None]] = {}
        self.reasons: dict[str, str] = {}
        self.stopping = False

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.reasons[spider.name] = reason

    async def engine_started(self, sender: Crawler) -> None:
        # Crawler.stop_async does nothing to a crawl whose engine is not running yet (its
        # pipelines still opening): such a crawl is stopped as soon as its engine starts.
        if self.stopping:
            await sender.engine.stop_async()

    async def finished(self) -> None:
        """Complete once every crawl of the cycle is over; one that broke is logged."""
        names = list(self.crawls)
        results = await asyncio.gather(
            *(ensure_awaitable(self.crawls[name]) for name in names), return_exceptions=True
        )
        for name, result in zip(names, results, strict=True):
            if isinstance(result, Exception):
                logger.error("%s: the crawl broke before it could close", name, exc_info=result)

    async def stop(self) -> None:
        """Close every crawl of the cycle gracefully: each spider closes as ``shutdown``."""
        self.stopping = True
        await asyncio.gather(*(crawler.stop_async() for crawler in self.crawlers.values()))

    def rows(self) -> list[SummaryRow]:
        """One row per planned spider, in the plan's order; call once the crawls are over."""
        rows = []
        for planned in self.plan:
            name = planned.spider
            if planned.error is not None:
                rows.append(SummaryRow.from_stats(name, {}, BAD_ARGUMENT))
            elif name in self.reasons:
                stats = self.crawlers[name].stats.get_stats()
                rows.append(SummaryRow.from_stats(name, stats, self.reasons[name]))
            else:
                rows.append(SummaryRow.from_stats(name, {}, NOT_STARTED))
        return rows


def start_cycle(runner: CrawlerRunnerBase, plan: Sequence[PlannedCrawl]) -> Cycle:
    """Launch every runnable spider of the plan on the runner; they run once it runs."""
    cycle = Cycle(plan)
    for planned in plan:
        if planned.error is not None:
            logger.error("Not started: %s", planned.error)
            continue
        crawler = runner.create_crawler(planned.spider)
        # Bound methods: signal receivers are held by weak reference.
        crawler.signals.connect(cycle.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(cycle.engine_started, signal=signals.engine_started)
        cycle.crawlers[planned.spider] = crawler
        cycle.crawls[planned.spider] = runner.crawl(crawler, **planned.kwargs)
    return cycle


def run_cycle(
    process: CrawlerProcessBase, plan: Sequence[PlannedCrawl], settings: BaseSettings
) -> list[SummaryRow]:
    """Run every planned spider once on the process, until all have closed; how each did."""
    prepare_database(settings)
    cycle = start_cycle(process, plan)
    process.start()
    return cycle.rows()
