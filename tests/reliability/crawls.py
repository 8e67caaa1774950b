"""Real `scrapy crawl` processes the tests can watch, signal and kill, and what they stored."""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import CrawlRun, Project, ProjectChange
from tests.conftest import run_async
from tests.scrapy_run import RECORDINGS, ROOT

# The platform the fault tests crawl: a list API in two pages and a detail call per posting,
# so that every fault has a "before" and an "after".
SPIDER = "kmong"
LIST_PAGE_2 = "page=2"
DETAIL = "/requests/6123"  # every detail call, none of the list pages

# Settings that make a crawl over the local site quick: the politeness delays are the real
# sites' due, not a local server's.
FAST = (
    "AUTOTHROTTLE_ENABLED=0",
    "DOWNLOAD_DELAY=0",
    "RETRY_BACKOFF_BASE=0.1",
    "LOG_LEVEL=DEBUG",
)
_STAT_LINE = re.compile(r"^[ {]'([^']+)': (.+?)[,}]$", re.M)


@dataclass
class Crawl:
    """One running `scrapy crawl`, its whole log in a file."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float = 180) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"no end in {timeout} s:\n{self.log[-4000:]}") from None

    def wait_for_log(self, text: str, count: int = 1, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.log.count(text) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"the crawl ended before {text!r}:\n{self.log[-4000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in {timeout} s:\n{self.log[-4000:]}")
            time.sleep(0.05)

    def send(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def stats(self) -> dict[str, Any]:
        """The stats Scrapy dumps when the crawl closes (numbers and strings)."""
        dump = self.log.rpartition("Dumping Scrapy stats:")[2]
        stats: dict[str, Any] = {}
        for key, raw in _STAT_LINE.findall(dump.split("\n}", 1)[0] + "\n}"):
            try:
                stats[key] = ast.literal_eval(raw)
            except (ValueError, SyntaxError):
                stats[key] = raw  # datetimes
        return stats

    def scraped(self) -> int:
        return self.log.count("] DEBUG: Scraped from <")


def start_crawl(
    spider: str,
    *settings: str,
    folder: Path,
    env: dict[str, str] | None = None,
    replay: bool = False,
    name: str = "crawl",
    spider_args: tuple[str, ...] = (),
) -> Crawl:
    """``scrapy crawl SPIDER -s ...`` in the project folder, logging into ``folder/name.log``."""
    args = [sys.executable, "-m", "scrapy", "crawl", spider]
    for argument in spider_args:
        args += ["-a", argument]
    if replay:
        args += ["-s", f"REPLAY_FROM={RECORDINGS}"]
    for setting in settings:
        args += ["-s", setting]
    log_path = folder / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={
                **os.environ,
                "SCRAPY_SETTINGS_MODULE": "outsourcing_crawler.settings",
                **(env or {}),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Crawl(process, log_path)


def through(site_proxy: str) -> dict[str, str]:
    """The environment that sends a crawl's https requests to the local site."""
    return {"https_proxy": site_proxy, "http_proxy": site_proxy, "no_proxy": ""}


@dataclass
class Stored:
    rows: list[tuple[int, str, str]]  # (id, platform, external_id) of every row
    runs: list[CrawlRun]
    changes: list[tuple[int, str]]  # (project_id, field) of every change row

    @property
    def keys(self) -> list[tuple[str, str]]:
        return [(platform, external_id) for _, platform, external_id in self.rows]

    def row_ids(self, platform: str) -> dict[int, str]:
        return {row_id: external_id for row_id, name, external_id in self.rows if name == platform}

    @property
    def duplicates(self) -> dict[tuple[str, str], int]:
        return {key: n for key, n in Counter(self.keys).items() if n > 1}

    def ids(self, platform: str) -> set[str]:
        return {external_id for name, external_id in self.keys if name == platform}


async def _stored(url: str) -> Stored:
    database = Database(url)
    try:
        async with database.session() as session:
            keys = (
                await session.execute(select(Project.id, Project.platform, Project.external_id))
            ).all()
            runs = (await session.scalars(select(CrawlRun).order_by(CrawlRun.id))).all()
            changes = (
                await session.execute(select(ProjectChange.project_id, ProjectChange.field))
            ).all()
        return Stored([tuple(k) for k in keys], list(runs), [tuple(c) for c in changes])
    finally:
        await database.dispose()


def stored(url: str) -> Stored:
    return run_async(_stored(url))


async def _count(url: str) -> int:
    database = Database(url)
    try:
        async with database.session() as session:
            return await session.scalar(select(func.count()).select_from(Project)) or 0
    finally:
        await database.dispose()


def count_rows(url: str) -> int:
    """Rows in ``projects``; 0 while the schema is not there yet."""
    try:
        return run_async(_count(url))
    except Exception:  # the crawl has not migrated the database yet
        return 0


def wait_for_rows(url: str, at_least: int, crawl: Crawl, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while (rows := count_rows(url)) < at_least:
        if crawl.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{rows} rows, never {at_least}:\n{crawl.log[-4000:]}")
        time.sleep(0.1)
    return rows


# The site with hostile values in some postings: SQL in texts, values PostgreSQL refuses.
# detail id -> edit of its JSON body
HOSTILE_EDITS: dict[str, dict[str, object]] = {
    "612345": {"title": "'); DROP TABLE projects; --"},
    "612344": {"description": "Robert'); DELETE FROM crawl_runs WHERE ('1'='1"},
    "612343": {"title": "앱\u0000개발"},  # PostgreSQL text cannot hold NUL
    "612342": {"id": "9" * 200},  # longer than external_id's column
    "612340": {"title": "앱 \ud83d 개발"},  # a lone surrogate: no UTF-8 for it
}


@dataclass
class HostileCrawl:
    crawl: Crawl
    url: str
