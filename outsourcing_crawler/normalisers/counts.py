"""Counts such as applicants or proposals."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from .text import clean_text

__all__ = ["parse_count"]

_HIDDEN: Final = re.compile(r"비공개|hidden|private|(?<![A-Za-z])n/a(?![A-Za-z])", re.IGNORECASE)
_NONE: Final = re.compile(
    r"없음|없습니다|\bnone\b|\bno\s+(?:proposals|applicants|bids)\b|\bno one\b", re.IGNORECASE
)
# "Less than 5" says too little to store a number.
_UPPER_ONLY: Final = re.compile(
    r"less than|fewer than|under|below|up to|미만|이하|\bmax\b", re.IGNORECASE
)
_NEGATIVE: Final = re.compile(r"(?:^|[^\w\d])-\s*\d")
_NUMBER: Final = re.compile(
    r"(?<![\d.,])(?P<n>\d{1,3}(?:,\d{3})+|\d{1,15}(?:\.\d+)?)(?![\d,])\s*(?P<scale>[kK만천](?![A-Za-z]))?"
)
_SCALES: Final = {"k": 1_000, "K": 1_000, "천": 1_000, "만": 10_000}


def parse_count(text: str | int | None) -> int | None:
    """A non-negative count: ``지원자 7명`` -> 7, ``지원자 없음`` -> 0, ``5 to 10`` -> 5.

    A range counts as its lower bound; an upper bound alone (``Less than 5``), hidden
    values (``비공개``) and negative numbers give None.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if text >= 0 else None
    if isinstance(text, float):
        return round(text) if math.isfinite(text) and text >= 0 else None
    cleaned = clean_text(text)
    if cleaned is None or _HIDDEN.search(cleaned):
        return None
    match = _NUMBER.search(cleaned)
    if match is None:
        return 0 if _NONE.search(cleaned) else None
    if _UPPER_ONLY.search(cleaned[: match.start()]) or _NEGATIVE.search(
        cleaned[: match.start() + 1]
    ):
        return None
    value = Decimal(match["n"].replace(",", ""))
    if match["scale"]:
        value *= _SCALES[match["scale"]]
    elif value != value.to_integral_value():
        return None  # "3.5 applicants" is not a count
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
