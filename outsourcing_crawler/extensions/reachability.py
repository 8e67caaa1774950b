"""A crawl that reached no site at all ends as ``site_unreachable``, naming the host and why.

Without this, a crawl whose every request failed (no network, an unknown host, a refused
connection, timeouts, TLS) still "finishes": a scheduler would see exit status 0 and no
postings, and call it a success.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

UNREACHABLE = "site_unreachable"
# Counted by Scrapy's DownloaderStats for every failed download attempt, retries included.
EXCEPTION_STAT = "downloader/exception_type_count/"
# What the download errors mean to a person: Scrapy's own names first, then Twisted's and the
# standard library's, which some download handlers let through.
_ERRORS_BY_CAUSE = {
    "the host name does not resolve (DNS)": ("CannotResolveHostError", "DNSLookupError"),
    "the connection was refused": ("DownloadConnectionRefusedError", "ConnectionRefusedError"),
    "the site did not answer in time": ("DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"),
    "the connection failed before any answer (TLS or a dropped connection)": (
        "DownloadFailedError",
        "ResponseNeverReceived",
    ),
}
CAUSES = {name: cause for cause, names in _ERRORS_BY_CAUSE.items() for name in names}


def download_failures(stats: Mapping[str, Any]) -> tuple[str, str]:
    """The commonest download error of a crawl in words, and how often each error occurred."""
    counts = Counter(
        {
            key.removeprefix(EXCEPTION_STAT).rpartition(".")[2]: value
            for key, value in stats.items()
            if key.startswith(EXCEPTION_STAT)
        }
    )
    if not counts:
        return "every request failed", "no download error counted"
    (commonest, _), *_ = counts.most_common(1)
    tally = ", ".join(f"{name} x{count}" for name, count in counts.most_common())
    return CAUSES.get(commonest, commonest), tally


class SiteReachability:
    """Closes a crawl as ``site_unreachable`` once it is idle without a single answer.

    Any answer counts, an error status or a robots.txt included: the site is there. Only a
    crawl whose requests all failed in the downloader is unreachable.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.hosts: Counter[str] = Counter()
        self.answered = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(
            extension.request_reached_downloader, signal=signals.request_reached_downloader
        )
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        return extension

    def request_reached_downloader(self, request: Request, spider: Spider) -> None:
        self.hosts[urlparse_cached(request).netloc] += 1

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        self.answered = True

    def spider_idle(self, spider: Spider) -> None:
        if self.answered or not self.hosts:
            return
        assert self.crawler.stats is not None
        cause, tally = download_failures(self.crawler.stats.get_stats())
        logger.error(
            "Site unreachable: %s: %s; no answer to any of %d requests (%s)",
            ", ".join(self.hosts),
            cause,
            self.hosts.total(),
            tally,
        )
        raise CloseSpider(UNREACHABLE)
