"""Reading selected elements as the HTML spiders need it: texts, labelled values, pagination."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import parsel
from lxml import etree

from outsourcing_crawler.normalisers import clean_text

Selection = parsel.Selector | parsel.SelectorList

# One compiled XPath serves every class (a variable, so no name can break the expression);
# `concat`/`normalize-space` match a whole class token, as CSS's `.name` does.
_TEXTS_OUTSIDE_CLASS = etree.XPath(
    ".//text()[not(ancestor::*[contains(concat(' ', normalize-space(@class), ' '), $name)])]",
    smart_strings=False,
)


def raw_text(
    selection: parsel.Selector | Iterable[parsel.Selector], skip_class: str | None = None
) -> str:
    """Every text within the selected elements, joined by spaces, as
    ``" ".join(selection.css("::text").getall())`` gives it; with ``skip_class``, less the
    texts inside elements of that class. A selected text or attribute value is its own text.

    Read from lxml directly: the selector would build a Selector object for every text
    node, most of the cost of reading a card's texts.
    """
    selected = [selection] if isinstance(selection, parsel.Selector) else selection
    texts: list[str] = []
    for node in selected:
        root = node.root
        if isinstance(root, str):  # selected with ::text or ::attr()
            texts.append(root)
        elif not skip_class:
            texts.extend(root.itertext())
        else:
            texts.extend(_TEXTS_OUTSIDE_CLASS(root, name=f" {skip_class} "))
    return " ".join(texts)


def element_text(
    selection: parsel.Selector | Iterable[parsel.Selector], skip_class: str | None = None
) -> str | None:
    """The cleaned text of the selected elements (see :func:`raw_text`), None when empty."""
    return clean_text(raw_text(selection, skip_class))


def every_element(selection: Selection, *queries: str) -> parsel.SelectorList:
    """Every element that any of the CSS ``queries`` matches, in document order, each once;
    an element inside another matched one is part of that one, not an element of its own.

    A page may mix the markups of several site versions (tiles of two kinds in one list):
    taking only the first query that matches would lose the elements of the others.
    """
    # A CSS selector group is one XPath union: lxml gives document order, without repeats.
    found = selection.css(", ".join(queries))
    roots = {node.root for node in found}
    return parsel.SelectorList(
        node for node in found if not any(a in roots for a in node.root.iterancestors())
    )


def texts(selection: Selection, query: str) -> list[str]:
    """The cleaned text of each element that ``query`` selects, the empty ones left out."""
    return [text for node in selection.css(query) if (text := element_text(node))]


def children_texts(selection: parsel.Selector) -> list[str]:
    """The texts of an element's children, or its own text when it has none."""
    found = [text for child in selection.xpath("./*") if (text := element_text(child))]
    return found or [text for text in [element_text(selection)] if text]


def labelled_values(
    pairs: Iterable[tuple[Selection, Selection]],
    *,
    skip_class: str | None = None,
    key: Callable[[str], str] = str,
) -> dict[str, str]:
    """Label -> value from the (label, value) elements of a condition table's rows: the
    ``key`` of the label's text and the value's text (less the texts inside ``skip_class``),
    a row with either empty left out, the first value of a label kept."""
    values: dict[str, str] = {}
    for label_node, value_node in pairs:
        label, value = element_text(label_node), element_text(value_node, skip_class)
        if label and value:
            values.setdefault(key(label), value)
    return values


def labelled_text(selection: parsel.SelectorList, label: str) -> str | None:
    """A labelled value (``<p>근무 시작일 <span>즉시</span></p>``): the inner span's text,
    else the element's text less its label."""
    value = element_text(selection.css("span")) or element_text(selection)
    return clean_text(value.removeprefix(label)) if value else None


def next_page_link(links: Iterable[parsel.Selector], number: int) -> parsel.Selector | None:
    """The link of a pagination bar to page ``number``, else its "next" (다음) link unless
    that is disabled; None on the last page.

    The number comes first: "다음" may jump to the next block of pages.
    """
    found = None
    for link in links:
        label = element_text(link) or ""
        if label == str(number):
            return link
        if found is None and _is_next(link, label) and not _is_disabled(link):
            found = link
    return found


def _classes(link: parsel.Selector) -> list[str]:
    """The classes of a link and of its parent (the ``<li>`` of a pagination bar)."""
    return " ".join(link.xpath("./@class | ../@class").getall()).split()


def _is_next(link: parsel.Selector, label: str) -> bool:
    aria = link.attrib.get("aria-label") or ""
    return label.startswith("다음") or aria.startswith("다음") or "next" in _classes(link)


def _is_disabled(link: parsel.Selector) -> bool:
    return "disabled" in _classes(link) or link.attrib.get("aria-disabled") == "true"
