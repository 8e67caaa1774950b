"""The figures of ``scrapy report``: what the stored postings say, per platform, at one moment.

Every window is relative to a reference time ``now`` (an argument, so that a report can be
reproduced and tested):

- *open*: ``status`` is ``open``, no ``closed_at``, and the deadline (if any) is after ``now``:
  a posting whose deadline has passed takes no more applications, whatever its last badge said;
- *new in 24 h / 7 days*: ``first_seen_at`` in ``(now - 24 h, now]`` / ``(now - 7 d, now]``;
- *closing in 3 days*: open, with a deadline in ``(now, now + 3 d]``;
- *median budgets*: over the open postings with an amount, one group per budget type,
  category and currency (a median across won and dollars means nothing); a range counts as
  the midpoint of its minimum and maximum, a one-sided amount as that amount;
- *budget spreads*: over the open postings with an amount converted to the reference currency
  (``BASE_CURRENCY``), one group per platform, kind and reference currency: ``total`` (fixed
  budgets, converted) and ``monthly`` (the monthly equivalents, of any budget type that has
  one); the quartiles are the inclusive kind (``statistics.quantiles``), so the lower and
  upper ones lie within the amounts;
- *health*: per spider, its latest finished crawl that the health checks judged;
- *top skills*: how many postings first seen in ``(now - 7 d, now]`` ask for each skill, and
  the change from the 7 days before, ``(now - 14 d, now - 7 d]``: this week's count minus last
  week's, in postings;
- *new per day*: postings first seen on each of the last ``days`` calendar days in the report's
  time zone, the day of ``now`` included (so far).

The counts are aggregated in SQL in one pass over ``projects``. Medians, skill counts and the
per-day series are computed here from a bounded fetch of few columns (the open postings with an
amount; the postings of the last two weeks, or ``days``): medians, unnesting a ``text[]``/JSON
list and bucketing by local day have no form common to SQLite and PostgreSQL.

Nothing here prints: it returns dataclasses for the text, data and html modules to render.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db import open_migrated
from outsourcing_crawler.db.models import CrawlRun, Project

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
CLOSING_WITHIN = timedelta(days=3)
TOP_SKILLS = 20
DAYS = 14


@dataclass(frozen=True)
class MedianBudget:
    """The median budget of one group of like postings: one type, category and currency."""

    budget_type: str | None
    category: str | None
    currency: str | None
    median: int | float  # whole units of the currency; a float only when it falls on a half
    postings: int


@dataclass(frozen=True)
class BudgetSpread:
    """How one platform's budgets of one kind spread, in the reference currency.

    ``kind`` is ``total`` (fixed budgets) or ``monthly`` (monthly equivalents).
    """

    platform: str
    kind: str
    currency: str
    postings: int
    low: int | float
    lower_quartile: int | float
    median: int | float
    upper_quartile: int | float
    high: int | float


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str
    message: str


@dataclass(frozen=True)
class SpiderHealth:
    """The health checks' verdict on a spider's latest judged crawl."""

    spider: str
    state: str
    finished_at: datetime
    previous_state: str | None
    changed: bool
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class SkillTrend:
    """How many postings asked for a skill this week and last week."""

    skill: str
    this_week: int
    last_week: int

    @property
    def change(self) -> int:
        return self.this_week - self.last_week


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class Figures:
    """One platform's figures, or every platform's together (``platform`` None).

    Medians are per platform only: the total has none.
    """

    platform: str | None
    open: int
    new_24h: int
    new_7d: int
    closing_3d: int
    median_budgets: tuple[MedianBudget, ...]
    top_skills: tuple[SkillTrend, ...]
    new_per_day: tuple[DayCount, ...]


@dataclass(frozen=True)
class Report:
    now: datetime
    tz: tzinfo
    days: int
    platforms: tuple[Figures, ...]
    total: Figures
    budget_spreads: tuple[BudgetSpread, ...] = ()
    health: tuple[SpiderHealth, ...] = ()

    @property
    def new_24h_since(self) -> datetime:
        return self.now - DAY

    @property
    def new_7d_since(self) -> datetime:
        return self.now - WEEK

    @property
    def closing_until(self) -> datetime:
        return self.now + CLOSING_WITHIN

    @property
    def last_week_since(self) -> datetime:
        return self.now - 2 * WEEK

    @property
    def first_day(self) -> date:
        return first_day(self.now, self.tz, self.days)


def first_day(now: datetime, tz: tzinfo, days: int) -> date:
    """The first of ``days`` calendar days in ``tz`` that end with the day of ``now``."""
    return now.astimezone(tz).date() - timedelta(days=days - 1)


def is_open(now: datetime) -> ColumnElement[bool]:
    return and_(
        Project.status == "open",
        Project.closed_at.is_(None),
        or_(Project.deadline.is_(None), Project.deadline > now),
    )


def _seen_between(since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(Project.first_seen_at > since, Project.first_seen_at <= until)


async def _counts(session: AsyncSession, now: datetime) -> dict[str, tuple[int, int, int, int]]:
    """``platform -> (open, new 24 h, new 7 d, closing in 3 d)``, every platform stored."""
    open_now = is_open(now)
    query = (
        select(
            Project.platform,
            func.count(case((open_now, 1))),
            func.count(case((_seen_between(now - DAY, now), 1))),
            func.count(case((_seen_between(now - WEEK, now), 1))),
            func.count(case((and_(open_now, Project.deadline <= now + CLOSING_WITHIN), 1))),
        )
        .group_by(Project.platform)
        .order_by(Project.platform)
    )
    return {platform: tuple(counts) for platform, *counts in await session.execute(query)}


def budget_amount(budget_min: int | None, budget_max: int | None) -> float | None:
    """One amount for a posting: the midpoint of a range, or its one bound."""
    if budget_min is not None and budget_max is not None:
        return (budget_min + budget_max) / 2
    return budget_max if budget_min is None else budget_min


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _group_order(key: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    # None (no type, no category) sorts after the named groups.
    return tuple((part is None, part or "") for part in key)


async def _medians(session: AsyncSession, now: datetime) -> dict[str, tuple[MedianBudget, ...]]:
    query = select(
        Project.platform,
        Project.budget_type,
        Project.category,
        Project.currency,
        Project.budget_min,
        Project.budget_max,
    ).where(is_open(now), or_(Project.budget_min.is_not(None), Project.budget_max.is_not(None)))
    groups: dict[str, dict[tuple[str | None, ...], list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for platform, budget_type, category, currency, low, high in await session.execute(query):
        amount = budget_amount(low, high)
        assert amount is not None  # the query asks for an amount
        groups[platform][(budget_type, category, currency)].append(amount)
    return {
        platform: tuple(
            MedianBudget(*key, median=_whole(statistics.median(amounts)), postings=len(amounts))
            for key, amounts in sorted(by_key.items(), key=lambda item: _group_order(item[0]))
        )
        for platform, by_key in groups.items()
    }


KINDS = ("total", "monthly")


def spread(platform: str, kind: str, currency: str, amounts: Sequence[float]) -> BudgetSpread:
    """The quartiles of ``amounts`` (one amount or more)."""
    ordered = sorted(amounts)
    # quantiles() wants two points; one amount is its own quartiles.
    quartiles = (
        statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else ordered * 3
    )
    lower, median, upper = (_whole(value) for value in quartiles)
    return BudgetSpread(
        platform,
        kind,
        currency,
        len(ordered),
        _whole(ordered[0]),
        lower,
        median,
        upper,
        _whole(ordered[-1]),
    )


async def _budget_spreads(session: AsyncSession, now: datetime) -> tuple[BudgetSpread, ...]:
    query = select(
        Project.platform,
        Project.budget_type,
        Project.base_currency,
        Project.base_budget_min,
        Project.base_budget_max,
        Project.monthly_budget_min,
        Project.monthly_budget_max,
    ).where(is_open(now), Project.base_currency.is_not(None))
    groups: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for (
        platform,
        budget_type,
        currency,
        low,
        high,
        monthly_low,
        monthly_high,
    ) in await session.execute(query):
        total = budget_amount(low, high)
        if budget_type == "fixed" and total is not None:
            groups[(platform, "total", currency)].append(total)
        monthly = budget_amount(monthly_low, monthly_high)
        if monthly is not None:
            groups[(platform, "monthly", currency)].append(monthly)
    return tuple(
        spread(*key, amounts)
        for key, amounts in sorted(
            groups.items(), key=lambda item: (KINDS.index(item[0][1]), item[0][0], item[0][2])
        )
    )


def _findings(health: dict[str, Any]) -> tuple[Finding, ...]:
    return tuple(
        Finding(str(found.get("check")), str(found.get("severity")), str(found.get("message")))
        for found in health.get("findings") or ()
    )


async def _health(session: AsyncSession) -> tuple[SpiderHealth, ...]:
    """Each spider's latest finished crawl with a health verdict, by spider name."""
    newest = (
        func.row_number()
        .over(
            partition_by=CrawlRun.spider,
            order_by=(CrawlRun.started_at.desc(), CrawlRun.id.desc()),
        )
        .label("newest")
    )
    judged = (
        select(CrawlRun.spider, CrawlRun.finished_at, CrawlRun.health, newest)
        .where(CrawlRun.finished_at.is_not(None), CrawlRun.health.is_not(None))
        .subquery()
    )
    query = (
        select(judged.c.spider, judged.c.finished_at, judged.c.health)
        .where(judged.c.newest == 1)
        .order_by(judged.c.spider)
    )
    return tuple(
        SpiderHealth(
            spider=spider,
            state=str(health.get("state", "unknown")),
            finished_at=finished_at,
            previous_state=health.get("previous_state"),
            changed=bool(health.get("changed")),
            findings=_findings(health),
        )
        for spider, finished_at, health in await session.execute(query)
        if isinstance(health, dict)
    )


def top_skills(
    this_week: Counter[str], last_week: Counter[str], limit: int = TOP_SKILLS
) -> tuple[SkillTrend, ...]:
    """The skills most asked for this week, most first, ties by name."""
    ranked = sorted(this_week.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))
    return tuple(SkillTrend(skill, count, last_week[skill]) for skill, count in ranked[:limit])


async def _skill_counts(
    session: AsyncSession, now: datetime
) -> dict[str | None, tuple[Counter[str], Counter[str]]]:
    """``platform -> (this week's, last week's)`` postings per skill; None: every platform."""
    query = select(Project.platform, Project.first_seen_at, Project.skills).where(
        _seen_between(now - 2 * WEEK, now)
    )
    weeks: dict[str | None, tuple[Counter[str], Counter[str]]] = defaultdict(
        lambda: (Counter(), Counter())
    )
    for platform, first_seen_at, skills in await session.execute(query):
        week = 0 if first_seen_at > now - WEEK else 1
        asked = set(skills or ())  # a posting asks for a skill once
        weeks[platform][week].update(asked)
        weeks[None][week].update(asked)
    return weeks


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


async def _new_per_day(
    session: AsyncSession, now: datetime, tz: tzinfo, first_day: date
) -> dict[str, Counter[date]]:
    since = datetime.combine(first_day, time(), tzinfo=tz)
    query = select(Project.platform, Project.first_seen_at).where(
        Project.first_seen_at >= since, Project.first_seen_at <= now
    )
    per_day: dict[str, Counter[date]] = defaultdict(Counter)
    for platform, first_seen_at in await session.execute(query):
        per_day[platform][first_seen_at.astimezone(tz).date()] += 1
    return per_day


def _series(days: Sequence[date], counts: Counter[date]) -> tuple[DayCount, ...]:
    return tuple(DayCount(day, counts[day]) for day in days)


def _total(
    platforms: Sequence[Figures],
    weeks: tuple[Counter[str], Counter[str]],
    days: Sequence[date],
    top: int,
) -> Figures:
    per_day: Counter[date] = Counter()
    for figures in platforms:
        per_day.update({entry.day: entry.count for entry in figures.new_per_day})
    return Figures(
        platform=None,
        open=sum(figures.open for figures in platforms),
        new_24h=sum(figures.new_24h for figures in platforms),
        new_7d=sum(figures.new_7d for figures in platforms),
        closing_3d=sum(figures.closing_3d for figures in platforms),
        median_budgets=(),
        top_skills=top_skills(*weeks, top),
        new_per_day=_series(days, per_day),
    )


async def build_report(
    session: AsyncSession,
    now: datetime,
    *,
    tz: tzinfo = UTC,
    days: int = DAYS,
    top: int = TOP_SKILLS,
) -> Report:
    """The figures of every platform stored, at ``now`` (timezone-aware).

    Run it in one transaction (on PostgreSQL a repeatable-read one) for figures that agree
    with one another while a crawl writes.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if days < 1:
        raise ValueError("days must be at least 1")
    now = now.astimezone(UTC)
    first = first_day(now, tz, days)
    day_list = _days(first, days)

    counts = await _counts(session, now)
    medians = await _medians(session, now)
    skills = await _skill_counts(session, now)
    per_day = await _new_per_day(session, now, tz, first)
    spreads = await _budget_spreads(session, now)
    health = await _health(session)

    platforms = []
    for platform, (open_, new_24h, new_7d, closing_3d) in counts.items():
        this_week, last_week = skills[platform]
        platforms.append(
            Figures(
                platform=platform,
                open=open_,
                new_24h=new_24h,
                new_7d=new_7d,
                closing_3d=closing_3d,
                median_budgets=medians.get(platform, ()),
                top_skills=top_skills(this_week, last_week, top),
                new_per_day=_series(day_list, per_day[platform]),
            )
        )
    total = _total(platforms, skills[None], day_list, top)
    return Report(
        now=now,
        tz=tz,
        days=days,
        platforms=tuple(platforms),
        total=total,
        budget_spreads=spreads,
        health=health,
    )


async def load_report(url: str | URL, now: datetime, tz: tzinfo, days: int) -> tuple[Report, bool]:
    """The report of the database at ``url``, and whether it had to be migrated first."""
    async with open_migrated(url) as (database, migration):
        engine = database.engine
        if database.dialect == "postgresql":
            # One snapshot for every query, so the figures agree while a crawl writes.
            engine = engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        async with AsyncSession(engine) as session, session.begin():
            report = await build_report(session, now, tz=tz, days=days)
    return report, migration.changed
