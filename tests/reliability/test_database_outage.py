"""The database goes away: a real PostgreSQL stopped and started again under a running crawl.

Failed writes are retried, then spooled to a local file; the spool goes into the database at
the next write that succeeds, or when the next crawl opens. A spool file cut short or corrupt
loses only its broken lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from outsourcing_crawler.items import ProjectItem, item_dict
from outsourcing_crawler.spool import Spool
from tests.reliability.cluster import Cluster
from tests.reliability.crawls import (
    FAST,
    LIST_PAGE_2,
    SPIDER,
    start_crawl,
    stored,
    through,
    wait_for_rows,
)
from tests.reliability.site import LocalSite


def test_postgresql_stopped_and_restarted_mid_crawl_loses_nothing(
    pg_cluster: Cluster, site: LocalSite, tmp_path: Path, clean_ids: frozenset[str]
) -> None:
    url = pg_cluster.url()  # with a password: the log must not show it
    spool = tmp_path / "spool" / f"{SPIDER}.jsonl"
    page_2 = site.hold(LIST_PAGE_2)
    last_detail = site.hold("/requests/612336")  # the crawl goes on until the server is back
    crawl = start_crawl(
        SPIDER,
        *FAST,
        "DB_BATCH_SIZE=2",
        "DB_FLUSH_INTERVAL=60",
        "DB_FLUSH_RETRIES=2",
        "DB_RETRY_BACKOFF=0.2",
        f"DB_SPOOL_DIR={spool.parent}",
        folder=tmp_path,
        env={**through(site.proxy_url), "DATABASE_URL": url},
    )
    try:
        # The first page's postings are being stored when the server dies.
        wait_for_rows(url, 2, crawl)
        site.wait_for(LIST_PAGE_2, outcome="held")
        pg_cluster.stop("immediate")
        page_2.set()
        crawl.wait_for_log("spooled to")
        pg_cluster.start()
        last_detail.set()
    finally:
        site.release_all()
    assert crawl.wait() == 0, crawl.log[-4000:]

    stats = crawl.stats()
    assert stats["outsourcing/db/flush_errors"] >= 1
    assert stats["outsourcing/db/spooled"] >= 1
    assert stats["outsourcing/db/spool_loaded"] == stats["outsourcing/db/spooled"]
    database = stored(url)
    assert database.ids(SPIDER) == clean_ids
    assert not database.duplicates
    assert not spool.exists()
    [run] = database.runs
    assert (run.finish_reason, run.items_scraped) == ("finished", len(clean_ids))
    assert run.finished_at is not None
    assert pg_cluster.password not in crawl.log


def spooled_posting(n: int) -> dict:
    item = ProjectItem(
        platform=SPIDER,
        external_id=f"99000{n}",
        url=f"https://kmong.com/enterprise/requests/99000{n}",
        title=f"스풀에 남은 공고 {n}",
        scraped_at=datetime(2026, 11, 28, 3, tzinfo=UTC),
    )
    return item_dict(item)


def test_a_crawl_opening_on_a_corrupt_spool_stores_every_whole_line(
    tmp_path: Path, clean_ids: frozenset[str]
) -> None:
    spool = Spool(tmp_path / "spool" / f"{SPIDER}.jsonl")
    spool.append([spooled_posting(1), spooled_posting(2)])
    with spool.path.open("ab") as file:
        file.write(b'{"platform": "kmong", "external_id": "990003", "tit\xff\xfe\n')  # corrupt
        file.write(spool.path.read_bytes().splitlines(keepends=True)[0])
        file.write(b'{"platform": "kmong", "external_id": "990004", "title": "cut sh')  # died
    url = f"sqlite:///{tmp_path}/spool.sqlite3"

    crawl = start_crawl(
        SPIDER,
        f"DATABASE_URL={url}",
        f"DB_SPOOL_DIR={spool.path.parent}",
        folder=tmp_path,
        replay=True,
    )

    assert crawl.wait() == 0, crawl.log[-4000:]
    stats = crawl.stats()
    assert stats["outsourcing/db/spool_broken_lines"] == 2
    assert "Skipping broken line 3 of the spool" in crawl.log
    assert "Skipping broken line 5 of the spool" in crawl.log
    assert stored(url).ids(SPIDER) == clean_ids | {"990001", "990002"}
    assert not spool.path.exists()


def test_a_spool_shared_by_two_crawls_loses_neither_ones_lines(tmp_path: Path) -> None:
    # Two crawls of one spider on one machine spool into one file (two Spool objects on one
    # path, as in two processes): one loads it and stores it while the other appends.
    path = tmp_path / "spool" / f"{SPIDER}.jsonl"
    first, second = Spool(path), Spool(path)
    first.append([spooled_posting(1)])
    loaded, _ = first.load()
    second.append([spooled_posting(2)])  # while the first crawl's write is under way
    first.remove()  # ...which committed what it loaded

    rows, broken = second.load()
    assert [row["external_id"] for row in loaded] == ["990001"]
    assert ([row["external_id"] for row in rows], broken) == (["990002"], 0)
    second.remove()
    assert not path.exists()
    # A crawl that finds the spool already taken and renewed leaves the new one alone.
    first.append([spooled_posting(3)])
    stale, _ = second.load()
    first.load()
    first.remove()
    second.append([spooled_posting(4)])
    second.remove()
    assert [row["external_id"] for row in Spool(path).load()[0]] == ["990004"]
    assert [row["external_id"] for row in stale] == ["990003"]


def test_a_row_json_cannot_hold_is_left_out_of_the_spool_alone(tmp_path: Path) -> None:
    spool = Spool(tmp_path / f"{SPIDER}.jsonl")
    broken = {**spooled_posting(2), "title": "lone \ud83d surrogate"}
    assert spool.append([spooled_posting(1), broken, spooled_posting(3)]) == 2
    assert [row["external_id"] for row in spool.load()[0]] == ["990001", "990003"]


def test_rows_spooled_after_a_line_cut_short_are_whole(tmp_path: Path) -> None:
    spool = Spool(tmp_path / f"{SPIDER}.jsonl")
    spool.append([spooled_posting(1)])
    with spool.path.open("ab") as file:
        file.write(b'{"platform": "kmong", "external_id": "99')  # the process died here
    spool.append([spooled_posting(2)])  # the next crawl, the database still away
    rows, broken = spool.load()
    assert ([row["external_id"] for row in rows], broken) == (["990001", "990002"], 1)
