"""elancer (이랜서) IT freelance projects, mostly on-site with monthly rates."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.normalisers import (
    NO_BUDGET,
    Budget,
    clean_text,
    find_labelled,
    html_to_text,
    is_login_prompt,
    join_category,
    json_text,
    labelled_value,
    location_from_address,
    parse_budget,
    parse_count,
    parse_datetime,
    parse_duration_days,
    parse_status,
    parse_work_type,
    posting_skills,
    redact_personal_data,
)
from outsourcing_crawler.spiders.base import ProjectSpider, budget_fields, compact
from outsourcing_crawler.spiders.selection import labelled_values

SITE = "https://www.elancer.co.kr"
SITEMAP = f"{SITE}/sitemap.xml"
PROJECT_PAGE = SITE + "/project_detail/{id}"
PROJECT_PATH = re.compile(r"/project_detail/(\d+)/?")
SITE_HOSTS = frozenset({"www.elancer.co.kr", "elancer.co.kr"})

# Condition labels (spaces removed) and the budget type their amount has.
MONTHLY_LABELS = frozenset({"월단가", "단가", "월금액", "월급여"})
FIXED_LABELS = frozenset({"예상금액", "총금액", "프로젝트금액", "총예산"})
DURATION_LABELS = ("예상기간", "기간", "계약기간", "프로젝트기간", "투입기간")
WORK_LABELS = ("근무형태", "근무방식", "근무", "진행방식", "상주여부")
PLACE_LABELS = ("근무지", "근무장소", "근무지역", "위치")
DEADLINE_LABELS = ("모집마감", "마감일", "모집마감일", "지원마감")
GRADE_LABELS = ("등급", "기술등급")
CATEGORY_LABELS = ("직종", "분야", "직무")
# Labels of the body's own lines: "월 단가 : 550만원", "- 예상 금액 : 3,000만원",
# "기간 : 6개월". A rate's colon may be missing ("월 단가 500~600만원").
BUDGET_TEXT_LABELS = ("월단가", "예상금액", "총금액", "프로젝트금액", "총예산")
WORK_TEXT_LABELS = ("근무형태", "근무방식")
# The page's own recruiting badge.
STATUS_SELECTORS = (
    ".badge-status::text",
    ".project-status::text",
    ".status-badge::text",
    "[class*=status]::text",
)
# Only a project's own heading: a generic <h1> ("페이지를 찾을 수 없습니다") is no title.
TITLE_SELECTORS = (
    ".project-detail__title::text",
    "[class*=project-title]::text",
    "[class*=project] h1::text",
)
# "등록일 2026.11.27", "조회 312", "지원자 4명" under the title.
META_TEXTS = ".project-detail__meta *::text, .project-meta *::text"
CONTENT_SELECTORS = (".project-detail__content .content-body", ".project-content", ".content-body")


class ElancerSpider(ProjectSpider):
    """The sitemap's project pages, newest first, each a server-rendered page with JSON-LD.

    The list pages are filled by ``api.elancer.co.kr``, whose robots.txt disallows crawlers,
    so the list API is not used although it would take fewer requests. ``/sitemap.xml`` is
    the site's own list of ``/project_detail/{id}`` pages, and those pages are rendered on
    the server with a schema.org ``JobPosting``: one request per posting, at the project's
    politeness settings. A sitemap index is read one file at a time, in its order, so
    ``max_items`` keeps the newest postings. Scrapy's ``Sitemap`` parser reads the files;
    ``SitemapSpider`` is not used because its requests have no errback and it only logs an
    invalid sitemap, so neither failure would be counted.

    Argument: ``max_items`` (stop after that many project pages).
    """

    name = "elancer"
    allowed_domains: ClassVar[list[str]] = ["www.elancer.co.kr"]
    arguments: ClassVar[Mapping[str, tuple[str, ...] | type]] = {"max_items": int}
    # Elancer shows neither a category nor an applicant count.
    expected_fields: ClassVar[tuple[str, ...]] = tuple(
        name for name in ProjectSpider.expected_fields if name not in {"category", "applicants"}
    )
    content_selector = ", ".join(selector.removesuffix("::text") for selector in TITLE_SELECTORS)

    max_items: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._projects_requested = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.sitemap_request(SITEMAP)

    def sitemap_request(self, url: str, pending: Sequence[str] = ()) -> scrapy.Request:
        return self.request(url, self.parse_sitemap, cb_kwargs={"pending": list(pending)})

    def limit_reached(self) -> bool:
        return self.max_items is not None and self._projects_requested >= self.max_items

    # -- sitemap ----------------------------------------------------------------------

    def parse_sitemap(
        self, response: Response, pending: Sequence[str] = ()
    ) -> Iterator[scrapy.Request]:
        """Project pages of a sitemap, then the next sitemap file of the index.

        @url https://www.elancer.co.kr/sitemap.xml
        @returns items 0 0
        @returns requests 1 1
        """
        sitemap = self.sitemap(response)
        if sitemap is None:
            return
        root, entries = sitemap
        pending = list(pending)
        if root == "sitemapindex":
            children = [
                entry["loc"] for entry in entries if self.is_loc_url(response, entry.get("loc"))
            ]
            if not children:
                self.parse_error("empty_sitemap_index", response)
            pending = children + pending
        else:
            yield from self.project_requests(response, entries)
        if pending and not self.limit_reached():
            following = self.sitemap_request(pending[0], pending[1:])
            # After a file of project pages, the next file is the next (older) list page.
            yield self.next_list_page(following) if root == "urlset" else following
        elif not pending and self._projects_requested == 0:
            # The whole sitemap named no project page: the site changed, not idle.
            self.parse_error("no_project_locs", response)

    def is_loc_url(self, response: Response, loc: Any) -> bool:
        """Whether a sitemap ``<loc>`` is an absolute web URL, as sitemaps must give; one
        that is not is counted (``bad_sitemap_loc``), an empty one skipped."""
        if not loc:
            return False
        if is_web_url(loc):
            return True
        self.parse_error("bad_sitemap_loc", response, repr(loc)[:200])
        return False

    def project_requests(
        self, response: Response, entries: Iterable[Mapping[str, Any]]
    ) -> Iterator[scrapy.Request]:
        for entry in entries:
            if self.limit_reached():
                return
            if not self.is_loc_url(response, entry.get("loc")):
                continue
            project_id = project_id_of(entry.get("loc"))
            if project_id is None:
                continue  # the home page, list pages, notices...
            self._projects_requested += 1
            yield self.detail_request(
                PROJECT_PAGE.format(id=project_id),
                self.parse_project,
                external_id=project_id,
                listing={"loc": entry.get("loc"), "lastmod": entry.get("lastmod")},
            )

    # -- project page -----------------------------------------------------------------

    def parse_project(self, response: Response) -> Iterator[ProjectItem]:
        """One project page: its JSON-LD JobPosting, badge and condition rows.

        @url https://www.elancer.co.kr/project_detail/29741
        @returns items 1 1
        @returns requests 0 0
        @scrapes platform external_id url title description skills status extra
        @scrapes budget_min budget_max currency budget_type duration_days work_type location
        @scrapes posted_at deadline applicants scraped_at
        """
        page = self.html_page(response, whole=True)
        if page is None:
            return
        posting = self.job_posting(page) or {}
        title = clean_text(posting.get("title")) or clean_text(
            self.first_match(page, *TITLE_SELECTORS)
        )
        if title is None:
            self.parse_error("no_jobposting", page, "no JSON-LD JobPosting and no title")
            return
        if not posting:
            self.parse_error("missing_jsonld", page, "no JSON-LD JobPosting")

        project_id = project_id_of(page.url) or json_text(posting.get("identifier"), "value")
        if project_id is None:
            self.parse_error("no_project_id", page)
            return

        conditions = condition_rows(page)
        description = self.description(page, posting)
        budget = labelled_budget(conditions, description)
        meta = "\n".join(page.css(META_TEXTS).getall())
        tz = self.timezone
        posted_at = parse_datetime(posting.get("datePosted"), tz=tz) or parse_datetime(
            labelled_value(meta, ["등록일"], colon=False), tz=tz
        )
        deadline = parse_datetime(
            posting.get("validThrough"), tz=tz, end_of_day=True
        ) or parse_datetime(_first(conditions, DEADLINE_LABELS), tz=tz, end_of_day=True)
        category = join_category(posting.get("occupationalCategory")) or join_category(
            _first(conditions, CATEGORY_LABELS), separators=">/›»|·"
        )

        # Only a canonical link naming this project: some templates name the home page.
        canonical = self.canonical_link(page)
        shown = canonical if project_id_of(page.urljoin(canonical or "")) == project_id else None
        yield self.item(
            page,
            external_id=project_id,
            url=self.shown_link(shown, page.url, PROJECT_PAGE.format(id=project_id)),
            title=title,
            description=description,
            category=category,
            skills=self.skills(page, posting, title, description),
            **budget_fields(budget),
            duration_days=self.duration(conditions, description),
            work_type=self.work_type(page, posting, conditions, title, description),
            location=location_from_address(posting.get("jobLocation"))
            or _first(conditions, PLACE_LABELS),
            posted_at=posted_at,
            deadline=deadline,
            applicants=parse_count(labelled_value(meta, ["지원자"], colon=False)),
            status=self.status(page),
            extra=self.extra(posting, conditions, meta),
        )

    def description(self, response: TextResponse, posting: Mapping[str, Any]) -> str | None:
        text = html_to_text(posting.get("description"))  # HTML, at times escaped once more
        if text is None:
            for query in CONTENT_SELECTORS:
                markup = response.css(query).get()
                if markup:
                    text = html_to_text(markup)
                    break
        if text is None or is_login_prompt(text):
            return None
        return redact_personal_data(text)

    def skills(
        self,
        response: TextResponse,
        posting: Mapping[str, Any],
        title: str,
        description: str | None,
    ) -> list[str]:
        declared: list[str] = []
        field = posting.get("skills")
        if isinstance(field, str):
            declared += field.split(",")
        elif isinstance(field, list):
            declared += [value for value in field if isinstance(value, str)]
        declared += response.css(".skill-list li::text, .skill-list .skill::text").getall()
        qualifications = posting.get("qualifications")
        text = "\n".join(
            value for value in (qualifications, title, description) if isinstance(value, str)
        )
        return posting_skills(declared, text)

    @staticmethod
    def duration(conditions: Mapping[str, str], description: str | None) -> int | None:
        labelled = _first(conditions, DURATION_LABELS)
        if labelled is not None:
            return parse_duration_days(labelled)
        return parse_duration_days(labelled_value(description, DURATION_LABELS))

    def work_type(
        self,
        response: TextResponse,
        posting: Mapping[str, Any],
        conditions: Mapping[str, str],
        title: str,
        description: str | None,
    ) -> str | None:
        for text in (
            _first(conditions, WORK_LABELS),
            self.first_match(response, ".badge-place::text", ".project-place::text"),
            labelled_value(description, WORK_TEXT_LABELS),
        ):
            work_type = parse_work_type(text)
            if work_type is not None:
                return work_type
        if str(posting.get("jobLocationType", "")).upper() == "TELECOMMUTE":
            return "remote"
        return parse_work_type(title)

    def status(self, response: TextResponse) -> str:
        """The page's own badge (모집중 / 모집마감); never inferred from validThrough."""
        texts = [self.first_match(response, *STATUS_SELECTORS)]
        texts += response.xpath(
            "//body//*[self::span or self::em or self::strong or self::p or self::div]"
            "[not(*)][normalize-space()='모집중' or normalize-space()='모집마감'"
            " or normalize-space()='마감임박']/text()"
        ).getall()
        status = next(filter(None, map(parse_status, texts)), None)
        if status is None:
            self.parse_error("missing_status_badge", response)
        return status or "open"

    @staticmethod
    def extra(
        posting: Mapping[str, Any], conditions: Mapping[str, str], meta: str
    ) -> dict[str, Any]:
        experience = posting.get("experienceRequirements")
        months = experience.get("monthsOfExperience") if isinstance(experience, dict) else None
        return compact(
            {
                "grade": _first(conditions, GRADE_LABELS),
                "experience": clean_text(experience) if isinstance(experience, str) else None,
                "experience_months": parse_count(months) or None,
                "employment_type": clean_text(posting.get("employmentType")),
                "views": parse_count(labelled_value(meta, ["조회"], colon=False)),
            }
        )


# -- helpers: selecting values (the parsing itself is the normalisers') --------------------


def is_web_url(value: Any) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # "http://[" and other broken hosts
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def project_id_of(url: Any) -> str | None:
    """The id of a ``/project_detail/{id}`` URL of the site; None for any other page."""
    if not is_web_url(url):
        return None
    parts = urlsplit(url.strip())
    if parts.hostname not in SITE_HOSTS:
        return None
    match = PROJECT_PATH.fullmatch(parts.path)
    return match[1] if match else None


def condition_rows(response: TextResponse) -> dict[str, str]:
    """Label -> value of the condition rows (label spaces removed), first occurrence wins.

    The rows come as ``<span class="info-label">`` + value, ``<dt>``/``<dd>`` or
    ``<th>``/``<td>`` depending on the page version.
    """
    pairs = [
        (label, label.xpath(value_query))
        for label_query, value_query in (
            ("//*[contains(@class, 'info-label')]", "following-sibling::*[1]"),
            ("//dt", "following-sibling::dd[1]"),
            ("//th", "following-sibling::td[1]"),
        )
        for label in response.xpath(label_query)
    ]
    return labelled_values(pairs, key=lambda label: re.sub(r"\s+", "", label))


def _first(conditions: Mapping[str, str], labels: Iterable[str]) -> str | None:
    return next((conditions[label] for label in labels if label in conditions), None)


def labelled_budget(conditions: Mapping[str, str], description: str | None) -> Budget:
    """The rate from a labelled row or body line; unlabelled amounts are not the budget."""
    for label, value in conditions.items():
        if label in MONTHLY_LABELS:
            return parse_budget(value, default_type="monthly", unit="만원") or NO_BUDGET
        if label in FIXED_LABELS:
            return parse_budget(value, default_type="fixed", unit="만원") or NO_BUDGET
    line = find_labelled(description, BUDGET_TEXT_LABELS, colon=False)
    if line is None:
        return NO_BUDGET
    budget_type = "monthly" if line.label in MONTHLY_LABELS else "fixed"
    return parse_budget(line.value, default_type=budget_type, unit="만원") or NO_BUDGET
