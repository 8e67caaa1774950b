"""What every platform spider shares, so that each spider says only what its site needs."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector, SelectorList
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TxTimeoutError

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import SEOUL

if TYPE_CHECKING:
    from twisted.python.failure import Failure

# Texts that a block, bot-wall or challenge page carries and a real listing never does.
BLOCK_MARKERS: tuple[str, ...] = (
    "_Incapsula_Resource",
    "Incapsula incident",
    "challenge-platform",
    "cf-chl",
    "cf_chl_opt",
    "Attention Required! | Cloudflare",
    "g-recaptcha",
    "h-captcha",
    "captcha-delivery",
    "Access Denied",
    "Request unsuccessful",
    "비정상적인 접근",
    "자동입력 방지",
)


class SpiderArgumentError(ValueError):
    """A spider argument (``-a name=value``) with a value the spider does not accept."""


class ProjectSpider(scrapy.Spider):
    """Base of the platform spiders.

    A subclass declares its ``name``, its ``arguments`` (name -> allowed values, ``int`` for a
    positive integer or ``str`` for free text), the ``timezone`` its site publishes in and,
    for the completeness stats, the ``expected_fields`` its site normally fills.
    It builds items with :meth:`item`, reads JSON with :meth:`json_body`, and reports what did
    not match with :meth:`parse_error` — so a changed site shows in the stats and the log,
    never as a silently empty crawl.
    """

    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {}
    timezone: ClassVar[tzinfo] = SEOUL
    expected_fields: ClassVar[tuple[str, ...]] = ()
    block_markers: ClassVar[tuple[str, ...]] = BLOCK_MARKERS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for name, value in kwargs.items():
            if name in self.arguments:
                kwargs[name] = self._check_argument(name, value)
        super().__init__(*args, **kwargs)
        self._logged_errors: set[str] = set()
        self._blocked_pages = 0

    @classmethod
    def _check_argument(cls, name: str, value: Any) -> Any:
        allowed = cls.arguments[name]
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

    def item(self, response: Response, **fields: Any) -> ProjectItem:
        """A ProjectItem of this platform, fetched at the response's time."""
        return ProjectItem(platform=self.name, scraped_at=self.fetched_at(response), **fields)

    # -- reporting what did not match -----------------------------------------------------

    def parse_error(self, kind: str, response: Response | None = None, detail: str = "") -> None:
        """Count a page or value that is not what the parser expects; log each kind once."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"outsourcing/parse_errors/{self.name}/{kind}")
        if kind not in self._logged_errors:
            self._logged_errors.add(kind)
            where = response.url if response is not None else "-"
            suffix = f": {detail}" if detail else ""
            self.logger.warning("Parse error (%s) at %s%s", kind, where, suffix)

    def is_block_page(self, response: Response) -> bool:
        """A bot wall, captcha or challenge page in place of the content."""
        if response.status in (401, 403) or not isinstance(response, TextResponse):
            return response.status in (401, 403)
        head = response.text[:20_000]
        return any(marker in head for marker in self.block_markers)

    def blocked(self, response: Response) -> None:
        """Report a block page; past ``BLOCKED_PAGES_LIMIT`` of them, stop the spider."""
        assert self.crawler.stats is not None
        self._blocked_pages += 1
        self.crawler.stats.inc_value(f"outsourcing/blocked/{self.name}")
        limit = self.crawler.settings.getint("BLOCKED_PAGES_LIMIT", 1)
        self.logger.error(
            "Blocked by %s (page %d of %d allowed): %s",
            self.name,
            self._blocked_pages,
            limit,
            response.url,
        )
        if self._blocked_pages >= limit:
            raise CloseSpider("blocked")

    def json_body(self, response: Response) -> Any | None:
        """The response's JSON, or None after reporting a block page or a non-JSON body."""
        if self.is_block_page(response):
            self.blocked(response)
            return None
        try:
            return json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            is_html = b"<html" in response.body[:2000].lower()
            kind = "html_instead_of_json" if is_html else "not_json"
            self.parse_error(kind, response, f"{len(response.body)} bytes")
            return None

    def on_request_error(self, failure: Failure) -> None:
        """Errback: count a request that failed for good (after retries) by its kind."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            response = failure.value.response
            if self.is_block_page(response):
                self.blocked(response)
                return
            kind = f"http_{response.status}"
        elif failure.check(TxTimeoutError):
            kind = "timeout"
        else:
            kind = f"download_error_{failure.type.__name__}"
        self.parse_error(kind, None, f"{request.url}: {failure.getErrorMessage()}")

    def request(self, url: str, callback: Callable[..., Any], **kwargs: Any) -> scrapy.Request:
        """A request whose final failure is counted by :meth:`on_request_error`."""
        return scrapy.Request(url, callback=callback, errback=self.on_request_error, **kwargs)

    def form_request(
        self, url: str, formdata: Mapping[str, str], callback: Callable[..., Any], **kwargs: Any
    ) -> scrapy.FormRequest:
        return scrapy.FormRequest(
            url, formdata=formdata, callback=callback, errback=self.on_request_error, **kwargs
        )

    @staticmethod
    def first_match(selector: Selector | SelectorList, *queries: str) -> str | None:
        """The text of the first CSS query that matches: markup varies between page versions."""
        for query in queries:
            value = selector.css(query).get()
            if value is not None and value.strip():
                return value
        return None
