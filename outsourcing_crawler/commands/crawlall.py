"""``scrapy crawlall [spider ...]``: every spider, or the listed ones, at once in one process.

``-a NAME=VALUE`` goes to every chosen spider that declares ``NAME`` among its arguments
(an argument none of them declares is a usage error); ``-s`` applies to all of them; a feed
(``-o``/``-O``) shared by several spiders needs ``%(name)s`` in its path. The summary table
printed at the end says how each spider did, and the exit status is 1 if any failed.

``--every 10m`` keeps collecting (:class:`~outsourcing_crawler.collector.schedule.Collector`)
until SIGINT or SIGTERM: a stop lets the running crawls close, starts no new cycle, and exits
0; a second signal stops at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.utils.ossignal import install_shutdown_handlers, signal_names

from outsourcing_crawler.collector.cycle import format_summary, prepare_database, start_cycle
from outsourcing_crawler.collector.plan import PlannedCrawl, plan_crawls
from outsourcing_crawler.collector.schedule import Collector, crawl_intervals, parse_duration

if TYPE_CHECKING:
    import argparse
    from types import FrameType

logger = logging.getLogger(__name__)


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
