"""Messages: a posting's title, platform, budget, deadline, skills and link, in English or
Korean; several postings make one digest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outsourcing_crawler.alerts.messages import health_message, message
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


RECORD = {
    "state": "broken",
    "previous_state": "degraded",
    "findings": [{"check": "postings", "severity": "broken", "message": "0 postings seen"}],
}


@pytest.mark.parametrize(
    ("language", "title", "body"),
    [
        ("en", "[Source problem] guru", "State: degraded → broken\nFindings:\n"),
        ("ko", "[수집 문제] guru", "상태: 저하 → 고장\n발견 사항:\n"),
    ],
)
def test_a_health_change_says_what_it_was_what_it_is_and_why(
    language: str, title: str, body: str
) -> None:
    assert health_message("guru", RECORD, language) == (
        title,
        body + f"- postings ({'broken' if language == 'en' else '고장'}): 0 postings seen",
    )


def test_a_recovery_has_its_own_title_and_no_findings() -> None:
    record = {"state": "ok", "previous_state": "broken", "findings": []}
    assert health_message("guru", record, "en") == ("[Source recovered] guru", "State: broken → ok")
