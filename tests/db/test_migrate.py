"""Migrations: an empty database is created, a current one left alone, a newer one refused."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import inspect, text

from outsourcing_crawler.db import Database, DatabaseTooNew, migrate, migrate_url, open_migrated
from outsourcing_crawler.db.engine import DatabaseRegistry


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


@deferred_f_from_coro_f
async def test_open_migrated_shares_a_registrys_database_and_releases_it(sqlite_url: str) -> None:
    registry = DatabaseRegistry()
    async with (
        open_migrated(sqlite_url, registry) as (first, migration),
        open_migrated(sqlite_url, registry) as (second, again),
    ):
        assert first is second
        assert migration.before is None
        assert migration.changed
        assert again == (migration.after, migration.after)
        assert not again.changed
    # Both released it, so it was disposed of: the next user gets a database of its own.
    fresh = registry.acquire(sqlite_url)
    assert fresh is not first
    await registry.release(fresh)


@deferred_f_from_coro_f
async def test_open_migrated_releases_the_database_when_migration_fails(database_url: str) -> None:
    await migrate_url(database_url)
    registry = DatabaseRegistry()
    held = registry.acquire(database_url)
    async with held.session() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(DatabaseTooNew, match="9999_future"):
        async with open_migrated(database_url, registry):
            pytest.fail("the block runs only on a migrated database")
    # Had open_migrated kept its share, this release would leave `held` open for the next user.
    await registry.release(held)
    fresh = registry.acquire(database_url)
    assert fresh is not held
    await registry.release(fresh)
