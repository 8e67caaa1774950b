"""What a kmong client's answers to the request form's intake questions say.

A detail body's ``answers`` is a list of ``{title, type, contents, description}``: the
question, and for ITEMS questions the chosen ``contents``, for the others free text in
``description``. The questions are the site's own wording, matched loosely.
"""

from __future__ import annotations

import re
from typing import Any, Final, NamedTuple

from outsourcing_crawler.normalisers import (
    HANGUL,
    clean_text,
    json_text,
    parse_work_type,
    redact_personal_data,
    skills_from_field,
)

# Intake questions whose answers list technologies (기술 스택, 사용 기술, 개발 언어 ...).
SKILL_QUESTION: Final = re.compile(
    r"기술|스택|언어|프레임워크|라이브러리|개발\s*환경|stack|language", re.I
)
# Intake questions about how and where the work is done (진행 방식, 근무 형태, 미팅 방식 ...).
WORK_QUESTION: Final = re.compile(r"방식|형태|근무|상주|출근|장소|work", re.I)
# Intake questions naming the place of work (resident requests).
PLACE_QUESTION: Final = re.compile(r"근무\s*(?:지|장소|위치|지역)|위치|지역")


class Answer(NamedTuple):
    """One of the client's answers to kmong's intake questions."""

    question: str
    items: list[str]  # the choices (or the free text) one by one
    text: str  # the whole answer as one line


def parse_answers(raw: Any) -> list[Answer]:
    """The answers of a detail body's ``answers``; anything but a list gives none."""
    if not isinstance(raw, list):
        return []
    answers = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        question = clean_text(str(entry.get("title") or "")) or ""
        contents = entry.get("contents")
        # A choice is a string, or an object naming it ({"title": "React"}).
        items = [
            text
            for choice in (contents if isinstance(contents, list) else [])
            if (text := json_text(choice, "title", "name", "content", "value"))
        ]
        note = entry.get("description")
        note = clean_text(note) if isinstance(note, str) else None
        if entry.get("type", "ITEMS") == "ITEMS" and items:
            text = ", ".join(items)
        else:
            text = note or ", ".join(items)
            items = items or ([note] if note else [])
        answers.append(Answer(question, items, text))
    return answers


def answered_skills(answers: list[Answer]) -> list[str]:
    """The skills named in answers to a technology question."""
    named = skills_from_field(
        [item for a in answers if SKILL_QUESTION.search(a.question) for item in a.items]
    )
    # Korean aliases (리액트, 스프링부트) come back canonical and the form's fixed choices
    # (잘 모르겠어요) are no skills in the vocabulary; Korean left over is the client's own
    # wording (기존 시스템과 동일), which no word list covers.
    return [name for name in named if not HANGUL.search(name)]


def work_type(project_type: str | None, answers: list[Answer]) -> str | None:
    """RESIDENT work is on site; OUTSOURCING is remote unless the answers say otherwise."""
    if project_type == "RESIDENT":
        return "onsite"
    said = {parse_work_type(a.text) for a in answers if a.text and WORK_QUESTION.search(a.question)}
    # 반상주 in one answer and 오프라인 미팅 in another is still hybrid work.
    for kind in ("hybrid", "onsite"):
        if kind in said:
            return kind
    return "remote" if project_type == "OUTSOURCING" else None


def place(answers: list[Answer]) -> str | None:
    """The place of work an answer names."""
    for a in answers:
        if a.text and PLACE_QUESTION.search(a.question):
            return a.text
    return None


def answers_extra(answers: list[Answer]) -> list[dict[str, str]]:
    """The answers as ``extra`` keeps them, personal data redacted."""
    return [
        {"question": a.question, "answer": redact_personal_data(a.text)} for a in answers if a.text
    ]
