"""Shared fixtures: a fresh database of each kind for every test that asks for one.

PostgreSQL comes from ``TEST_DATABASE_URL`` (default: the local server, user postgres, trust
auth); each test gets a database of its own, dropped afterwards. When no server answers, the
PostgreSQL cases skip with the reason, except with ``REQUIRE_POSTGRES=1``, where they fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

# Debian's Chromium by default, as settings.PLAYWRIGHT_LAUNCH_OPTIONS uses it.
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium")
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def run_async(coro: Any) -> Any:
    """Run a coroutine to completion outside the reactor's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _admin(sql: str) -> None:
    import asyncpg

    url = make_url(TEST_DATABASE_URL)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
        timeout=5,
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def create_database() -> tuple[str, str]:
    """A fresh, empty PostgreSQL database: its name and URL. Skips the test (fails it with
    REQUIRE_POSTGRES=1) when no server answers."""
    name = f"oc_test_{uuid.uuid4().hex[:12]}"
    try:
        run_async(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError) as exc:
        message = f"no PostgreSQL at {make_url(TEST_DATABASE_URL).host}: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    return name, make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
        hide_password=False
    )


def drop_database(name: str) -> None:
    run_async(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database's URL."""
    name, url = create_database()
    yield url
    drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each database test runs on both the embedded SQLite and a real PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def chromium() -> str:
    """The Chromium executable of the real-browser tests; they skip without one, or fail
    with ``REQUIRE_BROWSER=1`` (CI)."""
    if shutil.which(CHROMIUM):
        return CHROMIUM
    reason = (
        f"no Chromium executable at {CHROMIUM} (env PLAYWRIGHT_CHROMIUM); install it with"
        " `apt-get install chromium`"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)
