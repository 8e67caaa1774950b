"""Reading and writing what list pages showed of postings (the ``listings`` table)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db.models import Listing
from outsourcing_crawler.db.upsert import among

listings = Listing.__table__


async def known_listings(
    session: AsyncSession, platform: str, external_ids: Sequence[str]
) -> dict[str, tuple[str, datetime]]:
    """``external_id -> (listing_hash, fetched_at)`` for the postings already recorded."""
    if not external_ids:
        return {}
    query = select(listings.c.external_id, listings.c.listing_hash, listings.c.fetched_at).where(
        listings.c.platform == platform,
        among(listings.c.external_id, external_ids, session.bind.dialect.name),
    )
    return {
        row.external_id: (row.listing_hash, row.fetched_at) for row in await session.execute(query)
    }


async def record_listings(session: AsyncSession, rows: Iterable[dict[str, Any]]) -> None:
    """Upsert ``{platform, external_id, listing_hash, fetched_at}`` rows (last one wins)."""
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
        },
    )
    # Key order: two crawls recording the same postings lock them in the same order.
    await session.execute(statement, [latest[key] for key in sorted(latest)])
