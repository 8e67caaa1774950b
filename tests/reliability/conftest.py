"""Fixtures of the fault tests: the local site, a throwaway PostgreSQL, a clean crawl to compare."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import REQUIRE_POSTGRES, create_database, drop_database
from tests.reliability import cluster
from tests.reliability.crawls import (
    FAST,
    HOSTILE_EDITS,
    SPIDER,
    HostileCrawl,
    start_crawl,
    stored,
    through,
)
from tests.reliability.site import LocalSite
from tests.scrapy_run import RECORDINGS


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """The recorded sites, served locally through a proxy, no faults planned yet."""
    local = LocalSite()
    with local.running():
        yield local


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[cluster.Cluster]:
    why = cluster.available()
    if why:
        message = f"no throwaway PostgreSQL cluster: {why}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    server = cluster.Cluster()
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def new_postgresql_database() -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL databases for crawls shared by several tests (see postgresql_url)."""
    names: list[str] = []

    def make() -> str:
        name, url = create_database()
        names.append(name)
        return url

    yield make
    for name in names:
        drop_database(name)


@pytest.fixture(scope="session")
def clean_ids(tmp_path_factory: pytest.TempPathFactory) -> frozenset[str]:
    """The postings a clean, undisturbed crawl of SPIDER over the recordings stores."""
    folder = tmp_path_factory.mktemp("clean")
    url = f"sqlite:///{folder}/clean.sqlite3"
    crawl = start_crawl(
        SPIDER, f"DATABASE_URL={url}", f"DB_SPOOL_DIR={folder}", folder=folder, replay=True
    )
    assert crawl.wait() == 0, crawl.log[-3000:]
    ids = frozenset(stored(url).ids(SPIDER))
    assert len(ids) >= 5, ids
    return ids


@pytest.fixture(scope="session")
def hostile_crawl(
    tmp_path_factory: pytest.TempPathFactory, new_postgresql_database: Callable[[], str]
) -> HostileCrawl:
    """A crawl into PostgreSQL of kmong's recordings with HOSTILE_EDITS made to them."""
    folder = tmp_path_factory.mktemp("hostile")
    root = folder / "site"
    shutil.copytree(RECORDINGS / "kmong.com", root / "kmong.com")
    for body in (root / "kmong.com").glob("GET_api_custom-project_v1_requests_6*.json"):
        if body.name.endswith(".meta.json"):
            continue
        data = json.loads(body.read_text(encoding="utf-8"))
        data.update(HOSTILE_EDITS.get(str(data.get("id")), {}))
        # ASCII escapes: a lone surrogate is valid JSON only as \\ud83d.
        body.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
    url = new_postgresql_database()
    with LocalSite(root=root).running() as site:
        crawl = start_crawl(
            SPIDER,
            *FAST,
            f"DATABASE_URL={url}",
            f"DB_SPOOL_DIR={folder / 'spool'}",
            "DB_RETRY_BACKOFF=0.1",
            folder=folder,
            env=through(site.proxy_url),
        )
        crawl.wait()
    return HostileCrawl(crawl, url)
