"""Whether a posting is open or closed, from the words of a platform's status badge."""

from __future__ import annotations

from typing import Final

from .text import clean_text

__all__ = ["parse_status"]

# Badge words, compared without spaces and case: "모집 중" and "모집중" are one word.
# "마감 임박" (closing soon) still takes applications; "진행 중" is a project under way,
# so no longer recruiting.
_OPEN: Final = frozenset(
    {"모집중", "모집예정", "마감임박", "open", "active", "hiring", "recruiting"}
)
_CLOSED: Final = frozenset(
    {
        "모집마감", "마감", "모집완료", "모집종료", "계약완료", "진행중", "완료", "종료",
        "closed", "expired", "ended", "filled", "completed", "cancelled", "canceled",
    }
)  # fmt: skip


def parse_status(text: str | None) -> str | None:
    """``"open"`` or ``"closed"`` from a status badge's text (``모집 중``, ``모집마감``,
    ``Closed``); None for any other text, which is no status badge."""
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    word = cleaned.replace(" ", "").casefold()
    if word in _OPEN:
        return "open"
    if word in _CLOSED:
        return "closed"
    return None
