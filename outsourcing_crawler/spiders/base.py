"""What every platform spider shares, so that each spider says only what its site needs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar

import parsel
import scrapy
from lxml import etree
from scrapy.exceptions import CloseSpider, DownloadTimeoutError
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector, SelectorList
from scrapy.spidermiddlewares.httperror import HttpError

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
    clean_text,
    json_ld_nodes,
    parse_budget,
)

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
    "<title>Just a moment...</title>",
    "captcha-delivery",
    "px-captcha",
    "Access Denied",
    "Request unsuccessful",
    "비정상적인 접근",
)
# Captcha widgets also sit in ordinary login forms: they mark a block page only where the
# page asks for no password.
CAPTCHA_MARKERS: tuple[str, ...] = ("g-recaptcha", "h-captcha", "자동입력 방지")
_PASSWORD_FIELD = re.compile(r"<input\b[^>]{0,2000}\btype\s*=\s*[\"']?password", re.IGNORECASE)
# Protected sites load their bot-detection script into every normal page too (Incapsula's
# `/_Incapsula_Resource?...`, Cloudflare's `/cdn-cgi/challenge-platform/scripts/...`): the
# markers in such a script's URL say nothing about the page.
_EXTERNAL_SCRIPT = re.compile(
    r"<script\b[^>]{0,2000}\bsrc\s*=[^>]{0,2000}>\s*</script\s*>", re.IGNORECASE
)
_JSON_START = re.compile(r"\s*[\[{]")


def budget_fields(budget: Budget) -> dict[str, Any]:
    """A Budget as the item's fields: ``self.item(response, **budget_fields(budget), ...)``."""
    return {
        "budget_min": budget.min,
        "budget_max": budget.max,
        "currency": budget.currency,
        "budget_type": budget.type,
    }


# One compiled XPath serves every class (a variable, so no name can break the expression);
# `concat`/`normalize-space` match a whole class token, as CSS's `.name` does.
_TEXTS_OUTSIDE_CLASS = etree.XPath(
    ".//text()[not(ancestor::*[contains(concat(' ', normalize-space(@class), ' '), $name)])]",
    smart_strings=False,
)


def raw_text(
    selection: parsel.Selector | Iterable[parsel.Selector], skip_class: str | None = None
) -> str:
    """Every text within the selected elements, joined by spaces, as
    ``" ".join(selection.css("::text").getall())`` gives it; with ``skip_class``, less the
    texts inside elements of that class. A selected text or attribute value is its own text.

    Read from lxml directly: the selector would build a Selector object for every text
    node, most of the cost of reading a card's texts.
    """
    selected = [selection] if isinstance(selection, parsel.Selector) else selection
    texts: list[str] = []
    for node in selected:
        root = node.root
        if isinstance(root, str):  # selected with ::text or ::attr()
            texts.append(root)
        elif not skip_class:
            texts.extend(root.itertext())
        else:
            texts.extend(_TEXTS_OUTSIDE_CLASS(root, name=f" {skip_class} "))
    return " ".join(texts)


def element_text(
    selection: parsel.Selector | Iterable[parsel.Selector], skip_class: str | None = None
) -> str | None:
    """The cleaned text of the selected elements (see :func:`raw_text`), None when empty."""
    return clean_text(raw_text(selection, skip_class))


class SpiderArgumentError(ValueError):
    """A spider argument (``-a name=value``) with a value the spider does not accept."""


class ProjectSpider(scrapy.Spider):
    """Base of the platform spiders.

    A subclass declares its ``name``, its ``arguments`` (name -> allowed values, ``int`` for a
    positive integer or ``str`` for free text), the ``timezone`` its site publishes in, for
    the completeness stats the ``expected_fields`` its site normally fills (by default every
    field a full posting has), and, for block detection, the ``content_selector`` that
    matches what it reads on an HTML page.
    It builds items with :meth:`item`, reads JSON with :meth:`json_body` and JSON-LD with
    :meth:`job_posting`, and reports what did not match with :meth:`parse_error` — so a
    changed site shows in the stats and the log, never as a silently empty crawl.
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
    block_markers: ClassVar[tuple[str, ...]] = BLOCK_MARKERS
    content_selector: ClassVar[str | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for name, value in kwargs.items():
            if name in self.all_arguments():
                kwargs[name] = self._check_argument(name, value)
        super().__init__(*args, **kwargs)
        self.arguments_given = frozenset(kwargs) & frozenset(self.arguments)
        self._logged_errors: set[str] = set()
        self._blocked_pages = 0

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

    def has_content(self, response: Response) -> bool:
        """Whether the page holds what the spider reads: a JSON body (the site's API
        answering) or markup that ``content_selector`` matches.

        Such a page is never a block page, whatever its texts, scripts or forms say
        ("Access Denied" in a posting about access control, a login form's captcha).
        """
        if not isinstance(response, TextResponse):
            return False
        if _JSON_START.match(response.text):
            try:
                json.loads(response.body)
                return True
            except (ValueError, UnicodeDecodeError, RecursionError):
                pass
        if self.content_selector is None:
            return False
        try:
            return bool(response.css(self.content_selector))
        except ValueError:  # a body typed as JSON has no elements to select
            return False

    def is_block_page(self, response: Response) -> bool:
        """A bot wall, captcha or challenge page in place of the content."""
        if response.status in (401, 403):
            return True
        if not isinstance(response, TextResponse):
            return False
        head = response.text[:20_000]
        # Plain substring tests first: most pages carry no marker, and those are settled
        # without a regex over the head or a selector over the whole page. (A marker that
        # only removing a script would join together, "g-re<script src=…></script>captcha",
        # no longer counts: no real page is written so.)
        if not any(marker in head for marker in (*self.block_markers, *CAPTCHA_MARKERS)):
            return False
        head = _EXTERNAL_SCRIPT.sub("", head)
        if any(marker in head for marker in self.block_markers):
            blocked = True
        else:
            captcha = any(marker in head for marker in CAPTCHA_MARKERS)
            blocked = captcha and not _PASSWORD_FIELD.search(head)
        return blocked and not self.has_content(response)

    def blocked(self, response: Response, *, final: bool = False) -> None:
        """Report a block page; past ``BLOCKED_PAGES_LIMIT`` of them, stop the spider.

        ``final``: the page answered the spider's last way round a block (a renewed
        session, say), so it stops at once: a higher limit would only let it loop.
        """
        assert self.crawler.stats is not None
        self._blocked_pages += 1
        self.crawler.stats.inc_value(f"outsourcing/blocked/{self.name}")
        limit = self.crawler.settings.getint("BLOCKED_PAGES_LIMIT", 1)
        self.logger.error(
            "Blocked by %s (page %d of %d allowed%s): %s",
            self.name,
            self._blocked_pages,
            limit,
            ", nothing left to try" if final else "",
            response.url,
        )
        if final or self._blocked_pages >= limit:
            raise CloseSpider("blocked")

    def json_body(self, response: Response) -> Any | None:
        """The response's JSON, or None after reporting a block page, a non-JSON body or a
        body that is JSON ``null`` (``empty_json``): None always means counted."""
        if response.status in (401, 403):
            self.blocked(response)
            return None
        try:
            data = json.loads(response.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            pass
        else:
            if data is None:
                self.parse_error("empty_json", response, "null")
            return data
        if self.is_block_page(response):
            self.blocked(response)
            return None
        is_html = b"<html" in response.body[:2000].lower()
        kind = "html_instead_of_json" if is_html else "not_json"
        self.parse_error(kind, response, f"{len(response.body)} bytes")
        return None

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

    def on_request_error(self, failure: Failure) -> None:
        """Errback: count a request that failed for good (after retries) by its kind."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            response = failure.value.response
            if self.is_block_page(response):
                self.blocked(response)
                return
            kind = f"http_{response.status}"
        elif failure.check(DownloadTimeoutError):  # every download handler wraps Twisted's
            kind = "timeout"
        else:
            kind = f"download_error_{failure.type.__name__}"
        self.parse_error(kind, None, f"{request.url}: {failure.getErrorMessage()}")

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
        """Mark the request for the next list page: an incremental crawl stops paginating
        once list pages (newest first) show nothing new."""
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
