"""Alerts for a crawl: saved searches' new matches sent while it runs and when it closes.

The extension reads the alerts file (``ALERTS_FILE``; by default ``alerts.toml`` beside
scrapy.cfg, and alerts are off without one) when the crawl starts, sets the baseline of any
new search before anything is stored, dispatches every ``ALERTS_DISPATCH_INTERVAL`` seconds
and once more when the crawl closes, after the pipelines have written their last batch. A
digest search gets its message when the last crawl of the process closes: once per crawl,
once per cycle under ``scrapy crawlall``. Alerts never stop or fail a crawl: a channel or a
database that fails is logged, counted in the stats (``outsourcing/alerts/...``) and tried
again at a later dispatch.

:class:`HealthAlerts` sends the ``[health]`` table's channels one message when a crawl's
health state differs from the spider's previous one (the health checks' verdict, at close).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Self, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.conf import closest_scrapy_cfg
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler.alerts import (
    AlertsFileError,
    Dispatcher,
    DispatchOptions,
    SavedSearch,
    load_searches,
)
from outsourcing_crawler.alerts.config import HealthNotice, load_health_notice
from outsourcing_crawler.alerts.messages import health_message
from outsourcing_crawler.budgets import BudgetConverter
from outsourcing_crawler.db import Database, databases
from outsourcing_crawler.health.record import CHANGED_STAT, RECORD_STAT
from outsourcing_crawler.storage import configured_database, storage_url

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

DEFAULT_FILE = "alerts.toml"

T = TypeVar("T")


def alerts_file(settings: BaseSettings) -> Path | None:
    """The alerts file: ``ALERTS_FILE`` (which must exist), else ``alerts.toml`` beside
    scrapy.cfg (or in the working folder, where a deployed project has no scrapy.cfg) if
    there is one."""
    configured = settings.get("ALERTS_FILE")
    if configured:
        return Path(configured)
    project = closest_scrapy_cfg()
    default = (Path(project).parent if project else Path.cwd()) / DEFAULT_FILE
    return default if default.is_file() else None


def saved_searches(settings: BaseSettings) -> list[SavedSearch]:
    """The saved searches a crawl with these settings sends alerts for (none without an
    alerts file or without storage); :class:`AlertsFileError` for a bad file."""
    path = alerts_file(settings)
    if path is None or storage_url(settings) is None:
        return []
    return load_searches(path)


def health_notice(settings: BaseSettings) -> HealthNotice | None:
    """Where health changes are sent: the alerts file's ``[health]`` table, if any."""
    path = alerts_file(settings)
    return load_health_notice(path) if path is not None else None


def dispatch_options(settings: BaseSettings) -> DispatchOptions:
    return DispatchOptions(
        send_timeout=settings.getfloat("ALERTS_SEND_TIMEOUT", 30.0),
        retry_backoff=settings.getfloat("ALERTS_RETRY_BACKOFF", 60.0),
        retry_backoff_max=settings.getfloat("ALERTS_RETRY_BACKOFF_MAX", 3600.0),
        lookback=settings.getfloat("ALERTS_LOOKBACK", 300.0),
        digest_size=settings.getint("ALERTS_DIGEST_SIZE", 50),
        budgets=BudgetConverter.from_settings(settings),
    )


def _from_alerts_file(
    read: Callable[[BaseSettings], T | None], settings: BaseSettings, what: str
) -> T:
    """What ``read`` takes from the alerts file; NotConfigured without it or with a bad file.

    `scrapy crawl` and `crawlall` refuse a bad file before they start; a crawl started another
    way (Scrapyd) goes on without ``what``, which works again once the file is fixed.
    """
    try:
        found = read(settings)
    except AlertsFileError as exc:
        logger.error("%s are off for this crawl: %s", what, exc)
        raise NotConfigured from None
    if not found:
        raise NotConfigured
    return found


@dataclass
class _ProcessCrawls:
    """The crawls of this process with alerts on: their dispatches take turns, and the last
    one to close sends the digests."""

    open: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_crawls = _ProcessCrawls()


class AlertsExtension:
    def __init__(self, crawler: Crawler, searches: list[SavedSearch]) -> None:
        self.crawler = crawler
        self.searches = searches
        # Built only with storage on (saved_searches is empty without it).
        self.url = configured_database(crawler.settings)
        self.options = dispatch_options(crawler.settings)
        self.interval = crawler.settings.getfloat("ALERTS_DISPATCH_INTERVAL", 60.0)
        self.database: Database | None = None
        self.dispatcher: Dispatcher | None = None
        self._closing = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        searches = _from_alerts_file(saved_searches, crawler.settings, "Alerts")
        extension = cls(crawler, searches)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def _count(self, key: str, value: int) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"outsourcing/alerts/{key}", value)

    async def spider_opened(self) -> None:
        """Set new searches' baselines: the pipelines have opened, nothing is stored yet."""
        database = databases.acquire(self.url)
        dispatcher = Dispatcher(database, self.searches, self.options, self._count)
        try:
            await dispatcher.register()
        except (OSError, SQLAlchemyError) as exc:
            logger.error("Alerts are off for this crawl: the database failed: %s", exc)
            self._count("errors", 1)
            await databases.release(database)
            return
        self.database, self.dispatcher = database, dispatcher
        _crawls.open += 1
        if self.interval > 0:
            self._timer = asyncio.create_task(self._dispatch_periodically())

    async def _dispatch_periodically(self) -> None:
        while not self._closing.is_set():
            try:
                await asyncio.wait_for(self._closing.wait(), self.interval)
            except TimeoutError:
                await self._dispatch(digests=False)

    async def _dispatch(self, *, digests: bool) -> None:
        assert self.dispatcher is not None
        async with _crawls.lock:
            try:
                await self.dispatcher.dispatch(digests=digests)
            except (OSError, SQLAlchemyError) as exc:
                logger.warning("Alerts not dispatched, tried again later: %s", exc)
                self._count("errors", 1)

    async def spider_closed(self) -> None:
        """Dispatch what the crawl stored: the pipelines wrote their last batch already."""
        if self.database is None:
            return
        if self._timer is not None:
            # A dispatch under way finishes: cancelling it could lose a delivery's record.
            self._closing.set()
            await self._timer
        _crawls.open -= 1
        try:
            await self._dispatch(digests=_crawls.open == 0)
        finally:
            await databases.release(self.database)
            self.database = None


class HealthAlerts:
    """One message per crawl whose health state changed, to the ``[health]`` channels.

    It runs after the health checks have written their verdict into the stats (its
    ``spider_closed`` is connected after theirs). A channel that fails is logged and counted
    (``outsourcing/alerts/health_failed``), not retried: the next change sends again.
    """

    def __init__(self, crawler: Crawler, notice: HealthNotice) -> None:
        self.crawler = crawler
        self.notice = notice
        self.timeout = crawler.settings.getfloat("ALERTS_SEND_TIMEOUT", 30.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        notice = _from_alerts_file(health_notice, crawler.settings, "Health alerts")
        extension = cls(crawler, notice)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    async def spider_closed(self, spider: Spider) -> None:
        stats = self.crawler.stats
        assert stats is not None
        record = stats.get_value(RECORD_STAT)
        if record is None or not stats.get_value(CHANGED_STAT):
            return
        title, body = health_message(spider.name, record, self.notice.language)
        errors = await asyncio.gather(
            *(channel.send(title, body, self.timeout) for channel in self.notice.notify)
        )
        for channel, error in zip(self.notice.notify, errors, strict=True):
            if error is None:
                stats.inc_value("outsourcing/alerts/health_sent")
            else:
                stats.inc_value("outsourcing/alerts/health_failed")
                logger.warning("Health alert not sent to %s: %s", channel.masked, error)
