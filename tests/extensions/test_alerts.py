"""Alerts during real crawls (the `scrapy` program over the recordings, into a real database)
to a real local webhook: every matching new posting arrives exactly once, none that does not
match; a crawl killed between storing and sending loses none and repeats none; under
``crawlall --every`` each cycle's new postings arrive within that cycle."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from sqlalchemy import select

from outsourcing_crawler.db import store_batch
from outsourcing_crawler.db.models import Project
from tests.alerts.postings import posting
from tests.alerts.receivers import ARRIVAL_TIMEOUT, Webhook, webhook
from tests.commands.test_crawlall_every import collector
from tests.conftest import run_async
from tests.health.test_replayed_crawls import changed_site, without_descriptions
from tests.health.test_replayed_crawls import crawl as replayed_crawl
from tests.scrapy_run import RECORDINGS, ROOT, replay
from tests.support import database_session

SPIDERS = ("kmong", "guru", "freemoa")


def alerts_file(tmp_path: Path, hook: Webhook) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(
        f"""
[[search]]
name = "kmong"
platforms = ["kmong"]
notify = ["{hook.url}"]

[[search]]
name = "개발"
keywords = ["개발"]
language = "ko"
notify = ["{hook.url}"]

[[search]]
name = "guru"
platforms = ["guru"]
mode = "digest"
notify = ["{hook.url}"]
""",
        encoding="utf-8",
    )
    return path


async def open_postings(url: str) -> list[Project]:
    async with database_session(url) as session:
        return list((await session.scalars(select(Project).where(Project.status == "open"))).all())


def sent(hook: Webhook, search: str) -> list[str]:
    """The posting links the search's messages carried, in order (digests included)."""
    return [
        line
        for message in hook.messages
        if message["title"].startswith(f"[{search}] ")
        for line in message["message"].splitlines()
        if line.startswith("https://")
    ]


def test_every_matching_new_posting_arrives_once(sqlite_url: str, tmp_path: Path) -> None:
    with webhook() as hook:
        path = alerts_file(tmp_path, hook)
        settings = ("-s", f"DATABASE_URL={sqlite_url}", "-s", f"ALERTS_FILE={path}")
        result = replay("crawlall", *SPIDERS, *settings)
        assert result.returncode == 0, result.stderr[-3000:]
        first = list(hook.messages)
        # A second collection of the unchanged sites: nothing new, nothing sent.
        assert replay("crawlall", *SPIDERS, *settings).returncode == 0
        assert hook.messages == first
    stored = run_async(open_postings(sqlite_url))
    kmong = sorted(sent(hook, "kmong"))
    assert kmong == sorted(p.url for p in stored if p.platform == "kmong")
    assert len(kmong) > 1
    # A Korean keyword, in the title or the description.
    developing = sorted(sent(hook, "개발"))
    assert developing == sorted(
        p.url for p in stored if "개발" in p.title or "개발" in (p.description or "")
    )
    assert 0 < len(developing) < len(stored)
    # One digest for the whole crawl.
    guru = [p.url for p in stored if p.platform == "guru"]
    assert [m["title"] for m in hook.messages if m["title"].startswith("[guru]")] == [
        f"[guru] {len(guru)} postings"
    ]
    assert sorted(sent(hook, "guru")) == sorted(guru)


class HoldPipeline:
    """Once the database pipeline has stored every posting of the crawl (the pipelines
    close together), touches HOLD_MARKER and holds the crawl's close for good: the process
    is killed there, before the alerts are sent."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.marker = Path(crawler.settings["HOLD_MARKER"])

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        return item

    async def close_spider(self) -> None:
        stats = self.crawler.stats
        assert stats is not None
        # The database pipeline signals nothing: its stats tell when its last batch is in.
        while stats.get_value("outsourcing/db/inserted", 0) < stats.get_value(  # noqa: ASYNC110
            "item_scraped_count", 0
        ):
            await asyncio.sleep(0.05)
        self.marker.touch()
        await asyncio.sleep(3600)


def test_a_killed_crawl_loses_none_and_repeats_none(sqlite_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "stored"
    with webhook() as hook:
        path = alerts_file(tmp_path, hook)
        settings = ["-s", f"DATABASE_URL={sqlite_url}", "-s", f"ALERTS_FILE={path}"]
        crawl = subprocess.Popen(
            [
                *(sys.executable, "-m", "scrapy", "crawl", "kmong", *settings),
                *("-s", f"REPLAY_FROM={RECORDINGS}", "-s", "ALERTS_DISPATCH_INTERVAL=0"),
                *("-s", f'ITEM_PIPELINES_BASE={{"{__name__}.HoldPipeline": 300}}'),
                *("-s", f"HOLD_MARKER={marker}"),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + ARRIVAL_TIMEOUT
            while not marker.exists():
                assert crawl.poll() is None, "the crawl ended before it was killed"
                assert time.monotonic() < deadline, "the crawl never stored its postings"
                time.sleep(0.05)
        finally:
            crawl.send_signal(signal.SIGKILL)
            crawl.wait()
        stored = sorted(p.url for p in run_async(open_postings(sqlite_url)))
        assert stored and hook.messages == []
        # The next run, with nothing new of its own, sends what the killed one stored.
        assert replay("crawl", "kmong", *settings).returncode == 0
        assert sorted(sent(hook, "kmong")) == stored
        assert replay("crawl", "kmong", *settings).returncode == 0
    assert sorted(sent(hook, "kmong")) == stored


async def add_posting(url: str) -> None:
    """A posting stored as another crawl would."""
    async with database_session(url) as session:
        await store_batch(session, [posting("between-cycles", platform="kmong", deadline=None)])


def test_crawlall_every_sends_each_cycles_new_postings(sqlite_url: str, tmp_path: Path) -> None:
    with webhook() as hook:
        path = alerts_file(tmp_path, hook)
        with collector(
            tmp_path,
            *("--every", "3s", "kmong"),
            *("-s", f"REPLAY_FROM={RECORDINGS}", "-s", f"DATABASE_URL={sqlite_url}"),
            *("-s", f"ALERTS_FILE={path}"),
        ) as running:
            running.wait_for_cycles(1)
            first = sorted(sent(hook, "kmong"))
            stored = run_async(open_postings(sqlite_url))
            assert first == sorted(p.url for p in stored if p.platform == "kmong")
            # Stored while the collector waits for its next slot: the next cycle sends it.
            run_async(add_posting(sqlite_url))
            count = len(running.cycles())
            running.wait_for_cycles(count + 1)
            assert running.stop(signal.SIGTERM) == 0
    assert sorted(sent(hook, "kmong")) == sorted(
        [*first, "https://www.wishket.com/project/between-cycles/"]
    )


def test_a_change_of_health_sends_one_source_problem_message(tmp_path: Path) -> None:
    database = tmp_path / "crawls.sqlite3"
    with webhook() as hook:
        path = tmp_path / "alerts.toml"
        path.write_text(f'[health]\nnotify = ["{hook.url}"]\nlanguage = "ko"\n', encoding="utf-8")

        def crawl(site: Path) -> None:
            replayed_crawl(site, database, "-s", f"ALERTS_FILE={path}")

        for _ in range(3):
            crawl(RECORDINGS)
        assert hook.messages == []  # ok all along: nothing to say
        site = changed_site(tmp_path, without_descriptions)
        crawl(site)
        hook.wait_for(1)
        crawl(site)  # still degraded: no news
    # One message, in the search file's language, with the change and every finding.
    ((title, body),) = [(m["title"], m["message"]) for m in hook.messages]
    assert title == "[수집 문제] kmong"
    lines = body.splitlines()
    assert lines[:2] == ["상태: 정상 → 저하", "발견 사항:"]
    assert "- coverage (저하): description filled in 0% of postings (usually 100%)" in lines
