"""The database the settings name, and whether crawls store in it."""

from __future__ import annotations

from scrapy.settings import Settings

from outsourcing_crawler.storage import configured_database, storage_url

URL = "postgresql://crawler@db.example/outsourcing"


def test_storage_url_is_the_database_url() -> None:
    settings = Settings({"DATABASE_URL": URL})
    assert storage_url(settings) == configured_database(settings) == URL


def test_no_storage_url_when_storage_is_off() -> None:
    settings = Settings({"DATABASE_URL": URL, "STORAGE_ENABLED": "0"})
    assert storage_url(settings) is None
    # The migrate and report commands still have a database to work on.
    assert configured_database(settings) == URL
