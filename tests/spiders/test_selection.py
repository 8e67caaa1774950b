"""Texts of selected elements, labelled values and pagination links."""

from __future__ import annotations

import parsel
import pytest
from scrapy.selector import Selector

from outsourcing_crawler.spiders.selection import (
    element_text,
    every_element,
    labelled_values,
    next_page_link,
    raw_text,
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


# -- labelled values --------------------------------------------------------------------------


def test_labelled_values_keep_the_first_value_of_a_label() -> None:
    page = Selector(
        text="<dl><dt>예상 금액</dt><dd>350,000원 <em class='x'>(협의)</em></dd>"
        "<dt>예상  금액</dt><dd>1원</dd><dt>기간</dt><dd> </dd><dt></dt><dd>빈 이름</dd></dl>"
    )
    pairs = [(dt, dt.xpath("following-sibling::dd[1]")) for dt in page.css("dt")]
    assert labelled_values(pairs, skip_class="x") == {"예상 금액": "350,000원"}
    squashed = labelled_values(pairs, key=lambda label: label.replace(" ", ""))
    assert squashed == {"예상금액": "350,000원 (협의)"}


# -- pagination -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bar", "expected"),
    [
        ('<a href="?p=2">2</a><a href="?p=3">3</a><a class="next" href="?p=11">다음</a>', "2"),
        ('<a href="?p=1">1</a><li class="next"><a href="#">›</a></li>', "›"),
        ('<a href="?p=1">1</a><a aria-label="다음 페이지" href="#">›</a>', "›"),
        ('<a href="?p=1">1</a><li class="disabled"><a href="#">다음</a></li>', None),
        ('<a href="?p=1">1</a><a aria-disabled="true" href="#">다음</a>', None),
        ('<a href="?p=1">1</a>', None),
    ],
)
def test_next_page_link(bar: str, expected: str | None) -> None:
    links = Selector(text=f"<nav>{bar}</nav>").css("nav a")
    link = next_page_link(links, 2)
    assert (element_text(link) if link is not None else None) == expected


# -- elements of several markups ----------------------------------------------------------------

MIXED = (
    '<div class="card" id="a"><p data-gid="x" id="b"></p></div>'
    '<p data-gid="y" id="c"></p><section><div class="card" data-gid="z" id="d"></div></section>'
)


def test_every_element_of_any_query_in_document_order_each_once() -> None:
    found = every_element(Selector(text=MIXED), ".card", "[data-gid]")
    # "b" lies inside card "a"; "d" matches both queries.
    assert [node.attrib["id"] for node in found] == ["a", "c", "d"]


def test_every_element_without_a_match_is_empty() -> None:
    assert not every_element(Selector(text=MIXED), ".tile", "article")
