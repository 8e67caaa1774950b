"""``scrapy report``: the figures of ``outsourcing_crawler.report`` as text, JSON or a web page.

Text (the default) for people at a terminal; ``--format json`` for machines (the shape is in
:func:`~outsourcing_crawler.report.data.report_json`); ``--html FILE`` writes one
self-contained page with inline SVG charts that opens in a browser with no server and no
network. The database is migrated first when it is empty or older, as a crawl would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler.db import DatabaseTooNew, describe_target
from outsourcing_crawler.report.data import report_json
from outsourcing_crawler.report.figures import DAYS, load_report
from outsourcing_crawler.report.html import report_html, write_atomically
from outsourcing_crawler.report.text import report_text
from outsourcing_crawler.storage import configured_database


def emit(text: str) -> None:
    """Print to stdout; a reader that went away (``scrapy report | head``) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute)

    def syntax(self) -> str:
        return "[--format text|json] [--html FILE] [--days N] [--timezone ZONE]"

    def short_desc(self) -> str:
        return "Print figures of the stored postings per platform, or write them as a web page"

    def long_desc(self) -> str:
        return (
            "Per platform, from the database at DATABASE_URL: postings open now, new in the "
            "last 24 hours and 7 days, closing in the next 3 days, budgets in BASE_CURRENCY "
            "(quartiles, in total and per month) and median budgets by type, category and "
            "currency, each spider's latest crawl health, and the 20 skills most asked for "
            "this week with their change from last week. Prints text, or JSON with --format "
            "json; --html FILE writes a self-contained page with charts instead (add --format "
            "to print as well)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--format",
            choices=("text", "json"),
            default=None,
            help="what to print: text (default) or json",
        )
        parser.add_argument("--html", metavar="FILE", help="write a one-page HTML report")
        parser.add_argument(
            "--days",
            type=int,
            default=DAYS,
            help=f"days in the new-postings-per-day series (default {DAYS})",
        )
        parser.add_argument(
            "--timezone",
            default="UTC",
            metavar="ZONE",
            help="IANA time zone of the days and times shown, e.g. Asia/Seoul (default UTC)",
        )
        # The reference time, for reproducible reports and tests.
        parser.add_argument("--now", type=_moment, default=None, help=argparse.SUPPRESS)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError("scrapy report takes no arguments", print_help=False)
        if not 1 <= opts.days <= 366:
            raise UsageError("--days must be between 1 and 366", print_help=False)
        try:
            tz = ZoneInfo(opts.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown time zone {opts.timezone!r}", print_help=False) from None
        url = configured_database(self.settings)
        target = describe_target(url)
        now = opts.now or datetime.now(UTC)
        try:
            report, migrated = asyncio.run(load_report(url, now, tz, opts.days))
        except (OSError, SQLAlchemyError, DatabaseTooNew) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"Cannot read the postings from {target}: {reason}", file=sys.stderr)
            self.exitcode = 1
            return
        if migrated:
            print(f"Migrated {target} to the current schema first", file=sys.stderr)
        if opts.html:
            try:
                write_atomically(Path(opts.html), report_html(report, target))
            except OSError as exc:
                print(f"Cannot write {opts.html}: {exc.strerror or exc}", file=sys.stderr)
                self.exitcode = 1
                return
            print(f"Wrote {opts.html}", file=sys.stderr)
        if opts.format == "json":
            emit(json.dumps(report_json(report), ensure_ascii=False, indent=2))
        elif opts.format == "text" or not opts.html:
            emit(report_text(report))
