"""The guru spider over its recorded list pages and one-off bad pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from scrapy import Request
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.pipelines import ValidationPipeline
from outsourcing_crawler.spiders.guru import LIST_URL, GuruSpider
from tests.support import (
    argument_error,
    assert_skills,
    crawl,
    failure,
    fixture_response,
    items_by_id,
    items_of,
    make_spider,
    recorded_response,
    requests_of,
    stat,
)

# The recordings' Date header: the reference of every relative age.
FETCHED = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
DATE = {"Date": "Sun, 29 Nov 2026 03:00:00 GMT"}
HTML = {"Content-Type": "text/html; charset=utf-8", **DATE}
ERRORS = "outsourcing/parse_errors/guru/"
PAGE_2 = f"{LIST_URL}pg/2/"


@pytest.fixture(scope="module")
def site() -> tuple[GuruSpider, list[ProjectItem], list[str]]:
    spider = make_spider(GuruSpider)
    return spider, *crawl(spider.request(LIST_URL, callback=spider.parse))


@pytest.fixture(scope="module")
def items(site: Any) -> dict[str, ProjectItem]:
    return items_by_id(site[1])


LAST_PAGE_BAR = """
<ul id="ctl00_guB_ulpaginate" class="paginate">
  <li><a href="/d/jobs/c/programming-development/" rel="prev">&laquo; Previous</a></li>
  <li class="active"><a href="/d/jobs/c/programming-development/pg/2/">2</a></li>
</ul>"""


def card(
    *,
    gid: str | None = "2050001",
    title: str = '<h2 class="jobRecord__title"><a href="/jobs/api-work/2050001">API work</a></h2>',
    meta: str = "<strong>Posted 3 hrs ago</strong> | <strong>4 Quotes</strong>",
    budget: str | None = "<strong>Fixed Price</strong> | $250-$500",
    description: str = '<p class="jobRecord__desc">Build a small REST API.</p>',
    skills: str = (
        '<div class="skillsList"><a class="skillsList__skill skillsList__skill--hasHover" '
        'href="/d/jobs/skill/php/">PHP</a></div>'
    ),
) -> str:
    data_gid = f' data-gid="{gid}"' if gid else ""
    budget_html = f'<div class="jobRecord__budget">{budget}</div>' if budget is not None else ""
    return (
        f'<div class="record jobRecord"{data_gid}>{title}'
        f'<div class="jobRecord__meta">{meta}</div>{budget_html}{description}{skills}</div>'
    )


def page(*cards: str, bar: str = LAST_PAGE_BAR, url: str = PAGE_2) -> HtmlResponse:
    body = (
        "<!DOCTYPE html><html><head><title>Jobs</title></head>"
        f"<body>{''.join(cards)}{bar}</body></html>"
    )
    return HtmlResponse(url, body=body.encode(), headers=HTML, request=Request(url))


def parse(spider: GuruSpider, response: Response) -> list[Any]:
    return list(spider.parse(response))


def one(response: Response, spider: GuruSpider | None = None) -> ProjectItem:
    (item,) = items_of(parse(spider or make_spider(GuruSpider), response))
    return item


# -- arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "all"])
def test_bad_max_pages_stops_the_spider(value: str) -> None:
    assert "max_pages" in argument_error(GuruSpider, max_pages=value)
    assert "positive integer" in argument_error(GuruSpider, max_pages=value)


async def test_first_request_is_the_category_list() -> None:
    spider = make_spider(GuruSpider)
    request = await anext(spider.start())
    assert request.url == "https://www.guru.com/d/jobs/c/programming-development/"
    assert request.errback == spider.on_request_error


# -- the whole recorded site ------------------------------------------------------------------


def test_site_follows_every_list_page(site: Any) -> None:
    _, crawled, urls = site
    assert urls == [LIST_URL, PAGE_2]
    ids = [item.external_id for item in crawled]
    assert ids == [
        "2058417",
        "2058409",
        "2058396",
        "2058388",
        "2058371",
        "2058354",
        "2058342",
        "2058327",
    ]


def test_site_has_no_parse_errors_and_no_block(site: Any) -> None:
    stats = site[0].crawler.stats.get_stats()
    assert not [key for key in stats if key.startswith(ERRORS)]
    assert stat(site[0], "outsourcing/blocked/guru") is None


async def test_site_items_pass_validation(site: Any) -> None:
    spider, crawled, _ = site
    validation = ValidationPipeline.from_crawler(spider.crawler)
    for item in crawled:
        assert await validation.process_item(item) is item


def test_normal_page_with_the_incapsula_script_is_no_block_page() -> None:
    response = recorded_response(LIST_URL)
    assert "_Incapsula_Resource" in response.text
    assert not make_spider(GuruSpider).is_block_page(response)


def test_max_pages_stops_after_page_one() -> None:
    spider = make_spider(GuruSpider, max_pages="1")
    results = parse(spider, recorded_response(LIST_URL))
    assert len(items_of(results)) == 5
    assert requests_of(results) == []


def test_page_one_links_page_two() -> None:
    spider = make_spider(GuruSpider)
    (next_page,) = requests_of(parse(spider, recorded_response(LIST_URL)))
    assert next_page.url == PAGE_2
    assert next_page.errback == spider.on_request_error


def test_last_page_has_no_next_request() -> None:
    assert requests_of(parse(make_spider(GuruSpider), recorded_response(PAGE_2))) == []


# -- mapping rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("job_id", "field", "expected"),
    [
        ("2058417", "platform", "guru"),
        # relative href -> absolute URL
        ("2058417", "url", "https://www.guru.com/jobs/react-dashboard-for-fleet-telemetry/2058417"),
        ("2058417", "title", "React dashboard for fleet telemetry"),
        ("2058417", "category", "Programming & Development"),
        ("2058417", "status", "open"),
        ("2058417", "scraped_at", FETCHED),
        # relative ages against the fetch time
        ("2058417", "posted_at", FETCHED - timedelta(hours=3)),  # Posted 3 hrs ago
        ("2058409", "posted_at", FETCHED - timedelta(hours=5)),  # Posted 5 hrs ago
        ("2058396", "posted_at", FETCHED),  # Posted Just now
        ("2058388", "posted_at", FETCHED - timedelta(days=1)),  # Posted yesterday
        ("2058371", "posted_at", FETCHED - timedelta(days=2)),  # Posted 2 days ago
        # Fixed Price | $1k-$2.5k
        ("2058417", "budget_min", 1000),
        ("2058417", "budget_max", 2500),
        ("2058417", "currency", "USD"),
        ("2058417", "budget_type", "fixed"),
        # Hourly | $25-$40/hr
        ("2058409", "budget_min", 25),
        ("2058409", "budget_max", 40),
        ("2058409", "budget_type", "hourly"),
        # Under $250: upper bound only
        ("2058396", "budget_min", None),
        ("2058396", "budget_max", 250),
        # Over $25k: lower bound only
        ("2058388", "budget_min", 25000),
        ("2058388", "budget_max", None),
        # $2.5k-$5k
        ("2058354", "budget_min", 2500),
        ("2058354", "budget_max", 5000),
        ("2058327", "budget_min", 250),
        ("2058327", "budget_max", 500),
        # no budget box at all
        ("2058371", "budget_type", None),
        ("2058371", "budget_min", None),
        ("2058371", "currency", None),
        # Hourly with no amount
        ("2058342", "budget_type", "hourly"),
        ("2058342", "budget_min", None),
        ("2058342", "currency", None),
        # "12 Quotes" in the meta line
        ("2058417", "applicants", 12),
        ("2058327", "applicants", 21),
        ("2058396", "applicants", None),
    ],
)
def test_field(items: dict, job_id: str, field: str, expected: Any) -> None:
    assert getattr(items[job_id], field) == expected


def test_description_is_the_card_excerpt(items: dict) -> None:
    assert items["2058417"].description.startswith("We run a fleet of 300 delivery vans")
    assert "<" not in items["2058417"].description


@pytest.mark.parametrize(
    ("job_id", "from_field", "from_text"),
    [
        ("2058417", ["React", "TypeScript"], ["Swagger"]),  # React.js -> React
        ("2058409", ["Python", "PostgreSQL"], ["Salesforce"]),
        ("2058342", [], ["Laravel", "Vue.js"]),  # no skills list on the card
    ],
)
def test_skills_field_first_then_text(
    items: dict, job_id: str, from_field: list[str], from_text: list[str]
) -> None:
    assert_skills(items[job_id].skills, from_field, from_text)


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ("<strong>Posted 3 hrs ago</strong>", FETCHED - timedelta(hours=3)),
        ("<strong>Posted 1 hr ago</strong>", FETCHED - timedelta(hours=1)),
        ("<strong>Posted an hour ago</strong>", FETCHED - timedelta(hours=1)),
        ("<strong>Posted 45 mins ago</strong>", FETCHED - timedelta(minutes=45)),
        ("<strong>Posted 2 days ago</strong>", FETCHED - timedelta(days=2)),
        ("<strong>Posted 1 week ago</strong>", FETCHED - timedelta(weeks=1)),
        ("<strong>Posted Just now</strong>", FETCHED),
        ("<strong>Posted yesterday</strong>", FETCHED - timedelta(days=1)),
        ("<strong>Posted Today</strong>", FETCHED),
        ("<span>Worldwide</span> | <span>Posted 6 hrs ago</span>", FETCHED - timedelta(hours=6)),
        ("Posted 2 days ago | 3 Quotes", FETCHED - timedelta(days=2)),
        ("<span>Posted</span> <strong>3 hrs ago</strong>", FETCHED - timedelta(hours=3)),
        ("<strong>Quotes: 2</strong> | Posted 2 days ago", FETCHED - timedelta(days=2)),
        ("<strong>Posted Nov 25, 2026</strong>", datetime(2026, 11, 25, tzinfo=UTC)),
    ],
)
def test_posted_wording(meta: str, expected: datetime) -> None:
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False):
        item = one(page(card(meta=meta)))
    assert item.posted_at == expected
    assert item.posted_at.tzinfo is not None


def test_unreadable_age_is_counted() -> None:
    spider = make_spider(GuruSpider)
    item = one(page(card(meta="<strong>Posted a while back</strong>")), spider)
    assert item.posted_at is None
    assert stat(spider, ERRORS + "unparsed_posted") == 1


@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        ("<strong>Fixed Price</strong> | $2.5k", (2500, 2500, "USD", "fixed")),
        ("<strong>Fixed Price</strong> | $1k-$2.5k", (1000, 2500, "USD", "fixed")),
        ("<strong>Fixed Price</strong> | $5,000-$10k", (5000, 10000, "USD", "fixed")),
        ("<strong>Fixed Price</strong> | Under $250", (None, 250, "USD", "fixed")),
        ("<strong>Fixed Price</strong> | Over $25k", (25000, None, "USD", "fixed")),
        ("Budget: $250-$500", (250, 500, "USD", "fixed")),
        ("<strong>Hourly</strong> | $10-$15/hr", (10, 15, "USD", "hourly")),
        ("<strong>Hourly Rate</strong> $20-$30", (20, 30, "USD", "hourly")),
        ("<strong>Hourly</strong>", (None, None, None, "hourly")),
        ("<strong>Hourly</strong> | <span>Not Sure</span>", (None, None, None, "hourly")),
        ("<strong>Fixed Price</strong> | <span>Not Sure</span>", (None, None, None, "negotiable")),
    ],
)
def test_budget_wording(budget: str, expected: tuple[Any, ...]) -> None:
    item = one(page(card(budget=budget)))
    assert (item.budget_min, item.budget_max, item.currency, item.budget_type) == expected


def test_unreadable_budget_is_counted_and_kept_raw() -> None:
    spider = make_spider(GuruSpider)
    item = one(page(card(budget="Ask the client")), spider)
    assert (item.budget_min, item.budget_max, item.budget_type) == (None, None, None)
    assert item.extra["budget_text"] == "Ask the client"
    assert stat(spider, ERRORS + "unparsed_budget") == 1


def test_fallback_selectors() -> None:
    item = one(
        page(
            card(
                gid=None,
                title='<h3><a href="/jobs/etl-fix/2050777?SearchUrl=search.aspx">ETL fix</a></h3>',
                skills='<div class="skillsList"><a href="/d/jobs/skill/python/">Python</a></div>',
            )
        )
    )
    assert item.external_id == "2050777"  # no data-gid: the id at the end of the link
    assert item.url == "https://www.guru.com/jobs/etl-fix/2050777"
    assert item.title == "ETL fix"
    assert item.skills[0] == "Python"


def test_card_without_title_is_skipped_and_counted() -> None:
    spider = make_spider(GuruSpider)
    results = parse(spider, page(card(title=""), card(gid="2050002")))
    assert [item.external_id for item in items_of(results)] == ["2050002"]
    assert stat(spider, ERRORS + "card_without_title") == 1


def test_card_with_missing_parts_is_kept() -> None:
    item = one(page(card(meta="", budget=None, description="", skills="")))
    assert item.title == "API work"
    assert (item.description, item.posted_at, item.budget_type, item.applicants) == (
        None,
        None,
        None,
        None,
    )
    assert item.skills == []


# -- pagination -------------------------------------------------------------------------------


def test_numbered_bar_without_a_next_link() -> None:
    bar = (
        '<ul id="ctl00_guB_ulpaginate"><li class="active"><a href="/d/jobs/c/'
        'programming-development/">1</a></li><li><a href="/d/jobs/c/programming-development/'
        'pg/2">2</a></li></ul>'
    )
    results = parse(make_spider(GuruSpider), page(card(), bar=bar, url=LIST_URL))
    assert [r.url for r in requests_of(results)] == [PAGE_2.rstrip("/")]


def test_missing_pagination_bar_is_counted() -> None:
    spider = make_spider(GuruSpider)
    results = parse(spider, page(card(), bar="", url=LIST_URL))
    assert requests_of(results) == []
    assert stat(spider, ERRORS + "no_pagination") == 1


# -- bad pages --------------------------------------------------------------------------------


def test_incapsula_block_page_stops_the_spider() -> None:
    spider = make_spider(GuruSpider)
    response = fixture_response("guru/incapsula_block.html", LIST_URL, headers=HTML)
    assert len(response.body) < 1000
    with pytest.raises(CloseSpider) as closed:
        parse(spider, response)
    assert closed.value.reason == "blocked"
    assert stat(spider, "outsourcing/blocked/guru") == 1
    assert stat(spider, ERRORS + "no_cards") is None  # never read as "no jobs"


def test_incapsula_block_page_after_retries_stops_the_spider() -> None:
    spider = make_spider(GuruSpider)
    response = fixture_response("guru/incapsula_block.html", PAGE_2, status=403, headers=HTML)
    with pytest.raises(CloseSpider):
        spider.on_request_error(failure(response))
    assert stat(spider, "outsourcing/blocked/guru") == 1


def test_changed_markup_is_a_parse_error_not_an_empty_crawl() -> None:
    spider = make_spider(GuruSpider)
    response = fixture_response("guru/changed_markup.html", LIST_URL, headers=HTML)
    assert parse(spider, response) == []
    assert stat(spider, ERRORS + "no_cards") == 1
    assert stat(spider, "outsourcing/blocked/guru") is None


def test_truncated_page_keeps_only_whole_cards() -> None:
    spider = make_spider(GuruSpider)
    response = fixture_response("guru/truncated.html", LIST_URL, headers=HTML)
    results = parse(spider, response)
    # The fourth card was cut inside its description: it is left out, not stored half.
    assert [item.external_id for item in items_of(results)] == ["2058417", "2058409", "2058396"]
    assert requests_of(results) == []
    assert stat(spider, ERRORS + "truncated_html") == 1
    assert stat(spider, ERRORS + "no_pagination") is None


def test_page_cut_after_the_cards_keeps_them_all() -> None:
    spider = make_spider(GuruSpider)
    text = recorded_response(LIST_URL).text
    cut = text[: text.index("</ul>", text.index("ctl00_guB_ulpaginate"))]
    response = HtmlResponse(LIST_URL, body=cut.encode(), headers=HTML)
    results = parse(spider, response)
    assert len(items_of(results)) == 5
    assert stat(spider, ERRORS + "truncated_html") == 1


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty_body"),
        (b"<html><body><h1>Programming &amp; Development Jobs</h1></body></html>", "no_cards"),
    ],
)
def test_page_without_cards_is_counted(body: bytes, kind: str) -> None:
    spider = make_spider(GuruSpider)
    assert parse(spider, HtmlResponse(LIST_URL, body=body, headers=HTML)) == []
    assert stat(spider, ERRORS + kind) == 1


def test_non_html_answer_is_counted() -> None:
    spider = make_spider(GuruSpider)
    response = Response(LIST_URL, body=b"\x89PNG\r\n", headers={"Content-Type": "image/png"})
    assert parse(spider, response) == []
    assert stat(spider, ERRORS + "not_html") == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_http_error_after_retries_is_counted(status: int) -> None:
    spider = make_spider(GuruSpider)
    response = TextResponse(PAGE_2, status=status, body=b"Service Unavailable")
    spider.on_request_error(failure(response, Request(PAGE_2)))
    assert stat(spider, ERRORS + f"http_{status}") == 1
    assert stat(spider, "outsourcing/blocked/guru") is None


def test_page_mixing_two_card_markups_yields_every_card_with_its_own_link() -> None:
    spider = make_spider(GuruSpider)
    response = fixture_response("guru/mixed_markup.html", LIST_URL, headers=HTML)
    urls = {item.external_id: item.url for item in items_of(parse(spider, response))}
    assert urls == {
        "2058417": "https://www.guru.com/jobs/react-dashboard-for-fleet-telemetry/2058417",
        "2058409": "https://www.guru.com/jobs/python-developer-for-etl-pipelines/2058409",
        "2058396": "https://www.guru.com/jobs/fix-wordpress-contact-form/2058396",
    }
