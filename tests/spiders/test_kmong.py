"""The kmong spider over its recorded API responses and one-off bad responses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.exceptions import CloseSpider, DownloadTimeoutError
from scrapy.http import Response

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import SEOUL
from outsourcing_crawler.pipelines import ValidationPipeline
from outsourcing_crawler.spiders.kmong import API, KmongSpider
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
    recording,
    requests_of,
    stat,
)

# The recordings' Date header: Sun, 29 Nov 2026 03:00:00 GMT = 12:00 in Seoul.
FETCHED = datetime(2026, 11, 29, 12, 0, tzinfo=SEOUL)
ERRORS = "outsourcing/parse_errors/kmong/"


def list_url(page: int) -> str:
    return (
        f"{API}?q=&sort=CREATED_AT&category_list=&sub_category_list=&project_type="
        f"&page={page}&per_page=50"
    )


def detail_url(request_id: int | str) -> str:
    return f"{API}/{request_id}"


@pytest.fixture(scope="module")
def site() -> tuple[KmongSpider, list[ProjectItem], list[str]]:
    spider = make_spider(KmongSpider)
    return spider, *crawl(spider.list_request(1))


@pytest.fixture(scope="module")
def items(site: Any) -> dict[str, ProjectItem]:
    return items_by_id(site[1])


def one(results: Iterable[Any]) -> ProjectItem:
    (item,) = items_of(results)
    return item


# -- arguments ------------------------------------------------------------------------------


def query(request: Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query, keep_blank_values=True)


async def first_request(spider: KmongSpider) -> Request:
    async for request in spider.start():
        return request
    raise AssertionError("no start request")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("project_type", "FREELANCE", ["project_type", "OUTSOURCING", "RESIDENT"]),
        ("project_type", "outsourcing", ["project_type", "OUTSOURCING", "RESIDENT"]),
        ("max_pages", "0", ["max_pages", "positive integer"]),
        ("max_pages", "-2", ["max_pages", "positive integer"]),
        ("max_pages", "many", ["max_pages", "positive integer"]),
        ("category", "IT", ["category", "positive integer"]),
    ],
)
def test_bad_argument_stops_the_spider(name: str, value: str, words: list[str]) -> None:
    message = argument_error(KmongSpider, **{name: value})
    assert all(word in message for word in words), message


def test_arguments_are_converted() -> None:
    spider = make_spider(
        KmongSpider, category="6", max_pages="3", project_type="RESIDENT", q="챗봇"
    )
    assert (spider.category, spider.max_pages, spider.project_type, spider.q) == (
        6,
        3,
        "RESIDENT",
        "챗봇",
    )


async def test_default_request_asks_every_type_newest_first() -> None:
    request = await first_request(make_spider(KmongSpider))
    assert request.url == list_url(1)
    assert query(request) == {
        "q": [""],
        "sort": ["CREATED_AT"],
        "category_list": [""],
        "sub_category_list": [""],
        "project_type": [""],
        "page": ["1"],
        "per_page": ["50"],
    }
    assert request.callback == request.callback.__self__.parse_list  # type: ignore[union-attr]
    assert request.errback is not None


async def test_arguments_filter_the_list() -> None:
    spider = make_spider(KmongSpider, category="6", project_type="RESIDENT", q="챗봇 개발")
    params = query(await first_request(spider))
    assert params["category_list"] == ["6"]
    assert params["project_type"] == ["RESIDENT"]
    assert params["q"] == ["챗봇 개발"]


# -- list pages and pagination ----------------------------------------------------------------


@pytest.fixture(scope="module")
def page_one() -> list[Any]:
    spider = make_spider(KmongSpider)
    return list(spider.parse_list(recorded_response(list_url(1)), page=1))


def test_list_asks_one_detail_per_row(page_one: list[Any]) -> None:
    details = [r for r in requests_of(page_one) if "page=" not in r.url]
    assert [r.url for r in details] == [
        detail_url(i) for i in (612345, 612344, 612343, 612342, 612341, 612340)
    ]
    assert all(r.errback is not None for r in details)
    assert not items_of(page_one)


def test_list_row_travels_with_the_detail_request(page_one: list[Any]) -> None:
    assert requests_of(page_one)[0].cb_kwargs["listed_at"] == "2026-11-29T03:00:00+00:00"
    row = requests_of(page_one)[0].cb_kwargs["row"]
    assert row["proposal_count"] == 12
    assert row["status"] == "APPROVAL"
    assert row["project_type"] == "OUTSOURCING"
    assert row["id"] == 612345


def test_list_follows_to_the_next_page(page_one: list[Any]) -> None:
    (next_page,) = [r for r in requests_of(page_one) if "page=" in r.url]
    assert next_page.url == list_url(2)
    assert next_page.cb_kwargs == {"page": 2}


def test_list_stops_at_last_page() -> None:
    spider = make_spider(KmongSpider)
    results = list(spider.parse_list(recorded_response(list_url(2)), page=2))
    assert [r.url for r in requests_of(results)] == [
        detail_url(i) for i in (612339, 612338, 612337, 612336)
    ]


def test_list_stops_at_max_pages() -> None:
    spider = make_spider(KmongSpider, max_pages="1")
    results = list(spider.parse_list(recorded_response(list_url(1)), page=1))
    assert len(requests_of(results)) == 6
    assert not [r for r in requests_of(results) if "page=" in r.url]


def test_list_stops_on_an_empty_page() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response("kmong/list_empty.json", list_url(3))
    assert list(spider.parse_list(response, page=3)) == []
    assert stat(spider, ERRORS + "no_rows") is None  # past page one: the end, not an error


def test_empty_first_page_is_reported() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response("kmong/list_empty.json", list_url(1))
    assert list(spider.parse_list(response, page=1)) == []
    assert stat(spider, ERRORS + "no_rows") == 1


def test_empty_search_result_is_no_error() -> None:
    spider = make_spider(KmongSpider, q="없는검색어")
    response = fixture_response("kmong/list_empty.json", list_url(1))
    assert list(spider.parse_list(response, page=1)) == []
    assert stat(spider, ERRORS + "no_rows") is None


def test_last_page_flag_is_understood() -> None:
    spider = make_spider(KmongSpider)
    response = recorded_response(list_url(1))
    more = response.replace(body=response.body.replace(b'"last_page":2', b'"last_page":false'))
    assert list_url(2) in [r.url for r in requests_of(spider.parse_list(more, page=1))]
    last = response.replace(body=response.body.replace(b'"last_page":2', b'"last_page":true'))
    assert list_url(2) not in [r.url for r in requests_of(spider.parse_list(last, page=1))]


def test_confidential_row_is_skipped_without_a_detail_call() -> None:
    spider = make_spider(KmongSpider)
    response = recorded_response(list_url(1))
    body = response.body.replace(b'"id":612345,', b'"id":612345,"is_confidential":true,')
    results = list(spider.parse_list(response.replace(body=body), page=1))
    assert detail_url(612345) not in [r.url for r in requests_of(results)]
    assert stat(spider, "outsourcing/skipped/confidential") == 1


def test_list_rows_without_id_are_counted() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response("kmong/list_bad_rows.json", list_url(1))
    results = list(spider.parse_list(response, page=1))
    assert [r.url for r in requests_of(results)] == [detail_url(612345)]
    assert stat(spider, ERRORS + "missing_key_id") == 1
    assert stat(spider, ERRORS + "bad_row") == 1


# -- the whole recorded site ------------------------------------------------------------------


def test_site_yields_every_public_posting_once(site: Any) -> None:
    _, crawled, urls = site
    ids = [item.external_id for item in crawled]
    assert sorted(ids) == sorted(
        ["612345", "612344", "612343", "612342", "612340", "612339", "612338", "612337", "612336"]
    )
    assert len(set(ids)) == len(ids)
    assert urls.count(list_url(2)) == 1


async def test_site_items_pass_validation(site: Any) -> None:
    spider, crawled, _ = site
    validation = ValidationPipeline.from_crawler(spider.crawler)
    for item in crawled:
        assert await validation.process_item(item) is item  # DropItem names the bad field


def test_confidential_request_is_skipped_and_counted(site: Any, items: dict) -> None:
    assert "612341" not in items
    assert stat(site[0], "outsourcing/skipped/confidential") == 1


def test_site_counts_its_partial_postings(site: Any) -> None:
    spider = site[0]
    assert stat(spider, ERRORS + "http_503") == 1
    assert stat(spider, ERRORS + "detail_unavailable") == 1
    assert stat(spider, ERRORS + "missing_key_description") == 1
    assert stat(spider, ERRORS + "missing_key_title") is None


# -- mapping rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_id", "field", "expected"),
    [
        ("612345", "platform", "kmong"),
        ("612345", "url", "https://kmong.com/enterprise/requests/612345"),
        ("612345", "title", "병원 예약 관리 웹 서비스 개발 (관리자 페이지 포함)"),
        ("612345", "category", "IT·프로그래밍 / 웹사이트 개발"),
        ("612338", "category", "디자인 / 로고 디자인"),
        ("612345", "posted_at", None),
        ("612345", "scraped_at", datetime(2026, 11, 29, 12, 0, tzinfo=SEOUL)),
        # amount: fixed KRW budget
        ("612345", "budget_min", 15_000_000),
        ("612345", "budget_max", 15_000_000),
        ("612345", "currency", "KRW"),
        ("612345", "budget_type", "fixed"),
        ("612338", "budget_min", 500_000),
        ("612338", "budget_type", "fixed"),
        # RESIDENT: the amount is monthly
        ("612344", "budget_min", 7_000_000),
        ("612344", "budget_max", 7_000_000),
        ("612344", "budget_type", "monthly"),
        ("612339", "budget_type", "monthly"),
        # amount 0 and null: negotiable, no amounts, no currency
        ("612343", "budget_type", "negotiable"),
        ("612343", "budget_min", None),
        ("612343", "budget_max", None),
        ("612343", "currency", None),
        ("612342", "budget_type", "negotiable"),
        ("612342", "currency", None),
        # days -> duration_days
        ("612345", "duration_days", 60),
        ("612344", "duration_days", 180),
        ("612338", "duration_days", 14),
        # deadline: days remaining -> 23:59:59 Seoul of the fetch date + N days
        ("612345", "deadline", datetime(2026, 12, 6, 23, 59, 59, tzinfo=SEOUL)),
        ("612336", "deadline", datetime(2026, 12, 13, 23, 59, 59, tzinfo=SEOUL)),
        ("612340", "deadline", datetime(2026, 11, 29, 23, 59, 59, tzinfo=SEOUL)),
        # proposal_count (list only) -> applicants
        ("612345", "applicants", 12),
        ("612338", "applicants", 21),
        ("612342", "applicants", 6),
        # status: APPROVAL open; CLOSED, COMPLETE closed
        ("612345", "status", "open"),
        ("612340", "status", "closed"),
        ("612339", "status", "closed"),
        # work type: RESIDENT onsite; OUTSOURCING remote unless the answers say otherwise
        ("612344", "work_type", "onsite"),
        ("612339", "work_type", "onsite"),
        ("612345", "work_type", "remote"),
        ("612338", "work_type", "remote"),
        ("612340", "work_type", "onsite"),  # 진행 방식: 상주 근무
        ("612343", "work_type", "hybrid"),  # 진행 방식: 반상주
        ("612336", "work_type", "hybrid"),  # 진행 방식: 혼합
        ("612344", "location", "서울 영등포구 여의도동"),
        ("612345", "location", None),
    ],
)
def test_field(items: dict, request_id: str, field: str, expected: Any) -> None:
    assert getattr(items[request_id], field) == expected


def test_deadline_is_timezone_aware_seoul(items: dict) -> None:
    deadline = items["612344"].deadline
    assert deadline.utcoffset().total_seconds() == 9 * 3600
    assert (deadline.date().isoformat(), deadline.hour, deadline.minute) == ("2026-12-09", 23, 59)


def test_description_is_the_full_detail_text(items: dict) -> None:
    text = items["612345"].description
    assert text.startswith("안녕하세요. 서울에서 치과 네트워크를 운영하고 있습니다.")
    assert "- 관리자 페이지: 예약 현황, 의사별 진료 스케줄 관리" in text.splitlines()
    assert text.endswith("참고 사이트와 화면 기획서는 미팅 때 공유드리겠습니다.")


def test_html_description_becomes_plain_text(items: dict) -> None:
    text = items["612336"].description
    assert "<" not in text
    assert "FAQ 문서 기반 답변 (RAG)" in text.splitlines()


@pytest.mark.parametrize(
    ("request_id", "from_answers", "from_text"),
    [
        ("612345", ["React", "Node.js"], ["AWS", "MySQL"]),  # 기술 스택: 리액트
        ("612344", ["Java", "Spring Boot", "Oracle"], ["JPA", "MyBatis"]),  # 스프링부트
        ("612343", ["Python", "Selenium"], []),  # 사용 기술: 파이썬
        ("612339", ["React", "React Native", "TypeScript"], []),
        ("612336", ["Python", "FastAPI"], ["Docker"]),
        ("612342", [], ["Flutter"]),  # no answers: skills from the list row's text
        ("612340", ["C#", ".NET", "MSSQL"], ["ERP"]),
    ],
)
def test_skills_answers_first_then_text(
    items: dict, request_id: str, from_answers: list[str], from_text: list[str]
) -> None:
    assert_skills(items[request_id].skills, from_answers, from_text)


def test_no_skills_where_none_are_named(items: dict) -> None:
    assert items["612338"].skills == []


def test_korean_choice_in_a_skill_answer_is_no_skill(items: dict) -> None:
    assert "기존 시스템과 동일" in items["612340"].extra["answers"][0]["answer"]
    assert "기존 시스템과 동일" not in items["612340"].skills


def test_extra_fields(items: dict) -> None:
    extra = items["612340"].extra
    assert extra["project_type"] == "OUTSOURCING"
    assert extra["business_type"] == "CORPORATION"
    assert extra["is_government"] is True
    assert extra["is_tax"] is True
    assert (extra["cat1"], extra["cat2"]) == (6, 611)
    assert extra["answers"][1] == {"question": "진행 방식", "answer": "상주 근무"}
    assert items["612343"].extra["is_tax"] is False
    assert items["612344"].extra["project_type"] == "RESIDENT"


def test_answers_are_compact_question_answer_pairs(items: dict) -> None:
    assert items["612345"].extra["answers"] == [
        {"question": "기술 스택", "answer": "리액트, Node.js"},
        {"question": "진행 방식", "answer": "원격 진행"},
        {"question": "미팅 방식", "answer": "화상 미팅 (Zoom, Google Meet 등)"},
        {"question": "기획 상태", "answer": "화면 기획서가 있어요"},
    ]


def test_answers_never_carry_personal_data(site: Any, items: dict) -> None:
    answer = items["612338"].extra["answers"][-1]
    assert answer["question"] == "추가 요청사항"
    assert answer["answer"].startswith("시안은 3개 정도 받아보고 싶습니다.")
    assert "010-1234-5678" not in answer["answer"]
    for item in site[1]:
        assert "010-1234-5678" not in repr(item)


def test_extra_is_json_serialisable(site: Any) -> None:
    # Feeds and the database keep `extra` as JSON: it must come back as the spider gave it.
    extras = [item.extra for item in site[1]]
    assert extras
    assert [json.loads(json.dumps(extra, ensure_ascii=False)) for extra in extras] == extras


# -- partial postings -------------------------------------------------------------------------


def test_detail_missing_keys_falls_back_on_the_list_row(items: dict) -> None:
    item = items["612342"]
    assert item.title == "Flutter 모바일 앱 UI 개선 및 유지보수"
    assert item.description.startswith("Flutter로 만든 반려동물 산책 앱의 화면 개선")
    assert item.category == "IT·프로그래밍 / 모바일 앱 개발"
    assert item.duration_days == 21
    assert item.deadline == datetime(2026, 12, 2, 23, 59, 59, tzinfo=SEOUL)
    assert item.status == "open"
    assert item.work_type == "remote"


def test_failed_detail_call_keeps_the_list_row(items: dict) -> None:
    item = items["612337"]  # the detail call answered 503
    assert item.title == "사내 ERP 매출 데이터 대시보드 구축"
    assert item.url == "https://kmong.com/enterprise/requests/612337"
    assert item.description.startswith("ERP에서 추출한 매출 데이터를 Tableau")
    assert (item.budget_min, item.budget_type, item.currency) == (8_000_000, "fixed", "KRW")
    assert item.applicants == 3
    assert item.deadline == datetime(2026, 12, 11, 23, 59, 59, tzinfo=SEOUL)
    assert {"Tableau", "Python"} <= set(item.skills)
    assert "is_tax" not in item.extra


ROW = {
    "id": 612345,
    "title": "병원 예약 관리 웹 서비스 개발 (관리자 페이지 포함)",
    "content": "안녕하세요. 서울에서 치과 네트워크를 운영하고 있습니다.",
    "amount": 15000000,
    "deadline": 7,
    "proposal_count": 12,
    "status": "APPROVAL",
    "project_type": "OUTSOURCING",
}


def test_broken_detail_json_keeps_the_list_row() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response(
        "kmong/detail_truncated.json",
        detail_url(612345),
        headers={"Content-Type": "application/json", "Date": "Sun, 29 Nov 2026 03:00:00 GMT"},
        cb_kwargs={"row": ROW},
    )
    item = one(spider.parse_detail(response, **response.request.cb_kwargs))
    assert (item.external_id, item.title, item.applicants) == ("612345", ROW["title"], 12)
    assert item.description == ROW["content"]
    assert stat(spider, ERRORS + "not_json") == 1
    assert stat(spider, ERRORS + "detail_unavailable") == 1


def test_rate_limited_detail_is_counted_and_kept() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response(
        "kmong/too_many_requests.json",
        detail_url(612345),
        status=429,
        headers={"Content-Type": "application/json", "Retry-After": "30"},
        cb_kwargs={"row": ROW},
    )
    item = one(spider.on_detail_error(failure(response)))
    assert (item.external_id, item.budget_min, item.status) == ("612345", 15_000_000, "open")
    assert stat(spider, ERRORS + "http_429") == 1
    assert stat(spider, ERRORS + "detail_unavailable") == 1


async def test_detail_timeout_keeps_the_list_row() -> None:
    spider = make_spider(KmongSpider)
    listed_at = "2026-11-29T03:00:00+00:00"
    request = Request(detail_url(612345), cb_kwargs={"row": ROW, "listed_at": listed_at})
    item = one(spider.on_detail_error(failure(DownloadTimeoutError("took too long"), request)))
    assert (item.external_id, item.title, item.platform) == ("612345", ROW["title"], "kmong")
    # no response: the list page's fetch time dates the row's days remaining
    assert item.scraped_at == FETCHED
    assert item.deadline == datetime(2026, 12, 6, 23, 59, 59, tzinfo=SEOUL)
    assert stat(spider, ERRORS + "timeout") == 1
    assert await ValidationPipeline.from_crawler(spider.crawler).process_item(item) is item


def test_forbidden_detail_keeps_the_row_and_stops_as_blocked() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response(
        "kmong/captcha_challenge.html",
        detail_url(612345),
        status=403,
        headers={"Content-Type": "text/html", "Date": "Sun, 29 Nov 2026 03:00:00 GMT"},
        cb_kwargs={"row": ROW},
    )
    results = spider.on_detail_error(failure(response))
    kept = next(results)
    with pytest.raises(CloseSpider):
        next(results)
    assert kept.external_id == "612345"
    assert stat(spider, "outsourcing/blocked/kmong") == 1
    assert stat(spider, ERRORS + "detail_blocked") == 1


def test_rate_limited_list_page_is_counted() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response(
        "kmong/too_many_requests.json", list_url(1), status=429, cb_kwargs={"page": 1}
    )
    spider.on_request_error(failure(response))
    assert stat(spider, ERRORS + "http_429") == 1


# -- bad responses ----------------------------------------------------------------------------


def test_captcha_page_served_as_200_stops_the_spider_as_blocked() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response(
        "kmong/captcha_challenge.html", list_url(1), headers={"Content-Type": "text/html"}
    )
    with pytest.raises(CloseSpider) as stop:
        list(spider.parse_list(response, page=1))
    assert stop.value.reason == "blocked"
    assert stat(spider, "outsourcing/blocked/kmong") == 1


def test_captcha_in_place_of_a_detail_keeps_the_row_and_stops() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response(
        "kmong/captcha_challenge.html",
        detail_url(612345),
        headers={"Content-Type": "text/html", "Date": "Sun, 29 Nov 2026 03:00:00 GMT"},
    )
    detail = spider.parse_detail(response, row=ROW)
    kept = next(detail)  # the posting as the list row had it, then the stop
    with pytest.raises(CloseSpider):
        next(detail)
    assert (kept.external_id, kept.applicants) == ("612345", 12)
    assert stat(spider, "outsourcing/blocked/kmong") == 1


def test_html_page_instead_of_json_is_reported() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response(
        "kmong/spa_shell.html", list_url(1), headers={"Content-Type": "text/html"}
    )
    assert list(spider.parse_list(response, page=1)) == []
    assert stat(spider, ERRORS + "html_instead_of_json") == 1
    assert stat(spider, "outsourcing/blocked/kmong") is None


def test_empty_list_body_is_reported() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response("kmong/empty.json", list_url(1))
    assert list(spider.parse_list(response, page=1)) == []
    assert stat(spider, ERRORS + "empty_body") == 1


def test_empty_detail_body_is_reported_and_the_row_kept() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response("kmong/empty.json", detail_url(612345))
    item = one(spider.parse_detail(response, row=ROW))
    assert (item.external_id, item.budget_min) == ("612345", 15_000_000)
    assert stat(spider, ERRORS + "empty_body") == 1
    assert stat(spider, ERRORS + "detail_unavailable") == 1


def test_renamed_list_key_is_reported() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response("kmong/list_renamed_keys.json", list_url(1))
    assert list(spider.parse_list(response, page=1)) == []
    assert stat(spider, ERRORS + "missing_key_requests") == 1


def test_list_body_of_the_wrong_shape_is_reported() -> None:
    spider = make_spider(KmongSpider)
    response = fixture_response("kmong/list_empty.json", list_url(1)).replace(body=b'["requests"]')
    assert list(spider.parse_list(response, page=1)) == []
    assert stat(spider, ERRORS + "bad_json_shape") == 1


def test_missing_last_page_falls_back_on_next_link() -> None:
    spider = make_spider(KmongSpider)
    body = recorded_response(list_url(1)).body.replace(b'"last_page":2,', b"")
    response = recorded_response(list_url(1)).replace(body=body)
    results = list(spider.parse_list(response, page=1))
    assert list_url(2) in [r.url for r in requests_of(results)]
    assert stat(spider, ERRORS + "missing_key_last_page") == 1


def test_detail_of_the_wrong_shape_keeps_the_row() -> None:
    spider = make_spider(KmongSpider)
    response = recorded_response(detail_url(612345)).replace(body=b'"612345"')
    item = one(spider.parse_detail(response, row=ROW))
    assert item.title == ROW["title"]
    assert stat(spider, ERRORS + "bad_json_shape") == 1


def test_detail_in_an_envelope_is_read() -> None:
    spider = make_spider(KmongSpider)
    inner = recorded_response(detail_url(612345)).body
    response = recorded_response(detail_url(612345)).replace(body=b'{"data":' + inner + b"}")
    item = one(spider.parse_detail(response, row=ROW))
    assert item.skills[:2] == ["React", "Node.js"]


def test_unknown_status_is_closed_and_missing_status_is_counted() -> None:
    spider = make_spider(KmongSpider)
    response = recorded_response(detail_url(612343))
    cancelled = one(spider.parse_detail(response, row={"id": 612343, "status": "CANCEL"}))
    assert cancelled.status == "closed"
    unknown = one(spider.parse_detail(response, row={"id": 612343}))
    assert unknown.status == "open"
    assert stat(spider, ERRORS + "missing_key_status") == 1


def detail_with(request_id: int, **fields: Any) -> Response:
    response = recorded_response(detail_url(request_id))
    return response.replace(body=json.dumps({**json.loads(response.body), **fields}).encode())


@pytest.mark.parametrize("title", [0, [], {"text": "x"}, True, "   "])
def test_a_detail_title_of_another_type_is_counted_and_the_row_title_used(title: Any) -> None:
    spider = make_spider(KmongSpider)
    item = one(spider.parse_detail(detail_with(612345, title=title), row=ROW))
    assert item.title == ROW["title"]
    assert stat(spider, ERRORS + "bad_title") == 1


def test_no_title_anywhere_is_counted() -> None:
    spider = make_spider(KmongSpider)
    row = {key: value for key, value in ROW.items() if key != "title"}
    assert one(spider.parse_detail(detail_with(612345, title=0), row=row)).title is None
    assert stat(spider, ERRORS + "bad_title") == 1
    assert one(spider.parse_detail(detail_with(612345, title=None), row=row)).title is None
    assert stat(spider, ERRORS + "empty_title") == 1


@pytest.mark.parametrize("request_id", [0, -1, "", "abc", True, 1.5, [612345]])
def test_a_detail_id_that_is_no_id_is_counted_and_the_row_id_used(request_id: Any) -> None:
    spider = make_spider(KmongSpider)
    item = one(spider.parse_detail(detail_with(612345, id=request_id), row=ROW))
    assert (item.external_id, item.url) == (
        "612345",
        "https://kmong.com/enterprise/requests/612345",
    )
    assert stat(spider, ERRORS + "bad_id") == (None if request_id == "" else 1)


def test_absurd_deadline_is_counted_not_raised() -> None:
    spider = make_spider(KmongSpider)
    response = recorded_response(detail_url(612343))
    item = one(spider.parse_detail(response, row={"id": 612343, "deadline": 10**12}))
    assert item.deadline is not None  # the detail's own deadline wins
    bad = response.replace(body=response.body.replace(b'"deadline":5', b'"deadline":99999999'))
    assert one(spider.parse_detail(bad, row={"id": 612343})).deadline is None
    assert stat(spider, ERRORS + "bad_deadline") == 1
    text = response.replace(body=response.body.replace(b'"deadline":5', b'"deadline":"soon"'))
    assert one(spider.parse_detail(text, row={"id": 612343})).deadline is None
    assert stat(spider, ERRORS + "bad_deadline") == 2


def test_answer_choices_given_as_objects_are_read() -> None:
    spider = make_spider(KmongSpider)
    response = recorded_response(detail_url(612345))
    strings = '"contents":["리액트","Node.js"]'.encode()
    objects = b'"contents":[{"title":"Vue.js"},{"name":"Node.js"},{"id":3}]'
    assert strings in response.body
    item = one(
        spider.parse_detail(response.replace(body=response.body.replace(strings, objects)), row=ROW)
    )
    assert item.skills[:2] == ["Vue.js", "Node.js"]
    assert item.extra["answers"][0] == {"question": "기술 스택", "answer": "Vue.js, Node.js"}


def test_contract_urls_are_recorded() -> None:
    for url in (list_url(1), detail_url(612345), "https://kmong.com/robots.txt"):
        assert recording(url).status == 200


# -- no input crashes a callback --------------------------------------------------------------

KEYS = [*ROW, "requests", "last_page", "answers", "description", "category", "is_confidential"]
KEYS += ["days", "breadcrumb", "title", "contents", "type", "data", "cat1", "next_page_link"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), children, max_size=6)
    ),
    max_leaves=15,
)


FUZZ_SPIDER = make_spider(KmongSpider)
FUZZ_LIST = recorded_response(list_url(1))
FUZZ_DETAIL = recorded_response(detail_url(612345))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=json_values, row=st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6))
def test_any_json_never_crashes_a_callback(body: Any, row: dict) -> None:
    spider = FUZZ_SPIDER
    data = json.dumps(body).encode()
    listing = FUZZ_LIST.replace(body=data)
    detail = FUZZ_DETAIL.replace(body=data)
    for result in [
        *spider.parse_list(listing, page=1),
        *spider.parse_detail(detail, row=row),
        *spider.parse_detail(detail, row={**row, "id": 612345}),
    ]:
        assert isinstance(result, Request | ProjectItem)


def test_extra_texts_are_cleaned_for_storage() -> None:
    # PostgreSQL refuses a NUL in JSONB: one would cost the whole posting its row.
    spider = make_spider(KmongSpider)
    body = recorded_response(detail_url(612345)).body
    body = body.replace(b'"CORPORATION"', b'"CORPO\\u0000RATION "')
    body = body.replace(b'"OUTSOURCING"', b'" OUTSOURCING\\u0000"')
    item = one(
        spider.parse_detail(recorded_response(detail_url(612345)).replace(body=body), row=ROW)
    )
    assert item.extra["business_type"] == "CORPORATION"
    assert item.extra["project_type"] == "OUTSOURCING"
    assert item.work_type == "remote"


@pytest.mark.parametrize(
    ("link", "built"),
    [
        ("https://kmong.com/enterprise/requests/612336", None),
        ("/enterprise/requests/612336", None),
        (None, 1),
        (17, 1),  # no link: a number is no page
    ],
)
def test_a_row_shows_its_link_else_one_is_built_and_counted(link: Any, built: int | None) -> None:
    spider = make_spider(KmongSpider)
    row = {"id": 612336, "title": "앱 개발", **({"url": link} if link is not None else {})}
    fields = spider.fields(None, row, {}, None)
    assert fields["url"] == "https://kmong.com/enterprise/requests/612336"
    assert stat(spider, "outsourcing/built_links/kmong") == built
