"""``scrapy crawlall [spider ...]``: every spider, or the listed ones, at once in one process.

Each spider runs in a crawler of its own (its own stats and finish reason) on one event loop;
crawls of one ``DATABASE_URL`` share one engine and connection pool (``db.databases``). One
spider failing (blocked, site down, a bad argument) does not stop the others; the summary
table printed at the end says how each did, and the exit status is 1 if any failed.

``-a NAME=VALUE`` goes to every chosen spider that declares ``NAME`` among its arguments
(an argument none of them declares is a usage error); ``-s`` applies to all of them; a feed
(``-o``/``-O``) shared by several spiders needs ``%(name)s`` in its path.

The work is one cycle: :func:`start_cycle` launches the crawls on a runner and
:meth:`Cycle.rows` summarises them once they have finished, so that a long-running collector
can run cycles again and again in one process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler.commands import crawl_succeeded
from outsourcing_crawler.db import Database, DatabaseTooNew, describe_target, migrate
from outsourcing_crawler.spiders.base import SpiderArgumentError

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider
    from scrapy.crawler import Crawler, CrawlerRunnerBase
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

# The finish reason of a spider whose arguments were refused before it started.
BAD_ARGUMENT = "bad_argument"
# ... and of one whose crawl broke before it could close (the traceback is in the log).
NOT_STARTED = "not_started"


@dataclass(frozen=True)
class PlannedCrawl:
    """One spider of a cycle: its checked arguments, or why it cannot run."""

    spider: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def plan_crawls(
    spidercls_of: Callable[[str], type[Spider]], names: Sequence[str], spargs: Mapping[str, str]
) -> list[PlannedCrawl]:
    """Each spider with the ``-a`` arguments it declares, checked by the spider's own rules.

    ``spidercls_of`` is the spider loader's ``load``.
    """
    classes = {name: spidercls_of(name) for name in names}
    declared = {name: getattr(cls, "all_arguments", dict)() for name, cls in classes.items()}
    unknown = sorted(set(spargs) - {arg for args in declared.values() for arg in args})
    if unknown:
        raise UsageError(
            f"no spider among {', '.join(names)} takes the argument(s) {', '.join(unknown)}",
            print_help=False,
        )
    plan = []
    for name, spidercls in classes.items():
        kwargs = {arg: value for arg, value in spargs.items() if arg in declared[name]}
        try:
            for arg, value in kwargs.items():
                spidercls._check_argument(arg, value)
        except SpiderArgumentError as exc:
            plan.append(PlannedCrawl(name, kwargs, str(exc)))
        else:
            plan.append(PlannedCrawl(name, kwargs))
    return plan


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await migrate(database)
    finally:
        await database.dispose()


def prepare_database(settings: BaseSettings) -> None:
    """Migrate the crawls' database once, before they all open on it at the same moment.

    Each crawl's pipeline migrates when it opens, but several migrations of one fresh SQLite
    file at once in one process collide (the file is locked, Alembic's context is global).
    """
    if not settings.getbool("STORAGE_ENABLED", True):
        return
    url = settings["DATABASE_URL"]
    try:
        # On a loop of its own, in a thread: the crawls' loop does not run yet.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _migrate(url)).result()
    except (OSError, SQLAlchemyError, DatabaseTooNew) as exc:
        # Each crawl's pipeline tries again, and stops its crawl with the reason.
        logger.warning("Could not migrate %s first: %s", describe_target(url), exc)


def _stat_sum(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(value for key, value in stats.items() if key.startswith(prefix))


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
            dropped=_stat_sum(stats, "outsourcing/dropped/"),
            errors=_stat_sum(stats, "outsourcing/parse_errors/")
            + _stat_sum(stats, "spider_exceptions/"),
            finish_reason=reason,
        )

    @property
    def succeeded(self) -> bool:
        return crawl_succeeded(self.finish_reason)


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
        self.reasons: dict[str, str] = {}

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.reasons[spider.name] = reason

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
        # A bound method: signal receivers are held by weak reference.
        crawler.signals.connect(cycle.spider_closed, signal=signals.spider_closed)
        cycle.crawlers[planned.spider] = crawler
        runner.crawl(crawler, **planned.kwargs)
    return cycle


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] [spider ...]"

    def short_desc(self) -> str:
        return "Run every spider (or the listed ones) at once and print a summary"

    def long_desc(self) -> str:
        return (
            "Run every spider of the project, or the listed ones, concurrently in one "
            "process, then print one summary line per spider. -a NAME=VALUE goes to every "
            "spider that declares NAME; a feed shared by several spiders needs %(name)s in "
            "its path. Exits 1 if any spider did not finish normally."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        loader = self.crawler_process.spider_loader
        known = loader.list()
        missing = [name for name in args if name not in known]
        if missing:
            raise UsageError(
                f"unknown spider(s) {', '.join(missing)}; the spiders are: {', '.join(known)}",
                print_help=False,
            )
        names = list(dict.fromkeys(args)) or sorted(known)
        feeds = self.settings.getdict("FEEDS")
        if len(names) > 1 and any("%(name)s" not in str(uri) for uri in feeds):
            raise UsageError(
                "several spiders write to one feed: put %(name)s in its path, e.g. "
                "-O 'projects-%(name)s.jsonl'",
                print_help=False,
            )
        plan = plan_crawls(loader.load, names, opts.spargs)
        prepare_database(self.settings)
        cycle = start_cycle(self.crawler_process, plan)
        self.crawler_process.start()
        rows = cycle.rows()
        print(format_summary(rows), flush=True)
        if self.crawler_process.bootstrap_failed or not all(row.succeeded for row in rows):
            self.exitcode = 1
