"""Where each field of a wishket posting comes from: a list card, then the project's page.

The functions here read one page each and know nothing of requests; the spider
(:mod:`outsourcing_crawler.spiders.wishket`) decides which page is read when.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, Final

from scrapy.http import TextResponse
from scrapy.selector import Selector, SelectorList

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import (
    NO_BUDGET,
    Budget,
    budget_from_base_salary,
    clean_text,
    description_text,
    is_login_prompt,
    join_category,
    merge_skills,
    parse_budget,
    parse_count,
    parse_datetime,
    parse_duration_days,
    parse_relative,
    parse_status,
    parse_work_type,
    redact_personal_data,
    skills_from_field,
    skills_in_text,
)
from outsourcing_crawler.spiders.base import budget_fields, compact
from outsourcing_crawler.spiders.selection import (
    children_texts,
    element_text,
    labelled_text,
    labelled_values,
    texts,
)

PROJECT_URL: Final = "https://www.wishket.com/project/{}/"
PROJECT_ID: Final = re.compile(r"/project/(\d+)")
_PROJECT_TYPES: Final = {"외주": "task_based", "기간제": "term_based"}

# Condition labels kept in ``extra`` (project facts, never about a person).
_CONDITION_KEYS: Final = {
    "예상 시작일": "start", "근무 시작일": "start", "진행 분류": "progress",
    "기획 상태": "planning", "프로젝트 경험": "client_experience",
    "협업 예정 인력": "collaborators", "우선 순위": "priority", "사전 미팅 방식": "meeting",
    "진행 중 미팅": "meeting_during", "근무 형태": "work_style", "근무 시간": "work_hours",
}  # fmt: skip
# Condition labels that fill item fields, so not repeated in ``extra``.
_ITEM_LABELS: Final = frozenset(
    {
        "예상 금액", "월 금액", "예상 기간", "지원자 수", "모집 마감일", "클라이언트 위치",
        "근무 위치", "관련 기술",
    }
)  # fmt: skip


# -- a list card ----------------------------------------------------------------------------


def card_fields(card: Selector, now: datetime, tz: tzinfo) -> dict[str, Any] | None:
    """The item fields one organic list card shows; None when it has no project link.

    ``now`` is when the list was fetched, in the site's zone ``tz``: the card's deadline is
    relative ("마감 6일 전").
    """
    organic = card.css("section.project-organic-info")
    href = (
        organic.css("a.project-link::attr(href)").get()
        or card.css("a[href*='/project/']::attr(href)").get()
    )
    match = PROJECT_ID.search(href or "")
    if match is None:
        return None
    title = element_text(organic.css("a.project-link p")) or element_text(
        organic.css("a.project-link")
    )
    marks = _marks(organic)
    role = element_text(card.css("p.project-category-or-role"))
    project_type = marks.get("project-type-mark")

    deadline = applicants = None
    for info in card.css("section.proposal-and-client-info p.info-detail, p.info-detail"):
        text = element_text(info) or ""
        if text.startswith("마감") and deadline is None:
            deadline = parse_relative(text, now, tz=tz)
        elif text.startswith("지원자") and applicants is None:
            applicants = parse_count(text)  # 지원자 7명, 지원자 없음

    extra: dict[str, Any] = {
        "project_type": _PROJECT_TYPES.get(project_type or "", project_type),
        "role": role,
        "level": element_text(card.css("p.project-level")),
        "start": labelled_text(card.css("p.launch-date"), "근무 시작일"),
        "views": parse_count(card.css("i.view-status::attr(data-count)").get()),
        "comments": parse_count(card.css("i.comment-status::attr(data-count)").get()),
        "likes": parse_count(card.css("i.interest-status::attr(data-count)").get()),
        "private_matching": "private-mark" in marks,
        "new": "new-mark" in marks,
    }
    client = card.css("div.client-info")
    if client:
        extra["client_verified"] = bool(client.css("img[alt='인증된 클라이언트']"))
        extra["client_rating"] = _rating(client.css(".badge-box span"))

    return {
        "external_id": match[1],
        "url": PROJECT_URL.format(match[1]),
        "title": title,
        "category": join_category(role),
        # A term posting's chip carries the experience asked: "Databricks · 경력 무관".
        "skills": merge_skills(
            skills_from_field(texts(card, "span.skill-chip")), skills_in_text(title or "")
        ),
        **budget_fields(_budget(element_text(card.css("p.budget")))),
        "duration_days": parse_duration_days(labelled_text(card.css("p.term"), "예상 기간")),
        "work_type": _work_type(project_type, element_text(card) or ""),
        "location": element_text(card.css("p.location-data")),
        "posted_at": parse_datetime(element_text(card.css("p.start-recruitment-data")), tz=tz),
        "deadline": deadline,
        "applicants": applicants,
        "status": _status(marks) or "open",
        "extra": compact(extra),
    }


# -- the project's page ---------------------------------------------------------------------


def project_fields(
    page: TextResponse,
    root: SelectorList,
    card: ProjectItem,
    posting: Mapping[str, Any],
    *,
    hidden: bool,
    now: datetime,
    tz: tzinfo,
) -> dict[str, Any]:
    """The fields of ``card`` completed by the project's page (its detail section ``root``)
    and its JSON-LD ``posting``.

    Where both tell a value the card's stands, but for the page's badge, categories and
    labelled deadline: they are fresher. ``hidden``: the description is behind a login.
    """
    fields = conditions(page)
    title_box = root.css(".project-content-title") or page.css(".project-content-title")
    marks = _marks(title_box)
    title = card.title or element_text(title_box.css("h1")) or clean_text(posting.get("title"))
    description = None if hidden else _description(root, posting)

    extra = dict(card.extra)
    project_type = marks.get("project-type-mark")
    if project_type and not extra.get("project_type"):
        extra["project_type"] = _PROJECT_TYPES.get(project_type, project_type)
    if "private-mark" in marks:
        extra["private_matching"] = True
    for label, value in fields.items():
        key = _CONDITION_KEYS.get(label)
        if key is not None:
            extra.setdefault(key, value)
        elif label not in _ITEM_LABELS:
            extra.setdefault("conditions", {})[label] = redact_personal_data(value)
    for row in root.css(".client-section-wrap .client-project-info-row"):
        cells = children_texts(row)
        if len(cells) >= 2 and cells[0].startswith("프로젝트 등록"):
            extra["client_projects"] = parse_count(cells[-1])
        elif len(cells) >= 2 and cells[0].startswith("누적 완료 금액"):
            extra["client_paid_total"] = _budget(cells[-1]).min
    if extra.get("comments") is None:
        extra["comments"] = parse_count(element_text(root.css(".comment-layer-count")))
    if hidden:
        extra["details_hidden"] = True

    budget = Budget(card.budget_min, card.budget_max, card.currency, card.budget_type)
    categories = [
        text
        for wrapper in root.css(".project-classification .project-category .category-wrapper")
        for text in children_texts(wrapper)
    ]
    return {
        "title": title,
        "description": description,
        "category": join_category(categories) or card.category,
        "skills": merge_skills(
            card.skills,
            skills_from_field(texts(root, ".skill-tag, .project-skills-info .skill-chip")),
            skills_from_field(fields["관련 기술"]) if fields.get("관련 기술") else [],
            skills_in_text(" ".join(filter(None, [title, description]))),
        ),
        **budget_fields(budget if budget.type is not None else _detail_budget(fields, posting)),
        "duration_days": card.duration_days or parse_duration_days(fields.get("예상 기간")),
        "work_type": card.work_type
        or _work_type(project_type, " ".join(filter(None, [title, *fields.values()]))),
        "location": card.location or fields.get("클라이언트 위치") or fields.get("근무 위치"),
        "posted_at": card.posted_at
        or parse_datetime(element_text(root.css(".project-recruit-guide")), tz=tz)
        or parse_datetime(_str(posting.get("datePosted")), tz=tz),
        "deadline": parse_datetime(fields.get("모집 마감일"), tz=tz, end_of_day=True)
        or parse_datetime(_str(posting.get("validThrough")), tz=tz, end_of_day=True)
        or card.deadline
        # "마감 6일 5시간 전" beside the label
        or parse_relative(element_text(root.css(".condition-accent")), now, tz=tz),
        "applicants": card.applicants
        if card.applicants is not None
        else parse_count(fields.get("지원자 수")),
        "status": (None if hidden else _status(marks)) or card.status,
        "extra": compact(extra),
    }


def conditions(page: TextResponse) -> dict[str, str]:
    """The labelled conditions of a project's page (``예상 금액`` -> ``350,000원``)."""
    pairs = [
        pair
        for box in page.css(".project-condition-box")
        for pair in zip(
            box.css(".condition-box-name"), box.css(".project-condition-data"), strict=False
        )
    ]
    for row in page.css(".project-detail-condition-row"):
        name, value = row.css(".condition-label"), row.css(".condition-data")
        if not (name and value):  # older rows: two unnamed children
            children = [child for child in row.xpath("./*") if element_text(child)]
            if len(children) < 2:
                continue
            name, value = children[0], children[1]
        pairs.append((name, value))
    return labelled_values(pairs, skip_class="condition-accent")


def login_hidden(page: TextResponse, *, has_detail: bool) -> bool:
    """The description replaced by a login prompt, or, when the page has no detail section
    (``has_detail`` false), the whole page body."""
    for box in page.css(".project-description-box"):
        if is_login_prompt(element_text(box)):
            return True
        # A prompt laid over a teaser: an element of its own, with a login link or class.
        overlays = box.xpath(".//*[contains(@class, 'login') or a[contains(@href, 'login')]]")
        if any(is_login_prompt(element_text(node)) for node in overlays):
            return True
    if has_detail:
        return False
    # The login page in place of the project (a redirect, or served at the project's URL).
    login_page = "/accounts/login" in page.url or bool(page.css("input[type=password]"))
    return login_page and any(is_login_prompt(element_text(node)) for node in page.css("p, h1, h2"))


def _description(root: SelectorList, posting: Mapping[str, Any]) -> str | None:
    box = root.css(".project-description-box").get()
    text = description_text(box) or description_text(posting.get("description"))
    return redact_personal_data(text)


# -- what the badges and amounts say --------------------------------------------------------


def _marks(scope: Selector | SelectorList) -> dict[str, str]:
    """The status badges by class, each with its own text (never its tooltip's)."""
    marks: dict[str, str] = {}
    for mark in scope.css(".status-mark"):
        text = clean_text(" ".join(mark.xpath("./text()").getall())) or ""
        classes = (mark.attrib.get("class") or "").split()
        kind = next(
            (name for name in classes if name.endswith("-mark") and name != "status-mark"), ""
        )
        if kind == "" and text in _PROJECT_TYPES:
            kind = "project-type-mark"
        if kind == "" and parse_status(text) is not None:
            kind = "recruiting-mark"
        marks.setdefault(kind or text, text)
        if text == "프라이빗 매칭":
            marks.setdefault("private-mark", text)
    return marks


def _status(marks: Mapping[str, str]) -> str | None:
    """The recruiting badge's state, else the first other badge that tells one."""
    badges = [marks.get("recruiting-mark", ""), *marks.values()]
    return next(filter(None, map(parse_status, badges)), None)


def _budget(text: str | None) -> Budget:
    """``예상 금액`` is fixed, ``월 금액 ... /월`` monthly, ``협의 후 결정`` negotiable."""
    return parse_budget(text) or NO_BUDGET


def _detail_budget(fields: Mapping[str, str], posting: Mapping[str, Any]) -> Budget:
    """The page's labelled amount, else the JSON-LD ``baseSalary``."""
    for label in ("월 금액", "예상 금액"):
        if fields.get(label):
            return _budget(f"{label} {fields[label]}")
    return budget_from_base_salary(posting.get("baseSalary"))


def _rating(spans: SelectorList) -> float | None:
    """The client's rating: the last badge, when it is a number (``3.7``)."""
    badges = [text for span in spans if (text := element_text(span))]
    try:
        return float(badges[-1]) if badges else None
    except ValueError:
        return None


def _work_type(project_type: str | None, text: str) -> str | None:
    """외주 is delivered remotely; 기간제 is on-site unless the posting offers 재택."""
    if project_type == "외주":
        return "remote"
    if project_type == "기간제":
        found = parse_work_type(text) if "재택" in text else None
        return found if found in ("remote", "hybrid") else "onsite"
    return parse_work_type(text) if text else None


def _str(value: Any) -> str | None:
    """A JSON-LD date as text: a number there is no epoch time."""
    return value if isinstance(value, str) else None
