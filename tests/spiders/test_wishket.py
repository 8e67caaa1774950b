"""The wishket spider over its recorded site, the real sample cards and one-off bad pages."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from itemadapter import ItemAdapter
from lxml import html as lxml_html
from scrapy import Request
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse
from scrapy.selector import Selector

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.lz_string import compress_to_base64
from outsourcing_crawler.normalisers import SEOUL
from outsourcing_crawler.pipelines import problem
from outsourcing_crawler.spiders.wishket import WishketSpider
from outsourcing_crawler.spiders.wishket_pages import conditions
from tests.support import (
    FIXTURES,
    answer,
    argument_error,
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

# The list pages' Date header: Fri, 02 Oct 2026 08:59:00 GMT = 17:59 in Seoul.
LIST_FETCHED = datetime(2026, 10, 2, 17, 59, tzinfo=SEOUL)
ERRORS = "outsourcing/parse_errors/wishket/"
PAGE_ONE_IDS = [158921, 158917, 158912, 158908, 158903, 158892, 158890, 158880, 158871, 158857]
PAGE_TWO_IDS = [158850, 158843]
SAMPLE_CARDS = "wishket/wishket_cards.html"
SAMPLE_DETAIL = json.loads((FIXTURES / "wishket/wishket_detail_158857.json").read_text("utf-8"))


def list_url(query: str) -> str:
    return f"https://www.wishket.com/project/?d={quote(compress_to_base64(query), safe='')}"


PAGE_ONE = list_url("srt=new&ecd=True")
PAGE_TWO = list_url("srt=new&page=2&ecd=True")


def detail_url(project_id: int | str) -> str:
    return f"https://www.wishket.com/project/{project_id}/"


@pytest.fixture(scope="module")
def site() -> tuple[WishketSpider, list[ProjectItem], list[str]]:
    spider = make_spider(WishketSpider)
    return spider, *crawl(spider.list_request(spider.list_url(1), 1))


@pytest.fixture(scope="module")
def items(site: Any) -> dict[str, ProjectItem]:
    return items_by_id(site[1])


def invalid(item: ProjectItem) -> str | None:
    """Why the validation pipeline would drop the item, or None."""
    return problem(ItemAdapter(item).asdict())


def one(results: Iterable[Any]) -> ProjectItem:
    (item,) = items_of(results)
    return item


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


# -- arguments ------------------------------------------------------------------------------------


def filter_of(url: str) -> str:
    """The raw `d` value of a list URL (its LZString-compressed filter)."""
    (d,) = parse_qs(urlsplit(url).query)["d"]
    return d


async def first_request(spider: WishketSpider) -> Request:
    async for request in spider.start():
        return request
    raise AssertionError("no first request")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("pt", "both", ["pt", "task_based", "term_based"]),
        ("pt", "외주", ["pt", "task_based", "term_based"]),
        ("closed", "1", ["closed", "exclude", "include"]),
        ("closed", "yes", ["closed", "exclude", "include"]),
        ("max_pages", "0", ["max_pages", "positive integer"]),
        ("max_pages", "ten", ["max_pages", "positive integer"]),
    ],
)
def test_bad_argument_stops_the_spider(name: str, value: str, words: list[str]) -> None:
    message = argument_error(WishketSpider, **{name: value})
    assert all(word in message for word in words), message


@pytest.mark.parametrize(
    ("arguments", "query"),
    [
        ({}, "srt=new&ecd=True"),
        ({"pt": "task_based"}, "pt=task_based&srt=new&ecd=True"),
        ({"pt": "term_based", "closed": "include"}, "pt=term_based&srt=new"),
        ({"closed": "exclude"}, "srt=new&ecd=True"),
        ({"keyword": " 데이터  엔지니어 "}, "s=데이터 엔지니어&srt=new&ecd=True"),
        ({"keyword": "C++ & Qt=5"}, "s=C%2B%2B %26 Qt%3D5&srt=new&ecd=True"),
        ({"keyword": ""}, "srt=new&ecd=True"),
    ],
)
def test_arguments_make_the_filter(arguments: dict[str, str], query: str) -> None:
    spider = make_spider(WishketSpider, **arguments)
    assert spider.filter_query(1) == query
    assert spider.list_url(1) == list_url(query)


def test_filter_numbers_later_pages() -> None:
    spider = make_spider(WishketSpider, pt="task_based")
    assert spider.filter_query(3) == "pt=task_based&srt=new&page=3&ecd=True"


async def test_first_request_is_the_newest_open_projects() -> None:
    request = await first_request(make_spider(WishketSpider))
    assert request.url == PAGE_ONE
    assert filter_of(request.url) == "M4JwLgvAdgpg7gMhgYwCYQCogK4yA==="
    assert request.cb_kwargs == {"page": 1}
    assert request.errback is not None


def test_crawl_delay_of_robots_txt_is_kept() -> None:
    settings = WishketSpider.custom_settings
    assert settings["DOWNLOAD_DELAY"] >= 5
    assert settings["DOWNLOAD_DELAY_JITTER"] == 0  # the default ±50% goes down to 2.5 s
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert "Crawl-delay: 5" in recording("https://www.wishket.com/robots.txt").body_path.read_text()


# -- list pages and pagination --------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_one() -> tuple[WishketSpider, list[Any]]:
    spider = make_spider(WishketSpider)
    request = spider.list_request(PAGE_ONE, 1)
    return spider, answer(request)


def test_list_asks_one_detail_per_organic_card(page_one: Any) -> None:
    _, results = page_one
    details = [r for r in requests_of(results) if "?d=" not in r.url]
    assert [r.url for r in details] == [detail_url(i) for i in PAGE_ONE_IDS]
    assert all(r.errback is not None for r in details)
    assert all(isinstance(r.cb_kwargs["item"], ProjectItem) for r in details)
    assert not items_of(results)


def test_list_skips_the_ad_card(page_one: Any) -> None:
    spider, results = page_one
    assert stat(spider, "outsourcing/skipped/ad") == 1
    assert "business" not in " ".join(r.url for r in requests_of(results))
    assert not [k for k in spider.crawler.stats.get_stats() if k.startswith(ERRORS)]


def test_list_follows_the_numbered_next_page(page_one: Any) -> None:
    _, results = page_one
    (next_page,) = [r for r in requests_of(results) if "?d=" in r.url]
    assert next_page.url == PAGE_TWO
    assert next_page.cb_kwargs == {"page": 2}


def test_last_page_has_no_next_link() -> None:
    spider = make_spider(WishketSpider)
    results = answer(spider.list_request(PAGE_TWO, 2))
    assert [r.url for r in requests_of(results)] == [detail_url(i) for i in PAGE_TWO_IDS]


def test_list_stops_at_max_pages() -> None:
    spider = make_spider(WishketSpider, max_pages="1")
    results = answer(spider.list_request(PAGE_ONE, 1))
    assert len(requests_of(results)) == 10
    assert not [r for r in requests_of(results) if "?d=" in r.url]


def test_next_link_is_the_fallback_for_a_missing_number() -> None:
    spider = make_spider(WishketSpider)
    body = recording(PAGE_ONE).body_path.read_text("utf-8")
    # Only "다음" left in the pagination, pointing nowhere: the spider builds page 2 itself.
    start, end = body.index('<ul class="pagination">'), body.index("</ul>")
    body = (
        body[:start]
        + '<ul class="pagination"><li><a class="page-link" href="#">다음</a></li>'
        + body[end:]
    )
    response = HtmlResponse(PAGE_ONE, body=body, encoding="utf-8", request=Request(PAGE_ONE))
    (next_page,) = [r for r in requests_of(spider.parse(response, page=1)) if "?d=" in r.url]
    assert next_page.url == PAGE_TWO


def test_xhr_json_variant_gives_the_same_cards() -> None:
    spider = make_spider(WishketSpider)
    response = fixture_response(
        "wishket/list_xhr.json", PAGE_ONE, headers={"Content-Type": "application/json"}
    )
    results = list(spider.parse(response, page=1))
    assert [r.url for r in requests_of(results)] == [
        *[detail_url(i) for i in PAGE_ONE_IDS],
        PAGE_TWO,  # 12 projects in all: a second page of ten
    ]
    assert stat(spider, "outsourcing/skipped/ad") == 1


# -- the real sample cards ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_cards() -> dict[str, ProjectItem]:
    spider = make_spider(WishketSpider)
    response = fixture_response(
        SAMPLE_CARDS, PAGE_ONE, headers={"Date": "Fri, 02 Oct 2026 08:59:00 GMT"}
    )
    cards = Selector(response).css("div.project-info-box")
    found = [spider.card_item(response, card) for card in cards]
    return {item.external_id: item for item in found if item is not None}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", "https://www.wishket.com/project/157463/"),
        ("title", "Databricks 기반 데이터 플랫폼 구축 데이터 엔지니어"),
        ("status", "open"),
        ("budget_min", 7_000_000),
        ("budget_max", 7_000_000),
        ("currency", "KRW"),
        ("budget_type", "monthly"),
        ("duration_days", 300),
        ("category", "데이터 엔지니어"),
        ("work_type", "onsite"),
        ("location", "서울특별시 강남구"),
        ("posted_at", datetime(2026, 8, 5, tzinfo=SEOUL)),
        ("deadline", LIST_FETCHED + timedelta(weeks=2, days=2)),
        ("applicants", 0),
        ("platform", "wishket"),
    ],
)
def test_sample_term_card(sample_cards: dict[str, ProjectItem], field: str, value: Any) -> None:
    assert getattr(sample_cards["157463"], field) == value


def test_sample_skill_chip_drops_the_experience(sample_cards: dict[str, ProjectItem]) -> None:
    assert sample_cards["157463"].skills[0] == "Databricks"
    assert not [s for s in sample_cards["157463"].skills if "경력" in s]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("views", 2022),
        ("comments", 16),
        ("likes", 31),
        ("level", "시니어"),
        ("role", "데이터 엔지니어"),
        ("start", "즉시 시작"),
        ("project_type", "term_based"),
        ("client_rating", 3.7),
        ("client_verified", True),
        ("private_matching", False),
    ],
)
def test_sample_term_card_extra(sample_cards: dict[str, ProjectItem], key: str, value: Any) -> None:
    assert sample_cards["157463"].extra[key] == value


def test_sample_private_card_keeps_its_tooltip_out(sample_cards: dict[str, ProjectItem]) -> None:
    item = sample_cards["158092"]
    assert item.title == "Flutter 기반 프라이빗 프로젝트"
    assert item.status == "open"
    assert item.extra["private_matching"] is True
    assert item.extra["new"] is True
    text = json.dumps(asdict(item), default=str, ensure_ascii=False)
    assert "PRIME" not in text
    assert "비공개 프로젝트입니다" not in text


def test_sample_private_card_parses_no_invented_fields(
    sample_cards: dict[str, ProjectItem],
) -> None:
    item = sample_cards["158092"]
    assert (item.budget_type, item.budget_min, item.currency, item.work_type) == (
        None,
        None,
        None,
        None,
    )
    assert item.skills == ["Flutter"]  # named in the title


def test_sample_client_name_is_not_kept(sample_cards: dict[str, ProjectItem]) -> None:
    assert "to******" not in json.dumps(asdict(sample_cards["157463"]), default=str)


# -- the crawl over the recorded site -------------------------------------------------------------


def test_crawl_yields_every_organic_posting_once(site: Any) -> None:
    _, found, urls = site
    assert sorted(item.external_id for item in found) == sorted(
        str(i) for i in PAGE_ONE_IDS + PAGE_TWO_IDS
    )
    assert urls[:1] == [PAGE_ONE]
    assert PAGE_TWO in urls


def test_crawl_reports_nothing_wrong(site: Any) -> None:
    spider = site[0]
    assert not [k for k in spider.crawler.stats.get_stats() if k.startswith(ERRORS)]


def test_every_item_passes_validation(site: Any) -> None:
    for item in site[1]:
        assert invalid(item) is None, (item.external_id, invalid(item))


def test_no_client_identifier_leaks(site: Any) -> None:
    for item in site[1]:
        assert "******" not in json.dumps(asdict(item), default=str, ensure_ascii=False)


def test_every_item_is_dated_from_its_detail_page(site: Any) -> None:
    for item in site[1]:
        page = recording(item.url).headers["Date"][0]
        assert item.scraped_at == parsedate_to_datetime(page), item.external_id


@pytest.mark.parametrize(
    ("project", "budget_min", "budget_max", "currency", "budget_type"),
    [
        ("158921", 18_000_000, 18_000_000, "KRW", "fixed"),  # 예상 금액
        ("158857", 350_000, 350_000, "KRW", "fixed"),
        ("158917", 8_500_000, 8_500_000, "KRW", "monthly"),  # 월 금액 ... /월
        ("158890", 7_500_000, 7_500_000, "KRW", "monthly"),
        ("158908", None, None, None, "negotiable"),  # 협의 후 결정
        ("158843", None, None, None, "negotiable"),  # a term posting, negotiated
    ],
)
def test_budget(
    items: dict[str, ProjectItem],
    project: str,
    budget_min: int | None,
    budget_max: int | None,
    currency: str | None,
    budget_type: str,
) -> None:
    item = items[project]
    assert (item.budget_min, item.budget_max, item.currency, item.budget_type) == (
        budget_min,
        budget_max,
        currency,
        budget_type,
    )


@pytest.mark.parametrize(
    ("project", "work_type"),
    [
        ("158921", "remote"),  # 외주
        ("158857", "remote"),
        ("158917", "onsite"),  # 기간제, "[상주]"
        ("158890", "onsite"),  # 기간제, nothing said
        ("158912", "remote"),  # 기간제 with "[재택]" in the title
        ("158843", "onsite"),
    ],
)
def test_work_type(items: dict[str, ProjectItem], project: str, work_type: str) -> None:
    assert items[project].work_type == work_type


@pytest.mark.parametrize(
    ("project", "status"),
    [
        ("158921", "open"),
        ("158903", "closed"),  # the card said 모집 중; its own page now says 모집 마감
        ("158880", "open"),
    ],
)
def test_status_from_the_badge(items: dict[str, ProjectItem], project: str, status: str) -> None:
    assert items[project].status == status


@pytest.mark.parametrize(
    ("project", "deadline"),
    [
        # 모집 마감일 on the page: the end of that day in Seoul.
        ("158857", seoul(2026, 10, 8, 23, 59, 59)),
        ("158903", seoul(2026, 10, 2, 23, 59, 59)),
        ("158917", seoul(2026, 10, 9, 23, 59, 59)),
        # No 모집 마감일 and no JSON-LD: the card's "마감 4일 6시간 전" from the list's fetch time.
        ("158892", LIST_FETCHED + timedelta(days=4, hours=6)),
        # Login-hidden page: the card's "마감 2주 전".
        ("158880", LIST_FETCHED + timedelta(weeks=2)),
    ],
)
def test_deadline(items: dict[str, ProjectItem], project: str, deadline: datetime) -> None:
    assert items[project].deadline == deadline


@pytest.mark.parametrize(
    ("project", "posted_at"),
    [
        ("158857", seoul(2026, 10, 2)),
        ("158903", seoul(2026, 9, 25)),
        ("158843", seoul(2026, 9, 29)),
    ],
)
def test_posted_at(items: dict[str, ProjectItem], project: str, posted_at: datetime) -> None:
    assert items[project].posted_at == posted_at


@pytest.mark.parametrize(
    ("project", "applicants", "duration_days"),
    [
        ("158857", 7, 3),
        ("158908", 0, 90),  # 지원자 없음
        ("158917", 12, 180),
        ("158892", 2, None),  # no 예상 기간 on card or page
    ],
)
def test_applicants_and_duration(
    items: dict[str, ProjectItem], project: str, applicants: int, duration_days: int | None
) -> None:
    assert (items[project].applicants, items[project].duration_days) == (applicants, duration_days)


@pytest.mark.parametrize(
    ("project", "category", "location"),
    [
        ("158857", "개발 / 웹 / 네트워크ㆍ서버 운영", "서울특별시 영등포구"),
        ("158921", "개발 / 애플리케이션 / iOS / Android", "서울특별시 성동구"),
        ("158917", "개발 / 웹 / 금융", "서울특별시 중구"),
        ("158892", "디자인 / 웹", None),  # the card and page name no location
    ],
)
def test_category_and_location(
    items: dict[str, ProjectItem], project: str, category: str, location: str | None
) -> None:
    assert (items[project].category, items[project].location) == (category, location)


@pytest.mark.parametrize(
    ("project", "skills"),
    [
        ("158857", ["ASP.NET", "C#", "MSSQL", ".NET", "Windows Server"]),
        ("158917", ["Java", "Spring Boot", "Oracle"]),
        ("158912", ["Vue.js", "TypeScript"]),
    ],
)
def test_skills_from_chips_then_page(
    items: dict[str, ProjectItem], project: str, skills: list[str]
) -> None:
    found = items[project].skills
    assert found[: len(skills)] == skills, found
    assert len(found) == len({s.casefold() for s in found})


def test_skills_of_a_card_without_chips_come_from_the_text(items: dict[str, ProjectItem]) -> None:
    assert items["158892"].skills == []  # "랜딩페이지 퍼블리싱" names no technology


def test_description_from_the_page(items: dict[str, ProjectItem]) -> None:
    description = items["158857"].description
    assert description is not None
    assert description.startswith("[프로젝트 개요]\n운영 중인 ASP.NET 웹 서비스")
    assert "- 관리자 페이지 SQL Injection 취약점 조치" in description.splitlines()
    assert "<p>" not in description


def test_description_falls_back_to_json_ld(items: dict[str, ProjectItem]) -> None:
    # 158890's page has no description box; its JSON-LD JobPosting has the text.
    description = items["158890"].description
    assert description is not None
    assert description.splitlines()[:2] == [
        "[업무 내용]",
        "LLM 학습용 데이터 수집/정제 파이프라인을 Airflow로 구축합니다.",
    ]


def test_login_hidden_page_keeps_the_card(items: dict[str, ProjectItem]) -> None:
    item = items["158880"]
    assert item.description is None
    assert item.extra["details_hidden"] is True
    assert item.extra["private_matching"] is True
    assert (item.budget_min, item.budget_type, item.duration_days) == (25_000_000, "fixed", 120)
    assert item.title == "Flutter 기반 B2B 주문 관리 앱 고도화"
    for found in items.values():
        assert "로그인하고" not in (found.description or "")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("views", 198),
        ("comments", 1),
        ("likes", 4),
        ("project_type", "task_based"),
        ("client_rating", 4.0),
        ("client_verified", True),
        ("private_matching", False),
        ("new", True),
        ("start", "계약 체결 이후, 즉시 시작"),
        ("progress", "운영 중인 서비스의 리뉴얼 또는 유지보수를 하려 합니다."),
        ("planning", "필요한 내용을 간단히 정리한 상태"),
        ("client_experience", "IT 프로젝트 관리 경험 있음"),
        ("collaborators", "클라이언트 측 백엔드 개발자 1인"),
        ("priority", "[1순위] 금액"),
        ("meeting", "온라인 (화상, 전화미팅 등)"),
        ("client_projects", 9),
        ("client_paid_total", 3_600_000),
    ],
)
def test_extra(items: dict[str, ProjectItem], key: str, value: Any) -> None:
    assert items["158857"].extra[key] == value


def test_client_without_payments_has_paid_nothing(items: dict[str, ProjectItem]) -> None:
    assert items["158908"].extra.get("client_paid_total") in (None, 0)


def test_extra_of_a_term_posting(items: dict[str, ProjectItem]) -> None:
    extra = items["158917"].extra
    assert (extra["role"], extra["level"], extra["start"], extra["project_type"]) == (
        "백엔드 개발자",
        "시니어",
        "2026.10.19.",
        "term_based",
    )
    assert extra["work_hours"] == "09:00 ~ 18:00 (주 5일)"
    assert extra["views"] == 1204


def test_extra_is_json_serialisable(items: dict[str, ProjectItem]) -> None:
    # Feeds and the database keep `extra` as JSON: it must come back as the spider gave it.
    extras = [item.extra for item in items.values()]
    assert extras
    assert [json.loads(json.dumps(extra, ensure_ascii=False)) for extra in extras] == extras


# -- the detail page on its own -------------------------------------------------------------------


def test_detail_reproduces_the_real_sample_texts() -> None:
    response = recording(detail_url(158857)).response()
    assert conditions(response) == SAMPLE_DETAIL["fields"]
    title = response.css(".project-content-title")
    assert title.css("h1::text").get() == SAMPLE_DETAIL["title"]
    assert (
        " ".join(title.css(".project-recruit-guide::text").get().split())
        == (SAMPLE_DETAIL["registeredText"])
    )
    marks = [" ".join(m.xpath("./text()").getall()).strip() for m in title.css(".status-mark")]
    assert marks == SAMPLE_DETAIL["statusMarks"]
    groups = [
        w.css("::text").getall()
        for w in response.css(".project-classification .project-category .category-wrapper")
    ]
    assert groups == SAMPLE_DETAIL["categoryGroups"]
    assert (
        response.css(".condition-accent::text").get() == SAMPLE_DETAIL["fieldNotes"]["모집 마감일"]
    )


def test_detail_without_the_card_makes_an_item() -> None:
    # What `scrapy check` does: the detail page alone.
    spider = make_spider(WishketSpider)
    item = one(spider.parse_detail(recording(detail_url(158857)).response()))
    assert (item.external_id, item.url, item.title) == (
        "158857",
        detail_url(158857),
        ".NET 기반 기능 수정 및 보안 개발",
    )
    assert (item.budget_min, item.budget_type, item.duration_days, item.applicants) == (
        350_000,
        "fixed",
        3,
        7,
    )
    assert (item.status, item.work_type, item.location) == ("open", "remote", "서울특별시 영등포구")
    assert item.deadline == seoul(2026, 10, 8, 23, 59, 59)
    assert item.posted_at == seoul(2026, 10, 2)
    assert invalid(item) is None


def test_detail_without_the_card_reads_a_monthly_budget() -> None:
    spider = make_spider(WishketSpider)
    item = one(spider.parse_detail(recording(detail_url(158917)).response()))
    assert (item.budget_min, item.budget_type, item.work_type) == (8_500_000, "monthly", "onsite")


def detail_without(project: int, *classes: str, replace: tuple[str, str] = ("", "")) -> Any:
    """A recorded detail page with the elements of the given classes taken out."""
    recorded = recording(detail_url(project))
    body = recorded.body_path.read_text("utf-8").replace(*replace)
    tree = lxml_html.fromstring(body)
    for name in classes:
        for node in tree.xpath(f"//*[contains(concat(' ', @class, ' '), ' {name} ')]"):
            node.getparent().remove(node)
    html = lxml_html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
    url = detail_url(project)
    headers = {"Date": recorded.headers["Date"]}
    return HtmlResponse(url, body=html, encoding="utf-8", headers=headers, request=Request(url))


PAGE_TEXTS = (
    "project-condition-box",
    "project-detail-condition",
    "project-description-layer",
    "project-recruit-guide",
    "project-content-title",
)


@pytest.mark.parametrize(
    ("project", "budget"),
    [
        (158857, (350_000, 350_000, "KRW", "fixed")),  # MonetaryAmount of a project
        (158917, (8_500_000, 8_500_000, "KRW", "monthly")),  # unitText MONTH
        (158850, (9_000_000, 9_000_000, "KRW", "fixed")),  # "900만원 (부가세 별도)"
    ],
)
def test_json_ld_budget_is_the_fallback(project: int, budget: tuple[Any, ...]) -> None:
    spider = make_spider(WishketSpider)
    item = one(spider.parse_detail(detail_without(project, *PAGE_TEXTS)))
    assert (item.budget_min, item.budget_max, item.currency, item.budget_type) == budget


def test_json_ld_fills_what_the_page_does_not_say() -> None:
    spider = make_spider(WishketSpider)
    item = one(spider.parse_detail(detail_without(158857, *PAGE_TEXTS)))
    assert item.title == ".NET 기반 기능 수정 및 보안 개발"
    assert item.deadline == seoul(2026, 10, 8, 23, 59)  # validThrough 2026-10-08T23:59
    assert item.posted_at == seoul(2026, 10, 2)  # datePosted
    assert item.description is not None
    assert item.description.startswith("[프로젝트 개요]\n운영 중인 ASP.NET 웹 서비스")
    assert invalid(item) is None


def test_labelled_fields_beat_json_ld() -> None:
    spider = make_spider(WishketSpider)
    response = detail_without(
        158857, replace=('"validThrough": "2026-10-08T23:59"', '"validThrough": "2026-12-31"')
    )
    item = one(spider.parse_detail(response))
    assert item.deadline == seoul(2026, 10, 8, 23, 59, 59)  # 모집 마감일 2026년 10월 08일


def test_page_without_deadline_uses_its_relative_note() -> None:
    # Neither 모집 마감일 nor JSON-LD, no card: the "마감 6일 5시간 전" next to the label.
    spider = make_spider(WishketSpider)
    response = detail_without(
        158857,
        "project-condition-box",
        replace=('<p class="condition-label body-2 text500">모집 마감일</p>', ""),
    )
    body = response.text
    start = body.index('<script type="application/ld+json">')
    body = body[:start] + body[body.index("</script>", start) + len("</script>") :]
    response = response.replace(body=body.encode("utf-8"))
    item = one(spider.parse_detail(response))
    fetched = datetime(2026, 10, 2, 18, 0, 50, tzinfo=SEOUL)  # the page's Date header
    assert item.deadline == fetched + timedelta(days=6, hours=5)


def test_login_hidden_page_ignores_json_ld_text(cards: dict[str, ProjectItem]) -> None:
    # Hidden behind login means no description, even where a JSON-LD block carries text.
    posting = {"@type": "JobPosting", "title": "x", "description": "공개 요약 설명입니다."}
    script = f'<script type="application/ld+json">{json.dumps(posting)}</script></head>'
    response = detail_without(158880, replace=("</head>", script))
    item = one(make_spider(WishketSpider).parse_detail(response, item=cards["158880"]))
    assert item.description is None
    assert item.extra["details_hidden"] is True


# -- bad responses --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cards(page_one: Any) -> dict[str, ProjectItem]:
    """The items as the list cards left them, for the detail callbacks below."""
    items = [request.cb_kwargs.get("item") for request in requests_of(page_one[1])]
    return {item.external_id: item for item in items if item is not None}


def test_challenge_list_page_is_blocked_not_parsed() -> None:
    spider = make_spider(WishketSpider)
    response = fixture_response("wishket/challenge.html", PAGE_ONE, status=200)
    with pytest.raises(CloseSpider) as closed:
        list(spider.parse(response, page=1))
    assert closed.value.reason == "blocked"
    assert stat(spider, "outsourcing/blocked/wishket") == 1


def test_challenge_detail_page_keeps_the_card_then_stops(cards: dict[str, ProjectItem]) -> None:
    spider = make_spider(WishketSpider)
    card = cards["158857"]
    response = fixture_response("wishket/challenge.html", detail_url(158857), status=403)
    results = spider.parse_detail(response, item=card)
    assert next(results) is card
    with pytest.raises(CloseSpider):
        next(results)
    assert stat(spider, "outsourcing/blocked/wishket") == 1


def test_changed_list_markup_is_a_parse_error() -> None:
    spider = make_spider(WishketSpider)
    response = fixture_response("wishket/list_changed_markup.html", PAGE_ONE)
    assert list(spider.parse(response, page=1)) == []
    assert stat(spider, ERRORS + "no_cards") == 1


def test_renamed_card_section_is_a_parse_error_not_ten_ads() -> None:
    spider = make_spider(WishketSpider)
    response = fixture_response("wishket/list_renamed_section.html", PAGE_ONE)
    results = list(spider.parse(response, page=1))
    assert [r.url for r in requests_of(results)] == [PAGE_TWO]
    assert stat(spider, ERRORS + "no_organic_cards") == 1


def test_empty_result_page_is_not_an_error() -> None:
    spider = make_spider(WishketSpider, keyword="존재하지않는키워드")
    response = fixture_response("wishket/list_empty.html", spider.list_url(1))
    assert list(spider.parse(response, page=1)) == []
    assert not [k for k in spider.crawler.stats.get_stats() if k.startswith(ERRORS)]


def test_truncated_list_page_is_counted_and_parsed_for_what_it_has() -> None:
    spider = make_spider(WishketSpider)
    response = fixture_response("wishket/list_truncated.html", PAGE_ONE)
    results = list(spider.parse(response, page=1))
    # Three whole cards and the link of the fourth; no pagination survived.
    assert [r.url for r in requests_of(results)] == [
        detail_url(i) for i in (158921, 158917, 158912, 158908)
    ]
    assert stat(spider, ERRORS + "truncated_html") == 1


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"{}", "missing_key_result"),
        (b'{"result": null, "count": 3}', "missing_key_result"),
        (b'{"result": "<div>', "not_json"),
        (b"[1, 2]", "missing_key_result"),
    ],
)
def test_bad_json_list_is_a_parse_error(body: bytes, kind: str) -> None:
    spider = make_spider(WishketSpider)
    response = HtmlResponse(PAGE_ONE, body=body, request=Request(PAGE_ONE))
    assert list(spider.parse(response, page=1)) == []
    assert stat(spider, ERRORS + kind) == 1


def test_empty_json_search_is_an_empty_page() -> None:
    spider = make_spider(WishketSpider, keyword="존재하지않는키워드")
    url = spider.list_url(1)
    response = HtmlResponse(url, body=b'{"result": "", "count": 0}', request=Request(url))
    assert list(spider.parse(response, page=1)) == []
    assert not [k for k in spider.crawler.stats.get_stats() if k.startswith(ERRORS)]


@pytest.mark.parametrize("fixture", ["wishket/list_empty.html", "wishket/list_empty.json"])
def test_empty_list_without_a_search_is_a_parse_error(fixture: str) -> None:
    # wishket always has open projects: nothing at all is a broken listing, not a quiet day.
    spider = make_spider(WishketSpider)
    assert list(spider.parse(fixture_response(fixture, PAGE_ONE), page=1)) == []
    assert stat(spider, ERRORS + "no_projects") == 1


def test_changed_detail_markup_keeps_the_card(cards: dict[str, ProjectItem]) -> None:
    spider = make_spider(WishketSpider)
    card = cards["158857"]
    response = fixture_response("wishket/detail_changed_markup.html", detail_url(158857))
    item = one(spider.parse_detail(response, item=card))
    assert item is card
    assert item.description is None
    assert stat(spider, ERRORS + "detail_no_content") == 1


def test_login_wall_keeps_the_card_without_error(cards: dict[str, ProjectItem]) -> None:
    spider = make_spider(WishketSpider)
    card = cards["158857"]
    response = fixture_response("wishket/detail_login_wall.html", detail_url(158857))
    item = one(spider.parse_detail(response, item=card))
    assert item.description is None
    assert item.extra["details_hidden"] is True
    assert (item.title, item.budget_min) == (card.title, card.budget_min)
    assert not [k for k in spider.crawler.stats.get_stats() if k.startswith(ERRORS)]


def test_login_wall_with_a_recaptcha_is_no_block(cards: dict[str, ProjectItem]) -> None:
    spider = make_spider(WishketSpider)
    response = fixture_response("wishket/detail_login_wall.html", detail_url(158857))
    widget = '<div class="g-recaptcha" data-sitekey="6Lc_site_key"></div><button type="submit"'
    response = response.replace(
        body=response.body.replace(b'<button type="submit"', widget.encode())
    )
    assert b"g-recaptcha" in response.body
    item = one(spider.parse_detail(response, item=cards["158857"]))
    assert item.extra["details_hidden"] is True
    assert stat(spider, "outsourcing/blocked/wishket") is None


def test_project_page_with_block_words_is_no_block(cards: dict[str, ProjectItem]) -> None:
    # A description about access errors and a captcha'd comment form are still the project.
    words = '<p>Access Denied 오류 수정</p><div class="g-recaptcha"></div></body>'
    response = detail_without(158857, replace=("</body>", words))
    spider = make_spider(WishketSpider)
    item = one(spider.parse_detail(response, item=cards["158857"]))
    assert item.description is not None
    assert stat(spider, "outsourcing/blocked/wishket") is None


def test_truncated_detail_is_counted_and_kept(cards: dict[str, ProjectItem]) -> None:
    spider = make_spider(WishketSpider)
    card = cards["158857"]
    response = fixture_response("wishket/detail_truncated.html", detail_url(158857))
    item = one(spider.parse_detail(response, item=card))
    assert stat(spider, ERRORS + "truncated_html") == 1
    assert item.deadline == seoul(2026, 10, 8, 23, 59, 59)
    assert item.description is not None
    assert item.description.endswith("세션 타임아웃 적용")


def test_broken_json_ld_is_counted_and_the_page_still_read(
    cards: dict[str, ProjectItem], items: dict[str, ProjectItem]
) -> None:
    spider = make_spider(WishketSpider)
    card = cards["158857"]
    response = fixture_response("wishket/detail_bad_json_ld.html", detail_url(158857))
    item = one(spider.parse_detail(response, item=card))
    assert stat(spider, ERRORS + "bad_json_ld") == 1
    assert item.description == items["158857"].description


def test_failed_detail_request_keeps_the_card(cards: dict[str, ProjectItem]) -> None:
    spider = make_spider(WishketSpider)
    card = cards["158857"]
    request = spider.card_detail_request(card)
    response = HtmlResponse(request.url, status=500, body=b"<html>oops</html>", request=request)
    assert list(request.errback(failure(response, request))) == [card]
    assert stat(spider, ERRORS + "http_500") == 1


def counted(spider: WishketSpider) -> set[str]:
    """What the spider counted: parse errors by kind, "blocked", "skipped/<why>"."""
    keys = spider.crawler.stats.get_stats()
    return {
        key.removeprefix(ERRORS).replace("blocked/wishket", "blocked").removeprefix("outsourcing/")
        for key in keys
        if key.startswith((ERRORS, "outsourcing/blocked/", "outsourcing/skipped/"))
    }


@pytest.mark.parametrize(
    ("fixture", "callback", "outputs", "counts"),
    [
        ("list_changed_markup.html", "parse", 0, {"no_cards"}),
        ("list_changed_markup.html", "parse_detail", 0, {"detail_no_content"}),
        ("list_truncated.html", "parse", 4, {"truncated_html", "skipped/ad"}),
        ("list_truncated.html", "parse_detail", 0, {"truncated_html", "detail_no_content"}),
        ("list_empty.html", "parse", 0, {"no_projects"}),
        ("list_empty.html", "parse_detail", 0, {"detail_no_content"}),
        ("challenge.html", "parse", 0, {"blocked"}),
        ("challenge.html", "parse_detail", 0, {"blocked"}),
        ("detail_changed_markup.html", "parse", 0, {"no_cards"}),
        ("detail_changed_markup.html", "parse_detail", 0, {"detail_no_content"}),
        ("detail_truncated.html", "parse", 0, {"truncated_html", "no_cards"}),
        ("detail_truncated.html", "parse_detail", 1, {"truncated_html"}),
        ("detail_login_wall.html", "parse", 0, {"no_cards"}),
        # A login wall where no card came first: nothing to keep, and nothing wrong.
        ("detail_login_wall.html", "parse_detail", 0, set()),
        ("list_xhr.json", "parse", 11, {"skipped/ad"}),
        ("list_xhr.json", "parse_detail", 0, {"not_html"}),
    ],
)
def test_no_page_crashes_either_callback(
    fixture: str, callback: str, outputs: int, counts: set[str]
) -> None:
    # Whatever page a callback gets, it yields valid items and requests, and counts what
    # it could not read.
    spider = make_spider(WishketSpider, settings={"BLOCKED_PAGES_LIMIT": 100})
    url = detail_url(158857) if callback == "parse_detail" else PAGE_ONE
    results = list(getattr(spider, callback)(fixture_response(f"wishket/{fixture}", url)))
    assert len(results) == outputs
    assert all(isinstance(result, ProjectItem | Request) for result in results)
    assert [invalid(item) for item in items_of(results)] == [None] * len(items_of(results))
    assert counted(spider) == counts


@pytest.mark.parametrize("cut", [0, 1, 100, 2_000, 5_000, 9_000])
def test_any_cut_of_a_detail_page_is_survived(cut: int) -> None:
    spider = make_spider(WishketSpider)
    body = recording(detail_url(158921)).body_path.read_bytes()[:cut]
    response = HtmlResponse(detail_url(158921), body=body, encoding="utf-8")
    for result in spider.parse_detail(response):
        assert invalid(result) is None


def test_detail_without_the_card_keeps_the_canonical_link_it_shows() -> None:
    spider = make_spider(WishketSpider)
    response = recording(detail_url(158857)).response()
    response = response.replace(url=f"{detail_url(158857)}?utm_source=newsletter")
    item = one(spider.parse_detail(response))
    assert item.url == "https://www.wishket.com/project/158857/"
    assert stat(spider, "outsourcing/built_links/wishket") is None


def test_detail_without_a_canonical_link_builds_one_and_counts_it() -> None:
    spider = make_spider(WishketSpider)
    canonical = '<link rel="canonical" href="https://www.wishket.com/project/158857/">'
    item = one(spider.parse_detail(detail_without(158857, replace=(canonical, ""))))
    assert item.url == detail_url(158857)
    assert stat(spider, "outsourcing/built_links/wishket") == 1
