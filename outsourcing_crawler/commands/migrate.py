"""``scrapy migrate``: bring the database at ``DATABASE_URL`` to this version's schema."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from outsourcing_crawler.db import Database, DatabaseTooNew, describe_target, migrate

if TYPE_CHECKING:
    import argparse


async def _migrate(url: str) -> tuple[str | None, str | None]:
    database = Database(url)
    try:
        return await migrate(database)
    finally:
        await database.dispose()


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute)

    def short_desc(self) -> str:
        return "Create or upgrade the database schema at DATABASE_URL"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        url = self.settings["DATABASE_URL"]
        try:
            before, after = asyncio.run(_migrate(url))
        except (OSError, DatabaseTooNew) as exc:
            print(f"Cannot migrate {describe_target(url)}: {exc}")
            self.exitcode = 1
            return
        if before == after:
            print(f"{describe_target(url)} is up to date (revision {after})")
        else:
            print(f"Migrated {describe_target(url)} from {before or 'empty'} to {after}")
