"""`scrapy crawlall` as a user runs it: every spider at once over the recordings."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import func, select

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import CrawlRun, Project
from tests.commands.test_crawl import SPIDERS
from tests.scrapy_run import RECORDINGS, replay, scrapy
from tests.support import FIXTURES

COLUMNS = [
    "spider",
    "pages",
    "postings",
    "inserted",
    "updated",
    "unchanged",
    "dropped",
    "errors",
    "finish reason",
]


def summary(stdout: str) -> dict[str, dict[str, str]]:
    """The summary table printed at the end, by spider."""
    lines = stdout.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("spider "))
    header, *rows = (re.split(r"\s{2,}", line.strip()) for line in lines[start:])
    assert header == COLUMNS
    return {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows}


async def stored(url: str) -> tuple[dict[str, int], dict[str, CrawlRun]]:
    """Postings per platform, and each spider's crawl_runs row."""
    database = Database(url)
    try:
        async with database.session() as session:
            counts = dict(
                (
                    await session.execute(
                        select(Project.platform, func.count()).group_by(Project.platform)
                    )
                ).all()
            )
            runs = {run.spider: run for run in (await session.scalars(select(CrawlRun))).all()}
        return counts, runs
    finally:
        await database.dispose()


@deferred_f_from_coro_f
async def test_crawlall_stores_every_platform_and_prints_the_summary(database_url: str) -> None:
    result = replay("crawlall", "-s", f"DATABASE_URL={database_url}")
    assert result.returncode == 0, result.stderr[-3000:]
    table = summary(result.stdout)
    assert set(table) == SPIDERS
    counts, runs = await stored(database_url)
    assert set(counts) == set(runs) == SPIDERS
    for spider, row in table.items():
        run = runs[spider]
        assert row["finish reason"] == run.finish_reason == "finished"
        assert counts[spider] > 0
        assert counts[spider] == run.inserted == int(row["inserted"]) == int(row["postings"])
        assert int(row["pages"]) == run.stats["response_received_count"] > 0
        assert (row["updated"], row["unchanged"], row["dropped"]) == ("0", "0", "0")
        assert int(row["errors"]) == run.errors
    # kmong's recorded site has one detail that fails for good (503) and one without a
    # description: counted, and the crawl still finished.
    assert int(table["kmong"]["errors"]) > 0


def test_one_spider_blocked_the_others_finish(sqlite_url: str, tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    shutil.copytree(RECORDINGS, recordings)
    (first_page,) = (recordings / "www.guru.com").glob(
        "GET_d_jobs_c_programming-development_????????.html"
    )
    shutil.copyfile(FIXTURES / "guru" / "incapsula_block.html", first_page)
    result = scrapy(
        "crawlall", "-s", f"REPLAY_FROM={recordings}", "-s", f"DATABASE_URL={sqlite_url}"
    )
    assert result.returncode == 1, result.stderr[-3000:]
    table = summary(result.stdout)
    assert set(table) == SPIDERS
    assert table["guru"]["finish reason"] == "blocked"
    assert table["guru"]["postings"] == "0"
    for spider in SPIDERS - {"guru"}:
        assert table[spider]["finish reason"] == "finished", table[spider]
        assert int(table[spider]["inserted"]) > 0


def test_arguments_go_to_the_spiders_that_declare_them() -> None:
    # Both declare max_pages; kmong alone declares project_type, and refuses this value.
    result = replay(
        "crawlall",
        "kmong",
        "guru",
        "-a",
        "max_pages=1",
        "-a",
        "project_type=FREELANCE",
        "-s",
        "STORAGE_ENABLED=0",
    )
    assert result.returncode == 1
    table = summary(result.stdout)
    assert list(table) == ["kmong", "guru"]
    assert table["kmong"]["finish reason"] == "bad_argument"
    assert "kmong: argument project_type='FREELANCE' is not one of: OUTSOURCING, RESIDENT" in (
        result.stderr
    )
    # guru ran, on its first list page only (robots.txt and that page): it got max_pages.
    assert table["guru"]["finish reason"] == "finished"
    assert table["guru"]["pages"] == "2"
    assert int(table["guru"]["postings"]) > 0
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-a", "colour=blue"], "no spider among"),
        (["nosuchspider"], "unknown spider(s) nosuchspider"),
        (["kmong", "guru", "-O", "{tmp}/projects.json"], "put %(name)s in its path"),
    ],
    ids=["undeclared-argument", "unknown-spider", "shared-feed"],
)
def test_usage_errors_stop_before_any_crawl(args: list[str], message: str, tmp_path: Path) -> None:
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = replay("crawlall", *args, "-s", "STORAGE_ENABLED=0")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Spider opened" not in result.stderr
    assert not (tmp_path / "projects.json").exists()
