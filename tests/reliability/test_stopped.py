"""The crawler is stopped mid-crawl: a real signal to a real `scrapy crawl` process.

The crawl runs over the local site with the second list page held back, so that "mid-crawl"
is a known point: the first page's postings are scraped, some stored, some still buffered.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.crawls import (
    DETAIL,
    FAST,
    LIST_PAGE_2,
    SPIDER,
    Crawl,
    Stored,
    count_rows,
    start_crawl,
    stored,
    through,
    wait_for_rows,
)
from tests.reliability.site import LocalSite

BATCH = 4


def crawl_until_mid(site: LocalSite, url: str, folder: Path, *settings: str) -> Crawl:
    """A crawl stopped at a known point: page 2 held, postings of page 1 in the buffer.

    The batch is larger than a page, so that what was scraped is only buffered, not stored.
    """
    site.hold(LIST_PAGE_2)
    crawl = start_crawl(
        SPIDER,
        *FAST,
        f"DATABASE_URL={url}",
        "DB_BATCH_SIZE=100",
        "DB_FLUSH_INTERVAL=60",
        f"DB_SPOOL_DIR={folder}",
        *settings,
        folder=folder,
        env=through(site.proxy_url),
        name=f"crawl{len(list(folder.glob('*.log')))}",
    )
    site.wait_for(LIST_PAGE_2, outcome="held")
    crawl.wait_for_log("Scraped from")
    return crawl


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_flushes_the_buffer_and_closes_the_run(
    signum: signal.Signals,
    site: LocalSite,
    postgresql_url: str,
    tmp_path: Path,
    clean_ids: frozenset[str],
) -> None:
    crawl = crawl_until_mid(site, postgresql_url, tmp_path)
    assert count_rows(postgresql_url) == 0  # scraped, buffered, not stored yet

    crawl.send(signum)
    crawl.wait_for_log(f"Received {signum.name}")
    site.release_all()

    assert crawl.wait() == 1, crawl.log[-4000:]  # a crawl cut short is no success
    stats = crawl.stats()
    assert stats["finish_reason"] == "shutdown"
    database = stored(postgresql_url)
    rows = database.ids(SPIDER)
    # What was buffered at the signal went in: every posting scraped is stored.
    assert len(rows) == stats["item_scraped_count"] > 0
    assert rows < clean_ids  # it really was stopped mid-crawl
    [run] = database.runs
    assert run.finished_at is not None
    assert (run.finish_reason, run.items_scraped) == ("shutdown", len(rows))


@dataclass
class AfterKill:
    killed: Crawl
    before: set[str]  # the postings committed just before the kill
    after: Stored  # the database right after it
    next_crawl: Stored  # ...after the next crawl, as a scheduler starts it (incremental)
    full_crawl: Stored  # ...after a crawl with -a full=1


@pytest.fixture(scope="module")
def after_sigkill(
    tmp_path_factory: pytest.TempPathFactory, new_postgresql_database: Callable[[], str]
) -> AfterKill:
    """A crawl killed while reading the second page's details, then crawled again twice."""
    folder = tmp_path_factory.mktemp("sigkill")
    url = new_postgresql_database()
    with LocalSite().running() as site:
        # Page 1 is read through, some of it stored; then page 2 is read (and its listing
        # looked up and what was fetched recorded): the kill comes while its last detail
        # call hangs.
        page_2 = site.hold(LIST_PAGE_2)
        site.hold("/requests/612336")
        killed = start_crawl(
            SPIDER,
            *FAST,
            f"DATABASE_URL={url}",
            f"DB_BATCH_SIZE={BATCH}",
            "DB_FLUSH_INTERVAL=60",
            f"DB_SPOOL_DIR={folder}",
            folder=folder,
            env=through(site.proxy_url),
            name="killed",
        )
        site.wait_for(LIST_PAGE_2, outcome="held")
        wait_for_rows(url, BATCH, killed)
        killed.wait_for_log("Scraped from", count=BATCH + 1)
        page_2.set()
        site.wait_for("/requests/612336", outcome="held")
        before = stored(url).ids(SPIDER)
        killed.send(signal.SIGKILL)
        killed.wait()
    after = stored(url)
    snapshots = []
    for name, spider_args in (("next", ()), ("full", ("full=1",))):
        again = start_crawl(
            SPIDER,
            f"DATABASE_URL={url}",
            f"DB_SPOOL_DIR={folder}",
            folder=folder,
            replay=True,
            name=name,
            spider_args=spider_args,
        )
        assert again.wait() == 0, again.log[-4000:]
        snapshots.append(stored(url))
    return AfterKill(killed, before, after, *snapshots)


def test_sigkill_keeps_what_was_committed(after_sigkill: AfterKill) -> None:
    assert after_sigkill.killed.process.returncode == -signal.SIGKILL
    assert after_sigkill.before <= after_sigkill.after.ids(SPIDER)
    # The run row stays open: the process never closed it.
    [run] = after_sigkill.after.runs
    assert (run.finished_at, run.finish_reason) == (None, None)


def test_after_sigkill_the_next_crawl_completes_the_set(
    after_sigkill: AfterKill, clean_ids: frozenset[str]
) -> None:
    assert after_sigkill.next_crawl.ids(SPIDER) == clean_ids


def test_after_sigkill_a_full_crawl_completes_the_set(
    after_sigkill: AfterKill, clean_ids: frozenset[str]
) -> None:
    assert after_sigkill.full_crawl.ids(SPIDER) == clean_ids
    assert not after_sigkill.full_crawl.duplicates


def test_a_jobdir_crawl_stopped_by_sigint_resumes_and_completes_exactly_once(
    site: LocalSite, postgresql_url: str, tmp_path: Path, clean_ids: frozenset[str]
) -> None:
    jobdir = f"JOBDIR={tmp_path / 'job'}"
    first = crawl_until_mid(site, postgresql_url, tmp_path, jobdir)
    first.send(signal.SIGINT)
    first.wait_for_log("Received SIGINT")
    site.release_all()
    assert first.wait() == 1, first.log[-4000:]
    assert first.stats()["finish_reason"] == "shutdown"
    before = {served.url for served in site.requests_to(DETAIL)}

    resumed = start_crawl(
        SPIDER,
        *FAST,
        f"DATABASE_URL={postgresql_url}",
        f"DB_SPOOL_DIR={tmp_path}",
        jobdir,
        folder=tmp_path,
        env=through(site.proxy_url),
        name="resumed",
    )

    assert resumed.wait() == 0, resumed.log[-4000:]
    database = stored(postgresql_url)
    assert database.ids(SPIDER) == clean_ids
    assert not database.duplicates
    assert [run.finish_reason for run in database.runs] == ["shutdown", "finished"]
    # Resumed, not restarted: no detail call of the first part was made again.
    after = {served.url for served in site.requests_to(DETAIL)[len(before) :]}
    assert before and after
    assert not before & after
