"""``scrapy crawl``, exiting non-zero when the crawl did not finish its job.

Scrapy's own command exits 0 whenever the crawl closed cleanly, even when a pipeline closed
it at once (database unreachable) or the site blocked it: schedulers and CI need to know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from outsourcing_crawler import crawl_stats
from outsourcing_crawler.commands.alerts import refuse_bad_alerts_file
from outsourcing_crawler.spiders.base import SpiderArgumentError

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        assert self.crawler_process is not None and self.settings is not None
        if refuse_bad_alerts_file(self.settings):
            self.exitcode = 2
            return
        crawler = self._create_crawler(args[0])
        spidercls = crawler.spidercls
        try:
            # Check -a arguments before anything starts, for a one-line message.
            for name, value in opts.spargs.items():
                if name in getattr(spidercls, "all_arguments", dict)():
                    spidercls._check_argument(name, value)
        except SpiderArgumentError as exc:
            raise UsageError(str(exc), print_help=False) from None
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        if self.crawler_process.bootstrap_failed or not crawl_stats.succeeded(reason):
            self.exitcode = 1
