"""Personal data (e-mail addresses, phone numbers) that must never be stored or exported."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["find_personal_data", "redact_personal_data"]

_EMAIL: Final = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}"
    r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9\-])"
)
# Digits glued to letters, digits, slashes or hyphens belong to ids, dates or URLs, and
# after "<digit>." to versions or decimals; "Tel.010-1234-5678" is still a phone number.
_BEFORE: Final = r"(?<![0-9A-Za-z,\-/_+])(?<![0-9]\.)"
_AFTER: Final = r"(?![0-9A-Za-z\-_])"
_SEP: Final = r"[\-.\s]?"
_PHONE: Final = re.compile(
    "|".join(
        (
            # Korean mobile: 010-1234-5678, 010 1234 5678, 01012345678.
            rf"{_BEFORE}01[016789]{_SEP}\d{{3,4}}{_SEP}\d{{4}}{_AFTER}",
            # Korean landline: 02-123-4567, 031-123-4567, 070-1234-5678, (02) 123-4567.
            rf"{_BEFORE}\(?0(?:2|[3-6][1-5]|70|50[0-9]?|80)\)?{_SEP}\d{{3,4}}{_SEP}\d{{4}}{_AFTER}",
            # Korean nationwide numbers need their hyphen: 1588-1234.
            rf"{_BEFORE}1[5-9]\d{{2}}-\d{{4}}{_AFTER}",
            # +82 10 1234 5678, +82-2-123-4567, +82 (0)10-1234-5678.
            rf"(?<![\w+])\+82[\-.\s]*(?:\(0\)[\-.\s]*)?0?(?:1[016789]|2|[3-6][1-5]|70)"
            rf"[\-.\s]*\d{{3,4}}[\-.\s]*\d{{4}}{_AFTER}",
            # Other international numbers: + country code, then 6-14 more digits in groups.
            rf"(?<![\w+])\+[1-9]\d{{0,2}}(?:[\-.\s]*\(\d{{1,4}}\))?(?:[\-.\s]*\d{{2,5}}){{2,5}}"
            rf"{_AFTER}",
            # North American numbers without the country code: (555) 123-4567.
            rf"(?<![\w(])\(\d{{3}}\)\s?\d{{3}}[\-.\s]\d{{4}}{_AFTER}",
        )
    )
)
_MIN_INTERNATIONAL_DIGITS: Final = 8
_MAX_INTERNATIONAL_DIGITS: Final = 15


def _phone_like(candidate: str) -> bool:
    digits = sum(char.isdigit() for char in candidate)
    return _MIN_INTERNATIONAL_DIGITS <= digits <= _MAX_INTERNATIONAL_DIGITS


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every e-mail address and phone number, in text order."""
    spans: list[tuple[int, int, str]] = [(*m.span(), "email") for m in _EMAIL.finditer(text)]
    taken = [(start, end) for start, end, _ in spans]
    for match in _PHONE.finditer(text):
        start, end = match.span()
        if not _phone_like(match.group()):
            continue
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue  # digits inside an e-mail address are part of the address
        spans.append((start, end, "phone"))
    return sorted(spans)


def find_personal_data(text: str | None) -> list[str]:
    """E-mail addresses and phone numbers found in ``text``, in order, without repeats."""
    if not isinstance(text, str) or not text:
        return []
    found: list[str] = []
    for start, end, _ in _spans(text):
        value = text[start:end].strip()
        if value not in found:
            found.append(value)
    return found


def redact_personal_data(text: str | None) -> str | None:
    """``text`` with each e-mail address replaced by ``[email]`` and phone by ``[phone]``."""
    if not isinstance(text, str):
        return None
    pieces: list[str] = []
    position = 0
    for start, end, kind in _spans(text):
        pieces.append(text[position:start])
        pieces.append(f"[{kind}]")
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
