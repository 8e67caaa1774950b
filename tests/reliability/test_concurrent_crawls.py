"""Two crawls of one platform at once, into one PostgreSQL database.

Both crawls go through one local site that holds each list page, and each detail that
changes, back until both have asked for it, so that their writes really overlap; every item
is its own transaction (DB_BATCH_SIZE=1), the most chances for two writers to meet on a row.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.reliability.crawls import FAST, SPIDER, Crawl, start_crawl, stored, through
from tests.reliability.site import LocalSite
from tests.scrapy_run import RECORDINGS

HOST = "kmong.com"
# What changes on the site between the two rounds, and the history each change must leave.
EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "612345": lambda row: row.update(title=f"{row['title']} (2차)"),
    "612338": lambda row: row.update(amount=700_000),
    "612336": lambda row: row.update(status="CLOSED"),
}
EXPECTED_CHANGES = {
    ("612345", "title"),
    ("612338", "budget_min"),
    ("612338", "budget_max"),
    ("612336", "status"),
}


# Requests held until both crawls have asked: the list pages, and the details that change, so
# that both crawls write the same changed rows at the same moment.
BARRIERS = ("page=1", "/requests/612345", "page=2", "/requests/612338", "/requests/612336")


def crawl_twice_at_once(site: LocalSite, url: str, folder: Path, name: str) -> list[Crawl]:
    barriers = [site.hold(part) for part in BARRIERS]
    crawls = [
        start_crawl(
            SPIDER,
            *FAST,
            f"DATABASE_URL={url}",
            "DB_BATCH_SIZE=1",
            f"DB_SPOOL_DIR={folder / 'spool'}",  # one machine, one spool folder
            folder=folder,
            env=through(site.proxy_url),
            name=f"{name}-{n}",
        )
        for n in (1, 2)
    ]
    try:
        for part, barrier in zip(BARRIERS, barriers, strict=True):
            site.wait_for(part, count=2, outcome="held")
            barrier.set()
    finally:
        site.release_all()
    for crawl in crawls:
        assert crawl.wait() == 0, crawl.log[-4000:]
        stats = crawl.stats()
        assert stats["finish_reason"] == "finished"
        assert "outsourcing/db/flush_errors" not in stats, crawl.log[-4000:]
        assert "deadlock" not in crawl.log.lower()
    return crawls


def changed_copy(folder: Path) -> Path:
    """The recorded site with the EDITS made to its list rows and detail bodies."""
    root = folder / "changed"
    shutil.copytree(RECORDINGS / HOST, root / HOST)
    for body in (root / HOST).glob("GET_api_custom-project_v1_requests_*.json"):
        if body.name.endswith(".meta.json"):
            continue
        data = json.loads(body.read_text(encoding="utf-8"))
        rows = data.get("requests", [data]) if isinstance(data, dict) else []
        for row in rows:
            edit = EDITS.get(str(row.get("id")))
            if edit:
                edit(row)
        body.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return root


def test_two_crawls_at_once_store_each_posting_once_and_each_change_once(
    postgresql_url: str, tmp_path: Path, clean_ids: frozenset[str]
) -> None:
    with LocalSite().running() as site:
        crawl_twice_at_once(site, postgresql_url, tmp_path, "same")
    database = stored(postgresql_url)
    assert database.ids(SPIDER) == clean_ids
    assert not database.duplicates
    assert not database.changes

    with LocalSite(root=changed_copy(tmp_path)).running() as site:
        crawl_twice_at_once(site, postgresql_url, tmp_path, "changed")
    database = stored(postgresql_url)
    assert database.ids(SPIDER) == clean_ids
    assert not database.duplicates
    ids = database.row_ids(SPIDER)
    recorded = Counter((ids[project_id], field) for project_id, field in database.changes)
    assert set(recorded) == EXPECTED_CHANGES
    assert set(recorded.values()) == {1}, recorded  # once, not once per crawl
    first, second = database.runs[2:]
    assert first.updated + second.updated == len(EDITS)
    assert [run.finish_reason for run in database.runs] == ["finished"] * 4
