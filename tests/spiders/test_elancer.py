"""elancer: sitemap -> project pages with JSON-LD -> ProjectItems, and every bad response."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from scrapy import Request
from scrapy.exceptions import CloseSpider
from scrapy.http import Response

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import SEOUL, find_personal_data
from outsourcing_crawler.spiders.base import SpiderArgumentError
from outsourcing_crawler.spiders.elancer import ElancerSpider
from tests.support import (
    FIXTURES,
    failure,
    fixture_response,
    make_spider,
    recorded_response,
    requests_of,
    started,
    stat,
)

SITE = "https://www.elancer.co.kr"
SITEMAP = f"{SITE}/sitemap.xml"
ERRORS = "outsourcing/parse_errors/elancer/"
RECORDED_IDS = ["29741", "29738", "29735", "29730", "29722", "29715", "29702"]
# The clock is frozen far from the recordings' Date header: nothing may read it.
FROZEN = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
FETCHED = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # Date of the recordings


def page_url(project_id: str) -> str:
    return f"{SITE}/project_detail/{project_id}"


def run(callback: Any, response: Response) -> list[Any]:
    with time_machine.travel(FROZEN, tick=False):
        return list(callback(response, **response.request.cb_kwargs))


def sitemap_chain(spider: ElancerSpider) -> list[Request]:
    """Every request the recorded sitemap files lead to, following the index in order."""
    requests: list[Request] = []
    queue = started(spider)
    while queue:
        request = queue.pop(0)
        response = recorded_response(request.url, cb_kwargs=request.cb_kwargs)
        for out in requests_of(run(spider.parse_sitemap, response)):
            if out.callback == spider.parse_sitemap:
                queue.append(out)
            requests.append(out)
    return requests


def detail(spider: ElancerSpider, name: str, project_id: str = "29999") -> list[Any]:
    return run(spider.parse_project, fixture_response(f"elancer/{name}", page_url(project_id)))


@pytest.fixture(scope="module")
def parsed() -> tuple[ElancerSpider, dict[str, ProjectItem]]:
    spider = make_spider(ElancerSpider)
    items: dict[str, ProjectItem] = {}
    for project_id in RECORDED_IDS:
        [item] = run(spider.parse_project, recorded_response(page_url(project_id)))
        items[item.external_id] = item
    return spider, items


@pytest.fixture(scope="module")
def items(parsed: tuple[ElancerSpider, dict[str, ProjectItem]]) -> dict[str, ProjectItem]:
    return parsed[1]


# -- the route: sitemap (index) -> project pages, newest first ------------------------


def test_start_is_the_sitemap_not_the_api() -> None:
    [request] = started(make_spider(ElancerSpider))
    assert request.url == SITEMAP
    assert request.errback is not None


def test_the_sitemap_index_is_read_file_by_file_newest_first() -> None:
    spider = make_spider(ElancerSpider)
    requests = sitemap_chain(spider)
    sitemaps = [r.url for r in requests if r.callback == spider.parse_sitemap]
    projects = [r.url for r in requests if r.callback == spider.parse_project]
    assert sitemaps == [f"{SITE}/sitemap-0.xml", f"{SITE}/sitemap-1.xml"]
    # Home, list and notice pages in the sitemap are ignored.
    assert projects == [page_url(project_id) for project_id in RECORDED_IDS]
    assert all(r.errback == spider.on_request_error for r in requests)
    assert not any(key.startswith(ERRORS) for key in spider.crawler.stats.get_stats())


def test_the_index_asks_for_one_sitemap_at_a_time() -> None:
    spider = make_spider(ElancerSpider)
    [request] = run(spider.parse_sitemap, recorded_response(SITEMAP))
    assert request.url == f"{SITE}/sitemap-0.xml"
    assert request.cb_kwargs == {"pending": [f"{SITE}/sitemap-1.xml"]}


@pytest.mark.parametrize(
    ("max_items", "expected"),
    [
        ("3", RECORDED_IDS[:3]),  # within the first file: the second is never asked
        ("5", RECORDED_IDS[:5]),
        ("50", RECORDED_IDS),
    ],
)
def test_max_items_keeps_the_newest(max_items: str, expected: list[str]) -> None:
    spider = make_spider(ElancerSpider, max_items=max_items)
    requests = sitemap_chain(spider)
    assert [r.url for r in requests if r.callback == spider.parse_project] == [
        page_url(project_id) for project_id in expected
    ]
    if len(expected) <= 4:
        assert f"{SITE}/sitemap-1.xml" not in [r.url for r in requests]


def test_a_flat_urlset_is_read_in_order() -> None:
    """The guide's shape: sitemap.xml as one urlset of project pages."""
    spider = make_spider(ElancerSpider, max_items="3")
    out = run(spider.parse_sitemap, fixture_response("elancer/sitemap_urlset.xml", SITEMAP))
    assert [r.url for r in requests_of(out)] == [
        page_url("29750"),
        page_url("29749"),
        page_url("29747"),
    ]


@pytest.mark.parametrize("value", ["0", "-1", "ten"])
def test_bad_max_items_is_refused(value: str) -> None:
    with pytest.raises(SpiderArgumentError, match=r"max_items.*positive integer"):
        make_spider(ElancerSpider, max_items=value)


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("sitemap_no_projects.xml", "no_project_locs"),
        ("sitemap_html.html", "not_sitemap"),
        ("empty.html", "empty_body"),
    ],
)
def test_bad_sitemaps_are_counted(fixture: str, kind: str) -> None:
    spider = make_spider(ElancerSpider)
    assert run(spider.parse_sitemap, fixture_response(f"elancer/{fixture}", SITEMAP)) == []
    assert stat(spider, ERRORS + kind) == 1


def test_a_sitemap_loc_that_is_no_url_is_counted_and_the_next_one_followed() -> None:
    spider = make_spider(ElancerSpider)
    index = recorded_response(SITEMAP)
    response = index.replace(body=index.body.replace(f"{SITE}/sitemap-0.xml".encode(), b"0"))
    [request] = run(spider.parse_sitemap, response)
    assert request.url == f"{SITE}/sitemap-1.xml"
    assert stat(spider, ERRORS + "bad_sitemap_loc") == 1


def test_a_project_loc_that_is_no_url_is_counted() -> None:
    spider = make_spider(ElancerSpider)
    sitemap = recorded_response(f"{SITE}/sitemap-0.xml")
    response = sitemap.replace(body=sitemap.body.replace(page_url("29738").encode(), b"/29738"))
    out = run(spider.parse_sitemap, response)
    assert [r.url for r in out] == [page_url(id_) for id_ in ("29741", "29735", "29730")]
    assert stat(spider, ERRORS + "bad_sitemap_loc") == 1


@pytest.mark.parametrize(
    ("cut_after", "expected"),
    [
        (b"<urlset", []),
        # the last entry read may be cut short itself (.../2973): it is left out
        (b"/project_detail/2973", ["29741"]),
        (b"29735</loc>", ["29741", "29738"]),
        (b"29730</loc><lastmod>2026-11-20T11:00:00+09:00</lastmod>", RECORDED_IDS[:3]),
    ],
)
def test_a_sitemap_cut_short_is_counted(cut_after: bytes, expected: list[str]) -> None:
    spider = make_spider(ElancerSpider)
    sitemap = recorded_response(f"{SITE}/sitemap-0.xml")
    body = sitemap.body[: sitemap.body.index(cut_after) + len(cut_after)]
    out = run(spider.parse_sitemap, sitemap.replace(body=body))
    assert [r.url for r in out] == [page_url(project_id) for project_id in expected]
    assert stat(spider, ERRORS + "truncated_sitemap") == 1


@pytest.mark.parametrize("tail", [b"", b"\n\n", b"<!-- XML Sitemap generated by Yoast SEO -->\n"])
def test_a_whole_sitemap_is_not_taken_for_one_cut_short(tail: bytes) -> None:
    spider = make_spider(ElancerSpider)
    sitemap = recorded_response(f"{SITE}/sitemap-0.xml")
    body = sitemap.body.rstrip() + tail
    out = run(spider.parse_sitemap, sitemap.replace(body=body))
    assert [r.url for r in out] == [page_url(project_id) for project_id in RECORDED_IDS[:4]]
    assert not any(key.startswith(ERRORS) for key in spider.crawler.stats.get_stats())


# -- project page mapping -------------------------------------------------------------


def test_every_recorded_page_parses_cleanly(parsed: Any) -> None:
    spider, items = parsed
    assert sorted(items) == sorted(RECORDED_IDS)
    assert not any(key.startswith(ERRORS) for key in spider.crawler.stats.get_stats())
    assert {item.scraped_at for item in items.values()} == {FETCHED}


@pytest.mark.parametrize(
    ("project_id", "field", "expected"),
    [
        ("29741", "url", page_url("29741")),
        ("29741", "title", "[상주] 증권사 MTS 고도화 Java 백엔드 개발자 (고급)"),
        ("29741", "category", "개발 / 백엔드"),
        # 월 단가 : 650만원 -> monthly, in won; the unlabelled 12억 is not the budget.
        ("29741", "budget_min", 6_500_000),
        ("29741", "budget_max", 6_500_000),
        ("29741", "currency", "KRW"),
        ("29741", "budget_type", "monthly"),
        ("29741", "duration_days", 180),
        ("29741", "work_type", "onsite"),
        ("29741", "location", "서울특별시 영등포구"),
        # A naive datePosted is Seoul time; a bare validThrough is the end of that day.
        ("29741", "posted_at", datetime(2026, 11, 27, 10, 15, tzinfo=SEOUL)),
        ("29741", "deadline", datetime(2026, 12, 10, 23, 59, 59, tzinfo=SEOUL)),
        ("29741", "applicants", 4),
        ("29741", "status", "open"),
        # A fixed total for a remote turnkey project; no place.
        ("29738", "budget_min", 30_000_000),
        ("29738", "budget_type", "fixed"),
        ("29738", "work_type", "remote"),
        ("29738", "location", None),
        ("29738", "duration_days", 90),
        # 반상주 is hybrid; the range 500~600만원 comes from the body's labelled line.
        ("29735", "work_type", "hybrid"),
        ("29735", "budget_min", 5_000_000),
        ("29735", "budget_max", 6_000_000),
        ("29735", "budget_type", "monthly"),
        ("29735", "location", "경기도 성남시"),
        ("29735", "duration_days", 120),
        # 협의 is negotiable; the badge says closed although validThrough is ahead.
        ("29730", "budget_type", "negotiable"),
        ("29730", "budget_min", None),
        ("29730", "currency", None),
        ("29730", "status", "closed"),
        ("29730", "deadline", datetime(2026, 12, 15, 23, 59, 59, tzinfo=SEOUL)),
        # A validThrough with its own time and offset is kept as published.
        ("29722", "deadline", datetime(2026, 11, 20, 18, 0, tzinfo=SEOUL)),
        ("29722", "status", "closed"),
        ("29722", "duration_days", 360),
        ("29722", "budget_min", 7_000_000),
        # Missing fields stay None: no rate, no period, no deadline, no applicants.
        ("29715", "budget_type", None),
        ("29715", "budget_min", None),
        ("29715", "duration_days", None),
        ("29715", "deadline", None),
        ("29715", "applicants", None),
        ("29715", "status", "open"),
        ("29715", "category", "개발 / 백엔드"),  # from the 직종 row: no occupationalCategory
        # Remote with a monthly rate; datePosted with an offset.
        ("29702", "work_type", "remote"),
        ("29702", "budget_type", "monthly"),
        ("29702", "budget_min", 3_000_000),
        ("29702", "posted_at", datetime(2026, 11, 9, 9, 0, tzinfo=SEOUL)),
    ],
)
def test_page_mapping(
    items: dict[str, ProjectItem], project_id: str, field: str, expected: Any
) -> None:
    assert getattr(items[project_id], field) == expected


def test_description_is_plain_text(items: dict[str, ProjectItem]) -> None:
    description = items["29741"].description
    assert description.startswith("[프로젝트 개요]\n- 증권사 MTS(모바일 트레이딩 시스템)")
    assert "<" not in description
    assert "월 단가 : 650만원 (VAT 별도)" in description


@pytest.mark.parametrize(
    ("project_id", "skills"),
    [
        ("29741", ["Java", "Spring Boot", "Oracle", "JPA"]),
        ("29738", ["Flutter", "Dart", "Firebase"]),
        ("29722", ["Python", "Apache Spark", "Airflow", "AWS"]),
    ],
)
def test_skills_from_the_declared_ones_first(
    items: dict[str, ProjectItem], project_id: str, skills: list[str]
) -> None:
    assert items[project_id].skills[: len(skills)] == skills


def test_skills_from_the_text_where_none_are_declared(items: dict[str, ProjectItem]) -> None:
    assert set(items["29715"].skills) >= {"COBOL", "Java"}


def test_extra(items: dict[str, ProjectItem]) -> None:
    assert items["29741"].extra == {
        "grade": "고급",
        "experience": "경력 7년 이상",
        "employment_type": "CONTRACTOR",
        "views": 312,
    }


def test_no_personal_data_in_any_item(items: dict[str, ProjectItem]) -> None:
    spider = make_spider(ElancerSpider)
    parsed = list(items.values())
    for path in sorted((FIXTURES / "elancer").glob("detail_*.html")):
        if path.name != "detail_captcha.html":
            parsed += detail(spider, path.name)
    assert len(parsed) > len(items)
    for item in parsed:
        assert find_personal_data(json.dumps(asdict(item), ensure_ascii=False, default=str)) == []


# -- page variants and bad pages ------------------------------------------------------


def test_a_page_without_json_ld_is_read_from_its_markup() -> None:
    spider = make_spider(ElancerSpider)
    [item] = detail(spider, "detail_no_jsonld.html", "29680")
    assert stat(spider, ERRORS + "missing_jsonld") == 1
    assert item.external_id == "29680"
    assert item.title == "[반상주] 물류 WMS React 프론트엔드 개발"
    assert (item.status, item.work_type) == ("open", "hybrid")
    assert (item.budget_min, item.budget_max, item.budget_type) == (5_000_000, 6_000_000, "monthly")
    assert item.deadline == datetime(2026, 12, 4, 23, 59, 59, tzinfo=SEOUL)  # 모집 마감 row
    assert item.location == "경기도 성남시"  # 근무지 row
    assert item.category == "개발 / 프론트엔드"
    assert item.description.startswith("■ 프로젝트명 : 물류 WMS 프론트엔드 개발")


def test_another_page_version_is_read_through_the_fallbacks() -> None:
    """No badge classes, <dt>/<dd> rows, escaped HTML in JSON-LD, work mode only in the body."""
    spider = make_spider(ElancerSpider)
    [item] = detail(spider, "detail_other_template.html", "29733")
    assert item.status == "closed"  # an <em class="state">모집마감</em> badge
    assert item.work_type == "remote"  # "근무형태 : 재택" in the body
    assert item.description.splitlines() == [
        "사내 그룹웨어 일정/결재 API 개발",
        "근무형태 : 재택",
        "월 단가 : 450만원",
        "기간 : 3개월",
    ]
    assert (item.budget_min, item.budget_type, item.duration_days) == (4_500_000, "monthly", 90)
    assert item.category == "개발 / 백엔드"
    assert item.extra == {"grade": "중급"}
    assert item.posted_at == datetime(2026, 11, 24, tzinfo=SEOUL)
    assert item.deadline == datetime(2026, 12, 1, 23, 59, 59, tzinfo=SEOUL)
    assert not any(key.startswith(ERRORS) for key in spider.crawler.stats.get_stats())


def test_a_page_without_a_badge_is_reported() -> None:
    spider = make_spider(ElancerSpider)
    [item] = detail(spider, "detail_no_badge.html")
    assert stat(spider, ERRORS + "missing_status_badge") == 1
    assert item.status == "open"  # the item default; the stat says it was not read


def test_broken_json_ld_is_counted_and_the_markup_used() -> None:
    spider = make_spider(ElancerSpider)
    [item] = detail(spider, "detail_bad_jsonld.html", "29677")
    assert stat(spider, ERRORS + "bad_json_ld") == 1
    assert item.title == "[재택] 자사몰 PHP 유지보수 개발자"
    assert (item.budget_min, item.budget_type, item.work_type) == (3_000_000, "monthly", "remote")


def test_login_prompt_graph_and_several_places() -> None:
    spider = make_spider(ElancerSpider)
    [item] = detail(spider, "detail_login_graph.html", "29690")
    assert item.description is None  # a login prompt, not a description
    assert item.title == "[상주] 카드사 데이터 플랫폼 Python/Spark 엔지니어"  # from @graph
    assert item.location == "서울특별시 중구, 경기도 과천시"
    assert (item.budget_min, item.budget_max) == (6_000_000, 6_500_000)
    assert item.duration_days == 150
    assert not any(key.startswith(ERRORS) for key in spider.crawler.stats.get_stats())


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        # changed markup: an app shell with no JSON-LD and no title is a failure, not "empty"
        ("detail_changed_markup.html", "no_jobposting"),
        ("detail_truncated.html", "truncated_html"),
        ("empty.html", "empty_body"),
    ],
)
def test_bad_pages_are_counted_without_an_item(fixture: str, kind: str) -> None:
    spider = make_spider(ElancerSpider)
    assert detail(spider, fixture) == []
    assert stat(spider, ERRORS + kind) == 1


def test_a_challenge_page_stops_the_spider() -> None:
    spider = make_spider(ElancerSpider)
    with pytest.raises(CloseSpider) as closed:
        detail(spider, "detail_captcha.html")
    assert closed.value.reason == "blocked"
    assert stat(spider, "outsourcing/blocked/elancer") == 1


@pytest.mark.parametrize(
    ("status", "kind"), [(404, "http_404"), (429, "http_429"), (500, "http_500"), (503, "http_503")]
)
def test_http_errors_after_retries_are_counted(status: int, kind: str) -> None:
    spider = make_spider(ElancerSpider)
    response = fixture_response("elancer/empty.html", page_url("29741"), status=status)
    spider.on_request_error(failure(response))
    assert stat(spider, ERRORS + kind) == 1


def test_extra_texts_are_cleaned_for_storage() -> None:
    # PostgreSQL refuses a NUL in JSONB: one would cost the whole posting its row.
    spider = make_spider(ElancerSpider)
    response = recorded_response(page_url("29702"))
    body = response.body.replace(b'"CONTRACTOR"', b'"CONTRACTOR\\u0000 "')
    [item] = run(spider.parse_project, response.replace(body=body))
    assert item.extra["employment_type"] == "CONTRACTOR"


def test_the_canonical_link_of_the_page_is_the_items_link(
    parsed: tuple[ElancerSpider, dict[str, ProjectItem]],
) -> None:
    spider, items = parsed
    assert items["29741"].url == "https://www.elancer.co.kr/project_detail/29741"
    assert stat(spider, "outsourcing/built_links/elancer") is None


def test_a_canonical_link_naming_another_project_is_not_taken() -> None:
    spider = make_spider(ElancerSpider)
    # The page names project 29715 as its canonical link; it is read as project 29999.
    [item] = detail(spider, "detail_no_badge.html")
    assert item.url == page_url("29999")
    assert stat(spider, "outsourcing/built_links/elancer") == 1
