"""Migrations: an empty database is created, a current one left alone, a newer one refused."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import inspect, text

from outsourcing_crawler.db import Database, DatabaseTooNew, migrate


async def tables(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


@deferred_f_from_coro_f
async def test_empty_database_is_migrated_then_left_alone(database_url: str) -> None:
    database = Database(database_url)
    try:
        before, after = await migrate(database)
        assert before is None
        assert after is not None
        assert {"projects", "project_changes", "crawl_runs"} <= await tables(database)
        assert await migrate(database) == (after, after)
    finally:
        await database.dispose()


@deferred_f_from_coro_f
async def test_newer_database_is_refused(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate(database)
        async with database.session() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(DatabaseTooNew, match="9999_future"):
            await migrate(database)
    finally:
        await database.dispose()


@deferred_f_from_coro_f
async def test_crawls_opening_together_migrate_once(postgresql_url: str) -> None:
    databases = [Database(postgresql_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(database) for database in databases))
        assert sorted(before is None for before, _ in results) == [False, False, False, True]
    finally:
        for database in databases:
            await database.dispose()


@deferred_f_from_coro_f
async def test_long_text_columns_use_lz4_on_postgresql(postgresql_url: str) -> None:
    database = Database(postgresql_url)
    try:
        await migrate(database)
        async with database.session() as session:
            compressed = set(
                await session.scalars(
                    text(
                        "SELECT attname FROM pg_attribute WHERE attrelid = 'projects'::regclass "
                        "AND attcompression = 'l'"
                    )
                )
            )
        assert compressed == {"description", "extra", "skills"}
    finally:
        await database.dispose()
