"""freelancer.com active projects, newest first, from the site's public REST API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import (
    budget_from_amounts,
    clean_text,
    currency_code,
    description_text,
    parse_count,
    parse_datetime,
    parse_id,
    posting_skills,
)
from outsourcing_crawler.spiders.base import (
    ProjectSpider,
    SpiderArgumentError,
    budget_fields,
    compact,
)

API_URL = "https://www.freelancer.com/api/projects/0.1/projects/active/"
PROJECT_URL = "https://www.freelancer.com/projects/{}"
_SKILL_IDS = re.compile(r"\d+(,\d+)*")


class FreelancerSpider(ProjectSpider):
    """Active projects from ``/api/projects/0.1/projects/active/``.

    The public API needs no key, answers JSON (no markup to break) and pages by ``offset`` up
    to its ``total_count``: 50 projects a request, one request at a time, is far less load
    than the HTML search pages. ``compact`` leaves out empty values; ``full_description`` and
    ``job_details`` bring the whole text and the skill names in the same call. No user
    details are asked for: owners are people, and nothing of theirs is stored.

    Arguments: ``query`` (free text), ``jobs`` (comma-separated freelancer skill ids, e.g.
    ``3,9``), ``max_items`` (stop after that many projects).
    """

    name = "freelancer"
    allowed_domains: ClassVar[list[str]] = ["www.freelancer.com"]
    timezone = UTC
    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {
        "query": str,
        "jobs": str,
        "max_items": int,
    }
    expected_fields: ClassVar[tuple[str, ...]] = (
        "description",
        "skills",
        "budget_min",
        "currency",
        "budget_type",
        "posted_at",
        "applicants",
    )
    page_size: ClassVar[int] = 50

    query: str | None = None
    jobs: str | None = None
    max_items: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.jobs is not None:
            jobs = self.jobs.replace(" ", "")
            if not _SKILL_IDS.fullmatch(jobs):
                raise SpiderArgumentError(
                    f"{self.name}: argument jobs={self.jobs!r} must be comma-separated numeric "
                    "skill ids, e.g. jobs=3,9"
                )
            self.jobs = jobs

    def page_url(self, offset: int) -> str:
        """The API URL of one page, its parameters always in the same order."""
        params: list[tuple[str, str | int]] = [
            ("compact", "true"),
            ("full_description", "true"),
            ("job_details", "true"),
            ("sort_field", "time_submitted"),
        ]
        if self.query:
            params.append(("query", self.query))
        if self.jobs:
            params.extend(("jobs[]", job) for job in self.jobs.split(","))
        params += [("limit", self.page_limit(offset)), ("offset", offset)]
        return f"{API_URL}?{urlencode(params)}"

    def page_limit(self, offset: int) -> int:
        if self.max_items is None:
            return self.page_size
        return max(1, min(self.page_size, self.max_items - offset))

    def page_request(self, offset: int) -> scrapy.Request:
        return self.request(
            self.page_url(offset),
            callback=self.parse,
            cb_kwargs={"offset": offset},
            headers={"Accept": "application/json"},
        )

    async def start(self) -> AsyncIterator[Any]:
        yield self.page_request(0)

    def parse(self, response: Response, offset: int = 0) -> Iterator[Any]:
        """One page of active projects, and the request for the next page.

        @url https://www.freelancer.com/api/projects/0.1/projects/active/?compact=true&full_description=true&job_details=true&sort_field=time_submitted&limit=50&offset=0
        @cb_kwargs {"offset": 0}
        @returns items 1 50
        @returns requests 0 1
        @scrapes platform external_id url title description skills
        @scrapes budget_type posted_at status scraped_at
        """
        data = self.json_object(response)
        if data is None:
            return
        if "status" not in data:
            self.parse_error("missing_key_status", response, f"keys: {sorted(data)[:10]}")
            return
        if data["status"] != "success":
            detail = (
                f"{data.get('status')!r} {data.get('error_code', '')} {data.get('message', '')}"
            )
            self.parse_error("api_error", response, detail.strip())
            return
        result = data.get("result")
        projects = result.get("projects") if isinstance(result, dict) else None
        if not isinstance(projects, list):
            self.parse_error("missing_key_projects", response)
            return
        total = result.get("total_count")
        if not isinstance(total, int):
            self.parse_error("missing_key_total_count", response)
            total = None

        if not projects:
            # Nothing active at all on an unfiltered listing means the API changed, not idle.
            if offset == 0 and not (self.query or self.jobs):
                self.parse_error("no_projects", response)
            return

        for index, project in enumerate(projects):
            if self.max_items is not None and offset + index >= self.max_items:
                return
            project_id = parse_id(project.get("id")) if isinstance(project, dict) else None
            if project_id is None:
                self.parse_error("bad_project", response, repr(project)[:200])
                continue
            yield self.project_item(response, project, project_id)

        next_offset = offset + len(projects)
        more = (
            next_offset < total if total is not None else len(projects) >= self.page_limit(offset)
        )
        if more and (self.max_items is None or next_offset < self.max_items):
            yield self.next_list_page(self.page_request(next_offset))

    def project_item(
        self, response: Response, project: dict[str, Any], project_id: str
    ) -> ProjectItem:
        title = clean_text(project.get("title"))
        if title is None:
            # Kept all the same: the validation pipeline drops it, and this count says why.
            kind = "missing_key_title" if "title" not in project else "bad_title"
            self.parse_error(kind, response, project_id)
        body = project.get("description") or project.get("preview_description")
        description = description_text(body)

        jobs = self.project_jobs(response, project)
        skills = posting_skills(
            [job.get("name") for job in jobs if job.get("name")], title, description
        )
        categories = [
            job["category"].get("name") for job in jobs if isinstance(job.get("category"), dict)
        ]

        budget = _dict(project.get("budget"))
        currency = _dict(project.get("currency"))
        budget_type = project.get("type") if project.get("type") in ("fixed", "hourly") else None
        code = currency_code(currency.get("code"))
        money = budget_from_amounts(
            budget.get("minimum"),
            budget.get("maximum"),
            currency=code,
            budget_type=budget_type,
        )
        if code is None and (money.min is not None or money.max is not None):
            # Amounts in no stated currency compare with nothing, and the validation pipeline
            # would drop the whole posting for them: it is kept without them.
            self.parse_error("missing_currency", response, project_id)
            money = money._replace(min=None, max=None, currency=None)
        bids = _dict(project.get("bid_stats"))
        status = project.get("status")

        return self.item(
            response,
            external_id=project_id,
            url=self.project_url(response, project, project_id),
            title=title,
            description=description,
            category=clean_text(next(filter(None, categories), None)) or None,
            skills=skills,
            **budget_fields(money),
            posted_at=parse_datetime(project.get("time_submitted"), tz=UTC),
            applicants=parse_count(bids.get("bid_count")),
            # The endpoint lists active projects only; an explicit other status means closed.
            status="open" if status in (None, "active") else "closed",
            extra=self.project_extra(project, jobs, bids, currency),
        )

    def project_url(self, response: Response, project: dict[str, Any], project_id: str) -> str:
        seo_url = project.get("seo_url")
        if isinstance(seo_url, str) and seo_url.strip("/ "):
            if seo_url.startswith(("http://", "https://")):
                return seo_url
            return PROJECT_URL.format(seo_url.strip("/ "))
        # The id is the one handle left (the page URL without slug is unverified): counted,
        # so that a renamed key shows in the stats.
        self.parse_error("missing_key_seo_url", response, project_id)
        return PROJECT_URL.format(project_id)

    def project_jobs(self, response: Response, project: dict[str, Any]) -> list[dict[str, Any]]:
        """The project's skills (``jobs``); ``compact`` leaves the key out when there are none."""
        jobs = project.get("jobs")
        if jobs is None:
            return []
        if not isinstance(jobs, list):
            self.parse_error("bad_jobs", response, type(jobs).__name__)
            return []
        return [job for job in jobs if isinstance(job, dict)]

    @staticmethod
    def project_extra(
        project: dict[str, Any],
        jobs: list[dict[str, Any]],
        bids: dict[str, Any],
        currency: dict[str, Any],
    ) -> dict[str, Any]:
        upgrades = sorted(
            {clean for name, on in _dict(project.get("upgrades")).items()
             if on is True and (clean := clean_text(name))}
        )  # fmt: skip
        bid_avg, exchange_rate = bids.get("bid_avg"), currency.get("exchange_rate")
        return compact(
            {
                "bid_avg": round(bid_avg, 2) if _number(bid_avg) else None,
                "exchange_rate": exchange_rate if _number(exchange_rate) else None,
                "language": clean_text(project.get("language")),
                "upgrades": upgrades,
                "job_ids": [job["id"] for job in jobs if isinstance(job.get("id"), int)],
            }
        )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
