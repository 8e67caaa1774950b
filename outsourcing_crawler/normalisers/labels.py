"""Values that running text gives behind a label: ``월 단가 : 550만원``, ``기간 : 6개월``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Final, NamedTuple

from .text import clean_text

__all__ = ["Labelled", "find_labelled", "labelled_value"]

_COLON: Final = "[:：]"


class Labelled(NamedTuple):
    """A labelled value found in text; ``label`` as the caller spelt it."""

    label: str
    value: str


@cache
def _pattern(labels: tuple[str, ...], colon: bool) -> re.Pattern[str]:
    # Spaces inside a label are optional in the text ("월단가" finds "월 단가"); the longest
    # label goes first, so that "월단가" wins over "단가" at the same place.
    spellings = sorted({"".join(label.split()) for label in labels if label.strip()}, key=len)
    alternatives = "|".join(
        r"\s*".join(map(re.escape, spelling)) for spelling in reversed(spellings)
    )
    separator = _COLON if colon else f"{_COLON}?"
    return re.compile(rf"(?P<label>{alternatives})\s*{separator}\s*(?P<value>[^\n]+)")


def find_labelled(
    text: str | None, labels: Iterable[str], *, colon: bool = True
) -> Labelled | None:
    """The first value in ``text`` that follows one of ``labels``, with the label found.

    The value runs to the end of its line. With ``colon=True`` a colon (``:`` or ``：``)
    must separate label and value, as in ``기간 : 6개월``; with ``colon=False`` it may
    (``월 단가 500~600만원``). None when no label is followed by a value.
    """
    given = tuple(label for label in labels if isinstance(label, str))
    if not isinstance(text, str) or not given:
        return None
    pattern = _pattern(given, colon)
    for match in pattern.finditer(text):
        value = clean_text(match["value"])
        if value is None:
            continue
        found = "".join(match["label"].split())
        label = next(label for label in given if "".join(label.split()) == found)
        return Labelled(label, value)
    return None


def labelled_value(text: str | None, labels: Iterable[str], *, colon: bool = True) -> str | None:
    """The value behind the first of ``labels`` in ``text`` (see :func:`find_labelled`):
    ``labelled_value("근무형태 : 재택", ["근무형태"])`` -> ``"재택"``."""
    found = find_labelled(text, labels, colon=colon)
    return found.value if found is not None else None
