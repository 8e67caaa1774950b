"""Messages: a posting's title, platform, budget, deadline, skills and link, in English or
Korean; several postings make one digest."""

from __future__ import annotations

from datetime import timedelta

from outsourcing_crawler.alerts.messages import message
from tests.alerts.postings import NOW, posting, search


def test_one_posting_in_english() -> None:
    title, body = message(search("react"), [("new", posting())], NOW)
    assert title == "[react] React 예약 앱 개발"
    assert body.splitlines() == [
        "Platform: Wishket",
        "Budget: 5,000,000–8,000,000 KRW (fixed)",
        "Deadline: 2026-12-11 12:00 KST (10 days left)",
        "Skills: React, Node.js",
        "https://www.wishket.com/project/1/",
    ]


def test_one_posting_in_korean() -> None:
    entry = posting(budget_max=None, budget_type="negotiable", deadline=NOW + timedelta(hours=3))
    title, body = message(search("react", language="ko"), [("new", entry)], NOW)
    assert title == "[react] React 예약 앱 개발"
    assert body.splitlines() == [
        "플랫폼: 위시켓",
        "예산: 5,000,000 KRW 이상 (협의)",
        "마감: 2026-12-01 15:00 KST (오늘 마감)",
        "기술: React, Node.js",
        "https://www.wishket.com/project/1/",
    ]


def test_what_a_posting_does_not_say() -> None:
    bare = posting(
        budget_min=None, budget_max=None, currency=None, budget_type=None, deadline=None, skills=[]
    )
    _, body = message(search(), [("new", bare)], NOW)
    assert body.splitlines()[1:3] == ["Budget: not published", "Deadline: none"]
    assert not any(line.startswith("Skills") for line in body.splitlines())
    _, body = message(search(language="ko"), [("new", bare)], NOW)
    assert body.splitlines()[1:3] == ["예산: 비공개", "마감: 없음"]


def test_changes_say_what_happened() -> None:
    assert message(search(), [("reopened:7", posting())], NOW)[0].startswith("[s] Reopened: ")
    title, _ = message(search(language="ko"), [("budget_raised:9", posting())], NOW)
    assert title == "[s] 예산 증액: React 예약 앱 개발"


def test_a_digest() -> None:
    entries = [("new", posting("1")), ("new", posting("2", title="Vue 관리자 페이지"))]
    title, body = message(search("daily", language="ko", mode="digest"), entries, NOW)
    assert title == "[daily] 공고 2건"
    first, second = body.split("\n\n")
    assert first.splitlines()[0] == "■ React 예약 앱 개발"
    assert second.splitlines()[0] == "■ Vue 관리자 페이지"
    assert second.splitlines()[-1] == "https://www.wishket.com/project/2/"
