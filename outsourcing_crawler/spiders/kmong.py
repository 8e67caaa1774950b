"""kmong (크몽) client project requests (프로젝트 의뢰 / 엔터프라이즈)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import (
    budget_from_amounts,
    clean_text,
    description_text,
    end_of_day,
    join_category,
    json_text,
    merge_skills,
    parse_count,
    parse_duration_days,
    parse_id,
    parse_int,
    skills_in_text,
)
from outsourcing_crawler.spiders.base import ProjectSpider, budget_fields, compact
from outsourcing_crawler.spiders.kmong_answers import (
    answered_skills,
    answers_extra,
    parse_answers,
    place,
    work_type,
)

API = "https://kmong.com/api/custom-project/v1/requests"
PAGE = "https://kmong.com/enterprise/requests/{id}"

# List-row keys the detail callback falls back on (`proposal_count` exists only there).
ROW_KEYS = (
    "id", "title", "content", "amount", "days", "deadline", "proposal_count", "status",
    "breadcrumb", "category", "project_type", "business_type", "is_government",
)  # fmt: skip
# `deadline` is days remaining; beyond this it is garbage (and no date can hold it).
MAX_DEADLINE_DAYS = 3_650


class KmongSpider(ProjectSpider):
    """Client project requests through kmong's public JSON API, one detail call a request.

    Route: the list and detail pages are a client-rendered app whose HTML holds no postings;
    the JSON API behind them is what the site's own front end and several public clients
    call without login, so no browser. kmong has a no-scraping notice: robots.txt is obeyed
    and AutoThrottle paces the calls (settings). ``per_page=50``, the largest size seen in
    the wild, keeps the list requests few. Without ``project_type`` the list is asked
    unfiltered (``project_type=``), as the site's own list page asks it: one chain returns
    both OUTSOURCING and RESIDENT rows, each naming its type, with half the list requests of
    one chain per type. Confidential (private) requests are skipped and counted.
    """

    name = "kmong"
    allowed_domains: ClassVar[list[str]] = ["kmong.com"]
    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {
        "category": int,  # root category id (6 = IT·프로그래밍)
        "project_type": ("OUTSOURCING", "RESIDENT"),
        "q": str,
        "max_pages": int,
    }
    expected_fields: ClassVar[tuple[str, ...]] = (
        "title", "description", "category", "budget_type", "duration_days", "work_type",
        "deadline", "applicants",
    )  # fmt: skip
    per_page: ClassVar[int] = 50

    category: int | None = None
    project_type: str | None = None
    q: str = ""
    max_pages: int | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.list_request(1)

    def list_url(self, page: int) -> str:
        query = {
            "q": self.q or "",
            "sort": "CREATED_AT",
            "category_list": self.category or "",
            "sub_category_list": "",
            "project_type": self.project_type or "",
            "page": page,
            "per_page": self.per_page,
        }
        return f"{API}?{urlencode(query)}"

    def list_request(self, page: int) -> scrapy.Request:
        return self.request(
            self.list_url(page),
            self.parse_list,
            cb_kwargs={"page": page},
            headers={"Accept": "application/json"},
        )

    # -- list -----------------------------------------------------------------------------

    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        """One detail request per listed request, then the next page.

        @url https://kmong.com/api/custom-project/v1/requests?q=&sort=CREATED_AT&category_list=&sub_category_list=&project_type=&page=1&per_page=50
        @cb_kwargs {"page": 1}
        @returns items 0 0
        @returns requests 7 7
        """
        data = self.json_object(response) if self.has_body(response) else None
        if data is None:
            return
        rows = data.get("requests")
        if not isinstance(rows, list):
            self.parse_error("missing_key_requests", response, f"keys: {sorted(data)[:10]}")
            return
        if not rows:
            if page == 1 and not self.q:
                # kmong always lists requests; an empty first page is a changed API.
                self.parse_error("no_rows", response, f"total={data.get('total')!r}")
            return
        listed_at = self.fetched_at(response).isoformat()
        for row in rows:
            request_id = row.get("id") if isinstance(row, dict) else None
            if not isinstance(request_id, int | str) or not str(request_id).strip():
                self.parse_error("missing_key_id" if isinstance(row, dict) else "bad_row", response)
                continue
            request_id = str(request_id).strip()
            if row.get("is_confidential") is True:
                self.skipped("confidential", response)  # private, no public posting
                continue
            fallback = {key: row[key] for key in ROW_KEYS if key in row}
            yield self.detail_request(
                f"{API}/{request_id}",
                self.parse_detail,
                external_id=request_id,
                listing=fallback,
                errback=self.on_detail_error,
                # The list's fetch time dates the row's `deadline` if the detail never comes.
                cb_kwargs={"row": fallback, "listed_at": listed_at},
                headers={"Accept": "application/json"},
            )
        if self.has_next_page(response, data, page, len(rows)):
            yield self.next_list_page(self.list_request(page + 1))

    def has_next_page(
        self, response: Response, data: Mapping[str, Any], page: int, count: int
    ) -> bool:
        if self.max_pages is not None and page >= self.max_pages:
            return False
        last_page = data.get("last_page")
        if isinstance(last_page, bool):  # some API versions send a last-page flag
            return not last_page
        if isinstance(last_page, int | str) and str(last_page).strip().isdigit():
            return page < int(last_page)
        self.parse_error("missing_key_last_page", response, f"last_page={last_page!r}")
        return bool(data.get("next_page_link")) or count >= self.per_page

    # -- detail ---------------------------------------------------------------------------

    def parse_detail(
        self,
        response: Response,
        row: Mapping[str, Any] | None = None,
        listed_at: str = "",  # for on_detail_error, which has no response to date the row
    ) -> Iterator[ProjectItem]:
        """The request's item: the detail's fields, the list row's where the detail lacks them.

        @url https://kmong.com/api/custom-project/v1/requests/612345
        @cb_kwargs {"row": {"id": 612345, "proposal_count": 12, "status": "APPROVAL"}}
        @returns items 1 1
        @returns requests 0 0
        @scrapes external_id url title description category skills status extra
        @scrapes budget_min budget_max currency budget_type duration_days work_type
        @scrapes deadline applicants
        """
        row = dict(row or {})
        try:
            data = self.json_body(response) if self.has_body(response) else None
        except CloseSpider:
            # Keep what the list said about this request; the spider stops anyway.
            yield from self.partial_item(response, row, "detail_blocked")
            raise
        if data is None:
            yield from self.partial_item(response, row, "detail_unavailable")
            return
        detail = data
        if isinstance(data, dict) and "title" not in data and isinstance(data.get("data"), dict):
            detail = data["data"]  # an enveloped body ({"data": {...}})
        if not isinstance(detail, dict):
            self.parse_error("bad_json_shape", response, type(detail).__name__)
            yield from self.partial_item(response, row, "detail_unavailable")
            return
        if detail.get("is_confidential") is True:
            self.skipped("confidential", response)  # private, no public posting
            return
        for key in ("title", "description"):
            if key not in detail:
                self.parse_error(f"missing_key_{key}", response)
        yield self.build_item(response, row, detail)

    def on_detail_error(self, failure: Failure) -> Iterator[ProjectItem]:
        """Errback of a detail call: count the failure, keep the posting from its list row."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        response = response if isinstance(response, Response) else None
        row = request.cb_kwargs.get("row") or {}
        listed_at = request.cb_kwargs.get("listed_at", "")
        try:
            self.on_request_error(failure)
        except CloseSpider:  # a block page (403...): keep the row, then stop
            yield from self.partial_item(response, row, "detail_blocked", listed_at, request.url)
            raise
        yield from self.partial_item(response, row, "detail_unavailable", listed_at, request.url)

    def partial_item(
        self,
        response: Response | None,
        row: Mapping[str, Any],
        kind: str,
        listed_at: str = "",
        url: str = "",
    ) -> Iterator[ProjectItem]:
        """The posting as its list row describes it, when the detail call gave nothing."""
        if row.get("id") is None:
            return
        self.parse_error(kind, response, url or f"request {row.get('id')}: kept from the list")
        if response is not None:
            yield self.build_item(response, row, {})
            return
        try:
            reference: datetime | None = datetime.fromisoformat(listed_at)
        except (TypeError, ValueError):
            reference = None
        if reference is not None and reference.tzinfo is None:
            reference = None
        fields = self.fields(response, row, {}, reference)
        yield ProjectItem(platform=self.name, scraped_at=reference, **fields)

    # -- mapping --------------------------------------------------------------------------

    def build_item(
        self, response: Response, row: Mapping[str, Any], detail: Mapping[str, Any]
    ) -> ProjectItem:
        fields = self.fields(response, row, detail, self.fetched_at(response))
        return self.item(response, **fields)

    def fields(
        self,
        response: Response | None,
        row: Mapping[str, Any],
        detail: Mapping[str, Any],
        reference: datetime | None,
    ) -> dict[str, Any]:
        """The item's fields from a detail body, falling back on the list row's values.

        ``reference`` is when the values were fetched: ``deadline`` counts days from it.
        """

        def value(*keys: str) -> Any:
            for source in (detail, row):
                for key in keys:
                    if source.get(key) not in (None, ""):
                        return source[key]
            return None

        def read(key: str, parse: Callable[[Any], str | None]) -> str | None:
            """The first of the detail's and the row's ``key`` that ``parse`` reads; one it
            cannot read is counted (``bad_<key>``), the row's then tried."""
            for source in (detail, row):
                raw = source.get(key)
                if raw is None or raw == "":
                    continue
                parsed = parse(raw)
                if parsed is not None:
                    return parsed
                self.parse_error(f"bad_{key}", response, f"{key} of type {type(raw).__name__}")
            return None

        request_id = read("id", parse_id) or ""
        title = read("title", clean_text)
        if title is None and "title" in detail and detail["title"] in (None, ""):
            # An absent key (parse_detail) and an unreadable value (read) are counted already.
            self.parse_error("empty_title", response, f"request {request_id}")
        project_type = json_text(value("project_type")) or self.project_type
        answers = parse_answers(detail.get("answers"))
        if not isinstance(detail.get("answers"), list | type(None)):
            self.parse_error("bad_answers", response)

        description = description_text(detail.get("description") or row.get("content"))

        amount = value("amount")
        budget = budget_from_amounts(
            amount,
            amount,
            currency="KRW",
            budget_type="monthly" if project_type == "RESIDENT" else "fixed",
        )

        skills = merge_skills(
            answered_skills(answers),
            skills_in_text("\n".join(filter(None, (title, description)))),
        )

        raw_deadline = value("deadline")
        days_left = parse_int(raw_deadline)
        deadline = None
        if (days_left is None and raw_deadline is not None) or (
            days_left is not None and abs(days_left) > MAX_DEADLINE_DAYS
        ):
            self.parse_error("bad_deadline", response, f"deadline={raw_deadline!r}")
        elif days_left is not None and reference is not None:
            deadline = end_of_day(days_left, reference)

        status = value("status")
        if status is None:
            self.parse_error("missing_key_status", response, f"request {request_id}")
        category_ids = value("category")
        category_ids = category_ids if isinstance(category_ids, Mapping) else {}
        extra = {
            "project_type": project_type,
            "business_type": json_text(value("business_type")),
            "is_government": value("is_government"),
            "is_tax": detail.get("is_tax"),
            "cat1": category_ids.get("cat1"),
            "cat2": category_ids.get("cat2"),
            "answers": answers_extra(answers),
        }
        return {
            "external_id": request_id or None,
            "url": self.shown_link(
                self.page_link(value("url", "link")), PAGE.format(id=""), PAGE.format(id=request_id)
            )
            if request_id
            else None,
            "title": title,
            "description": description,
            "category": self.category_name(value("breadcrumb"), category_ids),
            "skills": skills,
            **budget_fields(budget),
            "duration_days": parse_duration_days(value("days")) or None,
            "work_type": work_type(project_type, answers),
            "location": place(answers),
            "posted_at": None,  # the API publishes none; the database keeps first_seen_at
            "deadline": deadline,
            "applicants": parse_count(row.get("proposal_count", detail.get("proposal_count"))),
            # APPROVAL is kmong's "open for proposals"; CLOSED, COMPLETE, CANCEL... are not.
            "status": "closed" if status is not None and status != "APPROVAL" else "open",
            "extra": compact(extra),
        }

    @staticmethod
    def category_name(breadcrumb: Any, ids: Mapping[str, Any]) -> str | None:
        if isinstance(breadcrumb, str) and breadcrumb.strip():
            return join_category(breadcrumb)
        names = [ids.get("cat1_name"), ids.get("cat2_name")]
        return join_category([name for name in names if name]) or None
