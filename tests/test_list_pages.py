"""List pages: the postings a crawl saw, and pagination that stops when pages only repeat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.list_pages import POSTINGS_SEEN, REPEATED_PAGES, ListPagesMiddleware
from outsourcing_crawler.listing_marks import LISTING, NEXT_PAGE, ListingRef
from tests.reliability.crawls import FAST, start_crawl, through
from tests.reliability.site import LocalSite
from tests.support import RECORDINGS

if TYPE_CHECKING:
    from tests.reliability.site import _Handler

LIST_API = "https://kmong.com/api/custom-project/v1/requests?"


def detail(external_id: str) -> Request:
    return Request(
        f"https://example.com/p/{external_id}", meta={LISTING: ListingRef(external_id, "h")}
    )


def next_page(page: int) -> Request:
    return Request(f"https://example.com/list?page={page}", meta={NEXT_PAGE: True})


def posting(external_id: str) -> ProjectItem:
    return ProjectItem(
        platform="kmong", external_id=external_id, url="https://example.com", title="t"
    )


def list_page(page: int) -> HtmlResponse:
    return HtmlResponse(
        f"https://example.com/list?page={page}", request=Request("https://example.com/list")
    )


@pytest.fixture
def middleware() -> ListPagesMiddleware:
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    return ListPagesMiddleware.from_crawler(crawler)


async def through_middleware(
    middleware: ListPagesMiddleware, response: HtmlResponse, outputs: list[Any]
) -> list[Any]:
    async def result() -> Any:
        for output in outputs:
            yield output

    return [out async for out in middleware.process_spider_output(response, result())]


@deferred_f_from_coro_f
async def test_a_page_of_new_postings_leads_to_the_next(middleware: ListPagesMiddleware) -> None:
    first = [detail("1"), detail("2"), next_page(2)]
    second = [detail("2"), posting("3"), next_page(3)]
    assert await through_middleware(middleware, list_page(1), first) == first
    assert await through_middleware(middleware, list_page(2), second) == second
    assert middleware.crawler.stats.get_value(POSTINGS_SEEN) == 3
    assert middleware.crawler.stats.get_value(REPEATED_PAGES) is None


@deferred_f_from_coro_f
async def test_a_page_of_postings_seen_before_ends_the_pagination(
    middleware: ListPagesMiddleware,
) -> None:
    await through_middleware(middleware, list_page(1), [detail("1"), posting("2"), next_page(2)])
    repeated = [posting("2"), detail("1"), next_page(3)]
    assert await through_middleware(middleware, list_page(2), repeated) == repeated[:2]
    assert middleware.crawler.stats.get_value(REPEATED_PAGES) == 1
    assert middleware.crawler.stats.get_value(POSTINGS_SEEN) == 2


@deferred_f_from_coro_f
async def test_detail_pages_and_pages_without_postings_pass_untouched(
    middleware: ListPagesMiddleware,
) -> None:
    await through_middleware(middleware, list_page(1), [detail("1"), next_page(2)])
    detail_page = HtmlResponse("https://example.com/p/1", request=detail("1"))
    outputs = [posting("1"), next_page(9)]
    assert await through_middleware(middleware, detail_page, outputs) == outputs
    sitemap_index = [Request("https://example.com/sitemap-2.xml"), next_page(2)]
    assert await through_middleware(middleware, list_page(1), sitemap_index) == sitemap_index
    assert middleware.crawler.stats.get_value(REPEATED_PAGES) is None


class EndlessListSite(LocalSite):
    """kmong's recorded site, whose list API answers every page with page 1, saying a
    thousand pages follow."""

    def answer(self, handler: _Handler, method: str, url: str, body: bytes) -> None:
        if not url.startswith(LIST_API):
            super().answer(handler, method, url, body)
            return
        self._record(method, url, "ok")
        page = json.loads(next(RECORDINGS.glob("kmong.com/*page-1_per_page-50.json")).read_text())
        page["last_page"] = 1000
        handler.reply(200, [("Content-Type", "application/json")], json.dumps(page).encode())


@pytest.fixture
def endless_site() -> Iterator[EndlessListSite]:
    site = EndlessListSite()
    with site.running():
        yield site


def test_a_list_that_repeats_page_one_forever_stops_after_one_more_page(
    endless_site: EndlessListSite, tmp_path: Path
) -> None:
    crawl = start_crawl(
        "kmong",
        *FAST,
        "STORAGE_ENABLED=0",
        folder=tmp_path,
        env=through(endless_site.proxy_url),
    )
    assert crawl.wait() == 0, crawl.log[-3000:]
    asked = [served.url for served in endless_site.requests_to(LIST_API)]
    assert len(asked) == 2, asked
    stats = crawl.stats()
    assert stats[REPEATED_PAGES] == 1
    assert stats["finish_reason"] == "finished"
    assert "shows only postings already seen in this crawl" in crawl.log
