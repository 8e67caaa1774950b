"""Telling pages worth reading from the rest: block pages, JSON, HTML and sitemap guards."""

from __future__ import annotations

import json

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse

from outsourcing_crawler.spiders.pages import PageSpider
from tests.support import fixture_response, make_spider, stat

URL = "https://www.example.com/projects/"
ERRORS = "outsourcing/parse_errors/site/"
BLOCKED = "outsourcing/blocked/site"


class SiteSpider(PageSpider):
    name = "site"
    content_selector = "div.project-card"


class BareSpider(PageSpider):
    """A spider that declares nothing about its content."""

    name = "site"


def html(body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(URL, status=status, body=f"<html><body>{body}</body></html>".encode())


def errors(spider: PageSpider) -> dict[str, int]:
    stats = spider.crawler.stats.get_stats()
    return {key.removeprefix(ERRORS): n for key, n in stats.items() if key.startswith(ERRORS)}


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
def test_block_page(spider_class: type[PageSpider], response: Response, block: bool) -> None:
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


@pytest.mark.parametrize(
    ("body", "expected", "counted"),
    [
        (b'{"a": 1}', {"a": 1}, {}),
        (b"[1, 2]", None, {"bad_json_shape": 1}),
        (b'"text"', None, {"bad_json_shape": 1}),
        (b"null", None, {"empty_json": 1}),
        (b"{", None, {"not_json": 1}),
    ],
)
def test_json_object(body: bytes, expected: dict | None, counted: dict[str, int]) -> None:
    spider = make_spider(BareSpider)
    response = TextResponse(URL, body=body, headers={"Content-Type": "application/json"})
    assert spider.json_object(response) == expected
    assert errors(spider) == counted


# -- HTML pages -------------------------------------------------------------------------------


def test_html_page_gives_a_whole_page() -> None:
    spider = make_spider(SiteSpider)
    page = html(CARD)
    assert spider.html_page(page) is page
    assert errors(spider) == {}


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (HtmlResponse(URL, body=b""), "empty_body"),
        (HtmlResponse(URL, body=b" \n "), "empty_body"),
        (Response(URL, body=b"\x89PNG\r\n", headers={"Content-Type": "image/png"}), "not_html"),
        (TextResponse(URL, body=b' {"result": "<div>"}'), "not_html"),
        (HtmlResponse(URL, body=b"[1, 2]"), "not_html"),
    ],
)
def test_html_page_counts_a_body_that_is_no_page(response: Response, kind: str) -> None:
    spider = make_spider(SiteSpider)
    assert spider.html_page(response) is None
    assert errors(spider) == {kind: 1}


def test_html_page_stops_on_a_block_page() -> None:
    spider = make_spider(SiteSpider)
    with pytest.raises(CloseSpider):
        spider.html_page(html(RECAPTCHA_WALL))
    assert stat(spider, BLOCKED) == 1
    assert errors(spider) == {}


@pytest.mark.parametrize(
    ("body", "cut"),
    [
        (f"<html><body>{CARD}</body></html>", False),
        (f"<html><body>{CARD}</body>", False),  # a page without </html> ends with </body>
        (f"<html><body>{CARD}", True),
        (f"<html><body>{CARD}</body></html>\n<!-- served in 3 ms -->\n", False),
        (f"<html><body>{CARD}" + "<p>더 많은 내용</p>" * 500, True),
    ],
)
def test_a_page_cut_short_is_counted_and_refused_only_when_whole(body: str, cut: bool) -> None:
    response = HtmlResponse(URL, body=body.encode())
    spider = make_spider(SiteSpider)
    assert spider.html_page(response) is response
    assert errors(spider) == ({"truncated_html": 1} if cut else {})
    whole = make_spider(SiteSpider)
    assert whole.html_page(response, whole=True) is (None if cut else response)


# -- sitemaps ---------------------------------------------------------------------------------

URLSET = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://www.example.com/p/1</loc></url>"
    b"<url><loc>https://www.example.com/p/2</loc></url></urlset>"
)
INDEX = (
    b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<sitemap><loc>https://www.example.com/sitemap-1.xml</loc></sitemap></sitemapindex>"
    b"<!-- generated -->\n"
)


def sitemap(body: bytes) -> XmlResponse:
    return XmlResponse(URL, body=body)


def test_sitemap_gives_its_root_and_entries() -> None:
    spider = make_spider(BareSpider)
    root, entries = spider.sitemap(sitemap(URLSET))
    assert (root, [entry["loc"] for entry in entries]) == (
        "urlset",
        ["https://www.example.com/p/1", "https://www.example.com/p/2"],
    )
    assert spider.sitemap(sitemap(INDEX))[0] == "sitemapindex"
    assert errors(spider) == {}


def test_a_sitemap_cut_short_loses_its_last_entry() -> None:
    spider = make_spider(BareSpider)
    cut = URLSET[: URLSET.index(b"/p/2") + 4]
    _, entries = spider.sitemap(sitemap(cut))
    assert [entry["loc"] for entry in entries] == ["https://www.example.com/p/1"]
    assert errors(spider) == {"truncated_sitemap": 1}


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty_body"),
        (b"<html><body><h1>Not found</h1></body></html>", "not_sitemap"),
        (b'{"urlset": []}', "not_sitemap"),
    ],
)
def test_no_sitemap_is_counted(body: bytes, kind: str) -> None:
    spider = make_spider(BareSpider)
    assert spider.sitemap(sitemap(body)) is None
    assert errors(spider) == {kind: 1}
