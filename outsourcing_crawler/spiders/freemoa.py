"""freemoa (프리모아) projects: outsourcing (도급) and on-site (상주) postings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import (
    MAN_WON,
    budget_from_amounts,
    clean_text,
    description_text,
    join_category,
    parse_count,
    parse_datetime,
    posting_skills,
    redact_personal_data,
)
from outsourcing_crawler.spiders.base import ProjectSpider, budget_fields

ORIGIN = "https://www.freemoa.net"
LIST_PAGE = f"{ORIGIN}/m4/s41?page=1"
API = f"{ORIGIN}/m4a/s41a"
PROJECT_PAGE = ORIGIN + "/m4/s41?pno={id}&first_pno={id}"

# workType -> (the site's label, budget type, where the work happens).
WORK_TYPES: dict[str, tuple[str, str, str]] = {
    "1": ("도급", "fixed", "remote"),
    "2": ("시간제 상주", "monthly", "onsite"),
    "3": ("기간제 상주", "monthly", "onsite"),
}


class FreemoaSpider(ProjectSpider):
    """The list API (``POST /m4a/s41a``) that freemoa's own list page calls.

    The list page is an empty shell filled by that API, and the detail needs a login, so the
    list rows are the source: one request per page of rows, nothing per posting. The API
    answers an HTML block page unless the request carries the session cookie of
    ``GET /m4/s41`` and the ``Referer``/``Origin`` of that page, so the list page is
    fetched first; the form carries only ``page`` (empty filter lists are reported to give
    HTTP 500). A block page renews the session once (the list page again, then the same API
    page); a second one stops the spider as ``blocked``.

    The rows' ``client_id`` holds the client's e-mail address: fields are taken from an
    allow-list, never copied wholesale, and no row value is ever logged.

    The server's TLS chain lacks an intermediate certificate; Scrapy does not verify
    certificates by default, so nothing is needed for it (do not turn verification on).

    Argument: ``max_pages`` (stop after that many API pages).
    """

    name = "freemoa"
    allowed_domains: ClassVar[list[str]] = ["www.freemoa.net"]
    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {"max_pages": int}
    content_selector = "#projectListNew"

    max_pages: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen_ids: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.list_page_request(page=1)

    def list_page_request(self, page: int, seen: int = 0, renewed: bool = False) -> scrapy.Request:
        """The list page, for its session cookie; ``renewed`` when fetched again after a block."""
        return self.request(
            LIST_PAGE,
            self.parse,
            cb_kwargs={"page": page, "seen": seen, "renewed": renewed},
            dont_filter=renewed,
        )

    def api_request(self, page: int, seen: int = 0, renewed: bool = False) -> scrapy.FormRequest:
        return self.form_request(
            API,
            {"page": str(page)},
            self.parse_api,
            cb_kwargs={"page": page, "seen": seen, "renewed": renewed},
            headers={
                "Referer": LIST_PAGE,
                "Origin": ORIGIN,
                "X-Requested-With": "XMLHttpRequest",
                "Accept": "application/json, text/javascript, */*; q=0.01",
            },
            # The retry after a renewed session repeats the same POST.
            dont_filter=renewed,
        )

    # -- list page: the session ---------------------------------------------------------

    def parse(
        self, response: Response, page: int = 1, seen: int = 0, renewed: bool = False
    ) -> Iterator[scrapy.Request]:
        """The list page sets the session cookie; then the API page is asked for.

        @url https://www.freemoa.net/m4/s41?page=1
        @returns items 0 0
        @returns requests 1 1
        """
        if self.is_block_page(response):
            self.blocked(response)
            return
        if not self.has_content(response):
            # The cookie is what this page is for; a redesigned shell is worth a look, but
            # the API may still answer.
            self.parse_error("list_page_changed", response, "no #projectListNew")
        yield self.api_request(page, seen, renewed)

    # -- list API ---------------------------------------------------------------------

    def parse_api(
        self, response: Response, page: int = 1, seen: int = 0, renewed: bool = False
    ) -> Iterator[ProjectItem | scrapy.Request]:
        """One page of rows from the list API, then the next page.

        @url https://www.freemoa.net/m4a/s41a
        @method POST
        @body page=1
        @header Content-Type application/x-www-form-urlencoded
        @cb_kwargs {"page": 1}
        @returns items 10 10
        @returns requests 1 1
        @scrapes platform external_id url title description category skills status extra
        @scrapes budget_min budget_max currency budget_type duration_days work_type location
        @scrapes posted_at deadline applicants scraped_at
        """
        if not self.has_body(response):
            return
        body = response.body
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            head = body[:2000].lower()
            # A whole HTML document is the block page; a PHP error is only a fragment.
            if b"<html" in head or b"<!doctype html" in head or self.is_block_page(response):
                yield from self.on_block_page(response, page, seen, renewed)
                return
            kind = "truncated_json" if body.lstrip()[:1] in {b"{", b"["} else "not_json"
            self.parse_error(kind, response, f"{len(body)} bytes, page {page}")
            return
        if not data:
            self.parse_error("empty_json", response, f"page {page}")
            return
        if not isinstance(data, dict):
            self.parse_error("bad_json_shape", response, type(data).__name__)
            return
        section = data.get("DATA")
        project = section.get("PROJECT") if isinstance(section, dict) else None
        if not isinstance(project, dict):
            error = data.get("ERROR")
            if isinstance(error, dict) and str(error.get("NO", 0)).strip() not in {"0", ""}:
                message = clean_text(str(error.get("MSG") or "")) or ""
                self.parse_error("api_error", response, f"{error.get('NO')} {message[:200]}")
            else:
                self.parse_error("missing_key_PROJECT", response, f"keys: {sorted(data)[:10]}")
            return
        rows = project.get("LIST")
        if not isinstance(rows, list):
            self.parse_error("missing_key_LIST", response, f"keys: {sorted(project)[:10]}")
            return
        total = self.total_rows(response, project)
        if not rows:
            # freemoa always lists projects: an empty first page is a changed API, not a lull.
            if page == 1:
                self.parse_error("no_rows", response, f"totalRows={total}")
            return

        new_ids = 0
        for row in rows:
            item = self.parse_row(response, row)
            if item is None:
                continue
            if item.external_id not in self._seen_ids:
                self._seen_ids.add(item.external_id)
                new_ids += 1
            yield item

        seen += len(rows)
        if self.max_pages is not None and page >= self.max_pages:
            return
        if total is not None and seen >= total:
            return
        if new_ids == 0:
            # Without this, an API that ignores `page` would be asked forever.
            self.parse_error("page_repeats", response, f"page {page} brought no new posting")
            return
        yield self.next_list_page(self.api_request(page + 1, seen))

    def on_block_page(
        self, response: Response, page: int, seen: int, renewed: bool
    ) -> Iterator[scrapy.Request]:
        """HTML instead of JSON: the session cookie is missing or stale, or this is a block."""
        if renewed:
            self.blocked(response, final=True)
        self.parse_error("html_instead_of_json", response, f"page {page}: renewing the session")
        yield self.list_page_request(page, seen, renewed=True)

    def total_rows(self, response: Response, project: Mapping[str, Any]) -> int | None:
        pagination = project.get("PAGINATION")
        total = parse_count(pagination.get("totalRows")) if isinstance(pagination, dict) else None
        if total is None:
            self.parse_error("missing_key_totalRows", response)
        return total

    # -- one row ----------------------------------------------------------------------

    def parse_row(self, response: Response, row: Any) -> ProjectItem | None:
        if not isinstance(row, dict):
            self.parse_error("bad_row", response, type(row).__name__)
            return None
        raw_id = row.get("proj_idx")
        project_id = clean_text(str(raw_id)) if isinstance(raw_id, str | int) else None
        if project_id is None:
            # Key names only: row values may carry personal data.
            self.parse_error("missing_key_proj_idx", response, f"row keys: {sorted(row)[:12]}")
            return None
        title = clean_text(row.get("title"))
        if title is None:
            self.parse_error("missing_key_title", response, f"proj_idx {project_id}")

        code = clean_text(str(row.get("workType") or "")) or ""
        work = WORK_TYPES.get(code)
        if work is None:
            self.parse_error("unknown_work_type", response, f"workType {code!r}")
            # The on-site flag tells the two families apart.
            work = ("", *WORK_TYPES["3" if str(row.get("is_stay")) == "1" else "1"][1:])
        label, budget_type, work_type = work

        private = str(row.get("isopen")).strip() == "0"
        description = None if private else self.description(row.get("txt"))
        budget = budget_from_amounts(
            row.get("cost_min"),
            row.get("cost_max"),
            currency="KRW",
            budget_type=budget_type,
            scale=MAN_WON,
        )
        during = parse_count(row.get("during"))
        category = join_category(row.get("proj_filed")) or join_category(
            [part for part in (row.get("fld"), row.get("fld_nm_2nd")) if isinstance(part, str)]
        )
        languages = row.get("proj_language")
        declared = languages.split(",") if isinstance(languages, str) else []

        return self.item(
            response,
            external_id=project_id,
            url=self.shown_link(
                self.page_link(row.get("url") or row.get("link")),
                ORIGIN,
                PROJECT_PAGE.format(id=project_id),
            ),
            title=title,
            description=description,
            category=category,
            skills=posting_skills(declared, title, description),
            **budget_fields(budget),
            duration_days=during or None,
            work_type=work_type,
            location=clean_text(row.get("pv_smallnm")),
            posted_at=parse_datetime(row.get("INS_TIME"), tz=self.timezone),
            deadline=parse_datetime(row.get("edate"), tz=self.timezone, end_of_day=True)
            or parse_datetime(row.get("endtime"), tz=self.timezone),
            applicants=parse_count(row.get("ALL_APPLY_COUNT")),
            status="open" if str(row.get("isNowApply")).strip() == "1" else "closed",
            extra=self.extra(row, private, code, label),
        )

    @staticmethod
    def description(value: Any) -> str | None:
        # Clients sometimes write their address or number into the body.
        return redact_personal_data(description_text(value))

    @staticmethod
    def extra(row: Mapping[str, Any], private: bool, code: str, label: str) -> dict[str, Any]:
        """Further public fields, from an allow-list: the row also holds the client's e-mail."""
        extra: dict[str, Any] = {"private": private}
        if code:
            extra["work_type_code"] = code
        if label:
            extra["work_type_label"] = label
        texts = {"BEGIN_EXPECT": "expected_start", "plan_nm": "planning"}
        for key, name in texts.items():
            value = clean_text(row.get(key)) if isinstance(row.get(key), str) else None
            if value:
                extra[name] = value
        counts = {"APPLY_COUNT": "apply_count", "recruit": "openings"}
        for key, name in counts.items():
            value = parse_count(row.get(key))
            if value is not None:
                extra[name] = value
        flags = {"is_stay": "on_site", "isescrow": "escrow", "isnda": "nda"}
        for key, name in flags.items():
            if str(row.get(key)).strip() in {"0", "1"}:
                extra[name] = str(row.get(key)).strip() == "1"
        phone_verified = row.get("authHpYn")
        if isinstance(phone_verified, str) and phone_verified in {"Y", "N"}:
            extra["client_phone_verified"] = phone_verified == "Y"
        fields = row.get("proj_filed_new")
        if isinstance(fields, str) and fields.strip():
            extra["fields"] = [part for part in map(clean_text, fields.split(",")) if part]
        category_ids = _category_ids(row.get("proj_fld_json"))
        if category_ids:
            extra["category_ids"] = category_ids
        return extra


def _category_ids(value: Any) -> dict[str, list[int]] | None:
    """``{"1":[8,15],"2":[],...}`` (category ids per top field) as a dict of int lists."""
    if not isinstance(value, str):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    ids = {
        str(key): [int(v) for v in values if isinstance(v, int) and not isinstance(v, bool)]
        for key, values in data.items()
        if isinstance(values, list)
    }
    return {key: values for key, values in ids.items() if values} or None
