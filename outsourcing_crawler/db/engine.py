"""The engine, its session factory, and the URL rules: built when a crawl opens, never at import.

An async engine is bound to the event loop it first runs on. The components of a crawl
acquire theirs from ``databases`` when the crawl opens and release it when it closes: the
crawls of one process share one engine per URL, disposed of when the last lets go.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# aiosqlite logs every statement with its bound parameters at DEBUG, Scrapy's default level:
# whole postings in the log, and a wall of it.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

# Plain URLs as people write them, mapped to the asyncio drivers this project ships with.
_ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def database_url(raw: str | URL) -> URL:
    """The URL with an asyncio driver: ``postgresql://`` -> asyncpg, ``sqlite://`` -> aiosqlite."""
    url = make_url(raw)
    driver = _ASYNC_DRIVERS.get(url.drivername)
    return url.set(drivername=driver) if driver else url


def safe_url(raw: str | URL) -> str:
    """The URL as it may appear in a log line: the password masked."""
    return database_url(raw).render_as_string(hide_password=True)


def describe_target(raw: str | URL) -> str:
    """Where the database is, for people: ``host:port/db`` or the SQLite file."""
    url = database_url(raw)
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database or ':memory:'}"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets a reader (a report, a second crawl) read while a crawl writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _json_text(value: Any) -> str:
    # orjson: several times faster than json for the JSON columns, and UTF-8 as it is.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def create_engine(raw: str | URL, **kwargs: Any) -> AsyncEngine:
    url = database_url(raw)
    kwargs.setdefault("json_serializer", _json_text)
    if url.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        # asyncpg gives up on an unreachable server after this many seconds.
        kwargs.setdefault("connect_args", {"timeout": 10})
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """One engine and its session factory, for the life of one crawl."""

    def __init__(self, url: str | URL, **engine_kwargs: Any) -> None:
        self.url = database_url(url)
        self.engine = create_engine(self.url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back on error."""
        async with self.sessions.begin() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


class DatabaseRegistry:
    """Databases shared by every crawl of one process, one per URL, disposed with the last.

    ``scrapy crawlall`` runs several crawls at once on one event loop: they share one engine
    and its connection pool instead of opening one each.
    """

    def __init__(self) -> None:
        self._open: dict[str, tuple[Database, int]] = {}

    def acquire(self, url: str | URL) -> Database:
        key = database_url(url).render_as_string(hide_password=False)
        database, users = self._open.get(key) or (Database(url), 0)
        self._open[key] = (database, users + 1)
        return database

    async def release(self, database: Database) -> None:
        key = database.url.render_as_string(hide_password=False)
        _, users = self._open.get(key, (database, 1))
        if users > 1:
            self._open[key] = (database, users - 1)
            return
        self._open.pop(key, None)
        await database.dispose()


databases = DatabaseRegistry()
