"""Plain text from the markup and whitespace the platforms publish."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape
from typing import Any, Final

from lxml import etree
from lxml import html as lxml_html
from lxml.html.defs import tags as HTML_TAGS

__all__ = [
    "HANGUL",
    "clean_text",
    "description_text",
    "html_to_text",
    "is_login_prompt",
    "join_category",
    "json_text",
]

# Zero-width characters are invisible, so they are deleted rather than turned into a space
# ("Re\u200bact" renders as "React").
_ZERO_WIDTH: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# `\s` in a str pattern already covers NBSP, U+3000 and the other Unicode spaces.
_SPACES: Final = re.compile(r"\s+")
# Control characters other than tab/newline break lxml and never carry meaning.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The ones that are no whitespace either: PostgreSQL refuses NUL in text.
_NON_SPACE_CONTROL: Final = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
# A lone surrogate (a `\ud83d` JSON escape without its pair) cannot be encoded: no database,
# feed or log line takes it.
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS: Final = re.compile(r"\r\n?|[\n\u2028\u2029\x85\x0b\x0c]")
# Only something that really looks like a tag, comment or entity sends text through the HTML
# parser: plain text such as "a < b", "a<b" or "5 > 3" then stays untouched.
_TAG: Final = re.compile(r"</?[A-Za-z][^<>]*>|<!--")
_MARKUP_HINT: Final = re.compile(rf"{_TAG.pattern}|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")

# Markup that arrives escaped once more (``&lt;p&gt;…``, as some JSON-LD descriptions carry
# it) holds escaped tags of HTML elements and no real tag; "&lt;tag&gt;" alone is text.
_ESCAPED_TAG: Final = re.compile(r"&lt;/?([A-Za-z][A-Za-z0-9]*)[^<>]{0,200}?&gt;")
# Hangul syllables and compatibility jamo (ㄱ, ㅋ, ㅏ): a character of Korean text.
HANGUL: Final = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")

_DROPPED_TAGS: Final = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg"}
)
_BLOCK_TAGS: Final = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip

_LOGIN_MARKERS: Final = (
    "로그인하고 ",
    "로그인 후",
    "로그인후",
    "로그인 하고 ",
    "로그인이 필요",
    "로그인하시면",
    "로그인 하시면",
    "로그인해야",
    "로그인 해야",
    "회원가입 후",
    "log in to",
    "login to",
    "sign in to",
    "sign up to see",
    "sign up to view",
    "sign up to read",
)
# A real project description can mention "로그인 후" (it may be *about* a login feature);
# the prompts shown instead of hidden content are short.
_LOGIN_PROMPT_MAX_CHARS: Final = 300


def _storable(text: str) -> str:
    """``text`` without the characters nothing can store: control characters that are no
    whitespace (NUL above all) and lone surrogates."""
    if _SURROGATE.search(text):
        # A pair held as two code points is one character: joined, not dropped.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
        text = _SURROGATE.sub("", text)
    return _NON_SPACE_CONTROL.sub("", text)


def clean_text(value: str | None) -> str | None:
    """Strip, collapse every run of whitespace to one space, drop control characters and
    lone surrogates; None for empty or non-text."""
    if not isinstance(value, str):
        return None
    text = _SPACES.sub(" ", _storable(value).translate(_ZERO_WIDTH)).strip()
    return text or None


def json_text(value: Any, *keys: str) -> str | None:
    """The cleaned text of a JSON value: a string, a number as written (``612345`` ->
    ``"612345"``), or, for an object, its first of ``keys`` (``{"title": "React"}`` with
    ``"title"``). None for anything else: bools, lists, empty text."""
    if isinstance(value, dict):
        value = next((value[key] for key in keys if key in value), None)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return clean_text(value)


def _clean_lines(text: str) -> str | None:
    """One cleaned, non-empty line per paragraph, joined by single newlines."""
    lines = (clean_text(line) for line in _LINE_BREAKS.split(text))
    return "\n".join(line for line in lines if line) or None


def _parse_html(markup: str) -> etree._Element | None:
    # Bytes with an explicit encoding: lxml refuses str input carrying an XML encoding
    # declaration, and lone surrogates cannot reach libxml2 at all.
    data = markup.encode("utf-8", "replace")
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return None


def _element_text(root: etree._Element) -> str:
    """The text of a parsed tree with a newline around every block element."""
    parts: list[str] = []
    # An explicit stack: deeply nested markup must not hit Python's recursion limit.
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else None
        if closing:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if node.tail and node is not root:
                parts.append(node.tail)
            continue
        if tag is None or tag.lower() in _DROPPED_TAGS:
            # Comments, processing instructions and dropped elements keep only their tail.
            if node.tail and node is not root:
                parts.append(node.tail)
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(parts)


def _is_escaped_markup(text: str) -> bool:
    escaped = (match[1].lower() in HTML_TAGS for match in _ESCAPED_TAG.finditer(text))
    return any(escaped) and not _TAG.search(text)


def html_to_text(html: str | None) -> str | None:
    """Readable plain text from HTML (or from plain text with stray tags).

    Paragraphs (block elements, ``<br>``, newlines) are separated by exactly one newline;
    each line is stripped, blank lines are dropped, script/style content is removed. HTML
    escaped once more (``&lt;p&gt;…&lt;/p&gt;``, no real tag) is read as the HTML it is.
    """
    if not isinstance(html, str):
        return None
    text = _CONTROL.sub("", _storable(html))
    if not text.strip():
        return None
    if _is_escaped_markup(text):
        text = unescape(text)
    if not _MARKUP_HINT.search(text):
        return _clean_lines(text)
    root = _parse_html(text)
    if root is None:
        # Unparseable markup is rare; losing the tags' structure is better than losing text.
        return _clean_lines(unescape(re.sub(r"<[^<>]*>", " ", text)))
    return _clean_lines(_element_text(root))


def _separator_pattern(separators: str) -> re.Pattern[str]:
    # "/" is part of many names ("UI/UX", "웹/앱"), so it only separates when spaced.
    tight = "".join(re.escape(ch) for ch in separators if ch != "/")
    alternatives = [r"\n"]
    if tight:
        alternatives.append(rf"\s*[{tight}]\s*")
    if "/" in separators:
        alternatives.append(r"\s+/\s*|\s*/\s+")
    return re.compile("|".join(alternatives))


def join_category(value: str | Sequence[str] | None, *, separators: str = ">/›»|") -> str | None:
    """A category path re-joined with ``" / "``: ``"개발 > 웹"`` -> ``"개발 / 웹"``.

    A string is split on ``separators`` after any HTML in it is removed; a sequence gives
    the parts directly. Empty parts are dropped.
    """
    if isinstance(value, str):
        raw_parts: list[str] = [value]
    elif isinstance(value, Sequence):
        raw_parts = [part for part in value if isinstance(part, str)]
    else:
        return None
    splitter = _separator_pattern(separators if isinstance(separators, str) else "")
    parts: list[str] = []
    for raw in raw_parts:
        plain = html_to_text(raw)
        if plain is None:
            continue
        for piece in splitter.split(plain):
            cleaned = clean_text(piece)
            if cleaned:
                parts.append(cleaned)
    return " / ".join(parts) or None


def is_login_prompt(text: str | None) -> bool:
    """True for the text a platform shows instead of hidden content (a login prompt)."""
    cleaned = clean_text(text)
    if cleaned is None or len(cleaned) > _LOGIN_PROMPT_MAX_CHARS:
        return False
    lowered = cleaned.lower()
    return any(marker in lowered for marker in _LOGIN_MARKERS)


def description_text(html: str | None) -> str | None:
    """A posting's description as plain text (see :func:`html_to_text`); None where the
    platform shows a login prompt in its place, which is no description."""
    text = html_to_text(html)
    return None if text is None or is_login_prompt(text) else text
