"""Secrets stay out of logs, SQL is never built from values, personal data is never kept, and
no process listens for remote commands."""

from __future__ import annotations

import ast
import configparser
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest
from scrapy.settings import Settings
from sqlalchemy import select
from sqlalchemy.engine import make_url

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import CrawlRun, Project, ProjectChange
from outsourcing_crawler.normalisers import find_personal_data
from tests.commands.test_crawl import SPIDERS
from tests.conftest import run_async
from tests.reliability.cluster import Cluster
from tests.reliability.crawls import (
    FAST,
    HOSTILE_EDITS,
    LIST_PAGE_2,
    SPIDER,
    Crawl,
    HostileCrawl,
    start_crawl,
    stored,
    through,
)
from tests.reliability.site import LocalSite
from tests.scrapy_run import RECORDINGS, ROOT

PACKAGE = ROOT / "outsourcing_crawler"
SECRET = "Pa55-w0rd-never-logged"


# -- secrets ----------------------------------------------------------------------------------


def listening_ports(pid: int) -> set[int]:
    """The TCP ports a process listens on (from /proc: no tool needed)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.fixture(scope="module")
def watched_crawl(
    tmp_path_factory: pytest.TempPathFactory, new_postgresql_database: Callable[[], str]
) -> tuple[Crawl, set[int]]:
    """A crawl whose DATABASE_URL has a password, looked at mid-crawl: (crawl, its ports)."""
    folder = tmp_path_factory.mktemp("watched")
    # The test server trusts local connections: it takes the URL, password and all.
    url = make_url(new_postgresql_database()).set(password=SECRET)
    with LocalSite().running() as site:
        site.hold(LIST_PAGE_2)
        crawl = start_crawl(
            SPIDER,
            *FAST,
            f"DB_SPOOL_DIR={folder}",
            folder=folder,
            env={
                **through(site.proxy_url),
                "DATABASE_URL": url.render_as_string(hide_password=False),
            },
        )
        site.wait_for(LIST_PAGE_2, outcome="held")
        ports = listening_ports(crawl.process.pid)
        site.release_all()
        crawl.wait()
    return crawl, ports


def test_a_password_in_database_url_never_reaches_the_log(
    watched_crawl: tuple[Crawl, set[int]],
) -> None:
    crawl, _ = watched_crawl
    assert crawl.process.returncode == 0, crawl.log[-3000:]
    assert crawl.stats()["item_scraped_count"] > 0
    assert SECRET not in crawl.log


def test_a_refused_password_is_reported_without_it(pg_cluster: Cluster, tmp_path: Path) -> None:
    crawl = start_crawl(
        SPIDER,
        f"DB_SPOOL_DIR={tmp_path}",
        folder=tmp_path,
        replay=True,
        env={"DATABASE_URL": pg_cluster.url(password=SECRET)},
    )
    assert crawl.wait() == 1
    assert crawl.stats()["finish_reason"] == "database_unavailable"
    assert f"127.0.0.1:{pg_cluster.port}/postgres" in crawl.log
    assert "password authentication failed" in crawl.log
    assert SECRET not in crawl.log


def test_the_deployed_settings_open_no_remote_control_or_telnet_endpoint(
    watched_crawl: tuple[Crawl, set[int]],
) -> None:
    settings = Settings()
    settings.setmodule("outsourcing_crawler.settings")
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    crawl, ports = watched_crawl
    # Mid-crawl, the process listened on no port at all.
    assert ports == set()
    extensions = crawl.log.partition("Enabled extensions:")[2].partition("]")[0]
    assert "extensions" in extensions
    assert "Telnet" not in extensions
    assert "RemoteControl" not in extensions


def test_no_credentials_are_written_in_the_project_files() -> None:
    # Scrapyd's: in the environment or ~/.netrc, never in scrapy.cfg.
    config = configparser.ConfigParser()
    config.read(ROOT / "scrapy.cfg")
    for section in config.sections():
        assert not {"username", "password"} & set(config[section]), section
    # No URL with a password in it (scheme://user:password@host) anywhere in the code.
    with_password = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"{]+@")
    files = [*PACKAGE.rglob("*.py"), ROOT / "scrapy.cfg", ROOT / "pyproject.toml"]
    found = [str(path) for path in files if with_password.search(path.read_text("utf-8"))]
    assert not found, found
    assert with_password.search("postgresql://crawler:s3cret@db/outsourcing")


# -- SQL --------------------------------------------------------------------------------------


def _built_strings(tree: ast.AST) -> Iterator[ast.Call]:
    """Calls that hand SQL text to the database (text(), exec_driver_sql(), execute() of a
    string) with anything but a constant: an f-string, a concatenation, a % or .format()."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name not in {"text", "exec_driver_sql", "execute", "executemany"}:
            continue
        first = node.args[0]
        formatted = isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "format"
        if isinstance(first, ast.JoinedStr | ast.BinOp) or formatted:
            yield node


def test_no_sql_is_built_from_values_anywhere_in_the_package() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for call in _built_strings(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not found, found
    # ...and the check sees one when there is one.
    assert list(_built_strings(ast.parse('session.execute(text(f"DELETE {x}"))')))


def test_sql_in_scraped_texts_is_stored_verbatim(hostile_crawl: HostileCrawl) -> None:
    assert hostile_crawl.crawl.stats()["finish_reason"] == "finished"
    texts = run_async(_texts(hostile_crawl.url, ("612345", "612344")))
    assert texts["612345"][0] == HOSTILE_EDITS["612345"]["title"]
    assert texts["612344"][1] == HOSTILE_EDITS["612344"]["description"]
    database = stored(hostile_crawl.url)
    assert len(database.runs) == 1  # crawl_runs is still there, and whole


async def _texts(url: str, ids: tuple[str, ...]) -> dict[str, tuple[str, str | None]]:
    database = Database(url)
    try:
        async with database.session() as session:
            rows = await session.execute(
                select(Project.external_id, Project.title, Project.description).where(
                    Project.external_id.in_(ids)
                )
            )
            return {row.external_id: (row.title, row.description) for row in rows}
    finally:
        await database.dispose()


# -- personal data ----------------------------------------------------------------------------


async def _everything_stored(url: str) -> list[str]:
    """Every value of every stored row, as text."""
    database = Database(url)
    try:
        async with database.session() as session:
            texts = []
            for table in (Project, ProjectChange, CrawlRun):
                for row in (await session.execute(select(table.__table__))).all():
                    texts.append(orjson.dumps(row._asdict(), default=str).decode())
            return texts
    finally:
        await database.dispose()


def test_no_personal_data_reaches_the_database_a_feed_or_a_log(
    new_postgresql_database: Callable[[], str], tmp_path: Path
) -> None:
    url = new_postgresql_database()
    # The recordings do hold e-mail addresses and phone numbers (fake ones) to leak.
    recorded = " ".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in RECORDINGS.rglob("*")
        if path.is_file() and not path.name.endswith(".meta.json")
    )
    assert len(find_personal_data(recorded)) >= 5

    def crawl(spider: str) -> Crawl:
        process = start_crawl(
            spider,
            f"DATABASE_URL={url}",
            f"DB_SPOOL_DIR={tmp_path / 'spool'}",
            f'FEEDS={{"{tmp_path / spider}.jsonl": {{"format": "jsonlines"}}}}',
            folder=tmp_path,
            replay=True,
            name=spider,
        )
        process.wait()
        return process

    with ThreadPoolExecutor(len(SPIDERS)) as pool:
        crawls = dict(zip(sorted(SPIDERS), pool.map(crawl, sorted(SPIDERS)), strict=True))

    leaks: dict[str, list[str]] = {}
    for spider, process in crawls.items():
        assert process.stats().get("item_scraped_count", 0) > 0, process.log[-3000:]
        feed = (tmp_path / f"{spider}.jsonl").read_text(encoding="utf-8")
        for where, text in ((f"feed {spider}", feed), (f"log {spider}", process.log)):
            if found := find_personal_data(text):
                leaks[where] = found
    for text in run_async(_everything_stored(url)):
        if found := find_personal_data(text):
            leaks.setdefault("database", []).extend(found)
    assert not leaks, leaks
