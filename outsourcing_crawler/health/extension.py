"""Spidermon's Scrapy extension, fed the spider's history from the database.

When a crawl opens, the spider's earlier crawls are loaded from ``crawl_runs`` into
``spider.stats_history``, where Spidermon's own stats collectors would put a local file's
history, and the crawl's scope goes into its stats. When it closes, Spidermon runs the
suites of ``SPIDERMON_SPIDER_CLOSE_MONITORS`` as usual.

A failed check is a finding about the site, not a crash: it is reported in one line, without
the traceback Spidermon would log (logs are scanned for tracebacks). A check that itself broke
keeps its traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spidermon import settings as spidermon_settings
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner

from outsourcing_crawler.health.history import SCOPE_STAT, crawl_scope, load_history
from outsourcing_crawler.storage import storage_url

if TYPE_CHECKING:
    from scrapy import Spider


class FindingsResult(SpiderMonitorResult):
    def write_errors(self) -> None:
        for item in self.step.items_for_status(spidermon_settings.MONITOR.STATUS.FAILURE):
            self.log_info(f"{item.status}: {item.item.name}: {item.reason}")
        for item in self.step.items_for_status(spidermon_settings.MONITOR.STATUS.ERROR):
            self.log_error(f"{item.status}: {item.item.name}\n{item.error}")


class FindingsRunner(SpiderMonitorRunner):
    def create_result(self) -> FindingsResult:
        return FindingsResult(self.spider)


class HealthChecks(Spidermon):
    async def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        url = storage_url(settings)
        # Incremental crawls compare with what the database holds: none without storage.
        self.crawler.stats.set_value(SCOPE_STAT, crawl_scope(spider, incremental=url is not None))
        spider.stats_history = (
            await load_history(url, spider.name, settings.getint("HEALTH_HISTORY_RUNS", 20))
            if url is not None
            else []
        )
        super().spider_opened(spider)

    def _run_suites(self, spider: Spider, suites: list[Any]) -> None:
        # Spidermon's own, with the runner that reports findings without tracebacks.
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            FindingsRunner(spider=spider).run(suite, **data)
