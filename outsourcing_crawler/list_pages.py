"""What the list pages of a crawl show: the postings seen, and pagination that only repeats.

A spider marks what its list pages lead to (see ``ProjectSpider.detail_request`` and
``ProjectSpider.next_list_page``). This spider middleware, next to the spider, reads every list
page's output before anything is filtered out:

- it counts the distinct postings the list pages showed (``outsourcing/listing/postings_seen``,
  which the health checks compare with earlier crawls);
- a list page that shows only postings already seen in this crawl does not lead to the next
  one (``outsourcing/listing/repeated_pages``): a site that ignores the page parameter would
  otherwise be asked for page after page of the same postings.

It needs no database: crawls with storage off get it too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.listing_marks import LISTING, NEXT_PAGE

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

POSTINGS_SEEN = "outsourcing/listing/postings_seen"
REPEATED_PAGES = "outsourcing/listing/repeated_pages"


def listed_ids(outputs: list[Any]) -> set[str]:
    """The postings a list page's outputs name: detail requests and whole postings."""
    ids = set()
    for output in outputs:
        if isinstance(output, Request) and LISTING in output.meta:
            ids.add(output.meta[LISTING].external_id)
        elif isinstance(output, ProjectItem):
            ids.add(str(output.external_id))
    return ids


class ListPagesMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        if LISTING in response.meta:  # a posting's detail page, not a list page
            async for output in result:
                yield output
            return
        outputs = [output async for output in result]
        listed = listed_ids(outputs)
        repeated = bool(listed) and listed <= self.seen
        if listed:
            stats = self.crawler.stats
            assert stats is not None
            self.seen |= listed
            stats.set_value(POSTINGS_SEEN, len(self.seen))
            if repeated:
                stats.inc_value(REPEATED_PAGES)
        for output in outputs:
            if repeated and isinstance(output, Request) and output.meta.get(NEXT_PAGE):
                logger.warning(
                    "%s shows only postings already seen in this crawl (%d): not following %s",
                    response.url,
                    len(listed),
                    output.url,
                )
                continue
            yield output
