"""Reading the crawl_runs table: a spider's earlier crawls."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db.models import CrawlRun


async def recent_runs(session: AsyncSession, spider: str, limit: int) -> list[CrawlRun]:
    """The last ``limit`` crawls of ``spider`` that closed, newest first.

    A crawl still under way (this one, say) or killed before it closed has no finish time,
    and is left out.
    """
    rows = await session.scalars(
        select(CrawlRun)
        .where(CrawlRun.spider == spider, CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
    )
    return list(rows.all())
