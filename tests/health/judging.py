"""Judging a crawl's stats with the health suite, as Spidermon does when a crawl closes."""

from __future__ import annotations

from typing import Any

from outsourcing_crawler.health.extension import FindingsRunner
from outsourcing_crawler.health.history import SCOPE_STAT
from outsourcing_crawler.health.record import RECORD_STAT
from outsourcing_crawler.health.suite import HealthSuite
from outsourcing_crawler.list_pages import POSTINGS_SEEN
from outsourcing_crawler.spiders.kmong import KmongSpider
from tests.support import make_spider

SETTINGS = {"HEALTH_UNJUDGED_REASONS": ["shutdown", "database_unavailable"]}


def crawl_stats(
    postings: int = 10,
    *,
    pages: int = 13,
    errors: int = 1,
    missing: dict[str, int] | None = None,
    reason: str = "finished",
    scope: str = "full",
    **more: Any,
) -> dict[str, Any]:
    """The stats of a kmong crawl: postings seen and scraped, pages, parse errors, fields
    missing in how many postings."""
    return {
        "finish_reason": reason,
        POSTINGS_SEEN: postings,
        "item_scraped_count": postings,
        "response_received_count": pages,
        "outsourcing/parse_errors/kmong/http_503": errors,
        SCOPE_STAT: scope,
        **{f"outsourcing/missing_fields/kmong/{name}": n for name, n in (missing or {}).items()},
        **more,
    }


# Three ordinary crawls: ten postings, all with a description, one error in 13 pages.
USUAL = [crawl_stats(), crawl_stats(), crawl_stats()]


def judge(
    stats: dict[str, Any], history: list[dict[str, Any]] = USUAL, **spider_args: Any
) -> dict[str, Any]:
    """The health record of a kmong crawl with these stats and earlier crawls."""
    spider = make_spider(KmongSpider, SETTINGS, **spider_args)
    FindingsRunner(spider=spider).run(
        HealthSuite(crawler=spider.crawler),
        stats=stats,
        stats_history=history,
        crawler=spider.crawler,
        spider=spider,
    )
    return spider.crawler.stats.get_value(RECORD_STAT)


def findings(record: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each failed check's severity and message."""
    return {f["check"]: (f["severity"], f["message"]) for f in record["findings"]}
