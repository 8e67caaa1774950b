"""What every spider shares: block detection, the renew-once hook, JSON, JSON-LD, budgets."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import parsel
import pytest
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.selector import Selector

from outsourcing_crawler.normalisers import NO_BUDGET, Budget
from outsourcing_crawler.spiders.base import ProjectSpider, element_text, raw_text
from tests.support import fixture_response, make_spider, stat

URL = "https://www.example.com/projects/"
ERRORS = "outsourcing/parse_errors/site/"
BLOCKED = "outsourcing/blocked/site"


class SiteSpider(ProjectSpider):
    name = "site"
    content_selector = "div.project-card"


class BareSpider(ProjectSpider):
    """A spider that declares nothing about its content."""

    name = "site"


def html(body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(URL, status=status, body=f"<html><body>{body}</body></html>".encode())


def page_with_json_ld(*blocks: str) -> HtmlResponse:
    scripts = "".join(f'<script type="application/ld+json">{block}</script>' for block in blocks)
    return HtmlResponse(URL, body=f"<html><head>{scripts}</head><body></body></html>".encode())


CARD = '<div class="project-card">React dashboard</div>'
INCAPSULA_SCRIPT = (
    '<script type="text/javascript" src="/_Incapsula_Resource?SWJIYLWA=7d&ns=1" async></script>'
)
CLOUDFLARE_SCRIPT = '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>'
RECAPTCHA_LOGIN = (
    '<form action="/login" method="post"><input type="email" name="email">'
    '<input type="password" name="password"><div class="g-recaptcha" data-sitekey="k"></div>'
    "<button>로그인</button></form>"
)
RECAPTCHA_WALL = (
    '<p>자동입력 방지를 위해 아래 확인을 완료해 주세요.</p><form action="/captcha">'
    '<div class="g-recaptcha" data-sitekey="k"></div></form>'
)


# -- texts of elements ------------------------------------------------------------------------

TEXT_PAGES = [
    '<div class="box">예상 금액 <b>350,000원</b> <span class="condition-accent">(협의)</span>',
    '<div class="box">one<!-- comment -->mid<?pi x?>tail<b>two<!--x--></b>t&amp;x <i></i>end',
    '<div class="box"><p class="condition-accent note">skip <b>me</b></p> keep<br>this</div>',
    '<div class="box"><p class="condition-accented">not the class</p></div>',
    '<div class="box"></div><div class="box">둘째 <em>상자</em></div>',
    '<section class="condition-accent"><div class="box">inside a skipped ancestor</div></section>',
    '<div class="box">\t줄\n바꿈 <script>var s = 1;</script><svg><text>t</text></svg></div>',
]


OUTSIDE_ACCENT = (
    ".//text()[not(ancestor::*"
    "[contains(concat(' ', normalize-space(@class), ' '), ' condition-accent ')])]"
)


@pytest.mark.parametrize("markup", TEXT_PAGES)
def test_raw_text_reads_what_the_text_selectors_read(markup: str) -> None:
    boxes = Selector(text=f"<html><body>{markup}</body></html>").css(".box")
    assert raw_text(boxes) == " ".join(boxes.css("::text").getall())
    assert raw_text(boxes, "condition-accent") == " ".join(boxes.xpath(OUTSIDE_ACCENT).getall())
    assert raw_text(boxes[0]) == " ".join(boxes[0].css("::text").getall())


def test_raw_text_takes_parsel_selectors_and_an_empty_class_skips_nothing() -> None:
    box = parsel.Selector(text='<div class="box">예상 <b class="x">금액</b></div>').css(".box")
    assert raw_text(box[0]) == raw_text(box) == raw_text(box, "") == "예상  금액"


def test_element_text_is_cleaned_and_none_when_empty() -> None:
    page = Selector(
        text='<p class="a">  예상   금액 <span class="x">(참고)</span> </p><p class="b"> </p>'
    )
    assert element_text(page.css("p.a")) == "예상 금액 (참고)"
    assert element_text(page.css("p.a"), "x") == "예상 금액"
    assert element_text(page.css("p.b")) is None
    assert element_text(page.css("p.a::text")) == "예상 금액"


# -- block pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spider_class", "response", "block"),
    [
        # Bot-detection scripts that protected sites load into every normal page.
        (BareSpider, html(INCAPSULA_SCRIPT + "<h1>Jobs</h1>"), False),
        (BareSpider, html(CLOUDFLARE_SCRIPT + "<h1>Jobs</h1>"), False),
        # A reCAPTCHA in a login form is no captcha wall; one without a password field is.
        (BareSpider, html(RECAPTCHA_LOGIN), False),
        (BareSpider, html(RECAPTCHA_WALL), True),
        (BareSpider, html('<div class="h-captcha"></div>'), True),
        # A page that carries the spider's content is never a block page, whatever it says.
        (SiteSpider, html(CARD + "<p>Access Denied 오류 수정</p>"), False),
        (BareSpider, html(CARD + "<p>Access Denied 오류 수정</p>"), True),
        (SiteSpider, html(CARD + RECAPTCHA_WALL), False),
        # The walls themselves.
        (SiteSpider, HtmlResponse(URL, body=b"<title>Just a moment...</title>"), True),
        (SiteSpider, html('<div id="px-captcha"></div>'), True),
        (SiteSpider, html(CARD, status=403), True),
        (SiteSpider, html("<h1>Unauthorized</h1>", status=401), True),
        (SiteSpider, Response(URL, body=b"\x89PNG\r\n"), False),
    ],
)
def test_block_page(spider_class: type[ProjectSpider], response: Response, block: bool) -> None:
    assert make_spider(spider_class).is_block_page(response) is block


@pytest.mark.parametrize(
    ("fixture", "block"),
    [
        ("guru/incapsula_block.html", True),
        ("guru/changed_markup.html", False),  # the Incapsula script only, no cards
        ("freemoa/list_captcha.html", True),
        ("elancer/detail_captcha.html", True),
        ("upwork/cloudflare_challenge.html", True),
        ("wishket/challenge.html", True),
        ("kmong/spa_shell.html", False),
    ],
)
def test_block_pages_of_the_sites(fixture: str, block: bool) -> None:
    response = fixture_response(fixture, URL, headers={"Content-Type": "text/html"})
    assert make_spider(BareSpider).is_block_page(response) is block


def test_a_json_body_is_never_a_block_page() -> None:
    spider = make_spider(BareSpider)
    payload = {"title": "Access Denied 오류 수정", "body": '<div class="g-recaptcha"></div>'}
    response = TextResponse(
        URL, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    assert not spider.is_block_page(response)
    assert spider.json_body(response) == payload
    assert stat(spider, BLOCKED) is None


def test_json_body_reports_a_block_page() -> None:
    spider = make_spider(BareSpider, settings={"BLOCKED_PAGES_LIMIT": 5})
    assert spider.json_body(TextResponse(URL, body=b"<html><p>Access Denied</p></html>")) is None
    assert stat(spider, BLOCKED) == 1
    assert stat(spider, ERRORS + "html_instead_of_json") is None


def test_json_body_reports_html_that_is_no_block_page() -> None:
    spider = make_spider(BareSpider)
    assert spider.json_body(TextResponse(URL, body=b"<html><p>Projects</p></html>")) is None
    assert stat(spider, ERRORS + "html_instead_of_json") == 1
    assert stat(spider, BLOCKED) is None


@pytest.mark.parametrize("body", [b"null", b" null\n"])
def test_json_body_reports_a_json_null(body: bytes) -> None:
    # None from json_body always means counted: its callers stop on it without a word.
    spider = make_spider(BareSpider)
    response = TextResponse(URL, body=body, headers={"Content-Type": "application/json"})
    assert spider.json_body(response) is None
    assert stat(spider, ERRORS + "empty_json") == 1


# -- stopping on blocks -----------------------------------------------------------------------


def test_blocked_stops_past_the_limit() -> None:
    spider = make_spider(BareSpider, settings={"BLOCKED_PAGES_LIMIT": 2})
    spider.blocked(html(RECAPTCHA_WALL))
    with pytest.raises(CloseSpider) as closed:
        spider.blocked(html(RECAPTCHA_WALL))
    assert closed.value.reason == "blocked"
    assert stat(spider, BLOCKED) == 2


def test_a_final_block_stops_whatever_the_limit() -> None:
    """The renew-once hook: a block met by the spider's last way round stops at once."""
    spider = make_spider(BareSpider, settings={"BLOCKED_PAGES_LIMIT": 5})
    with pytest.raises(CloseSpider) as closed:
        spider.blocked(html(RECAPTCHA_WALL), final=True)
    assert closed.value.reason == "blocked"
    assert stat(spider, BLOCKED) == 1


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
