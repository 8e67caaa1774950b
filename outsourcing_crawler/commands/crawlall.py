"""``scrapy crawlall [spider ...]``: every spider, or the listed ones, at once in one process.

Each spider runs in a crawler of its own (its own stats and finish reason) on one event loop;
crawls of one ``DATABASE_URL`` share one engine and connection pool (``db.databases``). One
spider failing (blocked, site down, a bad argument) does not stop the others; the summary
table printed at the end says how each did, and the exit status is 1 if any failed.

``-a NAME=VALUE`` goes to every chosen spider that declares ``NAME`` among its arguments
(an argument none of them declares is a usage error); ``-s`` applies to all of them; a feed
(``-o``/``-O``) shared by several spiders needs ``%(name)s`` in its path.

The work is one cycle: :func:`start_cycle` launches the crawls on a runner and
:meth:`Cycle.rows` summarises them once they have finished.

``--every 10m`` keeps collecting (:class:`Collector`): one cycle of the spiders that are due on
every slot of that period, in one process and one reactor, until SIGINT or SIGTERM. A spider is
due once its own interval has passed since its last start (:func:`crawl_intervals`), so that a
site that asks to be crawled slowly is not crawled at every slot. A stop lets the running
crawls close (their pipelines flush), starts no new cycle, and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.ossignal import install_shutdown_handlers, signal_names
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler import crawl_stats
from outsourcing_crawler.commands import crawl_succeeded
from outsourcing_crawler.commands.alerts import refuse_bad_alerts_file
from outsourcing_crawler.db import Database, DatabaseTooNew, describe_target, migrate
from outsourcing_crawler.spiders.base import SpiderArgumentError

if TYPE_CHECKING:
    import argparse
    from types import FrameType

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


_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[smhd])+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | float) -> float:
    """Seconds in ``90s``, ``10m``, ``1h``, ``1h30m``, ``1d``; a bare number is seconds.

    Raises ValueError for anything else, and for a duration that is not more than zero.
    """
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            if not _DURATION.fullmatch(text):
                raise ValueError(f"not a duration: {value!r} (e.g. 90s, 10m, 1h, 1h30m)") from None
            seconds = sum(
                float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(text)
            )
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"not a duration of more than zero: {value!r}")
    return seconds


def crawl_intervals(
    spidercls_of: Callable[[str], type[Spider]],
    names: Sequence[str],
    every: float,
    settings: BaseSettings,
) -> dict[str, float]:
    """Each spider's minimum seconds between two starts of its crawl, in ``names`` order.

    The longest of: ``every``; the spider's entry in ``CRAWL_INTERVALS``; and, for a spider
    whose own ``custom_settings`` set a ``DOWNLOAD_DELAY`` (the site's ``Crawl-delay``), the
    time ``CRAWL_INTERVAL_DELAY_REQUESTS`` requests take at that delay: a site that asks
    for 5 s between requests is crawled at most every 5 minutes, however short ``every``.
    """
    configured = settings.getdict("CRAWL_INTERVALS", {})
    delay_requests = settings.getfloat("CRAWL_INTERVAL_DELAY_REQUESTS", 60)
    intervals = {}
    for name in names:
        interval = every
        if name in configured:
            try:
                interval = max(interval, parse_duration(configured[name]))
            except ValueError as exc:
                raise UsageError(f"CRAWL_INTERVALS[{name!r}]: {exc}", print_help=False) from None
        own_delay = (spidercls_of(name).custom_settings or {}).get("DOWNLOAD_DELAY")
        if own_delay:
            interval = max(interval, float(own_delay) * delay_requests)
        intervals[name] = interval
    return intervals


# Slot times are computed from one start in floating point: a spider whose interval is a
# whole number of slots must not miss its slot by a rounding error.
_SLACK = 1e-3


def due_spiders(
    intervals: Mapping[str, float], last_starts: Mapping[str, float], now: float
) -> list[str]:
    """The spiders whose interval has passed since their last start (or that never started).

    A spider that failed is due like any other: it is retried at its next slot.
    """
    return [
        name
        for name, interval in intervals.items()
        if name not in last_starts or now - last_starts[name] >= interval - _SLACK
    ]


def next_slot(slot: int, elapsed: float, every: float) -> int:
    """The number of the next slot to run, ``elapsed`` seconds after slot 0.

    A cycle that overran its period skips the slots it overlapped rather than catching up
    with cycles back to back.
    """
    return max(slot + 1, math.ceil(elapsed / every))


def _describe(seconds: float) -> str:
    for unit in ("d", "h", "m"):
        if seconds >= _UNIT_SECONDS[unit] and seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds / _UNIT_SECONDS[unit]:g}{unit}"
    return f"{seconds:g}s"


class Collector:
    """Runs a cycle of the due spiders on every slot, ``every`` seconds apart, until stopped."""

    def __init__(
        self,
        runner: CrawlerRunnerBase,
        plan: Sequence[PlannedCrawl],
        every: float,
        intervals: Mapping[str, float],
    ) -> None:
        self.runner = runner
        self.plan = list(plan)
        self.every = every
        self.intervals = dict(intervals)
        self.last_starts: dict[str, float] = {}
        # Cycles in a row that each spider did not finish, for the log.
        self.failures: dict[str, int] = {}
        self.cycles = 0
        self._stopping = asyncio.Event()
        self._cycle: Cycle | None = None
        self._stop_crawls: asyncio.Task[None] | None = None

    def request_stop(self, signame: str) -> None:
        """Start no new cycle, and close the running crawls gracefully (on the event loop)."""
        if self._stopping.is_set():
            return
        logger.info(
            "Received %s: stopping once the running crawls have closed; no new cycle starts "
            "(send it again to stop at once)",
            signame,
        )
        self._stopping.set()
        if self._cycle is not None:
            self._stop_crawls = asyncio.ensure_future(self._cycle.stop())

    async def run(self) -> None:
        """Cycles until :meth:`request_stop`; returns once the last cycle is over."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        slot = 0
        logger.info(
            "Collecting every %s: %s",
            _describe(self.every),
            ", ".join(
                f"{name} at most every {_describe(seconds)}"
                for name, seconds in self.intervals.items()
            ),
        )
        while not self._stopping.is_set():
            slot_time = start + slot * self.every
            due = due_spiders(self.intervals, self.last_starts, slot_time)
            if due:
                for name in due:
                    self.last_starts[name] = slot_time
                await self._run_cycle([planned for planned in self.plan if planned.spider in due])
            following = next_slot(slot, loop.time() - start, self.every)
            if due and following > slot + 1:
                logger.warning(
                    "Cycle %d took longer than %s: %d slot(s) skipped",
                    self.cycles,
                    _describe(self.every),
                    following - slot - 1,
                )
            slot = following
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stopping.wait(), max(0.0, start + slot * self.every - loop.time())
                )
        if self._stop_crawls is not None:
            await self._stop_crawls

    async def _run_cycle(self, plan: Sequence[PlannedCrawl]) -> None:
        self.cycles += 1
        loop = asyncio.get_running_loop()
        started_at, started = datetime.now(UTC), loop.time()
        logger.info(
            "Cycle %d starts: %s", self.cycles, ", ".join(planned.spider for planned in plan)
        )
        self._cycle = cycle = start_cycle(self.runner, plan)
        try:
            await cycle.finished()
        finally:
            self._cycle = None
        rows = cycle.rows()
        header = (
            f"cycle {self.cycles}: started {started_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"took {loop.time() - started:.1f} s{', stopped' if cycle.stopping else ''}"
        )
        table = format_summary(rows)
        print(f"{header}\n{table}\n", flush=True)
        logger.info("%s\n%s", header, table)
        for row in rows:
            if row.succeeded:
                self.failures.pop(row.spider, None)
            elif not (cycle.stopping and row.finish_reason == "shutdown"):
                self.failures[row.spider] = count = self.failures.get(row.spider, 0) + 1
                logger.error(
                    "%s did not finish: %s (%d cycle(s) in a row); retried at its next slot",
                    row.spider,
                    row.finish_reason,
                    count,
                )


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
            "its path. Exits 1 if any spider did not finish normally. With --every DURATION "
            "(90s, 10m, 1h), keeps collecting: runs the spiders again on every slot of that "
            "period (each at most as often as CRAWL_INTERVALS allows), prints the summary "
            "after each cycle, and stops cleanly on SIGINT or SIGTERM (exit status 0)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--every",
            metavar="DURATION",
            help="keep collecting: run the spiders again every DURATION (e.g. 90s, 10m, 1h) "
            "until SIGINT or SIGTERM",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if opts.every is not None:
            try:
                opts.every = parse_duration(opts.every)
            except ValueError as exc:
                raise UsageError(f"--every: {exc}", print_help=False) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None and self.settings is not None
        if refuse_bad_alerts_file(self.settings):
            self.exitcode = 2
            return
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
        if opts.every is not None:
            self._collect(plan, known, opts.every)
            return
        prepare_database(self.settings)
        cycle = start_cycle(self.crawler_process, plan)
        self.crawler_process.start()
        rows = cycle.rows()
        print(format_summary(rows), flush=True)
        if self.crawler_process.bootstrap_failed or not all(row.succeeded for row in rows):
            self.exitcode = 1

    def _collect(self, plan: Sequence[PlannedCrawl], known: Sequence[str], every: float) -> None:
        assert self.crawler_process is not None and self.settings is not None
        if not self.settings.getbool("TWISTED_REACTOR_ENABLED"):
            raise UsageError("--every needs the Twisted reactor", print_help=False)
        unknown = sorted(set(self.settings.getdict("CRAWL_INTERVALS", {})) - set(known))
        if unknown:
            raise UsageError(
                f"CRAWL_INTERVALS names unknown spider(s) {', '.join(unknown)}", print_help=False
            )
        names = [planned.spider for planned in plan]
        intervals = crawl_intervals(
            self.crawler_process.spider_loader.load, names, every, self.settings
        )
        collector = Collector(self.crawler_process, plan, every, intervals)
        # Scrapy's own handlers stop the reactor as soon as the crawls they can see have
        # stopped: a collector between cycles, or a crawl still opening, would be cut off.
        install_shutdown_handlers(self._shutdown_handler(collector))
        prepare_database(self.settings)
        # Created before the loop runs, as runner.crawl does; a reference keeps it alive.
        self._collecting = asyncio.get_event_loop().create_task(self._run_collector(collector))
        self.crawler_process.start(stop_after_crawl=False, install_signal_handlers=False)

    def _shutdown_handler(self, collector: Collector) -> Callable[[int, FrameType | None], None]:
        from twisted.internet import reactor

        # Signal handlers only hand over to the event loop: logging from one could interrupt
        # a write to the same stream.
        def force(signum: int, _: FrameType | None) -> None:
            install_shutdown_handlers(signal.SIG_IGN)
            reactor.callFromThread(self._force_stop, signal_names[signum])

        def shutdown(signum: int, _: FrameType | None) -> None:
            install_shutdown_handlers(force)
            reactor.callFromThread(collector.request_stop, signal_names[signum])

        return shutdown

    async def _run_collector(self, collector: Collector) -> None:
        try:
            await collector.run()
        except Exception:
            logger.exception("The collector stopped on an unexpected error")
            self.exitcode = 1
        finally:
            self._stop_reactor()

    def _force_stop(self, signame: str) -> None:
        logger.warning("Received %s twice: stopping without waiting for the crawls", signame)
        self.exitcode = 1
        self._stop_reactor()

    @staticmethod
    def _stop_reactor() -> None:
        from twisted.internet import reactor

        with contextlib.suppress(RuntimeError):  # already stopping
            reactor.stop()
