"""Bringing a database to the code's schema with Alembic, safely when crawls start together."""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection

from outsourcing_crawler.db.engine import Database, DatabaseRegistry, database_url

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key shared by every process that migrates this schema.
MIGRATION_LOCK = 7_242_026_111


class DatabaseTooNew(RuntimeError):
    """The database was migrated by a newer version of this project than the one running."""


class Migration(NamedTuple):
    """The schema revision of a database before and after it was migrated."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@functools.cache
def _script_location() -> str:
    """The migrations folder on disk.

    Scrapyd runs the project from a zipped egg, where Alembic cannot list a folder: there
    the migrations are copied out once into a temporary folder.
    """
    if MIGRATIONS.is_dir():
        return str(MIGRATIONS)
    target = Path(tempfile.mkdtemp(prefix="outsourcing_crawler_migrations_"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)

    def copy(source: Traversable, destination: Path) -> None:
        destination.mkdir(exist_ok=True)
        for entry in source.iterdir():
            if entry.is_dir():
                if entry.name != "__pycache__":
                    copy(entry, destination / entry.name)
            else:
                (destination / entry.name).write_bytes(entry.read_bytes())

    copy(files("outsourcing_crawler.db") / "migrations", target)
    logger.info("Migrations copied out of the package archive into %s", target)
    return str(target)


def alembic_config(url: str | URL) -> Config:
    config = Config()
    config.set_main_option("script_location", _script_location())
    rendered = database_url(url).render_as_string(hide_password=False)
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, config: Config) -> tuple[str | None, str | None]:
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    before = _current(connection)
    if before == head:
        return before, head
    if connection.dialect.name == "postgresql":
        # Two crawls opening on an empty database: the second waits here, then finds it done.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        before = _current(connection)
        if before == head:
            return before, head
    if before is not None:
        try:
            script.get_revision(before)
        except (CommandError, RevisionError):
            raise DatabaseTooNew(
                f"the database is at schema revision {before}, which this version of "
                f"outsourcing_crawler does not know (its newest is {head}): upgrade the code"
            ) from None
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    return before, head


# Crawls of one process (`scrapy crawlall`) opening together migrate one at a time: Alembic's
# module state is not reentrant, and SQLite has no advisory lock to queue them.
_in_process: dict[tuple[str, int], asyncio.Lock] = {}


async def migrate(database: Database) -> Migration:
    """Upgrade to the newest revision; returns the revisions before and after."""
    config = alembic_config(database.url)
    # A lock belongs to one event loop.
    key = (database.url.render_as_string(hide_password=False), id(asyncio.get_running_loop()))
    async with _in_process.setdefault(key, asyncio.Lock()), database.engine.begin() as connection:
        return Migration(*await connection.run_sync(_upgrade, config))


@asynccontextmanager
async def open_migrated(
    url: str | URL, registry: DatabaseRegistry | None = None
) -> AsyncIterator[tuple[Database, Migration]]:
    """The database at ``url`` brought to the code's schema, and how it was migrated.

    The engine is disposed of when the block ends, also when the migration fails. With a
    ``registry`` (``databases``), the database is acquired from it and released to it
    instead, so that the crawls of one process share one engine.
    """
    database = registry.acquire(url) if registry is not None else Database(url)
    try:
        yield database, await migrate(database)
    finally:
        if registry is not None:
            await registry.release(database)
        else:
            await database.dispose()


async def migrate_url(url: str | URL) -> Migration:
    """Migrate the database at ``url`` on an engine of its own, disposed of before returning."""
    async with open_migrated(url) as (_, migration):
        return migration
