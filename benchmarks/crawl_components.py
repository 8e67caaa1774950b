"""Scrapy components that the crawl benchmark loads into the real ``scrapy crawl`` process.

- :class:`LocalPlatformHandler` downloads every ``https://`` request from the fake platform
  on 127.0.0.1 (``-s FAKE_PLATFORM=127.0.0.1:PORT``) with Scrapy's own HTTP/1.1 client, and
  hands the response back under the site's URL: spiders, middlewares (robots.txt, offsite,
  dupefilter, retries) and pipelines see the real URLs, only the socket goes elsewhere.
- :class:`SeedPipeline` is the per-item baseline: one ORM session, add and commit per item.
- :class:`FloorSpider` fetches the pages a crawl fetches and parses nothing: Scrapy's own
  cost per page on this machine, the floor under every spider's.
- :class:`CrawlFigures` writes the crawl's stats and its own CPU and memory figures to
  ``BENCH_FIGURES_FILE`` when the spider closes.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import scrapy
from fake_platform import local_path, site_urls
from scrapy import signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import Project
from outsourcing_crawler.fingerprints import content_hash

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from sqlalchemy.ext.asyncio import AsyncSession


class LocalPlatformHandler(HTTP11DownloadHandler):
    """``https://HOST/PATH`` fetched as ``http://FAKE_PLATFORM/HOST/PATH``.

    A download handler rather than a proxy: Scrapy tunnels https through a proxy with
    CONNECT, which a fake proxy would have to answer with TLS of its own; rewriting the URL
    in a downloader middleware would send the rewritten request through the offsite,
    robots.txt and dupefilter checks. TLS is the one cost of a real crawl left out, the
    same in every mode.
    """

    def __init__(self, crawler: Crawler) -> None:
        origin = crawler.settings.get("FAKE_PLATFORM")
        if not origin:
            raise NotConfigured("FAKE_PLATFORM (host:port of the fake platform) is not set")
        super().__init__(crawler)
        self.origin = origin

    async def download_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        target = local_path(parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
        response = await super().download_request(
            request.replace(url=f"http://{self.origin}{target}")
        )
        return response.replace(url=request.url)


class FloorSpider(scrapy.Spider):
    """The pages of a crawl of the first ``postings`` postings of the fake ``platform``,
    fetched through the same settings, middlewares and download handler, parsed not at all.

    Run with ``scrapy runspider benchmarks/crawl_components.py -a platform=kmong ...``.
    """

    name = "floor"

    def __init__(
        self, platform: str = "kmong", postings: str = "2000", site: str = "20000", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.urls = site_urls(platform, int(site), int(postings))

    async def start(self) -> Any:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse_nothing)

    def parse_nothing(self, response: Response) -> None:
        return None


class SeedPipeline:
    """The per-item baseline: one ORM session for the crawl, add and commit per item.

    Scrapy hands items over concurrently; one session serves one call at a time, so the
    calls queue on a lock, as they would on a blocking driver.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.url = crawler.settings["DATABASE_URL"]
        self.database: Database | None = None
        self.session: AsyncSession | None = None
        self.lock = asyncio.Lock()
        self.stored = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def open_spider(self) -> None:
        self.database = Database(self.url)
        self.session = self.database.sessions()

    async def process_item(self, item: Any) -> Any:
        assert self.session is not None
        row = asdict(item)
        now = datetime.now(UTC)
        async with self.lock:
            self.session.add(
                Project(
                    **row,
                    content_hash=content_hash(row),
                    first_seen_at=now,
                    last_seen_at=now,
                    updated_at=now,
                )
            )
            await self.session.commit()
        self.stored += 1
        return item

    async def close_spider(self) -> None:
        assert self.session is not None and self.database is not None
        await self.session.close()
        await self.database.dispose()
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("bench/seed_stored", self.stored)


class CrawlFigures:
    """The crawl's stats, CPU and peak memory, written as JSON when the spider closes."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.opened_cpu = 0.0
        self.opened_wall = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("BENCH_FIGURES_FILE")
        if not path:
            raise NotConfigured("BENCH_FIGURES_FILE is not set")
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        # Late among the spider_closed handlers: the pipelines' own ones run first.
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.opened_cpu = time.process_time()
        self.opened_wall = time.perf_counter()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in self.crawler.stats.get_stats().items()
            if isinstance(value, int | float | str | datetime)
        }
        figures = {
            "reason": reason,
            # From the spider's opening to its closing (the last flush included): the crawl
            # itself, without the interpreter's start-up and imports.
            "crawl_wall": time.perf_counter() - self.opened_wall,
            "crawl_cpu": time.process_time() - self.opened_cpu,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "stats": stats,
        }
        self.path.write_text(json.dumps(figures, indent=1), encoding="utf-8")
