"""The text people get: a posting's title, platform, budget, deadline, skills and link, in
English or Korean (a search's ``language``); several postings make one digest message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from outsourcing_crawler.alerts.config import SavedSearch
from outsourcing_crawler.normalisers import SEOUL

__all__ = ["SAMPLE", "health_message", "message"]

Posting = Mapping[str, Any]

_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "platform": "Platform",
        "budget": "Budget",
        "deadline": "Deadline",
        "skills": "Skills",
        "none": "none",
        "not_published": "not published",
        "from": "from {}",
        "up_to": "up to {}",
        "days_left": "{} days left",
        "closes_today": "closes today",
        "postings": "{} postings",
        "new": "",
        "reopened": "Reopened: ",
        "budget_raised": "Budget raised: ",
        "fixed": "fixed",
        "hourly": "hourly",
        "monthly": "monthly",
        "negotiable": "negotiable",
    },
    "ko": {
        "platform": "플랫폼",
        "budget": "예산",
        "deadline": "마감",
        "skills": "기술",
        "none": "없음",
        "not_published": "비공개",
        "from": "{} 이상",
        "up_to": "{} 이하",
        "days_left": "{}일 남음",
        "closes_today": "오늘 마감",
        "postings": "공고 {}건",
        "new": "",
        "reopened": "재오픈: ",
        "budget_raised": "예산 증액: ",
        "fixed": "고정",
        "hourly": "시급",
        "monthly": "월급",
        "negotiable": "협의",
    },
}
_PLATFORMS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "kmong": "Kmong",
        "wishket": "Wishket",
        "freemoa": "Freemoa",
        "elancer": "eLancer",
        "freelancer": "Freelancer.com",
        "guru": "Guru",
        "upwork": "Upwork",
    },
    "ko": {"kmong": "크몽", "wishket": "위시켓", "freemoa": "프리모아", "elancer": "이랜서"},
}

SAMPLE: Final[dict[str, Any]] = {
    "platform": "wishket",
    "title": "Sample posting: React booking app / 샘플 공고: 리액트 예약 앱",
    "url": "https://www.wishket.com/project/",
    "skills": ["React", "TypeScript"],
    "budget_min": 5_000_000,
    "budget_max": 8_000_000,
    "currency": "KRW",
    "budget_type": "fixed",
    "deadline": datetime(2030, 1, 31, 14, 59, 59, tzinfo=UTC),
}
"""The posting ``scrapy alerts test`` sends: every line of a message filled."""


def _amount(value: int, currency: str | None) -> str:
    return f"{value:,} {currency or ''}".rstrip()


def _budget(posting: Posting, words: Mapping[str, str]) -> str:
    low, high = posting.get("budget_min"), posting.get("budget_max")
    currency = posting.get("currency")
    if low is not None and high is not None:
        amounts = _amount(low, currency) if low == high else f"{low:,}–{_amount(high, currency)}"
    elif low is not None:
        amounts = words["from"].format(_amount(low, currency))
    elif high is not None:
        amounts = words["up_to"].format(_amount(high, currency))
    else:
        amounts = ""
    kind = words.get(posting.get("budget_type") or "")
    if amounts and kind:
        return f"{amounts} ({kind})"
    return amounts or kind or words["not_published"]


def _deadline(posting: Posting, words: Mapping[str, str], now: datetime) -> str:
    deadline: datetime | None = posting.get("deadline")
    if deadline is None:
        return words["none"]
    left = (deadline - now) // timedelta(days=1)
    when = deadline.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M KST")
    return f"{when} ({words['days_left'].format(left) if left > 0 else words['closes_today']})"


def _details(posting: Posting, language: str, now: datetime) -> list[str]:
    words = _WORDS[language]
    platform = posting.get("platform") or ""
    shown = _PLATFORMS[language].get(platform) or _PLATFORMS["en"].get(platform, platform)
    lines = [
        f"{words['platform']}: {shown}",
        f"{words['budget']}: {_budget(posting, words)}",
        f"{words['deadline']}: {_deadline(posting, words, now)}",
    ]
    if posting.get("skills"):
        lines.append(f"{words['skills']}: {', '.join(posting['skills'])}")
    lines.append(str(posting.get("url") or ""))
    return lines


def _headline(event: str, posting: Posting, language: str) -> str:
    return f"{_WORDS[language][event.split(':', 1)[0]]}{posting.get('title') or ''}"


def message(
    search: SavedSearch, entries: Sequence[tuple[str, Posting]], now: datetime
) -> tuple[str, str]:
    """The title and body of one message about ``(event, posting)`` entries: one posting's
    message, or a digest of several."""
    language = search.language
    if len(entries) == 1:
        ((event, posting),) = entries
        title = f"[{search.name}] {_headline(event, posting, language)}"
        return title, "\n".join(_details(posting, language, now))
    title = f"[{search.name}] {_WORDS[language]['postings'].format(len(entries))}"
    blocks = [
        "\n".join([f"■ {_headline(event, posting, language)}", *_details(posting, language, now)])
        for event, posting in entries
    ]
    return title, "\n\n".join(blocks)


_HEALTH_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "problem": "Source problem",
        "recovered": "Source recovered",
        "state": "State",
        "findings": "Findings",
        "ok": "ok",
        "degraded": "degraded",
        "broken": "broken",
        "unknown": "unknown",
    },
    "ko": {
        "problem": "수집 문제",
        "recovered": "수집 정상화",
        "state": "상태",
        "findings": "발견 사항",
        "ok": "정상",
        "degraded": "저하",
        "broken": "고장",
        "unknown": "판단 불가",
    },
}


def health_message(spider: str, record: Mapping[str, Any], language: str) -> tuple[str, str]:
    """The title and body of the message about a spider whose health state changed: the
    state it was in, the one it is in now, and the findings of the crawl."""
    words = _HEALTH_WORDS[language]
    state = record["state"]
    was = record.get("previous_state") or "ok"
    headline = words["recovered"] if state == "ok" else words["problem"]
    lines = [f"{words['state']}: {words.get(was, was)} → {words.get(state, state)}"]
    findings = record.get("findings") or []
    if findings:
        lines.append(f"{words['findings']}:")
        lines += [
            f"- {finding['check']} ({words.get(finding['severity'], finding['severity'])}): "
            f"{finding['message']}"
            for finding in findings
        ]
    return f"[{headline}] {spider}", "\n".join(lines)
