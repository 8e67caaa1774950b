"""The freelancer spider over its recorded API pages and one-off bad responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import CloseSpider, DownloadTimeoutError
from scrapy.http import TextResponse

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.pipelines import ValidationPipeline
from outsourcing_crawler.spiders.freelancer import API_URL, FreelancerSpider
from tests.support import (
    answer,
    argument_error,
    assert_skills,
    crawl,
    failure,
    fixture_response,
    items_by_id,
    items_of,
    make_spider,
    recording,
    requests_of,
    stat,
)

# The recordings' Date header.
FETCHED = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
DATE = {"Date": "Sun, 29 Nov 2026 03:00:00 GMT"}
ERRORS = "outsourcing/parse_errors/freelancer/"
FIXED_PARAMS = "compact=true&full_description=true&job_details=true&sort_field=time_submitted"


def page_url(offset: int, limit: int = 50, filters: str = "") -> str:
    return f"{API_URL}?{FIXED_PARAMS}{filters}&limit={limit}&offset={offset}"


async def first_request(spider: FreelancerSpider) -> Request:
    return await anext(spider.start())


@pytest.fixture(scope="module")
def site() -> tuple[FreelancerSpider, list[ProjectItem], list[str]]:
    spider = make_spider(FreelancerSpider)
    return spider, *crawl(spider.page_request(0))


@pytest.fixture(scope="module")
def items(site: Any) -> dict[str, ProjectItem]:
    return items_by_id(site[1])


def parse(spider: FreelancerSpider, response: Any, offset: int = 0) -> list[Any]:
    return list(spider.parse(response, offset=offset))


def api_response(payload: Any, offset: int = 0) -> TextResponse:
    url = page_url(offset)
    return TextResponse(
        url,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **DATE},
        request=Request(url, cb_kwargs={"offset": offset}),
    )


def project(**fields: Any) -> dict[str, Any]:
    """One API project with the keys every test needs, overridden by ``fields``."""
    base: dict[str, Any] = {
        "id": 39800001,
        "title": "  Build a booking widget  ",
        "status": "active",
        "seo_url": "javascript/Build-booking-widget",
        "type": "fixed",
        "budget": {"minimum": 250.0, "maximum": 750.0},
        "currency": {"code": "USD", "sign": "$", "exchange_rate": 1.0},
        "bid_stats": {"bid_count": 4, "bid_avg": 400.0},
        "time_submitted": 1795917600,
        "description": "Embed a booking widget.",
        "jobs": [{"id": 7, "name": "JavaScript"}],
        "owner_id": 81234567,
    }
    base.update(fields)
    return base


def one(spider: FreelancerSpider, payload: dict[str, Any]) -> ProjectItem:
    (item,) = items_of(parse(spider, api_response(payload)))
    return item


def page_of(*projects: Any, total: int | None = 1) -> dict[str, Any]:
    result: dict[str, Any] = {"projects": list(projects)}
    if total is not None:
        result["total_count"] = total
    return {"status": "success", "result": result}


# -- arguments and requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("jobs", "python", ["jobs", "comma-separated numeric skill ids"]),
        ("jobs", "3;9", ["jobs", "comma-separated numeric skill ids"]),
        ("jobs", "3,,9", ["jobs", "comma-separated numeric skill ids"]),
        ("jobs", "", ["jobs", "comma-separated numeric skill ids"]),
        ("max_items", "0", ["max_items", "positive integer"]),
        ("max_items", "ten", ["max_items", "positive integer"]),
    ],
)
def test_bad_argument_stops_the_spider(name: str, value: str, words: list[str]) -> None:
    message = argument_error(FreelancerSpider, **{name: value})
    assert all(word in message for word in words), message


async def test_default_request_lists_active_projects_newest_first() -> None:
    request = await first_request(make_spider(FreelancerSpider))
    assert request.url == page_url(0)
    assert request.cb_kwargs == {"offset": 0}
    assert request.errback is not None
    assert urlsplit(request.url).path == "/api/projects/0.1/projects/active/"


async def test_query_and_skill_ids_filter_the_list() -> None:
    spider = make_spider(FreelancerSpider, query="react native", jobs="3, 9,13")
    request = await first_request(spider)
    # Always the same parameter order, so the same crawl asks the same URLs.
    assert request.url == page_url(
        0, filters="&query=react+native&jobs%5B%5D=3&jobs%5B%5D=9&jobs%5B%5D=13"
    )
    params = parse_qsl(urlsplit(request.url).query)
    assert ("query", "react native") in params
    assert [v for k, v in params if k == "jobs[]"] == ["3", "9", "13"]


def test_max_items_shrinks_the_page() -> None:
    spider = make_spider(FreelancerSpider, max_items="20")
    assert spider.page_request(0).url == page_url(0, limit=20)


# -- the whole recorded site ------------------------------------------------------------------


def test_site_pages_by_offset_to_total_count(site: Any) -> None:
    _, crawled, urls = site
    assert urls == [page_url(0), page_url(50)]
    assert len(crawled) == 54  # total_count
    ids = [item.external_id for item in crawled]
    assert len(set(ids)) == len(ids)


def test_site_has_no_parse_errors(site: Any) -> None:
    stats = site[0].crawler.stats.get_stats()
    assert not [key for key in stats if key.startswith(ERRORS)]


async def test_site_items_pass_validation(site: Any) -> None:
    spider, crawled, _ = site
    validation = ValidationPipeline.from_crawler(spider.crawler)
    for item in crawled:
        assert await validation.process_item(item) is item


def test_page_one_asks_for_the_next_offset() -> None:
    spider = make_spider(FreelancerSpider)
    results = answer(spider.page_request(0))
    assert len(items_of(results)) == 50
    (next_page,) = requests_of(results)
    assert next_page.url == page_url(50)
    assert next_page.cb_kwargs == {"offset": 50}


def test_last_page_reaches_total_count() -> None:
    spider = make_spider(FreelancerSpider)
    results = answer(spider.page_request(50))
    assert len(items_of(results)) == 4
    assert requests_of(results) == []


def test_max_items_stops_the_crawl() -> None:
    spider = make_spider(FreelancerSpider, max_items="50")
    results = list(spider.parse(recording(page_url(0)).response(), offset=0))
    assert len(items_of(results)) == 50
    assert requests_of(results) == []


def test_max_items_caps_a_page_longer_than_asked() -> None:
    spider = make_spider(FreelancerSpider, max_items="3")
    results = list(spider.parse(recording(page_url(0)).response(), offset=0))
    assert [item.external_id for item in items_of(results)] == ["39871460", "39871452", "39871442"]
    assert requests_of(results) == []


def test_max_items_asks_only_the_rest() -> None:
    spider = make_spider(FreelancerSpider, max_items="52")
    results = list(spider.parse(recording(page_url(0)).response(), offset=0))
    assert [r.url for r in requests_of(results)] == [page_url(50, limit=2)]


# -- mapping rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("project_id", "field", "expected"),
    [
        ("39871460", "platform", "freelancer"),
        ("39871460", "title", "Build a React dashboard for IoT sensor data"),
        (
            "39871460",
            "url",
            "https://www.freelancer.com/projects/react-js/Build-a-React-dashboard-for-IoT-sensor-data",
        ),
        ("39871460", "category", "Websites, IT & Software"),
        ("39871460", "status", "open"),
        ("39871460", "scraped_at", FETCHED),
        # time_submitted (epoch seconds) -> aware UTC datetime
        ("39871460", "posted_at", datetime(2026, 11, 29, 2, 56, tzinfo=UTC)),
        ("39871102", "posted_at", datetime(2026, 11, 28, 20, 26, 33, tzinfo=UTC)),
        # bid_stats.bid_count -> applicants
        ("39871460", "applicants", 23),
        ("39871452", "applicants", 41),
        # fixed USD
        ("39871460", "budget_min", 750),
        ("39871460", "budget_max", 1500),
        ("39871460", "currency", "USD"),
        ("39871460", "budget_type", "fixed"),
        # hourly USD
        ("39871442", "budget_min", 15),
        ("39871442", "budget_max", 25),
        ("39871442", "budget_type", "hourly"),
        # currency.code is a sibling of budget: EUR, INR, AUD, GBP, CAD
        ("39871435", "currency", "EUR"),
        ("39871435", "budget_min", 1500),
        ("39871435", "budget_max", 3000),
        ("39871425", "currency", "INR"),
        ("39871425", "budget_max", 15000),
        ("39871417", "currency", "AUD"),
        ("39871407", "currency", "GBP"),
        ("39871407", "budget_type", "hourly"),
        ("39871400", "currency", "CAD"),
        # maximum null: lower bound only
        ("39871102", "budget_min", 15),
        ("39871102", "budget_max", None),
        ("39871102", "budget_type", "hourly"),
        # float amounts -> int (450.5 rounds half up)
        ("39871092", "budget_min", 150),
        ("39871092", "budget_max", 451),
        ("39871085", "budget_min", 13),
        ("39871085", "budget_max", 30),
        # no bid_stats at all: no applicants, no bid_avg
        ("39871092", "applicants", None),
    ],
)
def test_field(items: dict, project_id: str, field: str, expected: Any) -> None:
    value = getattr(items[project_id], field)
    assert value == expected
    assert type(value) is type(expected)  # 13, never 13.0


def test_posted_at_is_timezone_aware(items: dict) -> None:
    for item in items.values():
        assert item.posted_at.utcoffset().total_seconds() == 0


def test_description_is_the_full_text_in_lines(items: dict) -> None:
    lines = items["39871460"].description.splitlines()
    assert lines[0].startswith("I have about 300 temperature and humidity sensors")
    assert lines[-1] == (
        "Backend API (Node.js) is already running; you will consume its REST endpoints. "
        "Please mention similar dashboards you built."
    )


def test_preview_description_when_the_full_text_is_missing(items: dict) -> None:
    assert items["39871092"].description.startswith("Monorepo with three services;")


@pytest.mark.parametrize(
    ("project_id", "from_jobs", "from_text"),
    [
        # jobs[].name through the vocabulary: React.js -> React
        ("39871460", ["React", "Node.js", "JavaScript", "TypeScript"], ["IoT"]),
        ("39871452", ["Python", "Web Scraping"], ["Scrapy", "BeautifulSoup"]),
        ("39871092", ["DevOps", "Docker"], ["GitHub Actions"]),
    ],
)
def test_skills_jobs_first_then_text(
    items: dict, project_id: str, from_jobs: list[str], from_text: list[str]
) -> None:
    assert_skills(items[project_id].skills, from_jobs, from_text)


def test_extra_fields(items: dict) -> None:
    assert items["39871460"].extra == {
        "bid_avg": 1112.4,
        "exchange_rate": 1.0,
        "language": "en",
        "upgrades": ["featured"],
        "job_ids": [759, 500, 7, 1329],
    }
    assert items["39871435"].extra["upgrades"] == ["urgent"]
    assert items["39871435"].extra["exchange_rate"] == 1.087
    assert items["39871110"].extra["language"] == "es"
    assert "upgrades" not in items["39871452"].extra  # every flag false
    assert "bid_avg" not in items["39871092"].extra


def test_owner_is_never_stored(items: dict) -> None:
    for item in items.values():
        assert "owner_id" not in item.extra
        assert "8123" not in json.dumps(item.extra)


@pytest.mark.parametrize(
    ("fields", "attribute", "expected"),
    [
        ({"status": "frozen"}, "status", "closed"),
        ({"status": "closed"}, "status", "closed"),
        ({"status": "active"}, "status", "open"),
        ({"title": "  Build a booking widget  "}, "title", "Build a booking widget"),
        ({"id": 39800001}, "external_id", "39800001"),
        (
            {"description": "<p>Line one</p><p>Line &amp; two</p>"},
            "description",
            "Line one\nLine & two",
        ),
        ({"description": None, "preview_description": None}, "description", None),
        ({"description": "Log in to see the full description"}, "description", None),
        ({"budget": {"minimum": 0, "maximum": 0}}, "budget_type", "negotiable"),
        ({"budget": {"minimum": 0, "maximum": 0}}, "currency", None),
        ({"budget": None}, "budget_min", None),
        ({"type": "hourly", "budget": {}}, "budget_type", "hourly"),
        ({"currency": None}, "currency", None),
        ({"time_submitted": None}, "posted_at", None),
        ({"time_submitted": "soon"}, "posted_at", None),
        ({"bid_stats": {"bid_count": "many"}}, "applicants", None),
        ({"jobs": None}, "skills", []),
        (
            {"seo_url": "https://www.freelancer.com/projects/js/x"},
            "url",
            "https://www.freelancer.com/projects/js/x",
        ),
    ],
)
def test_project_rule(fields: dict[str, Any], attribute: str, expected: Any) -> None:
    spider = make_spider(FreelancerSpider)
    item = one(spider, page_of(project(**fields)))
    assert getattr(item, attribute) == expected


def test_missing_seo_url_falls_back_to_the_id_and_is_counted() -> None:
    spider = make_spider(FreelancerSpider)
    item = one(spider, page_of(project(seo_url=None)))
    assert item.url == "https://www.freelancer.com/projects/39800001"
    assert stat(spider, ERRORS + "missing_key_seo_url") == 1


def test_bad_project_entries_are_skipped_and_counted() -> None:
    spider = make_spider(FreelancerSpider)
    no_ids = [project(id=value) for value in ("", 0, -1, True, [1], {"id": 1})]
    payload = page_of("oops", {"title": "no id"}, *no_ids, project(), total=9)
    assert [item.external_id for item in items_of(parse(spider, api_response(payload)))] == [
        "39800001"
    ]
    assert stat(spider, ERRORS + "bad_project") == 8


@pytest.mark.parametrize(
    ("fields", "kind"),
    [({"title": None}, "bad_title"), ({"title": 0}, "bad_title"), ({"title": "  "}, "bad_title")],
)
def test_a_project_without_a_title_is_counted(fields: dict[str, Any], kind: str) -> None:
    # Kept: the validation pipeline drops it, and the count says why.
    spider = make_spider(FreelancerSpider)
    assert one(spider, page_of(project(**fields))).title is None
    assert stat(spider, ERRORS + kind) == 1


def test_a_project_without_the_title_key_is_counted() -> None:
    spider = make_spider(FreelancerSpider)
    untitled = project()
    del untitled["title"]
    assert one(spider, page_of(untitled)).title is None
    assert stat(spider, ERRORS + "missing_key_title") == 1


@pytest.mark.parametrize("jobs", [-1, "React", {"id": 7}])
def test_jobs_of_another_type_are_counted_and_the_project_kept(jobs: Any) -> None:
    spider = make_spider(FreelancerSpider)
    item = one(spider, page_of(project(jobs=jobs, title="React booking widget")))
    assert item.skills == ["React"]  # from the text
    assert stat(spider, ERRORS + "bad_jobs") == 1


@pytest.mark.parametrize(
    "currency", [None, {}, {"code": None}, {"code": 0}, {"code": ["USD"]}, {"code": "dollars"}]
)
async def test_amounts_without_a_currency_are_left_out_and_the_posting_kept(
    currency: Any,
) -> None:
    spider = make_spider(FreelancerSpider)
    item = one(spider, page_of(project(currency=currency)))
    assert (item.budget_min, item.budget_max, item.currency, item.budget_type) == (
        None,
        None,
        None,
        "fixed",
    )
    assert stat(spider, ERRORS + "missing_currency") == 1
    assert await ValidationPipeline.from_crawler(spider.crawler).process_item(item) is item


def test_a_currency_code_is_read_in_any_case() -> None:
    item = one(make_spider(FreelancerSpider), page_of(project(currency={"code": " usd"})))
    assert (item.budget_min, item.budget_max, item.currency) == (250, 750, "USD")


# -- bad responses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "kind"),
    [
        ("freelancer/api_error.json", "application/json", "api_error"),
        ("freelancer/empty_object.json", "application/json", "missing_key_status"),
        ("freelancer/empty_body.json", "application/json", "not_json"),
        ("freelancer/renamed_key.json", "application/json", "missing_key_projects"),
        ("freelancer/truncated.json", "application/json", "not_json"),
        ("freelancer/maintenance.html", "text/html; charset=utf-8", "html_instead_of_json"),
    ],
)
def test_bad_response_is_counted_and_yields_nothing(
    path: str, content_type: str, kind: str
) -> None:
    spider = make_spider(FreelancerSpider)
    response = fixture_response(path, page_url(0), headers={"Content-Type": content_type, **DATE})
    assert parse(spider, response) == []
    assert stat(spider, ERRORS + kind) == 1


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ([], "bad_json_shape"),
        ("success", "bad_json_shape"),
        ({"status": "success"}, "missing_key_projects"),
        ({"status": "success", "result": {"projects": None}}, "missing_key_projects"),
        ({"status": "success", "result": []}, "missing_key_projects"),
    ],
)
def test_wrong_json_shape_is_counted(payload: Any, kind: str) -> None:
    spider = make_spider(FreelancerSpider)
    assert parse(spider, api_response(payload)) == []
    assert stat(spider, ERRORS + kind) == 1


def test_challenge_page_stops_the_spider() -> None:
    spider = make_spider(FreelancerSpider)
    response = fixture_response(
        "freelancer/cloudflare_challenge.html",
        page_url(0),
        headers={"Content-Type": "text/html; charset=UTF-8", **DATE},
    )
    with pytest.raises(CloseSpider) as closed:
        parse(spider, response)
    assert closed.value.reason == "blocked"
    assert stat(spider, "outsourcing/blocked/freelancer") == 1
    assert stat(spider, ERRORS + "html_instead_of_json") is None


def test_empty_first_page_is_reported() -> None:
    spider = make_spider(FreelancerSpider)
    assert parse(spider, api_response(page_of(total=0))) == []
    assert stat(spider, ERRORS + "no_projects") == 1


def test_empty_search_result_is_no_error() -> None:
    spider = make_spider(FreelancerSpider, query="cobol mainframe haiku")
    assert parse(spider, api_response(page_of(total=0))) == []
    assert stat(spider, ERRORS + "no_projects") is None


def test_empty_later_page_ends_the_crawl_quietly() -> None:
    spider = make_spider(FreelancerSpider)
    assert parse(spider, api_response(page_of(total=120), offset=100), offset=100) == []
    assert stat(spider, ERRORS + "no_projects") is None


def test_missing_total_count_is_counted_and_paging_goes_on_while_pages_are_full() -> None:
    spider = make_spider(FreelancerSpider, max_items="2")
    first = parse(spider, api_response(page_of(project(), project(id=39800000), total=None)))
    assert len(items_of(first)) == 2
    assert stat(spider, ERRORS + "missing_key_total_count") == 1
    spider = make_spider(FreelancerSpider)
    results = parse(spider, api_response(page_of(project(), total=None)))
    assert requests_of(results) == []  # a short page is the last one


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_http_error_after_retries_is_counted(status: int) -> None:
    spider = make_spider(FreelancerSpider)
    response = TextResponse(page_url(0), status=status, body=b'{"status": "error"}')
    assert spider.page_request(0).errback == spider.on_request_error
    spider.on_request_error(failure(response, Request(page_url(0))))
    assert stat(spider, ERRORS + f"http_{status}") == 1


def test_timeout_is_counted() -> None:
    spider = make_spider(FreelancerSpider)
    spider.on_request_error(failure(DownloadTimeoutError(), Request(page_url(0))))
    assert stat(spider, ERRORS + "timeout") == 1


def test_forbidden_answer_is_a_block() -> None:
    spider = make_spider(FreelancerSpider)
    response = TextResponse(
        page_url(0), status=403, body=b"<html><body>Access Denied</body></html>"
    )
    with pytest.raises(CloseSpider):
        spider.on_request_error(failure(response, Request(page_url(0))))
    assert stat(spider, "outsourcing/blocked/freelancer") == 1


def test_extra_texts_are_cleaned_for_storage() -> None:
    # PostgreSQL refuses a NUL in JSONB: one would cost the whole posting its row.
    item = one(
        make_spider(FreelancerSpider),
        page_of(project(language=" e\x00n ", upgrades={"feat\x00ured": True, "\x00": True})),
    )
    assert item.extra["language"] == "en"
    assert item.extra["upgrades"] == ["featured"]
