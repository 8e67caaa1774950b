"""Counts such as applicants or proposals, and the whole numbers of JSON APIs."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from .text import clean_text

__all__ = ["parse_count", "parse_id", "parse_int"]

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
# Counts beyond this are garbage that no database column should receive.
_MAX_COUNT: Final = 10**9
# A signed integer as a JSON API may send it as a string; longer digit runs are garbage.
_INTEGER: Final = re.compile(r"[+-]?\d{1,18}")


def parse_int(value: str | int | float | None) -> int | None:
    """A whole number from a JSON value: an int, an integral float or a digit string
    (``"-2"`` -> -2); None for anything else (bools, fractions, words, units).

    Unlike :func:`parse_count` it keeps negative numbers and reads no text around them.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    cleaned = clean_text(value)
    return int(cleaned) if cleaned is not None and _INTEGER.fullmatch(cleaned) else None


def parse_id(value: str | int | float | None) -> str | None:
    """A posting's numeric id from a JSON value (``612345``, ``" 612345 "``) as its digits;
    None for anything else (bools, zero, negative numbers, fractions, words, lists).

    Its length is not bounded here: an id too long to store is the database's to refuse.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value) if value > 0 else None
    text = clean_text(value) if isinstance(value, str) else None
    if text and text.isascii() and text.isdigit() and text.strip("0"):
        return text
    return None


def parse_count(text: str | int | None) -> int | None:
    """A non-negative count: ``지원자 7명`` -> 7, ``지원자 없음`` -> 0, ``5 to 10`` -> 5.

    A range counts as its lower bound; an upper bound alone (``Less than 5``), hidden
    values (``비공개``), negative numbers and numbers beyond a billion give None.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 <= text <= _MAX_COUNT else None
    if isinstance(text, float):
        return round(text) if math.isfinite(text) and 0 <= text <= _MAX_COUNT else None
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
    count = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return count if count <= _MAX_COUNT else None
