"""A posting's text as character shingles: what two copies of one project have in common.

Korean is written with loose spacing ("산책 앱", "산책앱") and attaches particles to words, so
words are no unit to compare; overlapping character n-grams of the text without spaces are.
The same holds for English text cut the same way, so one rule serves both.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

import xxhash

from outsourcing_crawler.normalisers import canonical_skill, clean_text

__all__ = ["SHINGLE_SIZE", "comparable_text", "shingles"]

SHINGLE_SIZE: Final = 3
_WORD: Final = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1 << 18)
def _comparable_word(word: str) -> str:
    # A skill written another way ("리액트", "ReactJS") reads as its canonical name, so that
    # a copy with translated skill names keeps its shingles. The same word always maps the
    # same way, so this never separates two identical texts.
    skill = canonical_skill(word)
    return "".join(skill.casefold().split()) if skill else word


def comparable_text(text: str | None) -> str:
    """``text`` reduced to what its meaning rests on: compatibility-normalised (full-width
    forms), case-folded, skill names canonical, without spaces and punctuation."""
    cleaned = clean_text(text)
    if cleaned is None:
        return ""
    folded = unicodedata.normalize("NFKC", cleaned).casefold()
    return "".join(_comparable_word(word) for word in _WORD.findall(folded))


def shingles(text: str, size: int = SHINGLE_SIZE) -> frozenset[int]:
    """The 32-bit hashes of every ``size``-character substring of a comparable text (the
    whole text when it is shorter). Stable across processes, so they can be stored."""
    if len(text) <= size:
        return frozenset({xxhash.xxh32_intdigest(text.encode())}) if text else frozenset()
    return frozenset(
        xxhash.xxh32_intdigest(text[start : start + size].encode())
        for start in range(len(text) - size + 1)
    )
