"""Absolute and relative dates as timezone-aware datetimes."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

from .text import clean_text

__all__ = ["SEOUL", "end_of_day", "parse_datetime", "parse_relative"]

SEOUL: Final = ZoneInfo("Asia/Seoul")

# Epoch values outside these years are ids, counters or garbage, not timestamps.
_EPOCH_MIN: Final = datetime(1995, 1, 1, tzinfo=UTC).timestamp()
_EPOCH_MAX: Final = datetime(2100, 1, 1, tzinfo=UTC).timestamp()
_EPOCH_MS_THRESHOLD: Final = 100_000_000_000  # larger epoch numbers are milliseconds

_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_ALTERNATIVES: Final = "|".join(sorted(_MONTHS, key=len, reverse=True))

# A zone suffix only counts after a clock time: "2025-10-13 - 2025-10-20" is a range.
_TIME: Final = (
    r"(?:(?:T|\s*,?\s*)(?:(?P<ap1>오전|오후)\s*)?"
    r"(?P<H>\d{1,2})\s*(?::|시)\s*(?P<M>\d{2})"
    r"(?:\s*:\s*(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?|\s*분)?"
    r"(?:\s*(?P<ap2>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
    r"(?:\s*(?P<tz>Z(?![A-Za-z])|[+-]\d{2}(?::?\d{2})?(?!\d)|UTC|GMT|KST))?)?"
)
_NUMERIC_DATE: Final = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*(?:[-./]|년)\s*(?P<m>\d{1,2})\s*(?:[-./]|월)\s*(?P<d>\d{1,2})"
    r"(?!\d)(?:\s*일|\.)?" + _TIME,
    re.IGNORECASE,
)
# "Sep 29, 2025" and RFC 2822 ("Mon, 29 Sep 2025 08:55:40 +0000", the RSS date format).
_NAMED_DATE: Final = re.compile(
    rf"(?<![A-Za-z])(?:(?P<mon>{_MONTH_ALTERNATIVES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?"
    rf"\s+(?P<y>\d{{4}})|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>{_MONTH_ALTERNATIVES})"
    rf"\.?,?\s+(?P<y2>\d{{4}}))(?!\d)" + _TIME,
    re.IGNORECASE,
)
_COMPACT: Final = re.compile(
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2}))?"
)
_EPOCH: Final = re.compile(r"\d{9,10}(?:\.\d+)?|\d{12,13}")


def _zone(token: str | None, default: tzinfo) -> tzinfo | None:
    """The tzinfo of a zone suffix; None when the suffix is invalid."""
    if not token:
        return default
    upper = token.upper()
    if upper in {"Z", "UTC", "GMT"}:
        return UTC
    if upper == "KST":
        return SEOUL
    sign = -1 if token[0] == "-" else 1
    digits = token[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _hour(hour: int, meridiem: str | None) -> int:
    if not meridiem:
        return hour
    afternoon = meridiem in {"오후"} or meridiem.lower().startswith("p")
    if afternoon and hour < 12:
        return hour + 12
    if not afternoon and hour == 12:
        return 0
    return hour


def _build(
    year: int,
    month: int,
    day: int,
    match: re.Match[str] | None,
    tz: tzinfo,
    end_of_day: bool,
) -> datetime | None:
    try:
        day_date = date(year, month, day)
        if match is None or match["H"] is None:
            clock = time(23, 59, 59) if end_of_day else time(0, 0, 0)
            zone = _zone(match["tz"] if match is not None else None, tz)
            return None if zone is None else datetime.combine(day_date, clock, tzinfo=zone)
        fraction = (match.groupdict().get("f") or "0")[:6].ljust(6, "0")
        hour = _hour(int(match["H"]), match.groupdict().get("ap1") or match.groupdict().get("ap2"))
        clock = time(hour, int(match["M"]), int(match["S"] or 0), int(fraction))
        zone = _zone(match["tz"], tz)
        return None if zone is None else datetime.combine(day_date, clock, tzinfo=zone)
    except (ValueError, OverflowError):
        return None


def _from_epoch(seconds: float, tz: tzinfo) -> datetime | None:
    if not math.isfinite(seconds):
        return None
    if abs(seconds) >= _EPOCH_MS_THRESHOLD:
        seconds /= 1000
    if not _EPOCH_MIN <= seconds < _EPOCH_MAX:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz)
    except (ValueError, OverflowError, OSError):
        return None


def parse_datetime(
    value: str | int | float | None, *, tz: tzinfo = SEOUL, end_of_day: bool = False
) -> datetime | None:
    """A timezone-aware datetime from a date text, ISO 8601 or epoch seconds/milliseconds.

    A value without a timezone is local time in ``tz``; a bare date is 00:00:00 there, or
    23:59:59 with ``end_of_day=True``. Anything unparseable gives None.
    """
    if not isinstance(tz, tzinfo):
        tz = SEOUL
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return _from_epoch(float(value), tz)
        except OverflowError:
            return None
    text = clean_text(value)
    if text is None:
        return None
    if _EPOCH.fullmatch(text):
        return _from_epoch(float(text), tz)
    compact = _COMPACT.fullmatch(text)
    if compact:
        built = _build(
            int(compact["y"]), int(compact["m"]), int(compact["d"]), None, tz, end_of_day
        )
        if built is not None and compact["H"] is not None:
            try:
                return built.replace(
                    hour=int(compact["H"]), minute=int(compact["M"]), second=int(compact["S"])
                )
            except ValueError:
                return None
        return built
    numeric = _NUMERIC_DATE.search(text)
    if numeric:
        return _build(
            int(numeric["y"]), int(numeric["m"]), int(numeric["d"]), numeric, tz, end_of_day
        )
    named = _NAMED_DATE.search(text)
    if named:
        month_name = (named["mon"] or named["mon2"]).lower()
        year = int(named["y"] or named["y2"])
        day = int(named["d"] or named["d2"])
        return _build(year, _MONTHS[month_name], day, named, tz, end_of_day)
    return None


def end_of_day(days_ahead: int, reference: datetime, tz: tzinfo = SEOUL) -> datetime:
    """23:59:59 in ``tz`` on the day ``days_ahead`` days after ``reference``'s date in ``tz``."""
    local = reference.astimezone(tz) if reference.tzinfo else reference.replace(tzinfo=tz)
    day = local.date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


_UNIT_SECONDS: Final = {
    "second": 1,
    "minute": 60,
    "hour": 3_600,
    "day": 86_400,
    "week": 7 * 86_400,
    "month": 30 * 86_400,
    "year": 365 * 86_400,
}
_UNIT_WORDS: Final = (
    ("초", "second"),
    ("분", "minute"),
    ("시간", "hour"),
    ("일", "day"),
    ("주", "week"),
    ("개월", "month"),
    ("달", "month"),
    ("년", "year"),
)
_RELATIVE_PART: Final = re.compile(
    r"(?:(?<!\d)(?P<n>\d+)|(?<![A-Za-z])(?P<w>an?|one))\s*\+?\s*(?:"
    r"(?P<ko>초|분|시간|일|주일?|개월|달|년)(?=[전후뒤남동간]|[^가-힣]|$)"
    r"|(?P<en>sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|w(?:ee)?ks?|months?|mos?"
    r"|y(?:ea)?rs?)(?![A-Za-z]))",
    re.IGNORECASE,
)
_KOREAN_WORD_PARTS: Final = (
    (re.compile(r"하루"), "day", 1),
    (re.compile(r"이틀"), "day", 2),
    (re.compile(r"일주일"), "week", 1),
    (re.compile(r"한\s*달"), "month", 1),
)
_NOW: Final = re.compile(r"방금|지금|just now|right now|moments? ago|seconds ago|\bnow\b", re.I)
_D_DAY: Final = re.compile(r"(?<![A-Za-z])D\s*-\s*(?:DAY\b|(?P<n>\d+))", re.IGNORECASE)
_D_PLUS: Final = re.compile(r"(?<![A-Za-z])D\s*\+\s*(?P<n>\d+)", re.IGNORECASE)
_FUTURE: Final = re.compile(
    r"마감|남음|남았|후(?![가-힣])|\bleft\b|remaining|\bin\s+\d|\bin\s+an?\b", re.I
)
_PAST: Final = re.compile(r"전(?![가-힣])|\bago\b", re.IGNORECASE)
_NAMED_DAYS: Final = (
    (re.compile(r"그저께|그제"), -2),
    (re.compile(r"어제|yesterday", re.IGNORECASE), -1),
    (re.compile(r"오늘|today", re.IGNORECASE), 0),
    (re.compile(r"내일|tomorrow", re.IGNORECASE), 1),
)
_LAST_UNIT: Final = re.compile(r"\blast\s+(?P<unit>week|month|year)\b", re.IGNORECASE)


def _unit_key(korean: str | None, english: str | None) -> str:
    if korean:
        return next(key for word, key in _UNIT_WORDS if korean.startswith(word))
    word = (english or "").lower()
    if word.startswith("mo"):
        return "month"
    if word.startswith("mi"):
        return "minute"
    if word.startswith("s"):
        return "second"
    if word.startswith("h"):
        return "hour"
    if word.startswith("d"):
        return "day"
    if word.startswith("w"):
        return "week"
    return "year"


def _offset_seconds(text: str) -> int | None:
    """Total seconds of every "N unit" part in the text ("2주 2일" -> 16 days)."""
    total = 0
    found = False
    for match in _RELATIVE_PART.finditer(text):
        number = int(match["n"]) if match["n"] else 1
        total += number * _UNIT_SECONDS[_unit_key(match["ko"], match["en"])]
        found = True
    for pattern, unit, number in _KOREAN_WORD_PARTS:
        if pattern.search(text):
            total += number * _UNIT_SECONDS[unit]
            found = True
    return total if found else None


def parse_relative(text: str | None, reference: datetime, *, tz: tzinfo = SEOUL) -> datetime | None:
    """Resolve a relative time ("3일 전", "Posted 3 hours ago", "D-5", "마감 2주 2일 전").

    Past forms count back from ``reference``; deadline forms ("마감 ... 전", "D-5",
    "2 days left") count forward. ``D-N`` is the end of the N-th day in ``tz``.
    """
    cleaned = clean_text(text)
    if cleaned is None or not isinstance(reference, datetime):
        return None
    if not isinstance(tz, tzinfo):
        tz = SEOUL
    if reference.tzinfo is None or reference.utcoffset() is None:
        reference = reference.replace(tzinfo=tz)
    try:
        return _resolve(cleaned, reference, tz)
    except (OverflowError, ValueError):
        return None


def _resolve(text: str, reference: datetime, tz: tzinfo) -> datetime | None:
    d_day = _D_DAY.search(text)
    if d_day:
        return end_of_day(int(d_day["n"] or 0), reference, tz)
    d_plus = _D_PLUS.search(text)
    if d_plus:
        return end_of_day(-int(d_plus["n"]), reference, tz)
    offset = _offset_seconds(text)
    if offset is not None:
        # "마감 2주 2일 전" is "2 weeks 2 days before the deadline": a future time.
        if _FUTURE.search(text):
            return reference + timedelta(seconds=offset)
        if _PAST.search(text):
            return reference - timedelta(seconds=offset)
        return None
    if _NOW.search(text):
        return reference
    last = _LAST_UNIT.search(text)
    if last:
        return reference - timedelta(seconds=_UNIT_SECONDS[last["unit"].lower()])
    for pattern, days in _NAMED_DAYS:
        if pattern.search(text):
            return reference + timedelta(days=days)
    return None
