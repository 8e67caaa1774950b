"""The database layer: engine and sessions, tables, migrations and the batch upsert.

It knows nothing of spiders or Scrapy; the pipeline hands it plain dicts.
"""

from outsourcing_crawler.db.engine import (
    Database,
    database_url,
    databases,
    describe_target,
    safe_url,
)
from outsourcing_crawler.db.migrate import (
    DatabaseTooNew,
    Migration,
    migrate,
    migrate_url,
    open_migrated,
)
from outsourcing_crawler.db.upsert import BatchResult, close_unseen, store_batch

__all__ = [
    "BatchResult",
    "Database",
    "DatabaseTooNew",
    "Migration",
    "close_unseen",
    "database_url",
    "databases",
    "describe_target",
    "migrate",
    "migrate_url",
    "open_migrated",
    "safe_url",
    "store_batch",
]
