"""``scrapy migrate``: bring the database at ``DATABASE_URL`` to this version's schema."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand

from outsourcing_crawler.db import DatabaseTooNew, describe_target, migrate_url
from outsourcing_crawler.storage import configured_database

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute)

    def short_desc(self) -> str:
        return "Create or upgrade the database schema at DATABASE_URL"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        url = configured_database(self.settings)
        try:
            before, after = asyncio.run(migrate_url(url))
        except (OSError, DatabaseTooNew) as exc:
            print(f"Cannot migrate {describe_target(url)}: {exc}")
            self.exitcode = 1
            return
        if before == after:
            print(f"{describe_target(url)} is up to date (revision {after})")
        else:
            print(f"Migrated {describe_target(url)} from {before or 'empty'} to {after}")
