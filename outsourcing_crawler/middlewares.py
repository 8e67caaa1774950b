"""Downloader middlewares: retries that wait as the site asks, and login redirects made visible."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

# Redirect targets that are a sign-in page rather than the content asked for.
LOGIN_PATH = re.compile(r"(?i)/(?:[\w.-]+/)*(?:log[-_]?in|sign[-_]?in)(?:[/.?]|$)")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# How often a request held back for a paused site checks whether the crawl is stopping.
_WAKE_INTERVAL = 0.5


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry instead of retrying at once.

    The wait is the response's ``Retry-After`` when it has one, else ``RETRY_BACKOFF_BASE``
    seconds doubling with each retry up to ``RETRY_BACKOFF_MAX``; failed downloads (resets,
    timeouts) back off the same way. The whole site waits, not only the request retried:
    every request to its download slot is held until then.

    A site that asks for a longer pause than ``RETRY_AFTER_MAX``, or that still answers 429
    after ``RETRY_TIMES`` retries, is pushing the crawler away: that counts as a block page
    (``outsourcing/blocked/<spider>``) and past ``BLOCKED_PAGES_LIMIT`` of them the spider
    stops as ``blocked`` instead of hammering on. Responses replayed from recordings (flag
    ``cached``) are retried at once: there is no site to spare.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 60.0)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)
        self.blocked_limit = settings.getint("BLOCKED_PAGES_LIMIT", 1)
        self._resume_at: dict[str, float] = {}  # download slot -> monotonic() it may go on
        self._stopping: Any = None  # the close this middleware started
        self._stopped = asyncio.Event()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def process_request(self, request: Request) -> None:
        key = self._slot_key(request)
        # On a stop (Ctrl-C) a held request goes at once: shutdown stays prompt and no
        # request is lost from a JOBDIR queue.
        while (wait := self._resume_at.get(key, 0.0) - monotonic()) > 0 and self.crawler.crawling:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), min(wait, _WAKE_INTERVAL))
            if self._stopped.is_set():
                return

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        replayed = "cached" in response.flags
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.retry_after_max and not replayed:
            self._blocked(
                request,
                f"HTTP {response.status} asks to wait {asked:.0f} s, more than "
                f"RETRY_AFTER_MAX ({self.retry_after_max:.0f} s)",
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            if response.status == 429 and not replayed:
                self._blocked(request, f"still HTTP 429 after {self.max_retry_times} retries")
            return response
        if not replayed:
            self._pause(request, asked if asked is not None else self._backoff(retry))
        return retry

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            self._pause(request, self._backoff(retry))
        return retry

    def _backoff(self, retry: Request) -> float:
        attempt = retry.meta.get("retry_times", 1)
        return min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))

    def _slot_key(self, request: Request) -> str:
        engine = getattr(self.crawler, "engine", None)
        if engine is not None:
            return engine.downloader.get_slot_key(request)
        return urlsplit(request.url).hostname or ""

    def _pause(self, request: Request, seconds: float) -> None:
        key = self._slot_key(request)
        until = monotonic() + seconds
        self._resume_at[key] = max(self._resume_at.get(key, 0.0), until)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("outsourcing/retry/wait_seconds", round(seconds, 3))
        # Requests already queued in the slot wait too: the downloader sends the next one
        # `delay` seconds after `lastseen` (a monotonic() time, as here).
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None and slot.delay > 0:
            slot.lastseen = max(slot.lastseen, until - slot.delay)

    def _blocked(self, request: Request, why: str) -> None:
        spider, stats = self.crawler.spider, self.crawler.stats
        assert spider is not None and stats is not None
        key = f"outsourcing/blocked/{spider.name}"
        stats.inc_value(key)
        logger.error("Blocked by %s: %s (%s)", spider.name, why, request.url)
        if stats.get_value(key, 0) >= self.blocked_limit and self._stopping is None:
            self._stopped.set()
            self._stopping = deferred_from_coro(
                self.crawler.engine.close_spider_async(reason="blocked")
            )


class LoginRedirectMiddleware:
    """Counts redirects to a sign-in page (``outsourcing/login_redirects/<spider>``).

    The redirect is still followed: what a login page means is the spider's business (wishket
    hides private projects behind one; elsewhere the page is a parse error). This makes the
    cause visible in the stats and the log, where the spider only sees an odd page.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._logged = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        if not LOGIN_PATH.search(urlsplit(target).path):
            return response
        spider, stats = self.crawler.spider, self.crawler.stats
        assert spider is not None and stats is not None
        stats.inc_value(f"outsourcing/login_redirects/{spider.name}")
        if not self._logged:
            self._logged = True
            logger.warning("Redirected to a login page: %s -> %s", request.url, target)
        return response
