"""Reading and writing what list pages showed of postings (the ``listings`` table)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db.models import CrawlRun, Listing, Project
from outsourcing_crawler.db.upsert import probe_each

listings = Listing.__table__
projects = Project.__table__


async def known_listings(
    session: AsyncSession, platform: str, external_ids: Sequence[str]
) -> dict[str, tuple[str, datetime]]:
    """``external_id -> (listing_hash, fetched_at)`` of the postings read and stored.

    A reading counts only once the posting it yielded is in ``projects``, seen at or after
    the reading: a crawl killed between reading a page and storing its posting must not make
    the next crawl skip that posting.
    """
    if not external_ids:
        return {}
    same_posting = (projects.c.platform == listings.c.platform) & (
        projects.c.external_id == listings.c.external_id
    )
    read_and_stored = ~listings.c.has_item | (projects.c.last_seen_at >= listings.c.fetched_at)
    columns = (listings.c.external_id, listings.c.listing_hash, listings.c.fetched_at)

    def readings(key_matches: ColumnElement[bool]) -> Select[Any]:
        return (
            select(*columns)
            .select_from(listings.outerjoin(projects, same_posting))
            .where(listings.c.platform == platform, key_matches, read_and_stored)
        )

    if session.bind.dialect.name == "postgresql":
        # One index probe per id (see probe_each), whatever the planner believes.
        query = probe_each(
            external_ids,
            listings.c.external_id,
            lambda wanted: readings(listings.c.external_id == wanted),
        )
    else:
        query = readings(listings.c.external_id.in_(external_ids))
    rows = await session.execute(query)
    return {row.external_id: (row.listing_hash, row.fetched_at) for row in rows}


async def record_listings(session: AsyncSession, rows: Iterable[dict[str, Any]]) -> None:
    """Upsert ``{platform, external_id, listing_hash, fetched_at, has_item}`` rows; the last
    of a repeated key wins."""
    latest = {(row["platform"], row["external_id"]): row for row in rows}
    if not latest:
        return
    module = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = module.insert(listings)
    statement = statement.on_conflict_do_update(
        index_elements=[listings.c.platform, listings.c.external_id],
        set_={
            "listing_hash": statement.excluded.listing_hash,
            "fetched_at": statement.excluded.fetched_at,
            "has_item": statement.excluded.has_item,
        },
    )
    # Key order: two crawls recording the same postings lock them in the same order.
    await session.execute(statement, [latest[key] for key in sorted(latest)])


async def previous_run_finished(session: AsyncSession, spider: str) -> bool:
    """Whether the crawl of ``spider`` before the one under way finished its work.

    The crawl under way has its own ``crawl_runs`` row already (written when it opened).
    A previous crawl that was stopped or killed may have read list pages only in part.
    """
    previous = (
        await session.execute(
            select(CrawlRun.finish_reason)
            .where(CrawlRun.spider == spider)
            .order_by(CrawlRun.id.desc())
            .offset(1)
            .limit(1)
        )
    ).first()
    # A killed crawl never wrote its finish reason.
    return previous is None or previous.finish_reason == "finished"
