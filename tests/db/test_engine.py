"""URL rules: asyncio drivers, and no password in anything meant for a log."""

import pytest

from outsourcing_crawler.db import database_url, describe_target, safe_url


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u:p@db.example/crawl", "postgresql+asyncpg"),
        ("postgres://u@db.example/crawl", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@db.example/crawl", "postgresql+asyncpg"),
        ("sqlite:///outsourcing_crawler.sqlite3", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:////var/lib/crawl.sqlite3", "sqlite+aiosqlite"),
    ],
)
def test_plain_urls_get_an_asyncio_driver(given: str, driver: str) -> None:
    assert database_url(given).drivername == driver


def test_password_is_masked() -> None:
    url = "postgresql://crawler:s3cret@db.example:5433/crawl"
    assert "s3cret" not in safe_url(url)
    assert describe_target(url) == "db.example:5433/crawl"


def test_sqlite_target_names_the_file() -> None:
    assert describe_target("sqlite:///data/x.sqlite3") == "SQLite file data/x.sqlite3"
