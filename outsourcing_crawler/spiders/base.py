"""What every platform spider shares, so that each spider says only what its site needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector, SelectorList

from outsourcing_crawler.fingerprints import fingerprint
from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.listing_marks import (
    FULL_VALUES,
    LISTING,
    NEXT_PAGE,
    ListingRef,
    is_full_crawl,
)
from outsourcing_crawler.normalisers import (
    NO_BUDGET,
    SEOUL,
    Budget,
    json_ld_nodes,
    parse_budget,
)
from outsourcing_crawler.spiders.pages import PageSpider


def budget_fields(budget: Budget) -> dict[str, Any]:
    """A Budget as the item's fields: ``self.item(response, **budget_fields(budget), ...)``."""
    return {
        "budget_min": budget.min,
        "budget_max": budget.max,
        "currency": budget.currency,
        "budget_type": budget.type,
    }


def without_query(url: str) -> str:
    """A link less its query and fragment: the tracking parameters of a list page's links."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def compact(extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` without the values that say nothing: None and empty lists."""
    return {key: value for key, value in extra.items() if value is not None and value != []}


class SpiderArgumentError(ValueError):
    """A spider argument (``-a name=value``) with a value the spider does not accept."""


class ProjectSpider(PageSpider):
    """Base of the platform spiders.

    A subclass declares its ``name``, its ``arguments`` (name -> allowed values, ``int`` for a
    positive integer or ``str`` for free text), the ``timezone`` its site publishes in, for
    the completeness stats the ``expected_fields`` its site normally fills (by default every
    field a full posting has), and, for block detection, the ``content_selector`` that
    matches what it reads on an HTML page.
    A callback opens with a guard (:class:`~outsourcing_crawler.spiders.pages.PageSpider`),
    builds items with :meth:`item`, reads JSON-LD with :meth:`job_posting` and reports what
    did not match with :meth:`parse_error`.
    """

    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {}
    timezone: ClassVar[tzinfo] = SEOUL
    # Every field of a full posting but the amounts and currency, which a negotiable
    # budget leaves out.
    expected_fields: ClassVar[tuple[str, ...]] = (
        "description",
        "category",
        "skills",
        "budget_type",
        "duration_days",
        "work_type",
        "location",
        "posted_at",
        "deadline",
        "applicants",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for name, value in kwargs.items():
            if name in self.all_arguments():
                kwargs[name] = self._check_argument(name, value)
        super().__init__(*args, **kwargs)
        self.arguments_given = frozenset(kwargs) & frozenset(self.arguments)

    @classmethod
    def all_arguments(cls) -> Mapping[str, tuple[str, ...] | type]:
        """The spider's own arguments and ``full`` (``-a full=1``: no incremental skipping)."""
        return {"full": ("0", *FULL_VALUES), **cls.arguments}

    @classmethod
    def _check_argument(cls, name: str, value: Any) -> Any:
        allowed = cls.all_arguments()[name]
        if allowed is int:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = 0
            if number < 1:
                raise SpiderArgumentError(
                    f"{cls.name}: argument {name}={value!r} must be a positive integer"
                )
            return number
        if allowed is str:
            return str(value)
        if isinstance(allowed, tuple) and value not in allowed:
            raise SpiderArgumentError(
                f"{cls.name}: argument {name}={value!r} is not one of: {', '.join(allowed)}"
            )
        return value

    # -- building items -------------------------------------------------------------------

    def fetched_at(self, response: Response) -> datetime:
        """When the response was fetched (its ``Date`` header), in UTC.

        The server's own date keeps replayed recordings deterministic; without one, now.
        """
        raw = response.headers.get(b"Date")
        if raw:
            try:
                return parsedate_to_datetime(raw.decode("latin-1")).astimezone(UTC)
            except (TypeError, ValueError):
                pass
        return datetime.now(UTC)

    def local_time(self, response: Response) -> datetime:
        """The fetch time in the site's zone, which relative dates ("3일 전") count from."""
        return self.fetched_at(response).astimezone(self.timezone)

    def item(self, response: Response, **fields: Any) -> ProjectItem:
        """A ProjectItem of this platform, fetched at the response's time."""
        return ProjectItem(platform=self.name, scraped_at=self.fetched_at(response), **fields)

    # -- reading ---------------------------------------------------------------------------

    def read_budget(self, response: Response, text: str | None, **options: Any) -> Budget:
        """The budget in ``text`` (``options`` as for ``parse_budget``); a text that says
        none it can read is counted (``unparsed_budget``) and gives no budget."""
        budget = parse_budget(text, **options)
        if budget is None and text and text.strip():
            self.parse_error("unparsed_budget", response, text)
        return budget or NO_BUDGET

    def job_posting(self, response: TextResponse) -> dict[str, Any] | None:
        """The page's schema.org ``JobPosting`` from its JSON-LD blocks, or None.

        A block that is no JSON is counted (``bad_json_ld``) and the next one read.
        """
        for raw in response.css('script[type="application/ld+json"]::text').getall():
            postings = json_ld_nodes(raw, "JobPosting")
            if postings is None:
                self.parse_error("bad_json_ld", response, f"{len(raw)} chars")
            elif postings:
                return postings[0]
        return None

    # -- requests --------------------------------------------------------------------------

    def request(self, url: str, callback: Callable[..., Any], **kwargs: Any) -> scrapy.Request:
        """A request whose final failure is counted by :meth:`on_request_error`."""
        kwargs.setdefault("errback", self.on_request_error)
        return scrapy.Request(url, callback=callback, **kwargs)

    def detail_request(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        external_id: Any,
        listing: Any,
        **kwargs: Any,
    ) -> scrapy.Request:
        """A posting's detail page, as a list page led to it.

        ``listing`` is what the list page showed of the posting (its row, its card's texts):
        an incremental crawl skips the request while that is unchanged and the detail page
        was read recently.
        """
        meta = {
            **kwargs.pop("meta", {}),
            LISTING: ListingRef(str(external_id), fingerprint(listing)),
        }
        return self.request(url, callback, meta=meta, **kwargs)

    @staticmethod
    def next_list_page(request: scrapy.Request) -> scrapy.Request:
        """Mark the request as the one for the next list page: an incremental crawl drops it
        after ``INCREMENTAL_STOP_AFTER_PAGES`` list pages (newest first) in a row showed
        nothing new or changed."""
        request.meta[NEXT_PAGE] = True
        return request

    @property
    def saw_whole_listing(self) -> bool:
        """Whether this crawl reads the platform's whole listing: run with ``-a full=1``
        and no argument that filters or limits it. Only such a crawl may conclude that a
        posting it did not see is gone."""
        return is_full_crawl(self) and not self.arguments_given

    def form_request(
        self, url: str, formdata: Mapping[str, str], callback: Callable[..., Any], **kwargs: Any
    ) -> scrapy.FormRequest:
        return scrapy.FormRequest(
            url, formdata=formdata, callback=callback, errback=self.on_request_error, **kwargs
        )

    def shown_link(self, href: str | None, base: str, built: str) -> str:
        """The link the page shows for a posting (``href`` joined to ``base``; a caller drops a
        list's tracking query, a link may hold the id in its query), else the link
        ``built`` from its id, counted (``outsourcing/built_links/NAME``) so that a site that
        stops showing links is seen in the stats."""
        if href and href.strip():
            return urljoin(base, href.strip())
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"outsourcing/built_links/{self.name}")
        return built

    @staticmethod
    def page_link(value: Any) -> str | None:
        """A JSON value that reads as a link to a page (absolute, or a path of the site)."""
        if isinstance(value, str) and value.strip().startswith(("http://", "https://", "/")):
            return value
        return None

    @staticmethod
    def canonical_link(page: TextResponse) -> str | None:
        """The URL a detail page names as its own: ``<link rel=canonical>``, else ``og:url``."""
        return (
            page.css('link[rel~="canonical"]::attr(href)').get()
            or page.css('meta[property="og:url"]::attr(content)').get()
        )

    @staticmethod
    def first_match(selector: Selector | SelectorList, *queries: str) -> str | None:
        """The text of the first CSS query that matches: markup varies between page versions."""
        for query in queries:
            value = selector.css(query).get()
            if value is not None and value.strip():
                return value
        return None

    @staticmethod
    def first_selection(selector: Selector | SelectorList, *queries: str) -> SelectorList:
        """The elements of the first CSS query that matches any, else an empty list.

        One query at a time, so that an element that several page versions' queries match
        is never taken twice.
        """
        for query in queries:
            found = selector.css(query)
            if found:
                return found
        return SelectorList([])
