"""Project durations in days."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from .text import clean_text

__all__ = ["parse_duration_days"]

_DAYS_PER_UNIT: Final = {"day": 1, "week": 7, "month": 30, "year": 365}
# Durations beyond a century are garbage, and the bound keeps the arithmetic small.
_MAX_DAYS: Final = 36_500

_NUMBER: Final = r"(?:(?<![\d.,])\d{1,6}(?:\.\d+)?(?![\d.,])|(?<![A-Za-z])(?:an?|one)(?![A-Za-z]))"
_UNIT: Final = (
    # Units that begin a longer word are not units: 달러, 주말, 일반, 년도.
    r"(?:(?P<ko>일(?![반부자요])|주일|주(?![말소차식요가])|개월|달(?!러)|년(?!도))"
    r"|(?P<en>days?|w(?:ee)?ks?|months?|mos?|y(?:ea)?rs?)(?![A-Za-z]))"
)
_DURATION: Final = re.compile(
    rf"(?P<low>{_NUMBER})(?:\s*(?:~|-|–|—|to|부터|에서)\s*(?P<high>{_NUMBER}))?\s*\+?\s*{_UNIT}",
    re.IGNORECASE,
)
# A calendar date ("2025년 10월 13일") is no duration.
_DATE_PARTS: Final = re.compile(r"\d{4}\s*년|\d{1,2}\s*월\s*\d{1,2}\s*일")
_JOINER: Final = re.compile(r"\s*(?:,|and|및)?\s*", re.IGNORECASE)


def _unit_days(korean: str | None, english: str | None) -> int:
    if korean:
        if korean.startswith("주"):
            return _DAYS_PER_UNIT["week"]
        if korean in {"개월", "달"}:
            return _DAYS_PER_UNIT["month"]
        return _DAYS_PER_UNIT["year"] if korean == "년" else _DAYS_PER_UNIT["day"]
    word = (english or "").lower()
    if word.startswith("d"):
        return _DAYS_PER_UNIT["day"]
    if word.startswith("w"):
        return _DAYS_PER_UNIT["week"]
    if word.startswith("m"):
        return _DAYS_PER_UNIT["month"]
    return _DAYS_PER_UNIT["year"]


def _count(token: str | None) -> Decimal | None:
    if not token:
        return None
    if token[0].isdigit():
        try:
            return Decimal(token)
        except InvalidOperation:
            return None
    return Decimal(1)  # "a", "an", "one"


def _days(match: re.Match[str]) -> Decimal | None:
    # A range counts as its upper bound: "1 to 3 months" -> 90.
    count = _count(match["high"]) or _count(match["low"])
    if count is None:
        return None
    return count * _unit_days(match["ko"], match["en"])


def parse_duration_days(text: str | int | None) -> int | None:
    """Days in a duration text: ``30일``, ``3개월`` (90), ``1 to 3 months`` (90), ``2주`` (14).

    A month is 30 days, a week 7, a year 365; a range gives its upper bound; consecutive
    parts add up (``1년 6개월``). Ints pass through; unknown text gives None.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 <= text <= _MAX_DAYS else None
    if isinstance(text, float):
        return round(text) if math.isfinite(text) and 0 <= text <= _MAX_DAYS else None
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    if cleaned.isascii() and cleaned.isdigit():
        return int(cleaned) if len(cleaned) <= 6 and int(cleaned) <= _MAX_DAYS else None
    masked = _DATE_PARTS.sub(lambda m: "#" * len(m.group()), cleaned)
    total = Decimal(0)
    previous_end: int | None = None
    found = False
    for match in _DURATION.finditer(masked):
        # Only parts written together count together ("1년 6개월"); a later mention
        # elsewhere in the text is another statement.
        if previous_end is not None and not _JOINER.fullmatch(masked, previous_end, match.start()):
            break
        days = _days(match)
        if days is None:
            continue
        total += days
        previous_end = match.end()
        found = True
    if not found:
        return None
    days_int = int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return days_int if days_int <= _MAX_DAYS else None
