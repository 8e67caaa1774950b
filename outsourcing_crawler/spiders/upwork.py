"""upwork.com job search, newest first, through a real browser (scrapy-playwright)."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode, urlsplit

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response, TextResponse
from scrapy_playwright.page import PageMethod

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import (
    clean_text,
    description_text,
    html_to_text,
    parse_duration_days,
    parse_relative,
    posting_skills,
)
from outsourcing_crawler.spiders.base import (
    ProjectSpider,
    budget_fields,
    compact,
    without_query,
)
from outsourcing_crawler.spiders.selection import element_text, every_element

if TYPE_CHECKING:
    from parsel import Selector
    from playwright.async_api import Request as BrowserRequest
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

SEARCH_URL = "https://www.upwork.com/nx/search/jobs/"
JOB_URL = "https://www.upwork.com/jobs/~{}"
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
# The spider's one browser context (PLAYWRIGHT_MAX_CONTEXTS = 1), closed with the handler.
BROWSER_CONTEXT = "upwork"
# Absolute dates that the page's JavaScript renders come out in UTC, like `timezone`.
BROWSER_CONTEXT_KWARGS = {"locale": "en-US", "timezone_id": "UTC"}
WAIT_TIMEOUT = 20.0  # seconds for the tiles to appear; setting UPWORK_WAIT_TIMEOUT

# Each field from the first query that matches: the markup is known only secondhand, and
# differs between page versions and between logged-in and logged-out views. `~=` matches
# one word of the attribute (`data-test="job-tile-title-link UpLink"`).
TILES = (
    ".job-tile",
    '[data-test~="job-tile"]',
    '[data-test~="JobTile"]',
    "article[data-ev-job-uid]",
)
# Old markup: a generic card section, a tile only when it holds a job link.
CARD_SECTIONS = ".up-card-section"
JOB_LINK = 'a[href*="/jobs/"]'
TITLE_LINK = (
    "h2.job-tile-title a",
    'a[data-test~="job-tile-title-link"]',
    ".job-tile-title a",
    'a[data-test~="job-title-link"]',
    'h2 a[href*="/jobs/"]',
    'h3 a[href*="/jobs/"]',
    'h4 a[href*="/jobs/"]',
)
DESCRIPTION = (
    ".job-description",
    '[data-test~="JobDescription"]',
    '[data-test~="job-description-text"]',
    ".job-tile-description",
)
POSTED = (
    'small[data-test="job-pubilshed-date"] span:last-child',  # the site's own misspelling
    'small[data-test="job-pubilshed-date"]',
    '[data-test~="job-published-date"]',
    '[data-test~="posted-on"]',
    '[data-test~="PostedOn"]',
)
JOB_TYPE = (
    'li[data-test="job-type-label"] strong',
    '[data-test~="job-type-label"]',
    '[data-test~="job-type"]',
)
FIXED_BUDGET = (
    'li[data-test="is-fixed-price"] strong:last-child',
    '[data-test~="is-fixed-price"]',
    '[data-test~="budget"]',
)
DURATION = (
    'li[data-test="duration-label"] strong:last-child',
    '[data-test~="duration-label"]',
    '[data-test~="duration"]',
)
EXPERIENCE = (
    'li[data-test="experience-level"] strong',
    '[data-test~="experience-level"]',
    '[data-test~="contractor-tier"]',
)
SKILLS = (
    ".air3-token-container button.air3-token span::text",
    '[data-test~="token"] span::text',
    'a[data-test~="attr-item"]::text',
    ".up-skill-badge::text",
)
PROPOSALS = ('[data-test~="proposals-tier"] strong', '[data-test~="proposals"]')
CLIENT_SPENT = ('[data-test~="total-spent"] strong', '[data-test~="client-spendings"]')
CLIENT_COUNTRY = (
    '[data-test~="location"] span:not(.sr-only)',
    '[data-test~="client-country"]',
)
PAYMENT_VERIFIED = '[data-test~="payment-verified"], [data-test~="payment-verification-status"]'
# Pagination (unverified): when a "next" control exists, its disabled state ends the crawl.
NEXT_PAGE = (
    'button[data-test~="next-page"]',
    '[data-ev-label="pagination_next_page"]',
    'a[rel~="next"]',
    'button[aria-label="Next"]',
)
# "No jobs match your search" (unverified names): the end of the results, not a parse error.
EMPTY_STATE = '[data-test~="empty-state"], [data-test~="no-results"], .air3-empty-state'
# A challenge page never grows tiles: waiting for it too returns at once instead of timing out.
CHALLENGE = (
    "#challenge-form, #challenge-stage, #challenge-running, #cf-challenge-running, "
    '#turnstile-wrapper, iframe[src*="challenges.cloudflare.com"], #px-captcha'
)
WAIT_FOR = ", ".join((*TILES, CARD_SECTIONS, EMPTY_STATE, CHALLENGE))
# What the browser need not load to render the tiles.
HEAVY_RESOURCES = frozenset({"image", "media", "font"})

_CIPHERTEXT = re.compile(r"~([0-9A-Za-z]+)")
# Fields a tile normally shows; each one missing is counted as `tile_missing_<field>`.
TILE_FIELDS = ("title", "description", "budget_type", "posted_at", "skills", "experience_level")


def skip_heavy_resources(request: BrowserRequest) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: images, media and fonts are no part of the tiles."""
    return request.resource_type in HEAVY_RESOURCES


class UpworkSpider(ProjectSpider):
    """Upwork's job search, newest first (`sort=recency`), ``max_pages`` pages (default 5).

    The public RSS feeds answer 410 Gone since 2024 and the search page is a JavaScript
    application whose job tiles exist only after a browser ran it; so this spider alone
    installs scrapy-playwright's download handler (``custom_settings``) and sends its search
    pages with ``meta["playwright"]``, waiting for the tiles, never sleeping. The site sits
    behind anti-bot checks and every page is a full browser load: pages are fetched one after
    the other and the default ``max_pages`` is small. Everything stored comes from the tiles;
    job pages would cost one more browser load each, so none are fetched. A challenge page
    (which the wait also watches for) stops the crawl (``blocked``); a page that timed out
    is retried once, then counted (``browser_timeout``).
    Without a Chromium executable the spider stops before any request (``browser_missing``);
    replaying recordings needs no browser.

    Arguments: ``q`` (free text; empty = every recent job), ``max_pages`` (positive integer).
    Setting ``UPWORK_SEARCH_URL`` points the spider at another copy of the search page (the
    browser test serves one locally); ``UPWORK_WAIT_TIMEOUT`` is the wait for the tiles.
    """

    name = "upwork"
    allowed_domains: ClassVar[list[str]] = ["www.upwork.com"]
    timezone = UTC
    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {"q": str, "max_pages": int}
    expected_fields: ClassVar[tuple[str, ...]] = (
        "description",
        "skills",
        "budget_type",
        "posted_at",
    )
    content_selector = ", ".join((*TILES, f"{CARD_SECTIONS} {JOB_LINK}"))
    custom_settings: ClassVar[dict[str, Any]] = {
        # Only this spider loads the browser handler; only meta["playwright"] uses it.
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "PLAYWRIGHT_ABORT_REQUEST": skip_heavy_resources,
    }

    q: str = ""
    max_pages: int = 5
    search_url: str = SEARCH_URL

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> UpworkSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.search_url = crawler.settings.get("UPWORK_SEARCH_URL") or SEARCH_URL
        host = urlsplit(spider.search_url).hostname
        if host and host not in spider.allowed_domains:
            spider.allowed_domains = [*spider.allowed_domains, host]
        return spider

    # -- requests -------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        missing = self.missing_browser()
        if missing is not None:
            self.logger.error(
                "Browser missing: no Chromium executable at %r (PLAYWRIGHT_LAUNCH_OPTIONS"
                " executable_path, environment variable PLAYWRIGHT_CHROMIUM). Install it with"
                " `apt-get install chromium` (Debian/Ubuntu) or point PLAYWRIGHT_CHROMIUM at a"
                " Chromium executable; the other spiders need no browser.",
                missing,
            )
            raise CloseSpider("browser_missing")
        yield self.search_request(1)

    def missing_browser(self) -> str | None:
        """The configured browser executable when it does not exist, else None."""
        settings = self.settings
        if settings.getbool("RECORDINGS_REPLAY"):
            return None  # every response comes from recordings
        if settings.get("PLAYWRIGHT_CDP_URL") or settings.get("PLAYWRIGHT_CONNECT_URL"):
            return None  # a remote browser
        path = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS").get("executable_path")
        if not path:
            return None  # Playwright's own downloaded browser
        return None if shutil.which(str(path)) else str(path)

    def search_url_for(self, page_number: int) -> str:
        query = {"q": self.q} if self.q else {}
        return f"{self.search_url}?{urlencode({**query, 'sort': 'recency', 'page': page_number})}"

    def search_request(self, page_number: int) -> Request:
        timeout_ms = self.settings.getfloat("UPWORK_WAIT_TIMEOUT", WAIT_TIMEOUT) * 1000
        return self.request(
            self.search_url_for(page_number),
            callback=self.parse_search,
            cb_kwargs={"page_number": page_number},
            meta={
                "playwright": True,
                "playwright_context": BROWSER_CONTEXT,
                "playwright_context_kwargs": BROWSER_CONTEXT_KWARGS,
                "playwright_page_methods": [
                    PageMethod("wait_for_selector", WAIT_FOR, state="attached", timeout=timeout_ms)
                ],
            },
        )

    def on_request_error(self, failure: Failure) -> list[Request] | None:  # type: ignore[override]
        """A browser timeout is retried once, then counted; other failures as the base does."""
        if failure.check(PlaywrightTimeoutError):
            request: Request = failure.request  # type: ignore[attr-defined]
            retry = get_retry_request(
                request, spider=self, reason="browser_timeout", max_retry_times=1
            )
            if retry is not None:
                return [retry]
            self.parse_error("browser_timeout", None, f"{request.url}: {failure.getErrorMessage()}")
            return None
        super().on_request_error(failure)
        return None

    # -- parsing --------------------------------------------------------------------------

    def parse_search(self, response: Response, page_number: int) -> Iterator[Any]:
        """One rendered search page: its job tiles, then the next page.

        @url https://www.upwork.com/nx/search/jobs/?sort=recency&page=1
        @meta {"playwright": true, "playwright_context": "upwork"}
        @cb_kwargs {"page_number": 1}
        @returns items 4 4
        @returns requests 1 1
        @scrapes platform external_id url title budget_type scraped_at
        """
        page = self.html_page(response)
        if page is None:
            return
        tiles = self.tiles(page)
        if not tiles:
            if page.css(EMPTY_STATE):
                if page_number == 1 and not self.q:
                    # Every recent job of the site cannot be none: a loading or changed page.
                    self.parse_error("no_results", response, "empty result list")
                else:
                    self.logger.info("No (more) results at %s", response.url)
            else:
                self.parse_error("no_tiles", response, f"{len(response.body)} bytes")
            return
        reference = self.fetched_at(response)
        for tile in tiles:
            item = self.tile_item(page, tile, reference)
            if item is not None:
                yield item
        if page_number < self.max_pages and self.has_next_page(page):
            yield self.next_list_page(self.search_request(page_number + 1))

    def tiles(self, response: TextResponse) -> list[Selector]:
        """Every tile of any known markup; a card section with a job link counts as a tile
        where it neither holds a tile nor lies in one (a page may mix the markups)."""
        tiles = {node.root for node in every_element(response, *TILES)}
        return [
            node
            for node in response.css(", ".join((*TILES, CARD_SECTIONS)))
            if node.root in tiles
            or (
                node.css(JOB_LINK)
                and not any(e in tiles for e in node.root.iter())
                and not any(e in tiles for e in node.root.iterancestors())
            )
        ]

    def has_next_page(self, response: TextResponse) -> bool:
        control = self.first_selection(response, *NEXT_PAGE)
        if not control:
            return True  # no pagination control found: up to max_pages
        attributes = control[0].attrib
        return "disabled" not in attributes and attributes.get("aria-disabled") != "true"

    def text_of(self, selector: Selector, queries: tuple[str, ...]) -> str | None:
        """One line of text of the first element matched."""
        return clean_text(html_to_text(self.first_match(selector, *queries)))

    def tile_item(
        self, response: Response, tile: Selector, reference: datetime
    ) -> ProjectItem | None:
        link = self.first_match(tile, *(f"{query}::attr(href)" for query in TITLE_LINK))
        ciphertext = _CIPHERTEXT.search(link or "")
        job_id = clean_text(
            tile.attrib.get("data-ev-job-uid")
            or self.first_match(tile, "[data-ev-job-uid]::attr(data-ev-job-uid)")
            or (ciphertext[1] if ciphertext else None)
        )
        if job_id is None:
            self.parse_error("tile_missing_id", response, clean_text(tile.get()[:200]) or "")
            return None

        title = self.text_of(tile, TITLE_LINK)
        description = description_text(self.first_match(tile, *DESCRIPTION))

        job_type = self.text_of(tile, JOB_TYPE)
        amount = self.text_of(tile, FIXED_BUDGET)
        budget_text = " ".join(part for part in (job_type, amount) if part)
        budget = self.read_budget(response, budget_text, default_currency="USD")

        posted = self.text_of(tile, POSTED)
        posted_at = parse_relative(posted, reference, tz=self.timezone) if posted else None
        if posted and posted_at is None:
            self.parse_error("unparsed_posted_at", response, posted)

        duration = self.text_of(tile, DURATION)
        experience = self.text_of(tile, EXPERIENCE)
        skills = posting_skills(self.skill_names(tile), title, description)
        extra = {
            "experience_level": experience,
            "duration": duration,
            "proposals": self.text_of(tile, PROPOSALS),
            "client_total_spent": self.text_of(tile, CLIENT_SPENT),
            "client_country": self.text_of(tile, CLIENT_COUNTRY),
            "payment_verified": self.payment_verified(tile),
        }
        if ciphertext and ciphertext[1] != job_id:
            extra["ciphertext"] = f"~{ciphertext[1]}"
        item = self.item(
            response,
            external_id=job_id,
            url=self.shown_link(
                without_query(link) if link and "/jobs/" in link else None,
                SEARCH_URL,
                JOB_URL.format(job_id),
            ),
            title=title,
            description=description,
            skills=skills,
            **budget_fields(budget),
            duration_days=parse_duration_days(duration) if duration else None,
            posted_at=posted_at,
            extra=compact(extra),
        )
        present = {**vars(item), "experience_level": experience}
        for field in TILE_FIELDS:
            if not present.get(field):
                self.parse_error(f"tile_missing_{field}", response, f"job {job_id}")
        return item

    @staticmethod
    def skill_names(tile: Selector) -> list[str]:
        for query in SKILLS:
            names = [name for name in map(clean_text, tile.css(query).getall()) if name]
            if names:
                return names
        return []

    @staticmethod
    def payment_verified(tile: Selector) -> bool | None:
        badge = tile.css(PAYMENT_VERIFIED)
        if not badge:
            return None
        text = (element_text(badge[0]) or "").lower()
        return "unverified" not in text and "not verified" not in text
