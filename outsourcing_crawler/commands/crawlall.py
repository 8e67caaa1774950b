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

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from outsourcing_crawler.collector.cycle import format_summary, run_cycle
from outsourcing_crawler.collector.plan import PlannedCrawl, plan_crawls
from outsourcing_crawler.collector.schedule import (
    Collector,
    collect,
    crawl_intervals,
    parse_duration,
)
from outsourcing_crawler.commands.alerts import refuse_bad_alerts_file

if TYPE_CHECKING:
    import argparse


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
        rows = run_cycle(self.crawler_process, plan, self.settings)
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
        self.exitcode = collect(self.crawler_process, collector, self.settings)
