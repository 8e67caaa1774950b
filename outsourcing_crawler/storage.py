"""Which database the settings name, and whether crawls store their postings in it.

The one reader of ``DATABASE_URL`` and ``STORAGE_ENABLED``: the database layer knows nothing
of Scrapy settings, and the commands and components ask here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def configured_database(settings: BaseSettings) -> str:
    """``DATABASE_URL``, whether crawls store in it or not.

    ``scrapy migrate`` and ``scrapy report`` work on it even in an export-only setup.
    """
    return settings["DATABASE_URL"]


def storage_url(settings: BaseSettings) -> str | None:
    """The database crawls store their postings in; None when ``STORAGE_ENABLED`` is off."""
    if not settings.getbool("STORAGE_ENABLED", True):
        return None
    return configured_database(settings)
