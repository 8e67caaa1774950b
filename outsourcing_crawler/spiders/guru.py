"""guru.com jobs in Programming & Development, from the server-rendered list pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import (
    clean_text,
    description_text,
    parse_count,
    parse_datetime,
    parse_relative,
    posting_skills,
)
from outsourcing_crawler.spiders.base import ProjectSpider, budget_fields, compact, without_query
from outsourcing_crawler.spiders.pages import is_cut_short
from outsourcing_crawler.spiders.selection import element_text, every_element, raw_text

LIST_URL = "https://www.guru.com/d/jobs/c/programming-development/"
CATEGORY = "Programming & Development"

# Each field from the first query that matches: the markup is known only secondhand. The
# cards are those of every query: a page may mix two markups.
CARDS = ("div.jobRecord", ".jobRecord", "[data-gid]")
TITLE_LINK = (".jobRecord__title a", "h2 a", "h3 a")
DESCRIPTION = ("p.jobRecord__desc", ".jobRecord__desc")
META = ("div.jobRecord__meta", ".jobRecord__meta")
BUDGET = ("div.jobRecord__budget", ".jobRecord__budget")
SKILLS = ("div.skillsList a.skillsList__skill--hasHover", "div.skillsList a", ".skillsList__skill")
PAGINATION = ("#ctl00_guB_ulpaginate", "ul.paginate", ".pagination")
NEXT_LINK = (
    "a[rel~=next]::attr(href)",
    "li.next a::attr(href)",
    "a.next::attr(href)",
    "a[aria-label*=Next]::attr(href)",
    "a[title*=Next]::attr(href)",
)
_PAGE = re.compile(r"/pg/(\d+)/?")
_ID_IN_URL = re.compile(r"/(\d{4,})/?$")
# A piece of the meta line that carries the posting's age.
_AGE_HINTS = ("posted", " ago", "just now", "yesterday", "today")


class GuruSpider(ProjectSpider):
    """The job list of the Programming & Development category, every page (or ``max_pages``).

    Everything stored comes from the list page: each card carries id, title, link, an excerpt
    of the description, age, budget and skills. Detail pages would only add the rest of the
    description at one more request per job, on a site that answers bot traffic with an
    Incapsula wall — so none are fetched. A block page stops the crawl (``blocked``); a page
    that looks normal but has no job cards is a parse error, never "no jobs".
    """

    name = "guru"
    allowed_domains: ClassVar[list[str]] = ["www.guru.com"]
    timezone = UTC
    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {"max_pages": int}
    expected_fields: ClassVar[tuple[str, ...]] = (
        "description",
        "skills",
        "budget_type",
        "posted_at",
    )
    content_selector = ", ".join(CARDS)

    max_pages: int | None = None

    async def start(self) -> AsyncIterator[Any]:
        yield self.request(LIST_URL, callback=self.parse)

    def parse(self, response: Response) -> Iterator[Any]:
        """One list page: its jobs, and the request for the next page.

        @url https://www.guru.com/d/jobs/c/programming-development/
        @returns items 1 100
        @returns requests 1 1
        @scrapes platform external_id url title description skills
        @scrapes budget_type posted_at status scraped_at
        """
        page = self.html_page(response)
        if page is None:
            return
        cards = self.cards(page)
        if not cards:
            self.parse_error("no_cards", response, f"{len(response.body)} bytes")
            return
        truncated = is_cut_short(page)
        # The parser closed the last open card at the cut: it is only kept if the page goes on
        # after it (the cut fell behind it).
        if truncated and not cards[-1].xpath("following::*"):
            cards = cards[:-1]

        for card in cards:
            item = self.card_item(page, card)
            if item is not None:
                yield item

        number = self.page_number(page.url)
        if self.max_pages is not None and number >= self.max_pages:
            return
        next_url = self.next_page(page, number, truncated=truncated)
        if next_url:
            yield self.next_list_page(self.request(next_url, callback=self.parse))

    def cards(self, response: TextResponse) -> list[Selector]:
        return list(every_element(response, *CARDS))

    def card_item(self, response: Response, card: Selector) -> ProjectItem | None:
        link = self.first_selection(card, *TITLE_LINK)
        href = link.attrib.get("href")
        title = element_text(link)
        if not (href and title):
            self.parse_error("card_without_title", response, card.attrib.get("data-gid", ""))
            return None
        url = without_query(response.urljoin(href))
        external_id = clean_text(card.attrib.get("data-gid")) or _id_from_url(url)
        if not external_id:
            self.parse_error("card_without_id", response, url)
            return None

        description = description_text(self.first_match(card, *DESCRIPTION))

        meta_texts = self.meta_texts(card)
        posted_at = self.posted_at(response, meta_texts)
        applicants_text = next(
            (t for t in meta_texts if any(w in t.lower() for w in ("quote", "proposal"))), None
        )

        budget_text = self.budget_text(card)
        budget = self.read_budget(response, budget_text, default_currency="USD")

        skill_names = next((card.css(f"{q}::text").getall() for q in SKILLS if card.css(q)), [])
        skills = posting_skills(
            [clean_text(name) for name in skill_names if clean_text(name)], title, description
        )

        return self.item(
            response,
            external_id=external_id,
            url=url,
            title=title,
            description=description or None,
            category=CATEGORY,
            skills=skills,
            **budget_fields(budget),
            posted_at=posted_at,
            applicants=parse_count(applicants_text) if applicants_text else None,
            # The list shows open jobs only; it has no closed badge.
            status="open",
            extra=compact({"budget_text": budget_text}),
        )

    def posted_at(self, response: Response, meta_texts: list[str]) -> datetime | None:
        """The posting time from the first meta piece that reads as an age (or a date)."""
        candidates = [t for t in meta_texts if any(hint in t.lower() for hint in _AGE_HINTS)]
        reference = self.fetched_at(response)
        for text in candidates:
            # An older posting may show a date instead of an age.
            posted = parse_relative(text, reference, tz=self.timezone) or parse_datetime(
                text, tz=self.timezone
            )
            if posted is not None:
                return posted
        if candidates:
            self.parse_error("unparsed_posted", response, candidates[0])
        return None

    def meta_texts(self, card: Selector) -> list[str]:
        """The separate pieces of the card's meta line (age, quotes...), first piece first."""
        meta = self.first_selection(card, *META)
        pieces = [clean_text(t) for t in meta.css("strong::text, span::text").getall()]
        pieces += [clean_text(t) for t in re.split(r"[|·•]", raw_text(meta))]
        return [piece for piece in pieces if piece]

    def budget_text(self, card: Selector) -> str | None:
        return element_text(self.first_selection(card, *BUDGET))

    @staticmethod
    def page_number(url: str) -> int:
        found = _PAGE.search(urlsplit(url).path)
        return int(found.group(1)) if found else 1

    def next_page(
        self, response: TextResponse, page: int, *, truncated: bool = False
    ) -> str | None:
        """The next list page's URL from the pagination bar; None on the last page."""
        container = self.first_selection(response, *PAGINATION)
        scope = container or response
        href = self.first_match(scope, *NEXT_LINK)
        if href is None:
            # A bar of page numbers without a marked "next" link.
            wanted = f"/pg/{page + 1}/"
            href = next(
                (h for h in scope.css("a::attr(href)").getall() if wanted in h.rstrip("/") + "/"),
                None,
            )
        if href is None and not container and not truncated:
            self.parse_error("no_pagination", response)
        if href is None:
            return None
        url = response.urljoin(href.strip())
        return url if self.page_number(url) > page else None


def _id_from_url(url: str) -> str | None:
    found = _ID_IN_URL.search(urlsplit(url).path)
    return found.group(1) if found else None
