"""Telling a page worth reading from one that is not, and counting each one that is not.

A callback opens with one of the guards of :class:`PageSpider`: ``html_page``, ``json_body``
(``json_object``) or ``sitemap``. Each gives what there is to read, or None once it has
counted why there is nothing (a block page, an empty, foreign or broken body), so that a
changed or blocking site shows in the stats and the log, never as a silently empty crawl.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from lxml import etree
from scrapy.exceptions import CloseSpider, DownloadTimeoutError
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap

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
# A whole sitemap file ends with its root's end tag (and perhaps a generator's comment).
_SITEMAP_END = re.compile(
    rb"</(?:[\w.-]+:)?(urlset|sitemapindex)\s*>(?:\s|<!--.*?-->)*\Z", re.DOTALL
)


def looks_like_json(response: TextResponse) -> bool:
    """Whether the body opens as a JSON object or array does."""
    return _JSON_START.match(response.text) is not None


def is_cut_short(response: TextResponse) -> bool:
    """Whether an HTML page lacks its closing tags: the server or the connection cut it."""
    tail = response.text[-4096:].lower()
    return "</html>" not in tail and "</body>" not in tail


class PageSpider(scrapy.Spider):
    """A spider that reads only the pages worth reading and counts the others.

    A subclass names, for block detection, the ``content_selector`` that matches what it
    reads on an HTML page, and may extend ``block_markers``.
    """

    block_markers: ClassVar[tuple[str, ...]] = BLOCK_MARKERS
    content_selector: ClassVar[str | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._logged_errors: set[str] = set()
        self._blocked_pages = 0

    # -- counting -------------------------------------------------------------------------

    def parse_error(self, kind: str, response: Response | None = None, detail: str = "") -> None:
        """Count a page or value that is not what the parser expects; log each kind once."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"outsourcing/parse_errors/{self.name}/{kind}")
        if kind not in self._logged_errors:
            self._logged_errors.add(kind)
            where = response.url if response is not None else "-"
            suffix = f": {detail}" if detail else ""
            self.logger.warning("Parse error (%s) at %s%s", kind, where, suffix)

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

    def skipped(self, kind: str, response: Response) -> None:
        """Count a posting left out on purpose (an ad, a private request): no error."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"outsourcing/skipped/{kind}")
        self.logger.debug("Skipped (%s) at %s", kind, response.url)

    # -- block pages ----------------------------------------------------------------------

    def has_content(self, response: Response) -> bool:
        """Whether the page holds what the spider reads: a JSON body (the site's API
        answering) or markup that ``content_selector`` matches.

        Such a page is never a block page, whatever its texts, scripts or forms say
        ("Access Denied" in a posting about access control, a login form's captcha).
        """
        if not isinstance(response, TextResponse):
            return False
        if looks_like_json(response):
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

    # -- the guards -----------------------------------------------------------------------

    def has_body(self, response: Response) -> bool:
        """Whether the response has a body; one without is counted (``empty_body``)."""
        if response.body.strip():
            return True
        self.parse_error("empty_body", response, f"HTTP {response.status}")
        return False

    def html_page(self, response: Response, *, whole: bool = False) -> TextResponse | None:
        """The response as an HTML page to read, or None once counted as none: a block page
        (:meth:`blocked`), no body (``empty_body``), a body that is no text or is JSON
        (``not_html``).

        A page cut short is counted (``truncated_html``) and read for what it has; with
        ``whole``, where what the spider reads comes late in the page, it is refused.
        """
        if self.is_block_page(response):
            self.blocked(response)
            return None
        if not self.has_body(response):
            return None
        if not isinstance(response, TextResponse) or looks_like_json(response):
            kind = response.headers.get("Content-Type", b"").decode("latin-1")
            self.parse_error("not_html", response, kind or "no Content-Type")
            return None
        if is_cut_short(response):
            self.parse_error("truncated_html", response, f"{len(response.body)} bytes")
            if whole:
                return None
        return response

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

    def json_object(self, response: Response) -> dict[str, Any] | None:
        """The response's JSON object, or None once counted: as :meth:`json_body`, and JSON
        that is no object (``bad_json_shape``)."""
        data = self.json_body(response)
        if data is None or isinstance(data, dict):
            return data
        self.parse_error("bad_json_shape", response, type(data).__name__)
        return None

    def sitemap(self, response: Response) -> tuple[str, list[dict[str, Any]]] | None:
        """A sitemap file's root (``urlset`` or ``sitemapindex``) and entries, or None once
        counted: a block page, no body (``empty_body``), no sitemap (``not_sitemap``).

        lxml's recovering parser reads a file cut short as a shorter file, whose last entry
        may be cut too (a loc ending mid-id): such a file is counted (``truncated_sitemap``)
        and only the entries before its last are given.
        """
        if self.is_block_page(response):
            self.blocked(response)
            return None
        if not self.has_body(response):
            return None
        try:
            sitemap = Sitemap(response.body)
            entries = list(sitemap)
        except (etree.LxmlError, StopIteration, ValueError) as exc:
            self.parse_error("not_sitemap", response, type(exc).__name__)
            return None
        if sitemap.type not in ("urlset", "sitemapindex"):
            self.parse_error("not_sitemap", response, f"root element <{sitemap.type}>")
            return None
        end = _SITEMAP_END.search(response.body[-4096:])
        if end is None or end[1].decode() != sitemap.type:
            self.parse_error("truncated_sitemap", response, f"{len(response.body)} bytes")
            entries = entries[:-1]
        return sitemap.type, entries
