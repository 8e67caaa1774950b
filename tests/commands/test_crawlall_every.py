"""`scrapy crawlall --every` as a user runs it: the long-running collector and its clean stop.

The schedule's rules are in ``tests/collector/test_schedule.py``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pytest
from scrapy.crawler import Crawler

from tests.commands.test_crawlall import COLUMNS, stored
from tests.conftest import run_async
from tests.scrapy_run import RECORDINGS, ROOT, replay
from tests.support import FIXTURES, crawl_runs

# Generous bounds for a loaded machine; a healthy run takes a few seconds.
CYCLES_TIMEOUT = 50.0
STOP_TIMEOUT = 30.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "10x"], "--every: not a duration: '10x'"),
        (["--every", "0s"], "--every: not a duration of more than zero"),
        (
            ["--every", "10m", "-s", 'CRAWL_INTERVALS={"wishkte": "15m"}'],
            "CRAWL_INTERVALS names unknown spider(s) wishkte",
        ),
    ],
    ids=["not-a-duration", "zero", "unknown-spider-in-setting"],
)
def test_collector_usage_errors(args: list[str], message: str) -> None:
    result = replay("crawlall", "kmong", *args, "-s", "STORAGE_ENABLED=0", timeout=60)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Spider opened" not in result.stderr


@dataclass
class CycleTable:
    number: int
    stopped: bool
    rows: dict[str, dict[str, str]]


def cycles(stdout: str) -> list[CycleTable]:
    """The complete cycle tables printed so far (each ends with a blank line)."""
    tables = []
    for block in stdout.split("\n\n")[:-1]:
        header, columns, *lines = block.strip("\n").splitlines()
        match = re.fullmatch(r"cycle (\d+): started .* UTC, took [\d.]+ s(, stopped)?", header)
        assert match, header
        assert re.split(r"\s{2,}", columns.strip()) == COLUMNS
        rows = [re.split(r"\s{2,}", line.strip()) for line in lines]
        tables.append(
            CycleTable(
                int(match[1]),
                bool(match[2]),
                {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows},
            )
        )
    return tables


@dataclass
class Collector:
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def cycles(self) -> list[CycleTable]:
        return cycles(self.stdout.read_text())

    def wait_for_cycles(self, count: int) -> None:
        deadline = time.monotonic() + CYCLES_TIMEOUT
        while len(self.cycles()) < count:
            assert self.process.poll() is None, self.stderr.read_text()[-3000:]
            assert time.monotonic() < deadline, f"fewer than {count} cycles in time"
            time.sleep(0.2)

    def wait_for(self, marker: Path, what: str) -> None:
        """Until the crawl writes ``marker`` (the slow pipeline reached its stage)."""
        deadline = time.monotonic() + CYCLES_TIMEOUT
        while not marker.exists():
            assert self.process.poll() is None, self.stderr.read_text()[-3000:]
            assert time.monotonic() < deadline, f"the crawl never reached {what}"
            time.sleep(0.05)

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def collector(tmp_path: Path, *args: str) -> Iterator[Collector]:
    """``scrapy crawlall ARGS`` running in the background, its output going to files."""
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawlall", *args],
            cwd=ROOT,
            env={**os.environ, "SCRAPY_SETTINGS_MODULE": "outsourcing_crawler.settings"},
            stdout=out,
            stderr=err,
        )
    try:
        yield Collector(process, stdout, stderr)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def two_cycles(
    tmp_path: Path,
    recordings: Path,
    database_url: str,
    spiders: list[str],
    signum: int = signal.SIGTERM,
) -> tuple[Collector, int]:
    """Collect every 2 s from ``recordings`` until two cycles are printed, then send
    ``signum``: the finished collector and its exit status."""
    with collector(
        tmp_path,
        *("--every", "2s", *spiders),
        *("-s", f"REPLAY_FROM={recordings}", "-s", f"DATABASE_URL={database_url}"),
    ) as running:
        running.wait_for_cycles(2)
        return running, running.stop(signum)


def test_collector_runs_cycles_until_sigterm(sqlite_url: str, tmp_path: Path) -> None:
    running, returncode = two_cycles(tmp_path, RECORDINGS, sqlite_url, ["kmong", "guru"])
    assert returncode == 0
    log = running.stderr.read_text()
    assert "Traceback" not in log
    # No cycle starts once the stop was asked for.
    _, after_stop = log.split("Received SIGTERM: stopping", 1)
    assert not re.search(r"Cycle \d+ starts", after_stop)

    tables = running.cycles()
    assert [table.number for table in tables] == list(range(1, len(tables) + 1))
    assert all(list(table.rows) == ["kmong", "guru"] for table in tables)
    first, second = tables[0].rows, tables[1].rows
    for spider in ("kmong", "guru"):
        assert first[spider]["finish reason"] == second[spider]["finish reason"] == "finished"
        assert int(first[spider]["inserted"]) > 0
        # The second cycle is incremental over an unchanged site: nothing new to store.
        assert second[spider]["inserted"] == second[spider]["updated"] == "0"
        assert int(second[spider]["pages"]) < int(first[spider]["pages"])
    # A cycle the stop interrupted is printed too, its crawls closed as `shutdown`.
    for table in tables[2:]:
        reasons = {row["finish reason"] for row in table.rows.values()}
        assert reasons <= ({"finished", "shutdown"} if table.stopped else {"finished"})

    counts, _ = run_async(stored(sqlite_url))
    runs = run_async(crawl_runs(sqlite_url))
    # Every crawl of every printed cycle has its row, closed with its finish reason.
    assert len(runs) == 2 * len(tables)
    for run in runs:
        assert run.finished_at is not None, run
        assert run.finish_reason in ("finished", "shutdown"), run
    for spider in ("kmong", "guru"):
        # Stored once each: the first cycle inserted them all, later ones none.
        assert counts[spider] == int(first[spider]["inserted"])
        assert counts[spider] == sum(run.inserted for run in runs if run.spider == spider)


def test_a_failing_spider_is_retried_each_cycle_until_sigint(
    sqlite_url: str, tmp_path: Path
) -> None:
    recordings = tmp_path / "recordings"
    shutil.copytree(RECORDINGS, recordings)
    (first_page,) = (recordings / "www.guru.com").glob(
        "GET_d_jobs_c_programming-development_????????.html"
    )
    shutil.copyfile(FIXTURES / "guru" / "incapsula_block.html", first_page)
    running, returncode = two_cycles(
        tmp_path, recordings, sqlite_url, ["guru", "kmong"], signal.SIGINT
    )
    # A requested stop is not a failure, whatever the spiders did.
    assert returncode == 0
    log = running.stderr.read_text()
    assert "Traceback" not in log
    assert "KeyboardInterrupt" not in log
    assert "Received SIGINT: stopping" in log
    first, second = (table.rows for table in running.cycles()[:2])
    assert first["guru"]["finish reason"] == second["guru"]["finish reason"] == "blocked"
    assert first["kmong"]["finish reason"] == second["kmong"]["finish reason"] == "finished"
    # Logged with its reason at every cycle, and retried at the next one.
    assert "guru did not finish: blocked (1 cycle(s) in a row)" in log
    assert "guru did not finish: blocked (2 cycle(s) in a row)" in log
    assert "kmong did not finish" not in log


class SlowPipeline:
    """Holds a crawl up at SLOW_STAGE (``opening`` or ``crawling``, its first item) for
    SLOW_SECONDS, after touching SLOW_MARKER: a stop can be sent at a known moment."""

    def __init__(self, crawler: Crawler) -> None:
        self.stage = crawler.settings["SLOW_STAGE"]
        self.marker = Path(crawler.settings["SLOW_MARKER"])
        self.seconds = crawler.settings.getfloat("SLOW_SECONDS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def _hold(self, stage: str) -> None:
        if stage == self.stage:
            self.marker.touch()
            await asyncio.sleep(self.seconds)

    async def open_spider(self) -> None:
        await self._hold("opening")

    async def process_item(self, item: Any) -> Any:
        await self._hold("crawling")
        return item


@pytest.mark.parametrize("stage", ["opening", "crawling"])
def test_sigterm_closes_the_running_crawl(stage: str, sqlite_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with collector(
        tmp_path,
        *("--every", "1h", "kmong"),
        *("-s", f"REPLAY_FROM={RECORDINGS}", "-s", f"DATABASE_URL={sqlite_url}"),
        # Before the database pipeline (800), which stores what comes out of it.
        *("-s", f'ITEM_PIPELINES_BASE={{"{__name__}.SlowPipeline": 300}}'),
        *("-s", f"SLOW_STAGE={stage}", "-s", f"SLOW_MARKER={marker}", "-s", "SLOW_SECONDS=3"),
    ) as running:
        running.wait_for(marker, stage)
        returncode = running.stop(signal.SIGTERM)
    assert returncode == 0
    assert "Traceback" not in running.stderr.read_text()
    (table,) = running.cycles()
    assert table.stopped
    assert table.rows["kmong"]["finish reason"] == "shutdown"
    (run,) = run_async(crawl_runs(sqlite_url))
    assert run.finished_at is not None
    assert run.finish_reason == "shutdown"
    counts, _ = run_async(stored(sqlite_url))
    if stage == "opening":
        # Stopped as soon as its engine started: not one request.
        assert run.stats.get("response_received_count", 0) == 0
        assert counts.get("kmong", 0) == run.items_scraped == 0
    else:
        # Every posting scraped before the stop was written when the pipeline closed.
        assert counts["kmong"] == run.inserted == run.items_scraped > 0


def test_a_second_signal_stops_at_once(sqlite_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    with collector(
        tmp_path,
        *("--every", "1h", "kmong"),
        *("-s", f"REPLAY_FROM={RECORDINGS}", "-s", f"DATABASE_URL={sqlite_url}"),
        *("-s", f'ITEM_PIPELINES_BASE={{"{__name__}.SlowPipeline": 300}}'),
        # Far longer than the test's bound: only a forced stop ends the process in time.
        *("-s", "SLOW_STAGE=crawling", "-s", f"SLOW_MARKER={marker}", "-s", "SLOW_SECONDS=600"),
    ) as running:
        running.wait_for(marker, "its first item")
        running.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + CYCLES_TIMEOUT
        while "Received SIGTERM: stopping" not in running.stderr.read_text():
            assert time.monotonic() < deadline, "the first SIGTERM was not logged"
            time.sleep(0.05)
        returncode = running.stop(signal.SIGTERM)
    # Not a clean stop: the crawl did not close, so the status says so.
    assert returncode == 1
    assert "Received SIGTERM twice: stopping without waiting" in running.stderr.read_text()
    assert running.cycles() == []
