"""Incremental crawls: read list pages newest first and fetch only what changed.

A spider marks what its list pages lead to (see ``ProjectSpider.detail_request`` and
``ProjectSpider.next_list_page``): a request for a posting's detail page carries the posting's
:class:`ListingRef` (its id and a fingerprint of what the list page showed of it), and the
request for the next list page carries ``meta[NEXT_PAGE]``. For every list page this spider
middleware asks the database once what it knows of the page's postings, then

- drops the detail requests of postings whose listing is unchanged and whose detail page was
  read less than ``INCREMENTAL_DETAIL_MAX_AGE`` seconds ago;
- drops the next-page request after ``INCREMENTAL_STOP_AFTER_PAGES`` consecutive list pages
  with nothing new or changed (list pages are newest first: older pages hold nothing new).

Postings that a list page yields whole (no detail page) are compared by their content.
A spider run with ``-a full=1`` fetches everything; either way, what was fetched is recorded
for the next crawl.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler.db import Database, databases
from outsourcing_crawler.db.listings import (
    known_listings,
    previous_run_finished,
    record_listings,
)
from outsourcing_crawler.db.models import Listing
from outsourcing_crawler.fingerprints import content_hash
from outsourcing_crawler.items import ProjectItem, item_dict
from outsourcing_crawler.listing_marks import LISTING, NEXT_PAGE, ListingRef, is_full_crawl
from outsourcing_crawler.storage import storage_url

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

MAX_ID_LENGTH = Listing.external_id.type.length


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        url = storage_url(settings)
        if url is None:
            raise NotConfigured("incremental crawls compare with the database: storage is off")
        self.crawler = crawler
        self.url = url
        self.max_age = timedelta(seconds=settings.getfloat("INCREMENTAL_DETAIL_MAX_AGE", 86400))
        self.stop_after = settings.getint("INCREMENTAL_STOP_AFTER_PAGES", 1)
        self.database: Database | None = None
        self.full = True
        # After a crawl that stopped part-way, older list pages may hold postings it never
        # reached: read them all, still skipping the unchanged detail pages.
        self.follow_all_pages = False
        self.quiet_pages = 0
        self.pending: list[dict[str, Any]] = []
        self._item_hashes: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    async def spider_opened(self, spider: Spider) -> None:
        self.database = databases.acquire(self.url)
        self.full = is_full_crawl(spider)
        if self.full:
            return
        try:
            async with self.database.session() as session:
                self.follow_all_pages = not await previous_run_finished(session, spider.name)
        except (OSError, SQLAlchemyError):
            self.follow_all_pages = True
        logger.info(
            "Incremental crawl: unchanged postings are not fetched again (-a full=1 reads all)%s",
            "; the previous crawl did not finish, so every list page is read"
            if self.follow_all_pages
            else "",
        )

    async def spider_closed(self, spider: Spider) -> None:
        if self.database is None:
            return
        try:
            await self._exchange(spider.name, [])
        finally:
            await databases.release(self.database)
            self.database = None

    def _fetched(self, ref: ListingRef, has_item: bool) -> None:
        """Remember a posting as read: recorded with the next page's lookup."""
        if len(ref.external_id) > MAX_ID_LENGTH:
            return  # no posting with such an id can be stored either
        self.pending.append(
            {
                "platform": self.crawler.spider.name,
                "external_id": ref.external_id,
                "listing_hash": ref.listing_hash,
                "fetched_at": datetime.now(UTC),
                "has_item": has_item,
            }
        )

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        """A posting a list page yielded whole is read once it is stored."""
        external_id = str(getattr(item, "external_id", None))
        listing_hash = self._item_hashes.pop(external_id, None)
        if listing_hash is not None:
            self._fetched(ListingRef(external_id, listing_hash), has_item=True)

    async def _exchange(
        self, platform: str, external_ids: list[str]
    ) -> dict[str, tuple[str, datetime]] | None:
        """Record what is pending and read what is known, in one transaction."""
        if self.database is None:
            return None
        pending, self.pending = self.pending, []
        try:
            async with self.database.session() as session:
                await record_listings(session, pending)
                return await known_listings(session, platform, external_ids)
        except (OSError, SQLAlchemyError) as exc:
            # Not knowing costs requests, never postings: fetch everything on this page.
            self.stats.inc_value("outsourcing/incremental/lookup_errors")
            logger.warning("Incremental lookup failed, fetching the whole page: %s", exc)
            return None

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        outputs = [output async for output in result]
        if LISTING in response.meta:
            # A detail page read through, even one that yields no posting (a confidential
            # request): not worth reading again while its listing holds.
            has_item = any(isinstance(output, ProjectItem) for output in outputs)
            self._fetched(response.meta[LISTING], has_item)
        listed: dict[str, str] = {}
        paginates = False
        for output in outputs:
            if isinstance(output, Request):
                if LISTING in output.meta:
                    ref: ListingRef = output.meta[LISTING]
                    listed[ref.external_id] = ref.listing_hash
                paginates = paginates or bool(output.meta.get(NEXT_PAGE))
            elif isinstance(output, ProjectItem) and LISTING not in response.meta:
                # A posting yielded whole by a list page: its listing is its content.
                digest = content_hash(item_dict(output))
                listed[str(output.external_id)] = digest
                self._item_hashes[str(output.external_id)] = digest
        if not listed and not paginates:
            for output in outputs:
                yield output
            return

        spider = self.crawler.spider
        # A failed lookup knows nothing: the page is then fetched whole.
        known = await self._exchange(spider.name, list(listed)) or {}
        now = datetime.now(UTC)
        changed = {eid for eid, digest in listed.items() if known.get(eid, ("",))[0] != digest}
        stale = {eid for eid in listed if eid not in known or now - known[eid][1] > self.max_age}
        self.stats.inc_value("outsourcing/incremental/new_or_changed", len(changed))
        for output in outputs:
            if isinstance(output, Request) and not self.full:
                ref = output.meta.get(LISTING)
                if ref is not None and ref.external_id not in changed | stale:
                    self.stats.inc_value("outsourcing/incremental/details_skipped")
                    continue
                if output.meta.get(NEXT_PAGE) and not self.follow_all_pages:
                    self.quiet_pages = 0 if changed else self.quiet_pages + 1
                    if self.quiet_pages >= self.stop_after:
                        self.stats.inc_value("outsourcing/incremental/pagination_stopped")
                        logger.info(
                            "Incremental crawl: %d list page(s) in a row with nothing new, "
                            "not following %s",
                            self.quiet_pages,
                            output.url,
                        )
                        continue
            yield output
