"""``scrapy alerts list | test NAME | preview NAME | backfill NAME``: the saved searches of the
alerts file (``ALERTS_FILE``, by default ``alerts.toml`` beside scrapy.cfg).

``list`` shows each search and how its channels stand; ``test`` sends one sample message to
each channel of a search; ``preview`` shows the stored postings it matches now; ``backfill``
sends the stored matches its channels have not had (a new search's first crawl only sets its
baseline). A bad alerts file is one line on stderr and exit status 2.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler.alerts import (
    AlertsFileError,
    Dispatcher,
    SavedSearch,
    load_searches,
    preview,
    send_sample,
)
from outsourcing_crawler.alerts.listing import posting_lines, search_lines
from outsourcing_crawler.db import Database, DatabaseTooNew, describe_target, open_migrated
from outsourcing_crawler.extensions.alerts import (
    DEFAULT_FILE,
    alerts_file,
    dispatch_options,
    saved_searches,
)
from outsourcing_crawler.storage import configured_database

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import BaseSettings

T = TypeVar("T")
ACTIONS = ("list", "test", "preview", "backfill")
DATABASE_ERRORS = (OSError, SQLAlchemyError, DatabaseTooNew)


def refuse_bad_alerts_file(settings: BaseSettings) -> bool:
    """Whether the crawl's alerts file is bad, said in one line on stderr: a crawl command
    then exits with status 2 before its first request."""
    try:
        saved_searches(settings)
    except AlertsFileError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return True
    return False


async def _on_database(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    """``work`` on the database at ``url``, migrated first as a crawl would."""
    async with open_migrated(url) as (database, _):
        return await work(database)


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}  # noqa: RUF012 (Scrapy's own attribute)

    def syntax(self) -> str:
        return "list | test NAME | preview NAME | backfill NAME"

    def short_desc(self) -> str:
        return "List, test, preview or backfill the saved searches of the alerts file"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--limit", type=int, default=20, help="preview: postings shown at most (20)"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not args or args[0] not in ACTIONS or len(args) != (1 if args[0] == "list" else 2):
            raise UsageError(f"give one of: {self.syntax()}", print_help=False)
        path = alerts_file(self.settings)
        if path is None:
            print(
                f"No alerts file: write {DEFAULT_FILE} beside scrapy.cfg (alerts.example.toml "
                "shows how) or set ALERTS_FILE",
                file=sys.stderr,
            )
            self.exitcode = 1
            return
        try:
            searches = load_searches(path)
        except AlertsFileError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        if args[0] == "list":
            self._list(searches)
            return
        by_name = {search.name: search for search in searches}
        if args[1] not in by_name:
            raise UsageError(
                f"no saved search {args[1]!r} in {path}; the searches are: "
                f"{', '.join(by_name) or 'none'}",
                print_help=False,
            )
        search = by_name[args[1]]
        if args[0] == "test":
            self._test(search)
        elif args[0] == "preview":
            self._preview(search, opts.limit)
        else:
            self._backfill(searches, search)

    def _on_database(self, work: Callable[[Database], Awaitable[T]]) -> T | None:
        """``work`` on the project's database; None (and exit status 1) if it failed."""
        assert self.settings is not None
        url = configured_database(self.settings)
        try:
            return asyncio.run(_on_database(url, work))
        except DATABASE_ERRORS as exc:
            print(f"Cannot use {describe_target(url)}: {exc}")
            self.exitcode = 1
            return None

    def _list(self, searches: list[SavedSearch]) -> None:
        lines = self._on_database(lambda db: search_lines(db, searches))
        if lines is None:
            lines = asyncio.run(search_lines(None, searches))
        print("\n".join(lines))

    def _test(self, search: SavedSearch) -> None:
        assert self.settings is not None
        timeout = self.settings.getfloat("ALERTS_SEND_TIMEOUT", 30.0)
        for channel, error in asyncio.run(send_sample(search, timeout)):
            if error is None:
                print(f"sent      {channel.masked}")
            else:
                print(f"FAILED    {channel.masked}: {error}")
                self.exitcode = 1

    def _preview(self, search: SavedSearch, limit: int) -> None:
        budgets = dispatch_options(self.settings).budgets
        postings = self._on_database(lambda db: preview(db, search, budgets=budgets))
        if postings is None:
            return
        print(f"{search.name}: {len(postings)} stored open posting(s) match now")
        print("\n".join(posting_lines(postings, limit)))

    def _backfill(self, searches: list[SavedSearch], search: SavedSearch) -> None:
        assert self.settings is not None
        options = dispatch_options(self.settings)

        async def backfill(database: Database) -> tuple[int, int]:
            return await Dispatcher(database, searches, options).backfill(search.name)

        result = self._on_database(backfill)
        if result is None:
            return
        sent, failed = result
        print(f"{search.name}: sent {sent} posting(s)")
        if failed:
            print(f"{search.name}: {failed} could not be sent; the next crawl tries again")
            self.exitcode = 1
