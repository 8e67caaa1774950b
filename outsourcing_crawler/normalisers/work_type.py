"""Where the work happens: remote, onsite or hybrid."""

from __future__ import annotations

import re
from typing import Final

from .text import clean_text

__all__ = ["parse_work_type"]

# Hybrid is checked first: "반상주" contains "상주".
_HYBRID: Final = re.compile(
    r"반\s*상주|부분\s*(?:상주|재택)|혼합|(?:재택|원격|상주)\s*병행|병행\s*(?:재택|원격|상주)|hybrid|partially\s+remote|part[-\s]time\s+on[-\s]?site",
    re.IGNORECASE,
)
# A negated mode says the opposite: "재택 불가" is onsite, "비상주" is remote.
_NOT_REMOTE: Final = re.compile(
    r"(?:재택|원격)\s*(?:근무\s*)?(?:불가|x|안\s*됨|없음)|no\s+remote|not\s+remote", re.IGNORECASE
)
_NOT_ONSITE: Final = re.compile(r"비\s*상주|상주\s*(?:불가|x|안\s*함|없음)", re.IGNORECASE)
_ONSITE: Final = re.compile(
    r"상주|출근|현장\s*근무|내근|on[-\s]?site|in[-\s]office|in[-\s]person|office[-\s]based",
    re.IGNORECASE,
)
_REMOTE: Final = re.compile(
    r"재택|원격|리모트|remote|work\s+from\s+home|\bwfh\b|anywhere", re.IGNORECASE
)


def parse_work_type(text: str | None) -> str | None:
    """``"remote"``, ``"onsite"`` or ``"hybrid"`` from a work-mode text; None when unknown.

    A text naming both modes (``상주/재택``) is hybrid. ``외주`` (outsourced) says nothing
    about where the work happens.
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    if _HYBRID.search(cleaned):
        return "hybrid"
    onsite = bool(_NOT_REMOTE.search(cleaned))
    remote = bool(_NOT_ONSITE.search(cleaned))
    # Take the negated phrases out so "재택 불가" does not also count as remote.
    rest = _NOT_ONSITE.sub(" ", _NOT_REMOTE.sub(" ", cleaned))
    onsite = onsite or bool(_ONSITE.search(rest))
    remote = remote or bool(_REMOTE.search(rest))
    if onsite and remote:
        return "hybrid"
    if onsite:
        return "onsite"
    if remote:
        return "remote"
    return None
