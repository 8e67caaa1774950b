"""freemoa: list API rows -> ProjectItems, the session cookie, and every bad response."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from scrapy import FormRequest
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import SEOUL, canonical_skill, find_personal_data
from outsourcing_crawler.spiders.base import SpiderArgumentError
from outsourcing_crawler.spiders.freemoa import FreemoaSpider
from tests.support import (
    FIXTURES,
    RECORDINGS,
    failure,
    fixture_response,
    items_of,
    make_spider,
    recorded_response,
    requests_of,
    started,
    stat,
)

LIST_PAGE = "https://www.freemoa.net/m4/s41?page=1"
API = "https://www.freemoa.net/m4a/s41a"
ERRORS = "outsourcing/parse_errors/freemoa/"
# The clock is frozen far from the recordings' Date header: nothing may read it.
FROZEN = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
FETCHED = datetime(2026, 10, 2, 1, 0, tzinfo=UTC)  # Date of the recordings


def api_response(page: int, **cb_kwargs: Any) -> Response:
    return recorded_response(API, "POST", f"page={page}", cb_kwargs={"page": page, **cb_kwargs})


def api_fixture(name: str, page: int = 1, **cb_kwargs: Any) -> Response:
    return fixture_response(
        f"freemoa/{name}", API, method="POST", cb_kwargs={"page": page, **cb_kwargs}
    )


def run(callback: Any, response: Response) -> list[Any]:
    with time_machine.travel(FROZEN, tick=False):
        return list(callback(response, **response.request.cb_kwargs))


@pytest.fixture(scope="module")
def crawl() -> tuple[FreemoaSpider, list[Any], list[Any]]:
    spider = make_spider(FreemoaSpider)
    page1 = run(spider.parse_api, api_response(1))
    page2 = run(spider.parse_api, api_response(2, seen=10))
    return spider, page1, page2


@pytest.fixture(scope="module")
def items(crawl: tuple[FreemoaSpider, list[Any], list[Any]]) -> dict[str, ProjectItem]:
    _, page1, page2 = crawl
    return {item.external_id: item for item in items_of(page1 + page2)}


def recorded_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted((RECORDINGS / "www.freemoa.net").glob("POST_*.json")):
        if path.name.endswith(".meta.json"):
            continue
        rows += json.loads(path.read_bytes())["DATA"]["PROJECT"]["LIST"]
    return rows


# -- the route: list page (cookie), then the API --------------------------------------


def test_start_is_the_list_page_for_its_session_cookie() -> None:
    [request] = started(make_spider(FreemoaSpider))
    assert (request.method, request.url) == ("GET", LIST_PAGE)
    assert request.errback is not None


def test_the_recorded_list_page_sets_the_session_cookie() -> None:
    cookies = recorded_response(LIST_PAGE).headers.getlist("Set-Cookie")
    assert any(cookie.startswith(b"PHPSESSID=") for cookie in cookies)


def test_list_page_asks_the_api_with_only_page_and_the_page_headers() -> None:
    spider = make_spider(FreemoaSpider)
    [request] = run(spider.parse, recorded_response(LIST_PAGE))
    assert isinstance(request, FormRequest)
    assert (request.method, request.url, request.body) == ("POST", API, b"page=1")
    assert request.headers["Content-Type"] == b"application/x-www-form-urlencoded"
    assert request.headers["Referer"] == LIST_PAGE.encode()
    assert request.headers["Origin"] == b"https://www.freemoa.net"
    assert request.callback == spider.parse_api
    assert request.errback == spider.on_request_error
    assert request.cb_kwargs == {"page": 1, "seen": 0, "renewed": False}


def test_a_redesigned_list_page_is_reported_and_the_api_still_asked() -> None:
    spider = make_spider(FreemoaSpider)
    out = run(spider.parse, fixture_response("freemoa/list_redesigned.html", LIST_PAGE))
    assert [r.url for r in requests_of(out)] == [API]
    assert stat(spider, ERRORS + "list_page_changed") == 1


def test_pages_are_followed_until_total_rows(crawl: Any) -> None:
    spider, page1, page2 = crawl
    assert len(items_of(page1)) == 10
    [next_page] = requests_of(page1)
    assert next_page.body == b"page=2"
    assert next_page.cb_kwargs == {"page": 2, "seen": 10, "renewed": False}
    # 10 + 4 rows reach totalRows 14: no third request.
    assert len(items_of(page2)) == 4
    assert requests_of(page2) == []
    assert not any(key.startswith(ERRORS) for key in spider.crawler.stats.get_stats())


def test_an_empty_list_ends_the_crawl_quietly_after_page_one() -> None:
    spider = make_spider(FreemoaSpider)
    assert run(spider.parse_api, api_fixture("api_empty_list.json", page=3, seen=20)) == []
    assert not any(key.startswith(ERRORS) for key in spider.crawler.stats.get_stats())


def test_an_empty_first_page_is_a_parse_error() -> None:
    spider = make_spider(FreemoaSpider)
    assert run(spider.parse_api, api_fixture("api_empty_list.json", page=1)) == []
    assert stat(spider, ERRORS + "no_rows") == 1


def test_max_pages_bounds_the_crawl() -> None:
    spider = make_spider(FreemoaSpider, max_pages="1")
    out = run(spider.parse_api, api_response(1))
    assert len(items_of(out)) == 10
    assert requests_of(out) == []


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_max_pages_is_refused(value: str) -> None:
    with pytest.raises(SpiderArgumentError, match=r"max_pages.*positive integer"):
        make_spider(FreemoaSpider, max_pages=value)


# -- mapping ---------------------------------------------------------------------------


def test_every_recorded_row_becomes_one_item(items: dict[str, ProjectItem]) -> None:
    assert sorted(items) == sorted(str(row["proj_idx"]) for row in recorded_rows())


def test_nothing_reads_the_clock(items: dict[str, ProjectItem]) -> None:
    assert {item.scraped_at for item in items.values()} == {FETCHED}


@pytest.mark.parametrize(
    ("project_id", "field", "expected"),
    [
        ("48512", "url", "https://www.freemoa.net/m4/s41?pno=48512&first_pno=48512"),
        ("48512", "title", "React Native 기반 반려동물 산책 앱 MVP 개발"),
        ("48512", "category", "개발 / 애플리케이션"),
        # workType 1 (도급): fixed scope, remote; cost_min/cost_max in 만원.
        ("48512", "budget_min", 15_000_000),
        ("48512", "budget_max", 20_000_000),
        ("48512", "currency", "KRW"),
        ("48512", "budget_type", "fixed"),
        ("48512", "work_type", "remote"),
        ("48512", "duration_days", 75),
        ("48512", "location", "경기"),
        ("48512", "posted_at", datetime(2026, 10, 2, 9, 12, 7, tzinfo=SEOUL)),
        ("48512", "deadline", datetime(2026, 10, 16, 23, 59, 59, tzinfo=SEOUL)),
        ("48512", "applicants", 3),
        ("48512", "status", "open"),
        # workType 3 (기간제 상주): a monthly wage, on-site.
        ("48510", "budget_min", 6_500_000),
        ("48510", "budget_max", 7_000_000),
        ("48510", "budget_type", "monthly"),
        ("48510", "work_type", "onsite"),
        # workType 2 (시간제 상주): a monthly wage, on-site.
        ("48507", "budget_type", "monthly"),
        ("48507", "work_type", "onsite"),
        ("48507", "category", "디자인 / 웹"),
        # 0 / 0 is negotiable: no amounts, no currency (도급 and 상주 alike).
        ("48509", "budget_type", "negotiable"),
        ("48509", "budget_min", None),
        ("48509", "currency", None),
        ("48502", "budget_type", "negotiable"),
        ("48502", "work_type", "onsite"),
        # isNowApply 0 is closed, whatever the deadline says.
        ("48504", "status", "closed"),
        ("48504", "deadline", datetime(2026, 10, 7, 23, 59, 59, tzinfo=SEOUL)),
        # No edate: the endtime epoch (midnight after the last day).
        ("48503", "deadline", datetime(2026, 10, 19, 0, 0, tzinfo=SEOUL)),
        # Missing fields stay None: no location, an empty body.
        ("48505", "location", None),
        ("48505", "description", None),
        ("48476", "location", "대전"),
        ("48476", "category", "개발 / 데이터"),
    ],
)
def test_row_mapping(
    items: dict[str, ProjectItem], project_id: str, field: str, expected: Any
) -> None:
    assert getattr(items[project_id], field) == expected


def test_skills_from_the_field_then_the_text(items: dict[str, ProjectItem]) -> None:
    skills = items["48510"].skills
    assert skills[:4] == ["Java", "Spring Boot", "MySQL", "AWS"]
    assert {"Redis", "Kafka"} <= set(skills)  # named only in the body


def test_description_is_plain_text_with_personal_data_redacted(
    items: dict[str, ProjectItem],
) -> None:
    description = items["48509"].description
    assert description.startswith("※ 프로젝트 내용\n- 구형 ERP(MS-SQL)")
    assert "\r" not in description
    assert "[email]" in description
    assert "[phone]" in description
    assert find_personal_data(description) == []


def test_extra_holds_public_row_fields(items: dict[str, ProjectItem]) -> None:
    assert items["48510"].extra == {
        "private": False,
        "work_type_code": "3",
        "work_type_label": "기간제 상주",
        "expected_start": "10월 3째주",
        "planning": "필요기능 정리",
        "apply_count": 4,
        "openings": 2,
        "on_site": True,
        "escrow": True,
        "nda": False,
        "client_phone_verified": True,
        "fields": ["개발"],
        "category_ids": {"1": [8]},
    }


# -- the three real rows (shared/platforms/samples/freemoa_list_rows.json) -------------


def test_real_closed_on_site_monthly_row(items: dict[str, ProjectItem]) -> None:
    item = items["47597"]
    assert item.title == "(상주) 내부 백오피스 프론트엔드 개발자"
    assert (item.budget_min, item.budget_max, item.currency) == (2_800_000, 2_800_000, "KRW")
    assert (item.budget_type, item.work_type, item.status) == ("monthly", "onsite", "closed")
    assert item.category == "개발 / 웹"
    assert item.duration_days == 90
    assert item.location == "서울"
    assert item.applicants == 1
    assert item.posted_at == datetime(2025, 9, 29, 8, 55, 40, tzinfo=SEOUL)
    assert item.deadline == datetime(2025, 10, 13, 23, 59, 59, tzinfo=SEOUL)
    assert item.description.startswith("※프로젝트의 진행 방식\n- 최초 오프라인 인터뷰")
    assert item.skills == []  # empty proj_language, no skill in the text
    assert item.extra["private"] is False
    assert item.extra["work_type_label"] == "기간제 상주"


def test_real_private_row_keeps_what_is_public(items: dict[str, ProjectItem]) -> None:
    item = items["47599"]
    assert item.extra["private"] is True
    assert item.title == "(비공개) 추가개발 _ B2B 인쇄물 주문 플랫폼 리뉴얼"
    assert item.description is None  # the body is hidden on the site
    assert "제안요청" not in item.skills  # "proposal requested" is no skill
    assert item.skills == []
    assert (item.budget_min, item.budget_type, item.work_type) == (9_800_000, "fixed", "remote")
    assert item.category == "총괄 / 웹"
    assert item.status == "closed"
    assert item.applicants == 1
    assert item.deadline == datetime(2025, 9, 30, 23, 59, 59, tzinfo=SEOUL)
    assert item.extra["fields"] == ["개발", "디자인", "기획"]


def test_real_open_range_row(items: dict[str, ProjectItem]) -> None:
    item = items["48501"]
    assert (item.budget_min, item.budget_max, item.currency) == (2_500_000, 5_000_000, "KRW")
    assert (item.budget_type, item.work_type, item.status) == ("fixed", "remote", "open")
    assert item.applicants == 9
    assert item.duration_days == 40
    assert item.posted_at == datetime(2026, 10, 1, 11, 30, 33, tzinfo=SEOUL)
    assert item.deadline == datetime(2026, 10, 17, 23, 59, 59, tzinfo=SEOUL)
    # Mixed spellings come out canonical, in the field's order.
    expected = [canonical_skill(name) for name in ("Vue", "AOS", "iOS")]
    assert None not in expected
    assert item.skills[:3] == expected
    # "backend" and "유지보수" in the skill field are kinds of work, not technologies.
    [row] = [row for row in recorded_rows() if row["proj_idx"] == "48501"]
    assert "backend, 유지보수" in row["proj_language"]
    assert not {"backend", "유지보수"} & set(item.skills)
    assert item.extra["private"] is False


# -- the client's e-mail (client_id) never leaves the row ------------------------------


def _client_ids(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in {"client_id", "clientId"} and isinstance(inner, str):
                yield inner
            yield from _client_ids(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _client_ids(inner)


def _api_payloads() -> list[Any]:
    responses = [pytest.param(api_response(page), id=f"page-{page}") for page in (1, 2)]
    for path in sorted((FIXTURES / "freemoa").glob("api_*.json")):
        responses.append(pytest.param(api_fixture(path.name), id=path.name))
    return responses


def test_every_recorded_row_carries_a_fake_client_email() -> None:
    rows = recorded_rows()
    emails = [row.get("client_id") for row in rows]
    assert len(emails) == len(rows)
    assert all(isinstance(e, str) and e.endswith("@example.com") for e in emails)


@pytest.mark.parametrize("response", _api_payloads())
def test_client_email_reaches_no_item_and_no_log_line(
    response: Response, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        payload = json.loads(response.body)
    except ValueError:
        payload = None
    emails = set(_client_ids(payload)) or {"moa_client77@example.com"}
    spider = make_spider(FreemoaSpider)
    with caplog.at_level(logging.DEBUG):
        out = run(spider.parse_api, response)
    for item in items_of(out):
        serialised = json.dumps(asdict(item), ensure_ascii=False, default=str)
        assert not any(email in serialised for email in emails)
        assert find_personal_data(serialised) == []
        assert find_personal_data(json.dumps(item.extra, ensure_ascii=False)) == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(email in logged for email in emails)
    assert "@example.com" not in logged


def test_row_values_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(FreemoaSpider)
    with caplog.at_level(logging.DEBUG):
        run(spider.parse_api, api_fixture("api_odd_rows.json"))
    assert caplog.records  # the odd rows were reported ...
    assert "moa_client9" not in caplog.text  # ... by key names only


# -- blocked: renew the session once, then stop ----------------------------------------


# A block page with a known marker, and a plain HTML page where JSON belongs.
@pytest.mark.parametrize("fixture", ["api_block.html", "list_redesigned.html"])
def test_block_page_renews_the_session_then_retries_the_same_page(fixture: str) -> None:
    spider = make_spider(FreemoaSpider)
    [renewal] = run(spider.parse_api, api_fixture(fixture, page=2, seen=10))
    assert (renewal.method, renewal.url) == ("GET", LIST_PAGE)
    assert renewal.dont_filter  # the list page was fetched before: not a duplicate
    assert renewal.cb_kwargs == {"page": 2, "seen": 10, "renewed": True}
    assert stat(spider, ERRORS + "html_instead_of_json") == 1
    assert stat(spider, "outsourcing/blocked/freemoa") is None

    list_page = recorded_response(LIST_PAGE, cb_kwargs=renewal.cb_kwargs)
    [retry] = run(spider.parse, list_page)
    assert (retry.method, retry.url, retry.body) == ("POST", API, b"page=2")
    assert retry.dont_filter
    assert retry.cb_kwargs == {"page": 2, "seen": 10, "renewed": True}

    out = run(spider.parse_api, api_response(2, seen=10, renewed=True))
    assert len(items_of(out)) == 4
    assert stat(spider, "outsourcing/blocked/freemoa") is None


@pytest.mark.parametrize("limit", [1, 5])
def test_a_second_block_page_stops_the_spider(limit: int) -> None:
    spider = make_spider(FreemoaSpider, settings={"BLOCKED_PAGES_LIMIT": limit})
    with pytest.raises(CloseSpider) as closed:
        run(spider.parse_api, api_fixture("api_block.html", page=1, renewed=True))
    assert closed.value.reason == "blocked"
    assert stat(spider, "outsourcing/blocked/freemoa") == 1


def test_a_captcha_instead_of_the_list_page_stops_the_spider() -> None:
    spider = make_spider(FreemoaSpider)
    with pytest.raises(CloseSpider) as closed:
        run(spider.parse, fixture_response("freemoa/list_captcha.html", LIST_PAGE))
    assert closed.value.reason == "blocked"
    assert stat(spider, "outsourcing/blocked/freemoa") == 1


# -- bad responses: counted, never a crash, never a bogus item -------------------------


@pytest.mark.parametrize(
    ("fixture", "kind", "count"),
    [
        ("api_empty_body.json", "empty_body", 1),
        ("api_empty_json.json", "empty_json", 1),
        ("api_truncated.json", "truncated_json", 1),
        ("api_not_json.txt", "not_json", 1),
        ("api_error.json", "api_error", 1),
        # changed markup: a renamed LIST key, renamed row keys
        ("api_renamed_list_key.json", "missing_key_LIST", 1),
        ("api_renamed_row_keys.json", "missing_key_proj_idx", 2),
    ],
)
def test_bad_api_responses_are_counted(fixture: str, kind: str, count: int) -> None:
    spider = make_spider(FreemoaSpider)
    out = run(spider.parse_api, api_fixture(fixture))
    assert out == []
    assert stat(spider, ERRORS + kind) == count


def test_odd_rows_keep_what_parses() -> None:
    spider = make_spider(FreemoaSpider)
    out = run(spider.parse_api, api_fixture("api_odd_rows.json"))
    by_id = {item.external_id: item for item in items_of(out)}
    assert sorted(by_id) == ["48530", "48531"]
    odd = by_id["48530"]  # numbers where strings were, an unknown workType
    assert odd.title == "게임 서버 부하 테스트 자동화"
    assert (odd.budget_min, odd.budget_max) == (4_000_000, None)
    assert (odd.budget_type, odd.work_type) == ("monthly", "onsite")  # from is_stay
    assert odd.duration_days == 21
    assert odd.applicants is None
    assert odd.description is None  # a login prompt is no description
    assert by_id["48531"].title is None  # kept; the validation pipeline decides
    for kind, number in [
        ("unknown_work_type", 1),
        ("missing_key_title", 1),
        ("missing_key_proj_idx", 1),
        ("bad_row", 1),
        ("missing_key_totalRows", 1),
    ]:
        assert stat(spider, ERRORS + kind) == number
    # Without totalRows the next page is asked for; an empty page will end the crawl.
    assert [r.body for r in requests_of(out)] == [b"page=2"]


@pytest.mark.parametrize(("value", "verified"), [([], None), ({"Y": 1}, None), ("Y", True)])
def test_a_flag_of_another_type_is_left_out(value: Any, verified: bool | None) -> None:
    spider = make_spider(FreemoaSpider)
    response = api_response(1)
    data = json.loads(response.body)
    rows = data["DATA"]["PROJECT"]["LIST"]
    rows[0]["authHpYn"] = value
    out = run(spider.parse_api, response.replace(body=json.dumps(data).encode()))
    items = items_of(out)
    assert len(items) == len(rows)  # the page's other rows are not lost with it
    assert items[0].extra.get("client_phone_verified") is verified


def test_a_page_that_repeats_stops_the_crawl() -> None:
    spider = make_spider(FreemoaSpider)
    run(spider.parse_api, api_fixture("api_odd_rows.json", page=1))
    out = run(spider.parse_api, api_fixture("api_odd_rows.json", page=2, seen=4))
    assert requests_of(out) == []
    assert stat(spider, ERRORS + "page_repeats") == 1


@pytest.mark.parametrize(
    ("status", "kind"), [(429, "http_429"), (500, "http_500"), (503, "http_503")]
)
def test_http_errors_after_retries_are_counted(status: int, kind: str) -> None:
    spider = make_spider(FreemoaSpider)
    response = fixture_response("freemoa/api_empty_json.json", API, status=status, method="POST")
    spider.on_request_error(failure(response))
    assert stat(spider, ERRORS + kind) == 1


def test_a_403_is_a_block() -> None:
    spider = make_spider(FreemoaSpider)
    response = fixture_response("freemoa/api_block.html", API, status=403, method="POST")
    with pytest.raises(CloseSpider) as closed:
        spider.on_request_error(failure(response))
    assert closed.value.reason == "blocked"


@pytest.mark.parametrize(
    ("row_link", "url", "built"),
    [
        ({"url": "/m4/s41?pno=9001"}, "https://www.freemoa.net/m4/s41?pno=9001", None),
        ({}, "https://www.freemoa.net/m4/s41?pno=9001&first_pno=9001", 1),
    ],
)
def test_a_row_shows_its_link_else_one_is_built_and_counted(
    row_link: dict[str, str], url: str, built: int | None
) -> None:
    spider = make_spider(FreemoaSpider)
    response = TextResponse(LIST_PAGE, body=b"{}", encoding="utf-8")
    row = {"proj_idx": 9001, "title": "앱 개발", "workType": "1", **row_link}
    item = spider.parse_row(response, row)
    assert item is not None and item.url == url
    assert stat(spider, "outsourcing/built_links/freemoa") == built
