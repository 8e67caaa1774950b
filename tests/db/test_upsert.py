"""A batch's writes read its own rows only, even on a table the planner knows nothing about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import text

from outsourcing_crawler.db import Database, migrate, store_batch

SCRAPED = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def row(n: int) -> dict[str, Any]:
    return {
        "platform": "kmong",
        "external_id": str(n),
        "url": f"https://kmong.com/custom-project/requests/{n}",
        "title": f"쇼핑몰 앱 개발 {n}",
        "description": "React Native 로 iOS/Android 앱을 개발합니다.",
        "skills": ["React Native"],
        "status": "open",
        "extra": {},
        "scraped_at": SCRAPED,
    }


@deferred_f_from_coro_f
async def test_a_batch_reads_only_its_own_rows_on_a_table_without_statistics(
    postgresql_url: str,
) -> None:
    """A first crawl writes into tables that autovacuum has not analysed yet: a plan that
    reads a whole platform per batch would make every flush slower than the last."""
    database = Database(postgresql_url)
    try:
        await migrate(database)
        async with database.session() as session:
            await store_batch(session, [row(n) for n in range(5_000)])
            await session.commit()
        async with database.session() as session:
            # The plan a prepared statement keeps, as asyncpg's are, after a few executions.
            await session.execute(text("SET plan_cache_mode = force_generic_plan"))
            batch = [row(n) for n in range(0, 5_000, 100)] + [row(n) for n in range(9_000, 9_050)]
            result = await store_batch(session, batch)
            # Rows this transaction read from `projects` by sequential and by index scans.
            read = await session.scalar(
                text(
                    "SELECT pg_stat_get_xact_tuples_returned('projects'::regclass)"
                    " + pg_stat_get_xact_tuples_fetched('projects'::regclass)"
                )
            )
            await session.commit()
    finally:
        await database.dispose()
    assert (result.inserted, result.unchanged) == (50, 50)
    # Each row of the batch a few times over (lock, update, conflict check), never the 5,000.
    assert read <= 4 * len(batch)
