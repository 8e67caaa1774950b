"""The health checks Spidermon runs when a crawl closes, and the action that records them."""

from __future__ import annotations

import logging
import warnings

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import MonitorSuite
from spidermon.core.actions import Action

from outsourcing_crawler.health.blocks import BlocksMonitor
from outsourcing_crawler.health.coverage import CoverageMonitor
from outsourcing_crawler.health.finish import FinishMonitor
from outsourcing_crawler.health.pagination import PaginationMonitor
from outsourcing_crawler.health.parse_errors import ParseErrorsMonitor
from outsourcing_crawler.health.postings import PostingsMonitor
from outsourcing_crawler.health.record import (
    CHANGED_STAT,
    OK,
    RECORD_STAT,
    STATE_STAT,
    health_record,
    previous_state,
)

logger = logging.getLogger(__name__)

# Spidermon writes its report through Spider.log(), which Scrapy 2.19 deprecates: the warning
# would be the first thing every crawl's report shows, and says nothing to a user.
warnings.filterwarnings(
    "ignore",
    message=r"Spider\.log\(\) is deprecated",
    category=ScrapyDeprecationWarning,
    module=r"spidermon\.",
)


class RecordHealth(Action):
    """Writes the verdict into the crawl's stats (the crawl_runs row takes it from there)
    and logs it in one line."""

    def run_action(self) -> None:
        crawler, spider = self.data.crawler, self.data.spider
        record = health_record(self.result, previous_state(self.data.stats_history))
        crawler.stats.set_value(RECORD_STAT, record)
        crawler.stats.set_value(STATE_STAT, record["state"])
        crawler.stats.set_value(CHANGED_STAT, record["changed"])
        findings = "; ".join(
            f"{finding['check']}: {finding['message']}" for finding in record["findings"]
        )
        change = f" (was {record['previous_state'] or OK})" if record["changed"] else ""
        logger.log(
            logging.INFO if record["state"] == OK else logging.WARNING,
            "Health of %s: %s%s%s",
            spider.name,
            record["state"],
            change,
            f": {findings}" if findings else "",
        )


class HealthSuite(MonitorSuite):
    monitors = [  # noqa: RUF012 (Spidermon's declarative attribute)
        FinishMonitor,
        PostingsMonitor,
        CoverageMonitor,
        ParseErrorsMonitor,
        BlocksMonitor,
        PaginationMonitor,
    ]
    monitors_finished_actions = [RecordHealth]  # noqa: RUF012
