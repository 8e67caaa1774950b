"""wishket.com (위시켓) projects: the server-rendered list, then each project's own page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import quote

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector, SelectorList

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.lz_string import compress_to_base64
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
from outsourcing_crawler.spiders.base import ProjectSpider, budget_fields, compact
from outsourcing_crawler.spiders.pages import looks_like_json
from outsourcing_crawler.spiders.selection import (
    children_texts,
    element_text,
    labelled_text,
    next_page_link,
    raw_text,
    texts,
)

if TYPE_CHECKING:
    from twisted.python.failure import Failure

LIST_URL: Final = "https://www.wishket.com/project/"
PROJECT_URL: Final = "https://www.wishket.com/project/{}/"
PAGE_SIZE: Final = 10

_PROJECT_ID: Final = re.compile(r"/project/(\d+)")
# What a card shows of a posting that changes only when the posting does.
LISTED_FIELDS: Final = (
    "title", "status", "budget_min", "budget_max", "budget_type", "duration_days", "work_type",
    "location", "skills", "applicants",
)  # fmt: skip
_EMPTY_LIST: Final = re.compile(r"(?:프로젝트|검색\s*결과)(?:가|이)?\s*없습니다")

_PROJECT_TYPES: Final = {"외주": "task_based", "기간제": "term_based"}

# Detail condition labels kept in ``extra`` (project facts, never about a person).
_CONDITION_KEYS: Final = {
    "예상 시작일": "start", "근무 시작일": "start", "진행 분류": "progress",
    "기획 상태": "planning", "프로젝트 경험": "client_experience",
    "협업 예정 인력": "collaborators", "우선 순위": "priority", "사전 미팅 방식": "meeting",
    "진행 중 미팅": "meeting_during", "근무 형태": "work_style", "근무 시간": "work_hours",
}  # fmt: skip
# Detail condition labels that fill item fields, so not repeated in ``extra``.
_ITEM_LABELS: Final = frozenset(
    {
        "예상 금액", "월 금액", "예상 기간", "지원자 수", "모집 마감일", "클라이언트 위치",
        "근무 위치", "관련 기술",
    }
)  # fmt: skip


class WishketSpider(ProjectSpider):
    """Projects from the server-rendered list ``/project/?d=…`` and each ``/project/{id}/``.

    The list is the page a browser gets: ten cards a page, newest first (``srt=new``),
    filters in ``?d=`` (LZString ``compressToBase64`` of ``k=v&k=v``), numbered pagination
    links. The XHR variant of the same URL wraps the same cards in JSON without the
    pagination, so the HTML route is used (the JSON body is still understood if served).
    The detail page adds the description, the ``모집 마감일`` date, the posted date and a
    JSON-LD ``JobPosting``. robots.txt allows ``/project/`` and asks ``Crawl-delay: 5``:
    one request at a time, five seconds apart, not randomised below that.

    Arguments: ``pt`` (``task_based`` = 외주, ``term_based`` = 기간제; default both),
    ``closed`` (``exclude`` by default, ``include`` to list closed postings too),
    ``keyword`` (free text), ``max_pages`` (list pages to read at most).
    """

    name = "wishket"
    allowed_domains: ClassVar[list[str]] = ["www.wishket.com"]
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_DELAY": 5,  # also AutoThrottle's floor
        "DOWNLOAD_DELAY_JITTER": 0,  # the default ±50% would go down to 2.5 s
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }
    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {
        "pt": ("task_based", "term_based"),
        "closed": ("exclude", "include"),
        "keyword": str,
        "max_pages": int,
    }
    content_selector = (
        "#projectListView, div.project-info-box, .project-detail-view, .detail-section"
    )

    pt: str | None = None
    closed: str = "exclude"
    keyword: str | None = None
    max_pages: int | None = None

    # -- requests -------------------------------------------------------------------------

    def filter_query(self, page: int = 1) -> str:
        """The ``k=v&k=v`` filter string the site compresses into ``?d=``."""
        pairs: list[tuple[str, str]] = []
        if self.pt:
            pairs.append(("pt", self.pt))
        keyword = clean_text(self.keyword)
        if keyword:
            pairs.append(("s", _escape_filter_value(keyword)))
        pairs.append(("srt", "new"))
        if page > 1:
            pairs.append(("page", str(page)))
        if self.closed != "include":
            pairs.append(("ecd", "True"))
        return "&".join(f"{key}={value}" for key, value in pairs)

    def list_url(self, page: int = 1) -> str:
        encoded = compress_to_base64(self.filter_query(page))
        return f"{LIST_URL}?d={quote(encoded, safe='')}"

    def list_request(self, url: str, page: int) -> scrapy.Request:
        return self.request(url, callback=self.parse, cb_kwargs={"page": page})

    async def start(self) -> AsyncIterator[Any]:
        yield self.list_request(self.list_url(1), 1)

    # -- list pages -----------------------------------------------------------------------

    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        """One list page: a detail request per organic card, and the next list page.

        @url https://www.wishket.com/project/?d=M4JwLgvAdgpg7gMhgYwCYQCogK4yA%3D%3D%3D
        @cb_kwargs {"page": 1}
        @returns items 0 0
        @returns requests 11 11
        """
        listing = self.listing(response)
        if listing is None:
            return
        markup, total = listing
        cards = markup.css("div.project-info-box")
        if not cards:
            scope = markup.css("#projectListView")
            empty = total == 0 or (scope and _EMPTY_LIST.search(raw_text(scope)))
            if not empty:
                self.parse_error("no_cards", response, f"{len(response.body)} bytes")
            elif page == 1 and not clean_text(self.keyword):
                # wishket always has open projects: an empty unsearched list is no listing.
                self.parse_error("no_projects", response)
            else:
                self.logger.info("No projects on %s", response.url)
            return

        organic = 0
        for card in cards:
            if not card.css("section.project-organic-info"):
                self.skipped("ad", response)
                continue
            item = self.card_item(response, card)
            if item is None:
                self.parse_error("card_without_link", response)
                continue
            organic += 1
            yield self.card_detail_request(item)
        if not organic and any(card.css("a[href*='/project/']") for card in cards):
            # Cards with project links yet no organic section: the section was renamed.
            self.parse_error("no_organic_cards", response, f"{len(cards)} cards")

        if self.max_pages is not None and page >= self.max_pages:
            return
        next_url = self.next_page_url(response, markup, page, total)
        if next_url:
            yield self.next_list_page(self.list_request(next_url, page + 1))

    def listing(self, response: Response) -> tuple[Selector, int | None] | None:
        """The cards' markup and, for the JSON variant, the total count; None once counted."""
        if not (isinstance(response, TextResponse) and looks_like_json(response)):
            page = self.html_page(response)
            return None if page is None else (Selector(page), None)
        data = self.json_body(response)
        if data is None:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("result"), str):
            self.parse_error("missing_key_result", response)
            return None
        total = data.get("count")
        return Selector(text=data["result"] or "<html></html>"), (
            total if isinstance(total, int) else None
        )

    def next_page_url(
        self, response: Response, markup: Selector, page: int, total: int | None
    ) -> str | None:
        if total is not None:  # the JSON variant has no pagination links
            return self.list_url(page + 1) if page * PAGE_SIZE < total else None
        link = next_page_link(markup.css(".pagination .page-link, .pagination a"), page + 1)
        if link is None:
            return None
        href = (link.attrib.get("href") or "").strip()
        if element_text(link) == str(page + 1) and "d=" in href:
            return response.urljoin(href)
        # A link without the filter (or only "다음") would drop it: page N in `d` keeps it.
        return self.list_url(page + 1)

    def card_item(self, response: Response, card: Selector) -> ProjectItem | None:
        """A ProjectItem from one organic list card; None when it has no project link."""
        organic = card.css("section.project-organic-info")
        href = (
            organic.css("a.project-link::attr(href)").get()
            or card.css("a[href*='/project/']::attr(href)").get()
        )
        match = _PROJECT_ID.search(href or "")
        if match is None:
            return None
        project_id = match[1]
        title = element_text(organic.css("a.project-link p")) or element_text(
            organic.css("a.project-link")
        )
        marks = _marks(organic)
        budget = _budget(element_text(card.css("p.budget")))
        role = element_text(card.css("p.project-category-or-role"))
        # A term posting's chip carries the experience asked: "Databricks · 경력 무관".
        skills = skills_from_field(texts(card, "span.skill-chip"))
        project_type = marks.get("project-type-mark")
        card_text = element_text(card) or ""

        deadline = applicants = None
        for info in card.css("section.proposal-and-client-info p.info-detail, p.info-detail"):
            text = element_text(info) or ""
            if text.startswith("마감") and deadline is None:
                deadline = parse_relative(text, self.local_time(response), tz=self.timezone)
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
            rating = _rating(client.css(".badge-box span"))
            if rating is not None:
                extra["client_rating"] = rating

        return self.item(
            response,
            external_id=project_id,
            url=PROJECT_URL.format(project_id),
            title=title,
            category=join_category(role),
            skills=merge_skills(skills, skills_in_text(title or "")),
            **budget_fields(budget),
            duration_days=parse_duration_days(labelled_text(card.css("p.term"), "예상 기간")),
            work_type=_work_type(project_type, card_text),
            location=element_text(card.css("p.location-data")),
            posted_at=parse_datetime(
                element_text(card.css("p.start-recruitment-data")), tz=self.timezone
            ),
            deadline=deadline,
            applicants=applicants,
            status=_status(marks) or "open",
            extra=compact(extra),
        )

    # -- detail pages ---------------------------------------------------------------------

    def card_detail_request(self, item: ProjectItem) -> scrapy.Request:
        assert item.url is not None
        return self.detail_request(
            item.url,
            self.parse_detail,
            external_id=item.external_id,
            # The card as it reads, less what moves on its own (views, the relative deadline).
            listing={name: getattr(item, name) for name in LISTED_FIELDS},
            errback=self.detail_failed,
            cb_kwargs={"item": item},
        )

    def detail_failed(self, failure: Failure) -> Iterator[ProjectItem]:
        """A detail page that failed for good: count it, keep what the card gave."""
        self.on_request_error(failure)
        item = failure.request.cb_kwargs.get("item")  # type: ignore[attr-defined]
        if isinstance(item, ProjectItem):
            yield item

    def parse_detail(self, response: Response, item: ProjectItem | None = None) -> Iterator[Any]:
        """A project's page completes the card's item (or makes one on its own).

        @url https://www.wishket.com/project/158857/
        @returns items 1 1
        @returns requests 0 0
        @scrapes platform external_id url title description category skills status extra
        @scrapes budget_min budget_max currency budget_type duration_days work_type location
        @scrapes posted_at deadline applicants scraped_at
        """
        try:
            page = self.html_page(response)
        except CloseSpider:
            if item is not None:
                yield item  # the card's fields are real; the challenge page is not parsed
            raise
        if page is None:
            if item is not None:
                yield item
            return
        response = page
        posting = self.job_posting(response)
        root = response.css(".project-detail-view .detail-section") or response.css(
            ".project-detail-view, .detail-section"
        )
        hidden = _login_hidden(response, has_detail=bool(root))
        if not root and posting is None:
            if not hidden:
                self.parse_error("detail_no_content", response, f"{len(response.body)} bytes")
            if item is not None:
                yield (
                    replace(item, extra={**item.extra, "details_hidden": True}) if hidden else item
                )
            return
        if item is None:
            match = _PROJECT_ID.search(response.url)
            if match is None:
                self.parse_error("detail_without_id", response)
                return
            item = self.item(response, external_id=match[1], url=PROJECT_URL.format(match[1]))
        yield self.detail_item(response, item, root, posting, hidden)

    def detail_item(
        self,
        response: TextResponse,
        item: ProjectItem,
        root: SelectorList,
        posting: dict[str, Any] | None,
        hidden: bool,
    ) -> ProjectItem:
        posting = posting or {}
        fields = self.detail_fields(response)
        title_box = root.css(".project-content-title") or response.css(".project-content-title")
        marks = _marks(title_box)
        extra = dict(item.extra)

        title = (
            item.title
            or element_text(title_box.css("h1"))
            or clean_text(_str(posting.get("title")))
        )
        status = item.status
        if not hidden and _status(marks):
            status = _status(marks)  # the project's own page is the fresher badge
        project_type = marks.get("project-type-mark")
        if project_type and not extra.get("project_type"):
            extra["project_type"] = _PROJECT_TYPES.get(project_type, project_type)
        if "private-mark" in marks:
            extra["private_matching"] = True

        budget = Budget(item.budget_min, item.budget_max, item.currency, item.budget_type)
        if budget.type is None:
            budget = _detail_budget(fields, posting)

        tz = self.timezone
        deadline = (
            parse_datetime(fields.get("모집 마감일"), tz=tz, end_of_day=True)
            or parse_datetime(_str(posting.get("validThrough")), tz=tz, end_of_day=True)
            or item.deadline
            # "마감 6일 5시간 전" next to the label
            or parse_relative(
                element_text(root.css(".condition-accent")), self.local_time(response), tz=tz
            )
        )
        posted_at = (
            item.posted_at
            or parse_datetime(element_text(root.css(".project-recruit-guide")), tz=tz)
            or parse_datetime(_str(posting.get("datePosted")), tz=tz)
        )

        description = None if hidden else self._description(root, posting)
        categories = [
            text
            for wrapper in root.css(".project-classification .project-category .category-wrapper")
            for text in children_texts(wrapper)
        ]
        skills = merge_skills(
            item.skills,
            skills_from_field(texts(root, ".skill-tag, .project-skills-info .skill-chip")),
            skills_from_field(fields["관련 기술"]) if fields.get("관련 기술") else [],
            skills_in_text(" ".join(filter(None, [title, description]))),
        )

        for label, value in fields.items():
            key = _CONDITION_KEYS.get(label)
            if key is not None:
                extra.setdefault(key, value)
            elif label not in _ITEM_LABELS:
                extra.setdefault("conditions", {})[label] = redact_personal_data(value)
        for row in root.css(".client-section-wrap .client-project-info-row"):
            cells = children_texts(row)
            if len(cells) < 2:
                continue
            label, value = cells[0], cells[-1]
            if label.startswith("프로젝트 등록"):
                extra["client_projects"] = parse_count(value)
            elif label.startswith("누적 완료 금액"):
                extra["client_paid_total"] = _budget(value).min
        if extra.get("comments") is None:
            extra["comments"] = parse_count(element_text(root.css(".comment-layer-count")))
        if hidden:
            extra["details_hidden"] = True

        work_type = item.work_type or _work_type(
            project_type, " ".join(filter(None, [title, *fields.values()]))
        )
        return replace(
            item,
            title=title,
            description=description,
            category=join_category(categories) or item.category,
            skills=skills,
            **budget_fields(budget),
            duration_days=item.duration_days or parse_duration_days(fields.get("예상 기간")),
            work_type=work_type,
            location=item.location or fields.get("클라이언트 위치") or fields.get("근무 위치"),
            posted_at=posted_at,
            deadline=deadline,
            applicants=item.applicants
            if item.applicants is not None
            else parse_count(fields.get("지원자 수")),
            status=status,
            extra=compact(extra),
            scraped_at=self.fetched_at(response),
        )

    def detail_fields(self, response: Response) -> dict[str, str]:
        """The labelled conditions of a detail page (``예상 금액`` -> ``350,000원``)."""
        fields: dict[str, str] = {}
        for box in response.css(".project-condition-box"):
            names = box.css(".condition-box-name")
            values = box.css(".project-condition-data")
            for name, value in zip(names, values, strict=False):
                label, text = element_text(name), element_text(value, skip_class="condition-accent")
                if label and text:
                    fields.setdefault(label, text)
        for row in response.css(".project-detail-condition-row"):
            name = row.css(".condition-label")
            value = row.css(".condition-data")
            if not (name and value):  # older rows: two unnamed children
                children = [child for child in row.xpath("./*") if element_text(child)]
                if len(children) < 2:
                    continue
                name, value = children[0], children[1]
            label, text = element_text(name), element_text(value, skip_class="condition-accent")
            if label and text:
                fields.setdefault(label, text)
        return fields

    def _description(self, root: SelectorList, posting: dict[str, Any]) -> str | None:
        box = root.css(".project-description-box").get()
        text = description_text(box) or description_text(_str(posting.get("description")))
        return redact_personal_data(text)


# -- selecting texts ----------------------------------------------------------------------


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
    texts = [marks.get("recruiting-mark", ""), *marks.values()]
    return next(filter(None, map(parse_status, texts)), None)


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
    texts = [text for span in spans if (text := element_text(span))]
    try:
        return float(texts[-1]) if texts else None
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


def _login_hidden(response: TextResponse, *, has_detail: bool) -> bool:
    """The description replaced by a login prompt, or, when the page has no detail section
    (``has_detail`` false), the whole page body."""
    for box in response.css(".project-description-box"):
        if is_login_prompt(element_text(box)):
            return True
        # A prompt laid over a teaser: an element of its own, with a login link or class.
        overlays = box.xpath(".//*[contains(@class, 'login') or a[contains(@href, 'login')]]")
        if any(is_login_prompt(element_text(node)) for node in overlays):
            return True
    if has_detail:
        return False
    # The login page in place of the project (a redirect, or served at the project's URL).
    login_page = "/accounts/login" in response.url or bool(response.css("input[type=password]"))
    return login_page and any(
        is_login_prompt(element_text(node)) for node in response.css("p, h1, h2")
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _escape_filter_value(value: str) -> str:
    """Escape what would break the ``k=v&k=v`` string the server splits like a query."""
    return "".join(f"%{ord(char):02X}" if char in "%&=+#" else char for char in value)
