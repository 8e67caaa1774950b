"""Plain text, categories and login prompts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from outsourcing_crawler.normalisers import (
    clean_text,
    html_to_text,
    is_login_prompt,
    join_category,
    json_text,
)

SAMPLES = Path("/work/shared/platforms/samples")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  a  b  ", "a b"),
        ("a\u00a0\u00a0b", "a b"),
        ("a\u3000b", "a b"),
        ("a\n\t b", "a b"),
        ("Re\u200bact", "React"),
        ("\u200b", None),
        ("", None),
        ("   ", None),
        (None, None),
        # what no database column or encoder takes is dropped: NUL, lone surrogates
        ("Re\x00act", "React"),
        ("\x00", None),
        ("a\x07b\x1bc", "abc"),
        ("a\x0cb\x1fc", "a b c"),  # control characters that are whitespace stay spaces
        ("x\ud83dy", "xy"),
        ("x \udc00", "x"),
        ("\ud83d\ude00", "\U0001f600"),  # a pair held as two code points is joined
    ],
)
def test_clean_text(value: str | None, expected: str | None) -> None:
    assert clean_text(value) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>x</p>\n<p>y &amp; &nbsp;z &#65;</p>", "x\ny & z A"),
        ("<div>Hello<br>World</div><ul><li>one</li><li>two</li></ul>", "Hello\nWorld\none\ntwo"),
        ("<script>alert(1)</script><style>p{}</style><p>kept</p>", "kept"),
        ("<h1>Title</h1><section><p>Body  text</p></section>", "Title\nBody text"),
        ("<div><b>bold</b> and <i>it</i></div>text", "bold and it\ntext"),
        ("<table><tr><td>a</td><td>b</td></tr></table>", "a\nb"),
        ("<p>  spaced   out  </p>", "spaced out"),
        ("<!-- comment -->visible", "visible"),
        ("<p><p>broken <b>markup</p>", "broken markup"),
        ("<p>unclosed", "unclosed"),
        ('<?xml version="1.0" encoding="utf-8"?><p>x</p>', "x"),
        ("&lt;tag&gt;", "<tag>"),
        # HTML escaped once more (elancer's JSON-LD) is read as HTML; escaped tags inside
        # real markup are the text it shows.
        ("&lt;p&gt;a&lt;/p&gt;&lt;p&gt;b&lt;br&gt;c &amp;amp; d&lt;/p&gt;", "a\nb\nc & d"),
        ("월 단가 : 500만원&lt;br&gt;기간 : 6개월", "월 단가 : 500만원\n기간 : 6개월"),
        ("<p>&lt;br&gt; 태그 처리</p>", "<br> 태그 처리"),
        # plain text
        ("para1\r\n\r\npara2\r\n\r\n\r\n- item", "para1\npara2\n- item"),
        ("  line one  \n\n\n  line two ", "line one\nline two"),
        ("a < b", "a < b"),
        ("a<b", "a<b"),
        ("5 > 3 and 2 < 4", "5 > 3 and 2 < 4"),
        ("<", "<"),
        ("x\x00y", "xy"),
        ("<p>x\ud800y</p>", "xy"),
        ("<p>\x00</p>", None),
        ("", None),
        ("<p> </p>", None),
        (None, None),
    ],
)
def test_html_to_text(html: str | None, expected: str | None) -> None:
    assert html_to_text(html) == expected


def test_html_to_text_on_a_real_card() -> None:
    html = (SAMPLES / "wishket_cards.html").read_text(encoding="utf-8")
    text = html_to_text(html)
    assert text is not None
    lines = text.split("\n")
    assert "Databricks 기반 데이터 플랫폼 구축 데이터 엔지니어" in lines
    assert "" not in lines
    assert all(line == line.strip() for line in lines)


def test_html_to_text_freemoa_body() -> None:
    body = "※프로젝트의 진행 방식\r\n\r\n- 최초 오프라인 인터뷰\r\n\r\n- 계약방식 : 기간제 계약"
    assert (
        html_to_text(body)
        == "※프로젝트의 진행 방식\n- 최초 오프라인 인터뷰\n- 계약방식 : 기간제 계약"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("개발 > 웹", "개발 / 웹"),
        ('개발 > <span class="prjct-info-type-bold">웹</span>', "개발 / 웹"),
        ('총괄 > <span class="prjct-info-type-bold">웹</span>', "총괄 / 웹"),
        (["개발", "웹"], "개발 / 웹"),
        (("개발", " 웹 "), "개발 / 웹"),
        ("IT·프로그래밍 / 웹사이트 개발", "IT·프로그래밍 / 웹사이트 개발"),
        ("개발 >  > 웹", "개발 / 웹"),
        ("개발 &gt; 웹", "개발 / 웹"),
        ("디자인 › 웹 » 앱 | 기타", "디자인 / 웹 / 앱 / 기타"),
        ("<li>개발</li><li>웹</li>", "개발 / 웹"),
        ("UI/UX", "UI/UX"),
        ("웹", "웹"),
        (["", "개발", None], "개발"),
        ([], None),
        ("", None),
        (None, None),
    ],
)
def test_join_category(value: str | Sequence[str] | None, expected: str | None) -> None:
    assert join_category(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("로그인하고 프로젝트 상세 내용을 확인하세요", True),
        ("로그인 후 확인 가능합니다", True),
        ("Log in to see more", True),
        ("Sign up to see the full description", True),
        ("일반 설명", False),
        ("", False),
        (None, False),
        # a long description that talks about a login feature is not a prompt
        ("사용자가 로그인 후 주문 내역을 확인하는 기능을 개발합니다. " * 12, False),
    ],
)
def test_is_login_prompt(text: str | None, expected: bool) -> None:
    assert is_login_prompt(text) is expected


@pytest.mark.parametrize(
    ("value", "keys", "expected"),
    [
        ("  React  Native ", (), "React Native"),
        (612345, (), "612345"),
        (1.5, (), "1.5"),
        ({"title": "Vue.js"}, ("title", "name"), "Vue.js"),
        ({"name": " Node.js "}, ("title", "name"), "Node.js"),
        ({"@type": "PropertyValue", "value": 29741}, ("value",), "29741"),
        ({"title": "Vue\x00.js\udfff"}, ("title",), "Vue.js"),
        ({"title": None, "name": "React"}, ("title", "name"), None),  # the first key present
        ({"id": 3}, ("title", "name"), None),
        (True, (), None),
        (["React"], (), None),
        ("", (), None),
        (None, (), None),
    ],
)
def test_json_text(value: object, keys: tuple[str, ...], expected: str | None) -> None:
    assert json_text(value, *keys) == expected
