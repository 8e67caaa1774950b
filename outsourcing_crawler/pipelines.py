"""Item pipelines, one concern each: validate, count completeness, store."""

from __future__ import annotations

import asyncio
import logging
import types
import typing
from collections.abc import Callable
from dataclasses import astuple
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.utils.project import data_path
from sqlalchemy import insert, literal, select, update
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler import crawl_stats
from outsourcing_crawler.db import (
    BatchResult,
    Database,
    DatabaseTooNew,
    close_unseen,
    databases,
    describe_target,
    migrate,
    store_batch,
)
from outsourcing_crawler.db.models import CrawlRun
from outsourcing_crawler.health.record import RECORD_STAT
from outsourcing_crawler.items import (
    BUDGET_TYPES,
    PLATFORMS,
    STATUSES,
    WORK_TYPES,
    ProjectItem,
    item_dict,
)
from outsourcing_crawler.spool import Spool

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

REQUIRED = ("platform", "external_id", "url", "title")
ALLOWED_WORDS: dict[str, tuple[str, ...]] = {
    "platform": PLATFORMS,
    "budget_type": BUDGET_TYPES,
    "work_type": WORK_TYPES,
    "status": STATUSES,
}
Check = Callable[[Any], bool]


def _checker(hint: Any) -> Check:
    """A fast test for one non-None annotation, built once: validation runs on every item."""
    origin = typing.get_origin(hint)
    if origin is list:
        (inner,) = typing.get_args(hint)
        return lambda value: isinstance(value, list) and all(isinstance(v, inner) for v in value)
    if origin is dict:
        return lambda value: isinstance(value, dict)
    if hint is int:
        return lambda value: type(value) is int  # bool is an int, and never an amount
    if hint is datetime:
        return lambda value: isinstance(value, datetime) and value.tzinfo is not None
    return lambda value: isinstance(value, hint)


def _schema() -> list[tuple[str, bool, Check]]:
    """``(field, may be None, check)`` from the dataclass's own annotations."""
    schema = []
    for name, hint in typing.get_type_hints(ProjectItem).items():
        args = typing.get_args(hint) if typing.get_origin(hint) is types.UnionType else (hint,)
        (base,) = [arg for arg in args if arg is not type(None)]
        schema.append((name, type(None) in args, _checker(base)))
    return schema


# The dataclass is the schema: one source of truth for the field types.
SCHEMA = _schema()


def problem(fields: dict[str, Any]) -> str | None:
    """Why an item may not be stored (``missing_title``, ``invalid_budget_type``...), or None."""
    for name in REQUIRED:
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"missing_{name}"
    for name, nullable, check in SCHEMA:
        value = fields.get(name)
        if value is None:
            if nullable:
                continue
            return f"missing_{name}"
        if not check(value):
            return f"invalid_{name}"
    for name, allowed in ALLOWED_WORDS.items():
        value = fields.get(name)
        if value is not None and value not in allowed:
            return f"invalid_{name}"
    minimum, maximum = fields.get("budget_min"), fields.get("budget_max")
    if minimum is not None and maximum is not None and minimum > maximum:
        return "invalid_budget_range"
    if (minimum is not None or maximum is not None) and fields.get("currency") is None:
        return "missing_currency"
    return None


class ValidationPipeline:
    """Drops an item that breaks the ProjectItem contract, naming the field."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        fields = item_dict(item)
        reason = problem(fields)
        if reason is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"outsourcing/dropped/{reason}")
            raise DropItem(
                f"{reason}: {fields.get('platform')}/{fields.get('external_id')} "
                f"{fields.get('url')}"
            )
        return item


class CompletenessPipeline:
    """Counts items missing a field that their spider's site normally fills.

    A site that changed its markup shows up here as a rising count, not as silence.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        assert self.crawler.stats is not None and spider is not None
        expected = getattr(spider, "expected_fields", ())
        fields = item_dict(item) if expected else {}
        for name in expected:
            if fields.get(name) in (None, "", [], {}):
                self.crawler.stats.inc_value(f"outsourcing/missing_fields/{spider.name}/{name}")
        return item


def _jsonable_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in stats.items()
        if isinstance(value, (int, float, str, datetime))
    }


def _default_spool_dir() -> Path:
    """``.scrapy/spool`` of the project, or of the working folder where there is no
    scrapy.cfg: Scrapyd runs a deployed egg, and ``data_path`` would raise NotConfigured
    there, silently turning the pipeline off."""
    try:
        return Path(data_path("spool", createdir=True))
    except NotConfigured:
        path = Path(".scrapy", "spool")
        path.mkdir(parents=True, exist_ok=True)
        return path


class DatabasePipeline:
    """Stores items in batches through one upsert per flush.

    A flush runs at ``DB_BATCH_SIZE`` buffered items, every ``DB_FLUSH_INTERVAL`` seconds (so a
    slow crawl still lands postings promptly) and at close. Flushes take turns, each in its
    own session. ``STORAGE_ENABLED = False`` leaves the pipeline out (export-only runs).
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("STORAGE_ENABLED", True):
            raise NotConfigured("STORAGE_ENABLED is off")
        self.crawler = crawler
        self.url: str = settings["DATABASE_URL"]
        self.batch_size = settings.getint("DB_BATCH_SIZE", 500)
        self.interval = settings.getfloat("DB_FLUSH_INTERVAL", 5.0)
        self.retries = settings.getint("DB_FLUSH_RETRIES", 3)
        self.backoff = settings.getfloat("DB_RETRY_BACKOFF", 1.0)
        spool_dir = settings.get("DB_SPOOL_DIR") or _default_spool_dir()
        self.spool = Spool(Path(spool_dir) / f"{crawler.spidercls.name}.jsonl")
        self.database: Database | None = None
        self.buffer: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._closing = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None
        self._writing: asyncio.Future[None] | None = None
        self._run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    async def open_spider(self) -> None:
        self.opened_at = datetime.now(UTC)
        database = databases.acquire(self.url)
        try:
            before, after = await migrate(database)
            async with database.session() as session:
                self._run_id = await session.scalar(
                    insert(CrawlRun)
                    .values(
                        spider=self.crawler.spider.name,
                        started_at=self.opened_at,
                        items_scraped=0,
                        inserted=0,
                        updated=0,
                        unchanged=0,
                        dropped=0,
                        errors=0,
                        stats={},
                    )
                    .returning(CrawlRun.id)
                )
        except (OSError, SQLAlchemyError, DatabaseTooNew) as exc:
            await databases.release(database)
            reason = exc.orig if isinstance(exc, SQLAlchemyError) and exc.orig else exc
            logger.error(
                "Cannot use the database at %s: %s: %s",
                describe_target(self.url),
                type(reason).__name__,
                str(reason).splitlines()[0] if str(reason) else "",
            )
            raise CloseSpider("database_unavailable") from None
        if before != after:
            logger.info("Migrated the database from %s to %s", before, after)
        self.database = database
        if self.spool:
            # What an earlier crawl could not store goes in before anything new.
            await self.flush()
        self._timer = asyncio.create_task(self._flush_periodically())

    async def process_item(self, item: Any) -> Any:
        self.buffer.append(item_dict(item))
        if len(self.buffer) >= self.batch_size:
            if self._writing is not None and not self._writing.done():
                # One batch is written while the crawl goes on; the next waits for it, so
                # memory stays bounded when the database is slower than the sites.
                await asyncio.shield(self._writing)
            if len(self.buffer) >= self.batch_size:
                self._writing = asyncio.ensure_future(self.flush())
        return item

    async def _flush_periodically(self) -> None:
        while not self._closing.is_set():
            try:
                await asyncio.wait_for(self._closing.wait(), self.interval)
            except TimeoutError:
                await self.flush()

    async def flush(self) -> None:
        """Write the buffer (after anything spooled) in one transaction.

        A failed write is retried with exponential backoff; if the database still refuses
        it, the batch goes to the spool and the crawl goes on.
        """
        async with self._lock:
            if self.database is None or not (self.buffer or self.spool):
                return
            batch, self.buffer = self.buffer, []
            spooled, broken = self.spool.load() if self.spool else ([], 0)
            started = perf_counter()
            for attempt in range(self.retries + 1):
                try:
                    result = await self._store([*spooled, *batch])
                    break
                except Exception as exc:  # the database is unreachable: _store said so
                    self.stats.inc_value("outsourcing/db/flush_errors")
                    error = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                    if attempt < self.retries:
                        delay = self.backoff * 2**attempt
                        logger.warning(
                            "Storing %d items in %s failed (%s); retrying in %.1f s",
                            len(spooled) + len(batch),
                            describe_target(self.url),
                            error,
                            delay,
                        )
                        await asyncio.sleep(delay)
                        continue
                    spooled_now = self.spool.append(batch)
                    self.stats.inc_value("outsourcing/db/spooled", spooled_now)
                    if spooled_now < len(batch):
                        self.stats.inc_value(
                            "outsourcing/dropped/unspoolable", len(batch) - spooled_now
                        )
                    logger.error(
                        "Could not store %d items in %s (%s): spooled to %s for the next flush",
                        len(batch),
                        describe_target(self.url),
                        error,
                        self.spool.path,
                    )
                    return
            if spooled or broken:
                self.spool.remove()
                self.stats.inc_value("outsourcing/db/spool_loaded", len(spooled))
                if broken:
                    self.stats.inc_value("outsourcing/db/spool_broken_lines", broken)
            self.stats.inc_value("outsourcing/db/flushes")
            self.stats.inc_value("outsourcing/db/flush_seconds", perf_counter() - started)
            self.stats.inc_value("outsourcing/db/inserted", result.inserted)
            self.stats.inc_value("outsourcing/db/updated", result.updated)
            self.stats.inc_value("outsourcing/db/unchanged", result.unchanged)
            self.stats.inc_value("outsourcing/db/changes", result.changes)

    async def _store(self, rows: list[dict[str, Any]]) -> BatchResult:
        """Store rows in one transaction; raises only when the database cannot be reached.

        A database that answers yet refuses the batch refuses some row in it (a NUL
        character, a number too large for its column...): the batch is halved until that
        row is alone, and only that row is left out, logged and counted. Retrying or
        spooling the whole batch would refuse it again, and every batch after it.
        """
        assert self.database is not None
        try:
            async with self.database.session() as session:
                return await store_batch(session, rows)
        except Exception as exc:
            if not await self._reachable():
                raise
            if len(rows) > 1:
                half = len(rows) // 2
                first, second = await self._store(rows[:half]), await self._store(rows[half:])
                return BatchResult(
                    *(a + b for a, b in zip(astuple(first), astuple(second), strict=True))
                )
            self.stats.inc_value("outsourcing/dropped/refused_by_database")
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
            logger.error(
                "The database refused %s/%s, left out: %s",
                rows[0].get("platform"),
                rows[0].get("external_id"),
                reason,
            )
            return BatchResult()

    async def _reachable(self) -> bool:
        assert self.database is not None
        try:
            async with self.database.session() as session:
                await session.execute(select(literal(1)))
        except Exception:
            return False
        return True

    async def close_spider(self) -> None:
        if self._timer is not None:
            # Let a flush already under way finish: cancelling it would lose its batch.
            self._closing.set()
            await self._timer
        if self._writing is not None:
            await self._writing
        await self.flush()

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close the crawl's run row (the finish reason is known only now) and the engine."""
        if self.database is None:
            return
        stats = self.stats.get_stats()
        errors = crawl_stats.errors(stats)
        try:
            async with self.database.session() as session:
                if (
                    reason == "finished"
                    and not errors
                    and getattr(spider, "saw_whole_listing", False)
                ):
                    # Only a clean crawl of the whole listing knows what is gone from it.
                    closed = await close_unseen(session, spider.name, self.opened_at)
                    self.stats.set_value("outsourcing/db/closed_unseen", closed)
                await session.execute(
                    update(CrawlRun)
                    .where(CrawlRun.id == self._run_id)
                    .values(
                        finished_at=datetime.now(UTC),
                        finish_reason=reason,
                        items_scraped=stats.get("item_scraped_count", 0),
                        inserted=stats.get("outsourcing/db/inserted", 0),
                        updated=stats.get("outsourcing/db/updated", 0),
                        unchanged=stats.get("outsourcing/db/unchanged", 0),
                        dropped=crawl_stats.dropped(stats),
                        errors=errors,
                        stats=_jsonable_stats(stats),
                        health=stats.get(RECORD_STAT),
                    )
                )
        except (OSError, SQLAlchemyError) as exc:
            logger.error("Could not close the crawl_runs row: %s", exc)
        finally:
            await databases.release(self.database)
            self.database = None
