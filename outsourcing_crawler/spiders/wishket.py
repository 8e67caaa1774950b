"""wishket.com (위시켓) projects: the server-rendered list, then each project's own page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import quote

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.lz_string import compress_to_base64
from outsourcing_crawler.normalisers import clean_text
from outsourcing_crawler.spiders.base import ProjectSpider
from outsourcing_crawler.spiders.pages import looks_like_json
from outsourcing_crawler.spiders.selection import element_text, next_page_link, raw_text
from outsourcing_crawler.spiders.wishket_pages import (
    PROJECT_ID,
    PROJECT_URL,
    card_fields,
    login_hidden,
    project_fields,
)

if TYPE_CHECKING:
    from twisted.python.failure import Failure

LIST_URL: Final = "https://www.wishket.com/project/"
PAGE_SIZE: Final = 10

# What a card shows of a posting that changes only when the posting does.
LISTED_FIELDS: Final = (
    "title", "status", "budget_min", "budget_max", "budget_type", "duration_days", "work_type",
    "location", "skills", "applicants",
)  # fmt: skip
_EMPTY_LIST: Final = re.compile(r"(?:프로젝트|검색\s*결과)(?:가|이)?\s*없습니다")


class WishketSpider(ProjectSpider):
    """Projects from the server-rendered list ``/project/?d=…`` and each ``/project/{id}/``.

    The list is the page a browser gets: ten cards a page, newest first (``srt=new``),
    filters in ``?d=`` (LZString ``compressToBase64`` of ``k=v&k=v``), numbered pagination
    links. The XHR variant of the same URL wraps the same cards in JSON without the
    pagination, so the HTML route is used (the JSON body is still understood if served).
    The detail page adds the description, the ``모집 마감일`` date, the posted date and a
    JSON-LD ``JobPosting``. robots.txt allows ``/project/`` and asks ``Crawl-delay: 5``:
    one request at a time, five seconds apart, not randomised below that.

    Arguments: ``pt`` (``task_based`` = 외주, ``term_based`` = 기간제; default both),
    ``closed`` (``exclude`` by default, ``include`` to list closed postings too),
    ``keyword`` (free text), ``max_pages`` (list pages to read at most).
    """

    name = "wishket"
    allowed_domains: ClassVar[list[str]] = ["www.wishket.com"]
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_DELAY": 5,  # also AutoThrottle's floor
        "DOWNLOAD_DELAY_JITTER": 0,  # the default ±50% would go down to 2.5 s
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }
    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {
        "pt": ("task_based", "term_based"),
        "closed": ("exclude", "include"),
        "keyword": str,
        "max_pages": int,
    }
    content_selector = (
        "#projectListView, div.project-info-box, .project-detail-view, .detail-section"
    )

    pt: str | None = None
    closed: str = "exclude"
    keyword: str | None = None
    max_pages: int | None = None

    # -- requests -------------------------------------------------------------------------

    def filter_query(self, page: int = 1) -> str:
        """The ``k=v&k=v`` filter string the site compresses into ``?d=``."""
        pairs: list[tuple[str, str]] = []
        if self.pt:
            pairs.append(("pt", self.pt))
        keyword = clean_text(self.keyword)
        if keyword:
            pairs.append(("s", _escape_filter_value(keyword)))
        pairs.append(("srt", "new"))
        if page > 1:
            pairs.append(("page", str(page)))
        if self.closed != "include":
            pairs.append(("ecd", "True"))
        return "&".join(f"{key}={value}" for key, value in pairs)

    def list_url(self, page: int = 1) -> str:
        encoded = compress_to_base64(self.filter_query(page))
        return f"{LIST_URL}?d={quote(encoded, safe='')}"

    def list_request(self, url: str, page: int) -> scrapy.Request:
        return self.request(url, callback=self.parse, cb_kwargs={"page": page})

    async def start(self) -> AsyncIterator[Any]:
        yield self.list_request(self.list_url(1), 1)

    # -- list pages -----------------------------------------------------------------------

    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        """One list page: a detail request per organic card, and the next list page.

        @url https://www.wishket.com/project/?d=M4JwLgvAdgpg7gMhgYwCYQCogK4yA%3D%3D%3D
        @cb_kwargs {"page": 1}
        @returns items 0 0
        @returns requests 11 11
        """
        listing = self.listing(response)
        if listing is None:
            return
        markup, total = listing
        cards = markup.css("div.project-info-box")
        if not cards:
            scope = markup.css("#projectListView")
            empty = total == 0 or (scope and _EMPTY_LIST.search(raw_text(scope)))
            if not empty:
                self.parse_error("no_cards", response, f"{len(response.body)} bytes")
            elif page == 1 and not clean_text(self.keyword):
                # wishket always has open projects: an empty unsearched list is no listing.
                self.parse_error("no_projects", response)
            else:
                self.logger.info("No projects on %s", response.url)
            return

        organic = 0
        for card in cards:
            if not card.css("section.project-organic-info"):
                self.skipped("ad", response)
                continue
            item = self.card_item(response, card)
            if item is None:
                self.parse_error("card_without_link", response)
                continue
            organic += 1
            yield self.card_detail_request(item)
        if not organic and any(card.css("a[href*='/project/']") for card in cards):
            # Cards with project links yet no organic section: the section was renamed.
            self.parse_error("no_organic_cards", response, f"{len(cards)} cards")

        if self.max_pages is not None and page >= self.max_pages:
            return
        next_url = self.next_page_url(response, markup, page, total)
        if next_url:
            yield self.next_list_page(self.list_request(next_url, page + 1))

    def listing(self, response: Response) -> tuple[Selector, int | None] | None:
        """The cards' markup and, for the JSON variant, the total count; None once counted."""
        if not (isinstance(response, TextResponse) and looks_like_json(response)):
            page = self.html_page(response)
            return None if page is None else (Selector(page), None)
        data = self.json_body(response)
        if data is None:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("result"), str):
            self.parse_error("missing_key_result", response)
            return None
        total = data.get("count")
        markup = Selector(text=data["result"] or "<html></html>")
        return markup, total if isinstance(total, int) else None

    def next_page_url(
        self, response: Response, markup: Selector, page: int, total: int | None
    ) -> str | None:
        if total is not None:  # the JSON variant has no pagination links
            return self.list_url(page + 1) if page * PAGE_SIZE < total else None
        link = next_page_link(markup.css(".pagination .page-link, .pagination a"), page + 1)
        if link is None:
            return None
        href = (link.attrib.get("href") or "").strip()
        if element_text(link) == str(page + 1) and "d=" in href:
            return response.urljoin(href)
        # A link without the filter (or only "다음") would drop it: page N in `d` keeps it.
        return self.list_url(page + 1)

    def card_item(self, response: Response, card: Selector) -> ProjectItem | None:
        """A ProjectItem from one organic list card; None when it has no project link."""
        fields = card_fields(card, self.local_time(response), self.timezone)
        return None if fields is None else self.item(response, **fields)

    # -- detail pages ---------------------------------------------------------------------

    def card_detail_request(self, item: ProjectItem) -> scrapy.Request:
        assert item.url is not None
        return self.detail_request(
            item.url,
            self.parse_detail,
            external_id=item.external_id,
            # The card as it reads, less what moves on its own (views, the relative deadline).
            listing={name: getattr(item, name) for name in LISTED_FIELDS},
            errback=self.detail_failed,
            cb_kwargs={"item": item},
        )

    def detail_failed(self, failure: Failure) -> Iterator[ProjectItem]:
        """A detail page that failed for good: count it, keep what the card gave."""
        self.on_request_error(failure)
        item = failure.request.cb_kwargs.get("item")  # type: ignore[attr-defined]
        if isinstance(item, ProjectItem):
            yield item

    def parse_detail(self, response: Response, item: ProjectItem | None = None) -> Iterator[Any]:
        """A project's page completes the card's item (or makes one on its own).

        @url https://www.wishket.com/project/158857/
        @returns items 1 1
        @returns requests 0 0
        @scrapes platform external_id url title description category skills status extra
        @scrapes budget_min budget_max currency budget_type duration_days work_type location
        @scrapes posted_at deadline applicants scraped_at
        """
        try:
            page = self.html_page(response)
        except CloseSpider:
            if item is not None:
                yield item  # the card's fields are real; the challenge page is not parsed
            raise
        if page is None:
            if item is not None:
                yield item
            return
        posting = self.job_posting(page)
        root = page.css(".project-detail-view .detail-section") or page.css(
            ".project-detail-view, .detail-section"
        )
        hidden = login_hidden(page, has_detail=bool(root))
        if not root and posting is None:
            if not hidden:
                self.parse_error("detail_no_content", page, f"{len(page.body)} bytes")
            if item is not None:
                yield (
                    replace(item, extra={**item.extra, "details_hidden": True}) if hidden else item
                )
            return
        if item is None:
            match = PROJECT_ID.search(page.url)
            if match is None:
                self.parse_error("detail_without_id", page)
                return
            # Only a canonical link naming this project: list pages name the list.
            canonical = self.canonical_link(page) or ""
            named = PROJECT_ID.search(canonical)
            shown = canonical if named and named[1] == match[1] else None
            url = self.shown_link(shown, page.url, PROJECT_URL.format(match[1]))
            item = self.item(page, external_id=match[1], url=url)
        fields = project_fields(
            page,
            root,
            item,
            posting or {},
            hidden=hidden,
            now=self.local_time(page),
            tz=self.timezone,
        )
        yield replace(item, **fields, scraped_at=self.fetched_at(page))


def _escape_filter_value(value: str) -> str:
    """Escape what would break the ``k=v&k=v`` string the server splits like a query."""
    return "".join(f"%{ord(char):02X}" if char in "%&=+#" else char for char in value)
