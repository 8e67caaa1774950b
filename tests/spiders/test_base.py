"""What every spider shares: JSON-LD, budgets, selections, expected fields."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from scrapy.http import HtmlResponse

from outsourcing_crawler.normalisers import NO_BUDGET, Budget
from outsourcing_crawler.spiders.base import ProjectSpider
from tests.spiders.test_pages import ERRORS, URL, html
from tests.support import make_spider, stat


class BareSpider(ProjectSpider):
    """A spider that declares nothing about its content."""

    name = "site"


def page_with_json_ld(*blocks: str) -> HtmlResponse:
    scripts = "".join(f'<script type="application/ld+json">{block}</script>' for block in blocks)
    return HtmlResponse(URL, body=f"<html><head>{scripts}</head><body></body></html>".encode())


# -- JSON-LD ----------------------------------------------------------------------------------

POSTING = {"@type": "JobPosting", "title": "Java 백엔드 개발자"}
ORGANIZATION = {"@type": "Organization", "name": "elancer"}


@pytest.mark.parametrize(
    "blocks",
    [
        [json.dumps(POSTING)],
        [json.dumps([ORGANIZATION, POSTING])],
        [json.dumps({"@context": "https://schema.org", "@graph": [ORGANIZATION, POSTING]})],
        [json.dumps({"@graph": [{"@graph": [POSTING]}]})],  # a graph inside a graph
        [json.dumps({**POSTING, "@type": ["JobPosting", "Thing"]})],
        [json.dumps(ORGANIZATION), json.dumps(POSTING)],  # the second block
        # HTML-escaped blocks, and raw control characters inside strings
        [json.dumps(POSTING).replace('"', "&quot;")],
        ['{"@type": "JobPosting", "title": "Java 백엔드 개발자", "description": "a\tb"}'],
    ],
)
def test_job_posting_is_found(blocks: list[str]) -> None:
    spider = make_spider(BareSpider)
    posting = spider.job_posting(page_with_json_ld(*blocks))
    assert posting is not None
    assert posting["title"] == POSTING["title"]
    assert not any(key.startswith(ERRORS) for key in spider.crawler.stats.get_stats())


def test_broken_json_ld_is_counted_and_the_next_block_read() -> None:
    spider = make_spider(BareSpider)
    response = page_with_json_ld('{"@type": "JobPosting", "title": ', json.dumps(POSTING))
    assert spider.job_posting(response) == POSTING
    assert stat(spider, ERRORS + "bad_json_ld") == 1


@pytest.mark.parametrize("blocks", [[], [json.dumps(ORGANIZATION)], ["[1, 2]"], ["{"]])
def test_no_job_posting(blocks: list[str]) -> None:
    assert make_spider(BareSpider).job_posting(page_with_json_ld(*blocks)) is None


# -- budgets, selections, declarations --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "errors"),
    [
        ("$250-$500", Budget(250, 500, "USD", "fixed"), None),
        ("Not Sure", Budget(None, None, None, "negotiable"), None),
        ("Ask the client", NO_BUDGET, 1),
        (None, NO_BUDGET, None),
        ("  ", NO_BUDGET, None),
    ],
)
def test_read_budget(text: str | None, expected: Budget, errors: int | None) -> None:
    spider = make_spider(BareSpider)
    assert spider.read_budget(html(""), text, default_currency="USD") == expected
    assert stat(spider, ERRORS + "unparsed_budget") == errors


def test_first_selection_takes_the_first_query_that_matches() -> None:
    response = html('<div class="new">a</div><div class="new">b</div><div class="old">c</div>')
    found = ProjectSpider.first_selection(response, ".newest", ".new", ".old")
    assert found.css("::text").getall() == ["a", "b"]
    assert ProjectSpider.first_selection(response, ".none") == []


class ListingSpider(ProjectSpider):
    name = "site"
    expected_fields: ClassVar[tuple[str, ...]] = ("description", "skills")


@pytest.mark.parametrize(
    ("spider_class", "expected"),
    [
        (BareSpider, ("description", "category", "skills", "budget_type", "duration_days")),
        (ListingSpider, ("description", "skills")),
    ],
)
def test_expected_fields_default_to_a_full_posting(
    spider_class: type[ProjectSpider], expected: tuple[Any, ...]
) -> None:
    assert spider_class.expected_fields[: len(expected)] == expected
    assert "budget_min" not in spider_class.expected_fields  # negotiable budgets have none
