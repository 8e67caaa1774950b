"""`scrapy migrate` as a user runs it: an empty database migrated, then left alone."""

from __future__ import annotations

import re
from pathlib import Path

from tests.scrapy_run import scrapy


def test_migrate_an_empty_database_then_find_it_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    first = scrapy("migrate", "-s", f"DATABASE_URL={url}")
    assert first.returncode == 0, first.stderr
    migrated = re.fullmatch(r"Migrated SQLite file \S+ from empty to (\w+)\n", first.stdout)
    assert migrated, first.stdout
    again = scrapy("migrate", "-s", f"DATABASE_URL={url}")
    assert again.returncode == 0, again.stderr
    assert again.stdout.endswith(f"is up to date (revision {migrated[1]})\n")


def test_unreachable_database_is_reported_in_one_line() -> None:
    result = scrapy("migrate", "-s", "DATABASE_URL=postgresql://crawler:s3cret@127.0.0.1:1/oc")
    assert result.returncode == 1
    assert result.stdout.startswith("Cannot migrate 127.0.0.1:1/oc: ")
    assert "s3cret" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
