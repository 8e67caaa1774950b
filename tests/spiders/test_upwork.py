"""The upwork spider over recorded (already rendered) search pages and one-off bad pages."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from itemadapter import ItemAdapter
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import Request
from scrapy.exceptions import CloseSpider, DownloadTimeoutError
from scrapy.http import Response, TextResponse
from scrapy.utils.project import get_project_settings

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.pipelines import problem
from outsourcing_crawler.spiders.base import SpiderArgumentError
from outsourcing_crawler.spiders.upwork import (
    PLAYWRIGHT_HANDLER,
    UpworkSpider,
    skip_heavy_resources,
)
from tests.support import (
    answer,
    crawl,
    failure,
    fixture_response,
    items_by_id,
    items_of,
    make_spider,
    recording,
    requests_of,
    started,
    stat,
)

# The recordings' Date header: the crawl's reference time for "3 hours ago".
FETCHED = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
ERRORS = "outsourcing/parse_errors/upwork/"
SEARCH = "https://www.upwork.com/nx/search/jobs/"


def page_url(page: int) -> str:
    return f"{SEARCH}?sort=recency&page={page}"


def parse(
    spider: UpworkSpider, response: Response, page: int = 1
) -> tuple[list[ProjectItem], list[Request]]:
    results = list(spider.parse_search(response, page_number=page))
    return items_of(results), requests_of(results)


@pytest.fixture(scope="module")
def site() -> tuple[UpworkSpider, list[ProjectItem], list[str]]:
    spider = make_spider(UpworkSpider)
    return spider, *crawl(*started(spider))


@pytest.fixture(scope="module")
def by_id(site: tuple[UpworkSpider, list[ProjectItem], list[str]]) -> dict[str, ProjectItem]:
    return items_by_id(site[1])


# -- the recorded site ----------------------------------------------------------------------


def test_crawl_follows_every_page_and_yields_every_tile_once(site: Any) -> None:
    _, items, urls = site
    # Page 3's "Next" button is disabled: the end, before max_pages (5).
    assert urls == [page_url(1), page_url(2), page_url(3)]
    assert len(items) == 9
    assert len({item.external_id for item in items}) == 9


def test_every_item_passes_validation(site: Any) -> None:
    assert [problem(ItemAdapter(item).asdict()) for item in site[1]] == [None] * 9


# Page 1: `.job-tile` sections with `h2.job-tile-title a` and data-ev-job-uid.
# Page 2: `[data-test="job-tile"]` articles, `a[data-test="job-tile-title-link UpLink"]`,
#         no uid attribute (the id comes from the link) and the older data-test names.
# Page 3: today's `article.job-tile[data-test="JobTile"]`, which matches both.
@pytest.mark.parametrize(
    ("external_id", "title"),
    [
        ("1862504321985220608", "Python developer for Scrapy data pipeline"),
        ("1862498877305745408", "Landing page in React + Tailwind for a SaaS launch"),
        ("1862485510082433024", "Proofread a 20-page user manual"),
        ("021862471958812672000", "Shopify store speed optimization"),  # from ~0218..., zero kept
        ("0140bb5e77c2e9d1a3", "Data entry from scanned invoices into Google Sheets"),  # old id
        ("1862451207335100416", "Django REST API for a booking system"),
    ],
)
def test_id_and_title_from_each_markup(
    by_id: dict[str, ProjectItem], external_id: str, title: str
) -> None:
    item = by_id[external_id]
    assert item.title == title
    # The link the tile shows (its slug and ciphertext), less the list's tracking query.
    assert item.url.startswith("https://www.upwork.com/jobs/")
    assert "~" in item.url and "?" not in item.url
    assert item.platform == "upwork"
    assert item.status == "open"
    assert item.scraped_at == FETCHED


@pytest.mark.parametrize(
    ("external_id", "budget"),
    [
        # "Hourly: $25.00 - $45.00"
        ("1862504321985220608", (25, 45, "USD", "hourly")),
        # "Fixed price" + "Est. budget: $500.00"
        ("1862498877305745408", (500, 500, "USD", "fixed")),
        # "Hourly" without a rate
        ("1862490164410769152", (None, None, None, "hourly")),
        # no job type line at all
        ("1862485510082433024", (None, None, None, None)),
        # older markup: "Hourly: $30.00-$60.00" / "Fixed-price" + "Est. Budget: $1,200"
        ("021862471958812672000", (30, 60, "USD", "hourly")),
        ("021862466311067508736", (1200, 1200, "USD", "fixed")),
        ("1862451207335100416", (40, 70, "USD", "hourly")),
        ("1862447731021946880", (300, 300, "USD", "fixed")),
    ],
)
def test_budget(by_id: dict[str, ProjectItem], external_id: str, budget: tuple[Any, ...]) -> None:
    item = by_id[external_id]
    assert (item.budget_min, item.budget_max, item.currency, item.budget_type) == budget


@pytest.mark.parametrize(
    ("external_id", "posted_at"),
    [
        ("1862504321985220608", datetime(2026, 11, 29, 0, 0, tzinfo=UTC)),  # 3 hours ago
        ("1862498877305745408", datetime(2026, 11, 28, 3, 0, tzinfo=UTC)),  # yesterday
        ("1862490164410769152", datetime(2026, 11, 28, 22, 0, tzinfo=UTC)),  # 5 hours ago
        ("1862485510082433024", None),  # no date shown
        ("021862471958812672000", datetime(2026, 11, 28, 19, 0, tzinfo=UTC)),  # Posted 8 hours ago
        ("0140bb5e77c2e9d1a3", datetime(2026, 11, 27, 3, 0, tzinfo=UTC)),  # Posted 2 days ago
        ("1862447731021946880", datetime(2026, 11, 26, 3, 0, tzinfo=UTC)),  # 3 days ago
    ],
)
def test_posted_at_relative_to_the_fetch_time(
    by_id: dict[str, ProjectItem], external_id: str, posted_at: datetime | None
) -> None:
    assert by_id[external_id].posted_at == posted_at


@pytest.mark.parametrize(
    ("external_id", "days"),
    [
        ("1862504321985220608", 90),  # 1 to 3 months, Less than 30 hrs/week
        ("1862490164410769152", 180),  # More than 6 months, 30+ hrs/week
        ("021862471958812672000", 30),  # Less than 1 month
        ("1862451207335100416", 180),  # 3 to 6 months
        ("1862498877305745408", None),  # fixed price: no duration shown
    ],
)
def test_duration(by_id: dict[str, ProjectItem], external_id: str, days: int | None) -> None:
    assert by_id[external_id].duration_days == days


@pytest.mark.parametrize(
    ("external_id", "skills"),
    [
        # token buttons, then skills named in the text (Docker)
        ("1862504321985220608", ["Python", "Scrapy", "PostgreSQL", "Data Scraping", "Docker"]),
        ("1862490164410769152", ["AWS", "Terraform", "Kubernetes", "DevOps"]),  # canonical
        ("0140bb5e77c2e9d1a3", ["Data Entry", "Google Sheets", "Excel"]),  # older skill badges
        ("1862485510082433024", []),
    ],
)
def test_skills(by_id: dict[str, ProjectItem], external_id: str, skills: list[str]) -> None:
    assert by_id[external_id].skills == skills


def test_description_is_plain_text_with_paragraphs(by_id: dict[str, ProjectItem]) -> None:
    assert by_id["1862504321985220608"].description == (
        "We collect public product listings from about 40 retail sites and need an experienced"
        " developer to move our crawlers to Scrapy 2.x.\nYou will write spiders, item pipelines"
        " into PostgreSQL and tests against recorded pages. Docker experience is a plus."
    )
    assert by_id["021862471958812672000"].description == (
        "Our Shopify theme scores 38 on mobile PageSpeed.\n"
        "Audit the theme, defer third-party apps and get us above 80."
    )
    assert by_id["1862485510082433024"].description is None


@pytest.mark.parametrize(
    ("external_id", "extra"),
    [
        (
            "1862504321985220608",
            {
                "experience_level": "Intermediate",
                "duration": "1 to 3 months, Less than 30 hrs/week",
                "proposals": "5 to 10",
                "client_total_spent": "$10K+",
                "client_country": "United States",
                "payment_verified": True,
                "ciphertext": "~021862504321985220608",
            },
        ),
        ("021862466311067508736", {"experience_level": "Intermediate"}),
        ("1862485510082433024", {"ciphertext": "~021862485510082433024"}),
    ],
)
def test_extra(by_id: dict[str, ProjectItem], external_id: str, extra: dict[str, Any]) -> None:
    assert by_id[external_id].extra == extra


def test_tile_that_lost_fields_is_yielded_and_counted(site: Any) -> None:
    spider = site[0]
    for field in ("description", "budget_type", "posted_at", "skills", "experience_level"):
        assert stat(spider, f"{ERRORS}tile_missing_{field}") == 1, field
    assert stat(spider, f"{ERRORS}tile_missing_title") is None
    assert stat(spider, f"{ERRORS}tile_missing_id") is None


# -- requests -------------------------------------------------------------------------------


def test_search_request_goes_through_the_browser_and_waits_for_tiles() -> None:
    (request,) = started(make_spider(UpworkSpider))
    assert request.url == page_url(1)
    assert request.meta["playwright"] is True
    assert request.meta["playwright_context"] == "upwork"
    assert "playwright_include_page" not in request.meta  # the handler closes every page
    (method,) = request.meta["playwright_page_methods"]
    assert method.method == "wait_for_selector"
    for selector in (".job-tile", '[data-test~="job-tile"]', ".up-card-section", "#challenge-form"):
        assert selector in method.args[0]
    assert method.kwargs["timeout"] == 20_000
    assert request.errback == request.callback.__self__.on_request_error  # type: ignore[union-attr]


def test_query_argument_in_the_url() -> None:
    (request,) = started(make_spider(UpworkSpider, q="python scrapy"))
    assert request.url == f"{SEARCH}?q=python+scrapy&sort=recency&page=1"


def test_max_pages_stops_pagination() -> None:
    spider = make_spider(UpworkSpider, max_pages=2)
    pending = started(spider)
    seen = []
    while pending:
        request = pending.pop(0)
        seen.append(request.url)
        pending += requests_of(answer(request))
    assert seen == [page_url(1), page_url(2)]


def test_search_url_setting_moves_the_crawl_but_not_the_item_urls() -> None:
    spider = make_spider(
        UpworkSpider, {"UPWORK_SEARCH_URL": "http://127.0.0.1:8123/nx/search/jobs/"}
    )
    (request,) = started(spider)
    assert request.url == "http://127.0.0.1:8123/nx/search/jobs/?sort=recency&page=1"
    assert spider.allowed_domains == ["www.upwork.com", "127.0.0.1"]
    response = recording(page_url(1)).response(request)
    response = response.replace(url=request.url)
    items, requests = parse(spider, response)
    shown = "/jobs/Python-developer-for-Scrapy-data-pipeline_~021862504321985220608/"
    assert items[0].url == f"https://www.upwork.com{shown}"
    assert requests[0].url == "http://127.0.0.1:8123/nx/search/jobs/?sort=recency&page=2"


def test_only_this_spider_installs_the_browser_handler() -> None:
    handlers = make_spider(UpworkSpider).settings.getdict("DOWNLOAD_HANDLERS")
    assert handlers == {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}
    project = get_project_settings().getwithbase("DOWNLOAD_HANDLERS")
    assert PLAYWRIGHT_HANDLER not in project.values()


class _BrowserRequest:
    def __init__(self, resource_type: str) -> None:
        self.resource_type = resource_type


@pytest.mark.parametrize(
    ("resource_type", "aborted"),
    [("image", True), ("font", True), ("media", True), ("document", False), ("script", False)],
)
def test_heavy_resources_are_not_loaded(resource_type: str, aborted: bool) -> None:
    assert skip_heavy_resources(_BrowserRequest(resource_type)) is aborted  # type: ignore[arg-type]


# -- the browser executable -----------------------------------------------------------------


def test_missing_browser_stops_before_any_request(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(
        UpworkSpider,
        {"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": "/nonexistent/chromium"}},
    )
    with pytest.raises(CloseSpider) as stop:
        started(spider)
    assert stop.value.reason == "browser_missing"
    (line,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "/nonexistent/chromium" in line.getMessage()
    assert "apt-get install chromium" in line.getMessage()
    assert "PLAYWRIGHT_CHROMIUM" in line.getMessage()


@pytest.mark.parametrize(
    "settings",
    [
        {"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": sys.executable}},  # exists
        {
            "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": "/nonexistent/chromium"},
            "RECORDINGS_REPLAY": True,  # replay needs no browser
        },
        {
            "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": "/nonexistent/chromium"},
            "PLAYWRIGHT_CDP_URL": "http://127.0.0.1:9222",  # a remote browser
        },
    ],
)
def test_browser_check_passes(settings: dict[str, Any]) -> None:
    assert len(started(make_spider(UpworkSpider, settings))) == 1


# -- bad pages ------------------------------------------------------------------------------


def test_challenge_page_is_blocked_and_stops_the_spider() -> None:
    spider = make_spider(UpworkSpider)
    response = fixture_response("upwork/cloudflare_challenge.html", page_url(1))
    with pytest.raises(CloseSpider) as stop:
        parse(spider, response)
    assert stop.value.reason == "blocked"
    assert stat(spider, "outsourcing/blocked/upwork") == 1
    assert stat(spider, f"{ERRORS}no_tiles") is None


def test_challenge_page_with_403_status_is_blocked_via_the_errback() -> None:
    spider = make_spider(UpworkSpider)
    response = fixture_response("upwork/cloudflare_challenge.html", page_url(1), status=403)
    with pytest.raises(CloseSpider):
        spider.on_request_error(failure(response))
    assert stat(spider, "outsourcing/blocked/upwork") == 1


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("upwork/js_shell.html", "no_tiles"),  # the page before JavaScript ran
        ("upwork/changed_markup.html", "no_tiles"),  # renamed tiles
        ("upwork/empty_results.html", "no_results"),  # every recent job cannot be none
    ],
)
def test_page_without_tiles_is_a_parse_error(fixture: str, kind: str) -> None:
    spider = make_spider(UpworkSpider)
    items, requests = parse(spider, fixture_response(fixture, page_url(1)))
    assert (items, requests) == ([], [])
    assert stat(spider, f"{ERRORS}{kind}") == 1
    assert stat(spider, "outsourcing/blocked/upwork") is None


def test_no_results_for_a_query_ends_quietly() -> None:
    spider = make_spider(UpworkSpider, q="cobol mainframe haiku")
    response = fixture_response("upwork/empty_results.html", f"{SEARCH}?q=x&sort=recency&page=1")
    assert parse(spider, response) == ([], [])
    assert stat(spider, f"{ERRORS}no_tiles") is None
    assert stat(spider, f"{ERRORS}no_results") is None


def test_tile_without_any_id_is_counted_and_skipped() -> None:
    spider = make_spider(UpworkSpider)
    items, requests = parse(spider, fixture_response("upwork/partly_broken.html", page_url(1)))
    assert [item.external_id for item in items] == ["1862402219870085120"]
    assert stat(spider, f"{ERRORS}tile_missing_id") == 1
    assert (items[0].budget_min, items[0].budget_max, items[0].budget_type) == (15, 15, "hourly")
    assert len(requests) == 1


def test_truncated_page_yields_what_parsed() -> None:
    body = recording(page_url(1)).body_path.read_bytes()
    cut = body[: body.index(b"Senior DevOps engineer")]
    spider = make_spider(UpworkSpider)
    response = TextResponse(
        page_url(1), body=cut, encoding="utf-8", headers={"Date": "Sun, 29 Nov 2026 03:00:00 GMT"}
    )
    items, _ = parse(spider, response)
    assert [item.external_id for item in items] == [
        "1862504321985220608",
        "1862498877305745408",
        "1862490164410769152",
    ]
    assert items[2].title is None
    assert stat(spider, f"{ERRORS}tile_missing_title") == 1


def test_non_html_response_is_a_parse_error() -> None:
    spider = make_spider(UpworkSpider)
    response = Response(page_url(1), body=b"\x89PNG\r\n", request=Request(page_url(1)))
    assert parse(spider, response) == ([], [])
    assert stat(spider, f"{ERRORS}not_html") == 1


# -- failures -------------------------------------------------------------------------------


def test_browser_timeout_is_retried_once_then_counted() -> None:
    spider = make_spider(UpworkSpider)
    (request,) = started(spider)
    timeout = PlaywrightTimeoutError("Page.wait_for_selector: Timeout 20000ms exceeded.")
    (retry,) = spider.on_request_error(failure(timeout, request)) or []
    assert retry.url == request.url
    assert retry.dont_filter
    assert retry.meta["playwright"] is True
    assert stat(spider, f"{ERRORS}browser_timeout") is None
    assert spider.on_request_error(failure(timeout, retry)) is None
    assert stat(spider, f"{ERRORS}browser_timeout") == 1
    assert stat(spider, "retry/reason_count/browser_timeout") == 1
    assert stat(spider, "retry/max_reached") == 1


def test_other_failures_are_counted_as_the_base_does() -> None:
    spider = make_spider(UpworkSpider)
    (request,) = started(spider)
    assert spider.on_request_error(failure(DownloadTimeoutError(), request)) is None
    assert stat(spider, f"{ERRORS}timeout") == 1


# -- arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "many", ""])
def test_bad_max_pages(value: str) -> None:
    with pytest.raises(SpiderArgumentError, match=r"max_pages=.*positive integer"):
        make_spider(UpworkSpider, max_pages=value)


def test_arguments_are_converted() -> None:
    spider = make_spider(UpworkSpider, max_pages="3", q="react")
    assert (spider.max_pages, spider.q) == (3, "react")
    assert (UpworkSpider.max_pages, UpworkSpider.q) == (5, "")


@pytest.fixture(scope="module")
def mixed() -> tuple[UpworkSpider, dict[str, ProjectItem]]:
    spider = make_spider(UpworkSpider)
    response = fixture_response("upwork/mixed_markup.html", page_url(1))
    items, _ = parse(spider, response)
    return spider, {item.external_id: item for item in items}


@pytest.mark.parametrize(
    ("external_id", "url"),
    [
        ("1862402219870085120", "WordPress-WooCommerce-checkout-fix_~021862402219870085120/"),
        ("1862402219870085121", "Scrapy-spider-for-a-catalogue_~021862402219870085121/"),
        ("0140bb5e77c2e9d1a4", "Logo-redesign_~0140bb5e77c2e9d1a4"),
        ("1862402219870085122", "~1862402219870085122"),  # no job link shown: built from the id
    ],
)
def test_page_mixing_tile_markups_yields_every_tile_with_its_own_link(
    mixed: tuple[UpworkSpider, dict[str, ProjectItem]], external_id: str, url: str
) -> None:
    assert mixed[1][external_id].url == f"https://www.upwork.com/jobs/{url}"


def test_mixed_page_yields_each_tile_once_and_counts_the_built_link(
    mixed: tuple[UpworkSpider, dict[str, ProjectItem]],
) -> None:
    spider, items = mixed
    assert len(items) == 4
    assert stat(spider, "outsourcing/built_links/upwork") == 1
