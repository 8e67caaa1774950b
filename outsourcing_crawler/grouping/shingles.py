"""A posting's text as character shingles: what two copies of one project have in common.

Korean is written with loose spacing ("산책 앱", "산책앱") and attaches particles to words, so
words are no unit to compare; overlapping character n-grams of the text without spaces are.
English text is cut the same way, with longer pieces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

import xxhash

from outsourcing_crawler.normalisers import canonical_skill, clean_text

__all__ = ["HANGUL_SIZE", "LATIN_SIZE", "comparable_text", "shingles"]

# A piece must be rare enough to tell projects apart among 100,000 postings. Three Korean
# syllables are (11,172 of them); three Latin letters are not (26 of them): at that scale
# nearly every three-letter piece is in dozens of postings. Five letters are.
HANGUL_SIZE: Final = 3
LATIN_SIZE: Final = 5
_WORD: Final = re.compile(r"[^\W_]+")
_FIRST_SYLLABLE: Final = "가"
_LAST_SYLLABLE: Final = "힣"
_RUNS: Final = re.compile("[가-힣]+|[^가-힣]+")


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
    return "".join(map(_comparable_word, _WORD.findall(folded)))


def shingles(text: str) -> frozenset[int]:
    """The 32-bit hashes of the overlapping pieces of a comparable text: ``HANGUL_SIZE``
    syllables of Korean, ``LATIN_SIZE`` characters of anything else; a run shorter than that
    is one piece. Stable across processes, so they can be stored."""
    hashes: list[int] = []
    for run in _RUNS.findall(text):
        size = HANGUL_SIZE if _FIRST_SYLLABLE <= run[0] <= _LAST_SYLLABLE else LATIN_SIZE
        if len(run) <= size:
            hashes.append(xxhash.xxh32_intdigest(run.encode()))
        else:
            pieces = [run[start : start + size].encode() for start in range(len(run) - size + 1)]
            hashes.extend(map(xxhash.xxh32_intdigest, pieces))
    return frozenset(hashes)
