"""When stored postings without a posted date were first seen: the day their budgets use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db.models import Project

projects = Project.__table__


async def first_seen_undated(session: AsyncSession, platform: str) -> dict[str, datetime]:
    """``external_id -> first_seen_at`` of a platform's open postings without a posted date.

    Closed postings are left out: one that comes back is rewritten whole anyway.
    """
    rows = await session.execute(
        select(projects.c.external_id, projects.c.first_seen_at).where(
            projects.c.platform == platform,
            projects.c.status == "open",
            projects.c.posted_at.is_(None),
        )
    )
    return dict(rows.all())
